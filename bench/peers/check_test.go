package peers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
)

// judge sends a token through a subject and returns the status and body.
type judge func(token string) (status int, body string)

// serveHTTP judges by calling the handler directly, as the benchmarks do.
func serveHTTP(h http.Handler) judge {
	return func(token string) (int, string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
}

// overHTTP judges through a real HTTP server on loopback.
func overHTTP(tb testing.TB, h http.Handler) judge {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return func(token string) (int, string) {
		r, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			tb.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(r)
		if err != nil {
			tb.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			tb.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
}

// checkCases fails tb unless judge accepts the valid case — 200, and the
// handler behind read the session's user and first role — and refuses each
// of the others with 401. A tampered token, a wrong issuer or a wrong
// audience must cost no request to the API (neither a key fetch nor a
// remote authentication); an expired token may be taken to the API, as
// Stytch can refresh an expired JWT of a live session.
func checkCases(tb testing.TB, name string, judge judge, cases []fixture.Case) {
	tb.Helper()
	for _, c := range cases {
		before := api.Requests()
		status, body := judge(c.Token)
		after := api.Requests()
		switch {
		case c.Accept:
			if want := c.UserID + " " + fixture.Roles[0]; status != http.StatusOK || body != want {
				tb.Errorf("%s: %s token: got %d %q, want 200 %q", name, c.Name, status, body, want)
			}
		case status != http.StatusUnauthorized:
			tb.Errorf("%s: %s token: got %d %q, want 401", name, c.Name, status, body)
		case c.Name != "expired" && after != before:
			tb.Errorf("%s: %s token cost API requests: %+v before, %+v after", name, c.Name, before, after)
		}
	}
}
