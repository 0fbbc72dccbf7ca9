package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stytchmw/stytchmw/internal/redact"
	"github.com/stytchmw/stytchmw/internal/redact/redacttest"
)

// echoCall is a request carrying one of the credentials, whichever the
// upstream then echoes.
type echoCall struct {
	name  string
	value string
	call  func(context.Context, *Client) error
}

func echoCalls() []echoCall {
	authToken := func(ctx context.Context, c *Client) error {
		_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: redacttest.SessionToken})
		return err
	}
	return []echoCall{
		{"project secret", redacttest.Secret, authToken},
		{"session_token", redacttest.SessionToken, authToken},
		{"session_jwt", redacttest.SessionJWT, func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionJWT: redacttest.SessionJWT})
			return err
		}},
		{"access_token", redacttest.AccessToken, func(ctx context.Context, c *Client) error {
			_, err := c.ExchangeAccessToken(ctx, ExchangeAccessTokenRequest{AccessToken: redacttest.AccessToken})
			return err
		}},
		{"Attest token", redacttest.AttestToken, func(ctx context.Context, c *Client) error {
			_, err := c.Attest(ctx, AttestRequest{ProfileID: "profile-1", Token: redacttest.AttestToken, SessionJWT: redacttest.SessionJWT})
			return err
		}},
	}
}

// echoShapes are the answers an upstream may put an echoed form F in.
var echoShapes = []struct {
	name   string
	answer func(w http.ResponseWriter, f string)
}{
	{"text 502", textAnswer(http.StatusBadGateway, "upstream error: %s (end)")},
	{"text 502 ending with it", textAnswer(http.StatusBadGateway, "upstream said: %s")},
	{"text 502 with it many times", func(w http.ResponseWriter, f string) {
		textAnswer(http.StatusBadGateway, "%s")(w, strings.Repeat(f+" ", 30))
	}},
	{"JSON without error_type", jsonEcho(http.StatusServiceUnavailable, `{"message":%[1]s}`)},
	{"Stytch error, every field", jsonEcho(http.StatusBadRequest,
		`{"status_code":400,"request_id":%[1]s,"error_type":%[1]s,"error_message":%[1]s,"error_url":%[1]s,
		  "error_details":{"echo":%[1]s,"list":[%[1]s],%[1]s:"as a name","nested":{"deeper":%[1]s}}}`)},
	{"OAuth error", jsonEcho(http.StatusUnauthorized, `{"error":%[1]s,"error_description":%[1]s,"error_uri":%[1]s}`)},
	{"200 with it in a time", jsonEcho(http.StatusOK,
		`{"user_id":"u","session_token":"t","session":{"session_id":"s","user_id":"u","expires_at":%[1]s}}`)},
	{"200 HTML", textAnswer(http.StatusOK, "<html><body>%s</body></html>")},
	{"malformed status line", rawAnswer("X%s\r\n\r\n")},
	{"malformed header", rawAnswer("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n%s\r\n\r\n")},
}

// rawAnswer writes format, with f in it, as the whole answer and closes the
// connection: net/http quotes a malformed status line or header.
func rawAnswer(format string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, f string) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		_, _ = fmt.Fprintf(buf, format, f)
		_ = buf.Flush()
	}
}

func textAnswer(status int, format string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, f string) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, format, f)
	}
}

// jsonEcho puts f in the JSON answer as a string, '/' escaped PHP's way.
func jsonEcho(status int, format string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, f string) {
		writeJSON(w, status, fmt.Sprintf(format, redacttest.PHPJSONString(f)))
	}
}

// echoServer is an upstream playing the answer set by play.
type echoServer struct {
	*httptest.Server
	mu     sync.Mutex
	answer func(http.ResponseWriter)
}

func newEchoServer(t testing.TB) *echoServer {
	s := &echoServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		play := s.answer
		s.mu.Unlock()
		play(w)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *echoServer) play(answer func(http.ResponseWriter)) {
	s.mu.Lock()
	s.answer = answer
	s.mu.Unlock()
}

