package m2m

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/redact"
	"github.com/stytchmw/stytchmw/internal/redact/redacttest"
)

// accessToken is an access token a token endpoint's failed answer holds.
const accessToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtMm0tY2xpZW50In0.Zm9vYmFy-c2lnbmF0dXJl_Tm90UmVhbA"

// echoShapes are the failed answers a token endpoint, or a proxy before
// it, may put an echoed form f of a credential in.
var echoShapes = []struct {
	name   string
	answer func(w http.ResponseWriter, f string)
}{
	{"OAuth error", oauthEcho(http.StatusUnauthorized)},
	{"OAuth error with status 200", oauthEcho(http.StatusOK)},
	{"text 502", textEcho("upstream error: %s (end)")},
	{"text 502 ending with it", textEcho("upstream said: %s")},
	{"text 502 with it many times", func(w http.ResponseWriter, f string) {
		textEcho("%s")(w, strings.Repeat(f+" ", 20))
	}},
	{"JSON 502 without error", func(w http.ResponseWriter, f string) {
		writeJSON(w, http.StatusBadGateway, `{"message":`+redacttest.PHPJSONString(f)+`}`)
	}},
	{"malformed status line", func(w http.ResponseWriter, f string) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		_, _ = fmt.Fprintf(buf, "X%s\r\n\r\n", f)
		_ = buf.Flush()
	}},
}

// oauthEcho answers an OAuth error with f in every field, '/' escaped
// PHP's way.
func oauthEcho(status int) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, f string) {
		q := redacttest.PHPJSONString(f)
		writeJSON(w, status, `{"error":"invalid_client","error_description":`+q+`,"error_uri":`+q+`,"request_id":`+q+`}`)
	}
}

func textEcho(format string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, f string) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, format, f)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprint(w, body)
}

// TestEchoedSecretIsRedacted: a token endpoint (or a proxy before it) that
// echoes the client secret, in any form an upstream may give it — JSON-
// or PHP-escaped, percent-encoded (the secret holds '+', '/' and '='), in
// the base64 of Basic credentials, cut short by the upstream or by the
// excerpt's edge — in any failed answer, puts no form of it into the error
// Token returns, however it is printed, logged or encoded.
func TestEchoedSecretIsRedacted(t *testing.T) {
	ts := &tokenServer{t: t}
	srv := httptest.NewServer(ts)
	t.Cleanup(srv.Close)
	src, err := New(testConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, what string, answer func(http.ResponseWriter)) {
		t.Helper()
		ts.setFail(func(w http.ResponseWriter, _ url.Values) { answer(w) })
		_, err := src.Token()
		assertNoLeak(t, what, err, secret)
	}
	for _, form := range redacttest.Forms(clientID) {
		t.Run(form.Name, func(t *testing.T) {
			f := form.Encode(secret)
			for _, shape := range echoShapes {
				check(t, shape.name, func(w http.ResponseWriter) { shape.answer(w, f) })
			}
			// Cut short by the upstream, at the end of an answer or a field.
			for _, cut := range []int{len(f) * 2 / 3, len(f) - 2} {
				check(t, fmt.Sprintf("text cut to %d bytes", cut), func(w http.ResponseWriter) { echoShapes[3].answer(w, f[:cut]) })
				check(t, fmt.Sprintf("OAuth error cut to %d bytes", cut), func(w http.ResponseWriter) { echoShapes[0].answer(w, f[:cut]) })
			}
			// Across the excerpt's edge: the form starts before byte
			// ExcerptBytes of the quoted body and ends after it.
			for _, inside := range []int{1, redacttest.MinSecretRun - 1, redacttest.MinSecretRun, len(f) / 2, len(f) - 1} {
				lead := redact.ExcerptBytes - inside
				if inside <= 0 || inside >= len(f) || lead < 0 {
					continue
				}
				check(t, fmt.Sprintf("text with %d bytes before it", lead), func(w http.ResponseWriter) {
					textEcho("%s")(w, strings.Repeat("x", lead)+f+" and more text after it")
				})
			}
		})
	}
}

// TestEchoedRequestIsRedacted: an answer that echoes the whole request
// form, or that holds an access token yet fails (a proxy turning the token
// endpoint's success into an error, or an OAuth error beside a token),
// puts neither the secret nor the access token into the error.
func TestEchoedRequestIsRedacted(t *testing.T) {
	cases := []struct {
		name   string
		answer func(w http.ResponseWriter, form url.Values)
	}{
		{"form echoed in a text", func(w http.ResponseWriter, form url.Values) {
			textEcho("bad request body %s")(w, form.Encode())
		}},
		{"form echoed in an OAuth error", func(w http.ResponseWriter, form url.Values) {
			oauthEcho(http.StatusBadRequest)(w, "request was "+form.Encode())
		}},
		{"form echoed, then cut at the excerpt's edge", func(w http.ResponseWriter, form url.Values) {
			body := form.Encode()
			lead := redact.ExcerptBytes - strings.Index(body, "client_secret=") - len("client_secret=") - 20
			textEcho("%s")(w, strings.Repeat("x", max(lead, 0))+body)
		}},
		{"token answer turned into a 502", func(w http.ResponseWriter, _ url.Values) {
			writeJSON(w, http.StatusBadGateway, `{"access_token":"`+accessToken+`","token_type":"bearer","expires_in":3600}`)
		}},
		{"token answer as a form, turned into a 502", func(w http.ResponseWriter, _ url.Values) {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, url.Values{"access_token": {accessToken}, "token_type": {"bearer"}}.Encode())
		}},
		{"OAuth error beside a token, quoting it", func(w http.ResponseWriter, _ url.Values) {
			q := redacttest.PHPJSONString("token " + accessToken + " lacks a scope")
			writeJSON(w, http.StatusOK, `{"access_token":"`+accessToken+`","error":"invalid_scope","error_description":`+q+`,"request_id":`+q+`}`)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := &tokenServer{t: t}
			ts.setFail(tc.answer)
			srv := httptest.NewServer(ts)
			t.Cleanup(srv.Close)
			src, err := New(testConfig(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			_, err = src.Token()
			assertNoLeak(t, "Token", err, secret, accessToken)
			var se *client.StytchError
			var re *client.RequestError
			if !errors.As(err, &se) && !errors.As(err, &re) {
				t.Fatalf("error %#v, want a *client.StytchError or *client.RequestError", err)
			}
			// Through the http.Client the error is the same, wrapped.
			_, err = src.Client(nil).Get(srv.URL + "/api")
			assertNoLeak(t, "Client", err, secret, accessToken)
		})
	}
}

// assertNoLeak fails when any text of err shows a form of a credential.
func assertNoLeak(t *testing.T, what string, err error, credentials ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	for name, text := range redacttest.ErrorTexts(err) {
		if leak := redacttest.FindLeak(text, credentials...); leak != "" {
			t.Fatalf("%s: %s of the error shows %s", what, name, leak)
		}
	}
}
