package client

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stytchmw/stytchmw/internal/redact"
	"github.com/stytchmw/stytchmw/internal/redact/redacttest"
)

// FuzzErrorDecoding sends whatever answer the fuzzer makes up — status,
// Retry-After and body — from a real HTTP server, to a request that is
// never retried, and checks what the client makes of it: no panic, a
// typed error for every answer that is not a success, the HTTP status in
// it, and no form of the project's secret in any text of the error (see
// redacttest.FindLeak), wherever the answer held it. The committed corpus (testdata/fuzz/FuzzErrorDecoding) replays on every go
// test; to search for new inputs:
//
//	go test -run '^$' -fuzz '^FuzzErrorDecoding$' ./client
func FuzzErrorDecoding(f *testing.F) {
	basic := base64.StdEncoding.EncodeToString([]byte(testProjectID + ":" + testSecret))
	for _, seed := range []struct {
		status     int
		retryAfter string
		body       string
	}{
		{404, "", `{"status_code":404,"request_id":"r","error_type":"session_not_found","error_message":"Session not found.","error_url":"https://stytch.com/docs/api/errors/404"}`},
		{429, "3", `{"status_code":429,"error_type":"too_many_requests","error_message":"slow down"}`},
		{503, "Wed, 21 Oct 2015 07:28:00 GMT", `<html>Service Unavailable</html>`},
		{400, "", `{"error":"invalid_grant","error_description":"expired","error_uri":"https://example.com"}`},
		{401, "", `{"error_type":"unauthorized_credentials","error_message":"bad secret ` + testSecret + `"}`},
		{502, "", `upstream said: Authorization: Basic ` + basic + ` and ` + testSecret},
		{500, "", `{"error_type":"x","request_id":"` + testSecret + `","error_url":"` + basic + `","error_details":{"echo":"` + testSecret + `"}}`},
		// Whole credentials, then one that straddles the excerpt's window.
		{502, "", strings.Repeat(basic, 4) + strings.Repeat("x", 80) + testSecret},
		{200, "", `{"status_code":200,"session":{"session_id":"s","user_id":"u"},"user":{"user_id":"u"}}`},
		{200, "", `{"session":null}`},
		{201, "", `[1,2]`},
		{200, "", "\xff\xfe{"},
		{418, "-1", "\x00\x01\x7f" + string(utf8.RuneError)},
		{599, "99999999999999999999", `{"error_type":"","error":""}`},
	} {
		f.Add(seed.status, seed.retryAfter, []byte(seed.body))
	}

	// The server plays the answer of the current input: the fuzz function
	// runs one input at a time in each process.
	var (
		mu     sync.Mutex
		answer func(http.ResponseWriter)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		play := answer
		mu.Unlock()
		play(w)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Config{ProjectID: testProjectID, Secret: testSecret, BaseURL: srv.URL,
		HTTPClient: srv.Client(), MaxRetries: -1})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		if status < 200 || status > 599 {
			status = 200 + abs(status)%400 // what a server may answer
		}
		retryAfter = headerSafe(retryAfter)
		mu.Lock()
		answer = func(w http.ResponseWriter) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}
		mu.Unlock()

		resp, err := c.Authenticate(context.Background(), AuthenticateRequest{SessionToken: "token"})
		var (
			se *StytchError
			re *RequestError
		)
		switch {
		case err == nil:
			if status != http.StatusOK && status != http.StatusCreated {
				t.Fatalf("status %d answered without an error", status)
			}
			if resp == nil || resp.Session.SessionID == "" || resp.Session.UserID == "" {
				t.Fatalf("success without a session: %+v", resp)
			}
			return
		case errors.As(err, &se):
			if se.StatusCode != status || se.ErrorType == "" || se.Local {
				t.Fatalf("StytchError %#v for status %d", se, status)
			}
			if status == http.StatusOK || status == http.StatusCreated {
				t.Fatalf("a success status decoded as an API error: %v", err)
			}
		case errors.As(err, &re):
			if re.StatusCode != status || re.Attempts != 1 {
				t.Fatalf("RequestError %#v for status %d", re, status)
			}
			if len(re.BodyExcerpt) > redact.ExcerptBytes || !utf8.ValidString(re.BodyExcerpt) ||
				strings.ContainsFunc(re.BodyExcerpt, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				t.Fatalf("body excerpt %q: too long, not UTF-8 or with control characters", re.BodyExcerpt)
			}
		default:
			t.Fatalf("untyped error %T: %v", err, err)
		}

		// No form of the secret shows, whole or in part.
		for name, text := range redacttest.ErrorTexts(err) {
			if leak := redacttest.FindLeak(text, testSecret); leak != "" {
				t.Fatalf("%s of the error shows %s", name, leak)
			}
		}
	})
}

// headerSafe keeps the printable ASCII of s, so it can be a header value.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}

func abs(n int) int {
	if n < 0 {
		if n = -n; n < 0 {
			return 0 // the most negative int
		}
	}
	return n
}
