package m2m

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
	ts, _, src := startTokenSource(t)
	check := func(t *testing.T, what string, answer func(http.ResponseWriter)) {
		t.Helper()
		ts.setFail(func(w http.ResponseWriter, _ url.Values) { answer(w) })
		_, err := src.Token()
		assertNoLeak(t, what, err)
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

// assertNoLeak fails when any text of err (see redacttest.ErrorTexts)
// shows a form of the secret or of accessToken (see redacttest.FindLeak).
func assertNoLeak(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	for name, text := range redacttest.ErrorTexts(err) {
		if leak := redacttest.FindLeak(text, secret, accessToken); leak != "" {
			t.Fatalf("%s: %s of the error shows %s", what, name, leak)
		}
	}
}