func newEchoClient(t testing.TB, url string) *Client {
	c, err := New(Config{ProjectID: testProjectID, Secret: redacttest.Secret, BaseURL: url, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// assertNoLeak fails when any text of err shows a form of a credential.
func assertNoLeak(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for name, text := range redacttest.ErrorTexts(err) {
		if leak := redacttest.FindLeak(text, secrets...); leak != "" {
			t.Fatalf("%s of the error shows %s", name, leak)
		}
	}
}

// TestEchoedCredentialsAreRedacted: an upstream (a proxy, a PHP gateway, a
// confused server) that echoes a credential of the request, in any form it
// may take — escaped, encoded, in base64, cut short — and in any answer
// (text, JSON without error_type, Stytch or OAuth error, a success that
// does not decode, a malformed HTTP answer), puts no form of it into the
// error, however the error is printed, logged or encoded.
func TestEchoedCredentialsAreRedacted(t *testing.T) {
	srv := newEchoServer(t)
	c := newEchoClient(t, srv.URL)
	check := func(t *testing.T, call echoCall, what string, answer func(http.ResponseWriter)) {
		t.Helper()
		srv.play(answer)
		err := call.call(context.Background(), c)
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		for name, text := range redacttest.ErrorTexts(err) {
			if leak := redacttest.FindLeak(text, redacttest.Echoed...); leak != "" {
				t.Fatalf("%s: %s of the error shows %s", what, name, leak)
			}
		}
	}
	for i, call := range echoCalls() {
		for j, form := range redacttest.Forms(testProjectID) {
			// The project secret, token and JWT in every form; the other
			// calls' credentials, which only show that every endpoint's
			// request is covered, in every fourth.
			if i > 2 && j%4 != 0 {
				continue
			}
			t.Run(call.name+"/"+form.Name, func(t *testing.T) {
				f := form.Encode(call.value)
				for _, shape := range echoShapes {
					check(t, call, shape.name, func(w http.ResponseWriter) { shape.answer(w, f) })
				}
				// Cut short by the upstream, at the end of an answer or a field.
				for _, cut := range []int{len(f) * 2 / 3, len(f) - 2} {
					for _, shape := range echoShapes[1:2] {
						check(t, call, fmt.Sprintf("%s cut to %d bytes", shape.name, cut),
							func(w http.ResponseWriter) { shape.answer(w, f[:cut]) })
					}
					check(t, call, fmt.Sprintf("Stytch error cut to %d bytes", cut),
						func(w http.ResponseWriter) { echoShapes[4].answer(w, f[:cut]) })
				}
				// Across the excerpt's edge: the form starts before byte
				// redact.ExcerptBytes of the quoted text and ends after it.
				for _, lead := range excerptEdgeLeads(len(f)) {
					check(t, call, fmt.Sprintf("text with %d bytes before it", lead), func(w http.ResponseWriter) {
						textAnswer(http.StatusBadGateway, "%s")(w, strings.Repeat("x", lead)+f+" and more text after it")
					})
				}
			})
		}
	}
}

// excerptEdgeLeads returns how many bytes to put before a form of n bytes
// so that the excerpt's edge cuts it at several places, near its start,
// in its middle and near its end.
func excerptEdgeLeads(n int) []int {
	var out []int
	for _, inside := range []int{1, redacttest.MinSecretRun - 1, redacttest.MinSecretRun, n / 2, n - 1} {
		if lead := redact.ExcerptBytes - inside; inside > 0 && inside < n && lead >= 0 {
			out = append(out, lead)
		}
	}
	return out
}

// TestRedactionIsBounded: what redaction looks at is bounded, so an
// upstream cannot make an error costly: a Stytch error body larger than
// maxErrorBodyBytes is quoted as an excerpt rather than decoded, and a text
// longer than redact.MaxRedactedBytes is cut before it is redacted.
func TestRedactionIsBounded(t *testing.T) {
	srv := newEchoServer(t)
	c := newEchoClient(t, srv.URL)
	authenticate := func() error {
		_, err := c.Authenticate(context.Background(), AuthenticateRequest{SessionToken: redacttest.SessionToken})
		return err
	}
	t.Run("an error body over the bound is quoted", func(t *testing.T) {
		padding := strings.Repeat("x", maxErrorBodyBytes)
		srv.play(func(w http.ResponseWriter) {
			writeJSON(w, http.StatusNotFound, `{"error_type":"session_not_found","error_message":"`+redacttest.SessionToken+`","pad":"`+padding+`"}`)
		})
		err := authenticate()
		var re *RequestError
		if !errors.As(err, &re) || re.StatusCode != http.StatusNotFound || !strings.Contains(re.BodyExcerpt, "[REDACTED]") {
			t.Fatalf("got %#v, want a *RequestError quoting the redacted body", err)
		}
		assertNoLeak(t, err, redacttest.Echoed...)
	})
	t.Run("a long text is cut, then redacted", func(t *testing.T) {
		// The token straddles the cut: what is left of it is redacted.
		message := strings.Repeat("y", redact.MaxRedactedBytes-20) + redacttest.SessionToken + strings.Repeat("z", 100)
		srv.play(func(w http.ResponseWriter) {
			writeJSON(w, http.StatusBadRequest, `{"error_type":"bad_request","error_message":"`+message+`"}`)
		})
		err := authenticate()
		var se *StytchError
		if !errors.As(err, &se) {
			t.Fatalf("got %v, want a *StytchError", err)
		}
		want := message[:redact.MaxRedactedBytes-20] + "[REDACTED]…"
		if se.ErrorMessage != want {
			t.Fatalf("message ends %q, want it to end %q", se.ErrorMessage[len(se.ErrorMessage)-40:], want[len(want)-40:])
		}
		assertNoLeak(t, err, redacttest.Echoed...)
	})
}
