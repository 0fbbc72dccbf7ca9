package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The credentials of the echo tests hold '/', '+' and '=', so that every
// encoding below differs from the value itself.
const (
	echoSecret = "secret-test-Pq7/xR+2zK9wV/bN4+mJ8sL0=hT6yD3cF1gQ"
	echoToken  = "Zx8/Qw+Er5Ty7/Ui9+Op2As4Df6Gh8Jk0Lz1Xc3Vb5N="
	echoAccess = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImZ1bGxfYWNjZXNzIn0.Wk9_sQ-4rT7uVx2yZa5bCd8eFg1hIj"
	echoAttest = "trusted-auth-token/Hn3+Km6/Pr9+St2Vw5=Yz8"
)

// echoJWT is shaped like a session JWT, with the project's usual header.
var echoJWT = fixtureJWT[:strings.IndexByte(fixtureJWT, '.')+1] +
	base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"user-test-16d9ba61","https://stytch.com/session":{"id":"session-test-fe6c042b"},"exp":1763000000}`)) +
	".c2lnbmF0dXJl-Tm90QVJlYWxTaWduYXR1cmU_QnV0TG9uZ0Vub3VnaA"

// echoSecrets are every credential the echo tests send.
var echoSecrets = []string{echoSecret, echoToken, echoAccess, echoAttest, echoJWT}

// echoCall is a request carrying one of the credentials, whichever the
// upstream then echoes.
type echoCall struct {
	name  string
	value string
	call  func(context.Context, *Client) error
}

func echoCalls() []echoCall {
	authToken := func(ctx context.Context, c *Client) error {
		_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: echoToken})
		return err
	}
	return []echoCall{
		{"project secret", echoSecret, authToken},
		{"session_token", echoToken, authToken},
		{"session_jwt", echoJWT, func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionJWT: echoJWT})
			return err
		}},
		{"access_token", echoAccess, func(ctx context.Context, c *Client) error {
			_, err := c.ExchangeAccessToken(ctx, ExchangeAccessTokenRequest{AccessToken: echoAccess})
			return err
		}},
		{"Attest token", echoAttest, func(ctx context.Context, c *Client) error {
			_, err := c.Attest(ctx, AttestRequest{ProfileID: "profile-1", Token: echoAttest, SessionJWT: echoJWT})
			return err
		}},
	}
}

// phpJSON escapes '/' as PHP's json_encode does by default.
func phpJSON(s string) string { return strings.ReplaceAll(s, "/", `\/`) }

// phpJSONString is s as a JSON string, '/' escaped PHP's way.
func phpJSONString(s string) string {
	b, _ := json.Marshal(s)
	return phpJSON(string(b))
}

func eachByte(format string) func(string) string {
	return func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, format, s[i])
		}
		return b.String()
	}
}

var percentHex = regexp.MustCompile(`%[0-9A-F]{2}`)

func b64(enc *base64.Encoding, prefix string) func(string) string {
	return func(s string) string { return enc.EncodeToString([]byte(prefix + s)) }
}

// echoForms are the ways an upstream may echo a credential.
var echoForms = []struct {
	name   string
	encode func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"JSON, '/' escaped (PHP)", phpJSON},
	{`JSON \u00xx`, eachByte(`\u%04x`)},
	{`JSON \u00XX`, eachByte(`\u%04X`)},
	{`JavaScript \xXX`, eachByte(`\x%02X`)},
	{"backslash before punctuation", func(s string) string {
		return regexp.MustCompile(`[^0-9A-Za-z]`).ReplaceAllString(s, `\$0`)
	}},
	{"query escape", url.QueryEscape},
	{"query escape, lower-case hex", func(s string) string {
		return percentHex.ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower)
	}},
	{"path escape", url.PathEscape},
	{"every byte percent-encoded", eachByte("%%%02x")},
	{"form body", func(s string) string { return url.Values{"session_token": {s}, "a": {"b"}}.Encode() }},
	{"query escape of PHP JSON", func(s string) string { return url.QueryEscape(phpJSON(s)) }},
	{"query-escaped twice", func(s string) string { return url.QueryEscape(url.QueryEscape(s)) }},
	{"HTML decimal references", eachByte("&#%d;")},
	{"HTML hex references", eachByte("&#x%x;")},
	{"Basic, standard base64", func(s string) string {
		return "Basic " + b64(base64.StdEncoding, testProjectID+":")(s)
	}},
	{"Basic, standard base64 unpadded", b64(base64.RawStdEncoding, testProjectID+":")},
	{"Basic, URL base64", b64(base64.URLEncoding, testProjectID+":")},
	{"Basic, URL base64 unpadded", b64(base64.RawURLEncoding, testProjectID+":")},
	{"base64", b64(base64.StdEncoding, "")},
	{"base64 after one byte", b64(base64.StdEncoding, "x")},
	{"base64 after two bytes", b64(base64.URLEncoding, "xy")},
	{"query-escaped base64", func(s string) string { return url.QueryEscape(b64(base64.StdEncoding, testProjectID+":")(s)) }},
	{"PHP JSON of base64", func(s string) string { return phpJSON(b64(base64.StdEncoding, testProjectID+":")(s)) }},
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
		writeJSON(w, status, fmt.Sprintf(format, phpJSONString(f)))
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
	c, err := New(Config{ProjectID: testProjectID, Secret: echoSecret, BaseURL: url, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// errorTexts is everything a program may print or log of err, by how it
// was made, each distinct text once.
func errorTexts(err error) map[string]string {
	out := map[string]string{}
	seen := map[string]bool{}
	for name, text := range allErrorTexts(err) {
		if !seen[text] {
			seen[text] = true
			out[name] = text
		}
	}
	return out
}

func allErrorTexts(err error) map[string]string {
	out := map[string]string{"Error()": err.Error()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out[verb] = fmt.Sprintf(verb, err)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Warn("stytch failed", "err", err)
	slog.New(slog.NewJSONHandler(&js, nil)).Warn("stytch failed", "err", err)
	out["slog text"], out["slog JSON"] = text.String(), js.String()
	b, jerr := json.Marshal(err)
	out["JSON"] = string(b) + fmt.Sprint(jerr)
	var se *StytchError
	var re *RequestError
	switch {
	case errors.As(err, &se):
		b, _ := json.Marshal(se)
		out["JSON of the *StytchError"] = string(b)
	case errors.As(err, &re):
		b, _ := json.Marshal(re)
		out["JSON of the *RequestError"] = string(b)
		if re.Err != nil {
			out["RequestError.Err"] = fmt.Sprintf("%+v", re.Err)
		}
	}
	return out
}

// assertNoLeak fails when any text of err shows a form of a credential.
func assertNoLeak(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for name, text := range errorTexts(err) {
		if leak := findLeak(text, secrets...); leak != "" {
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
		for name, text := range errorTexts(err) {
			if leak := findLeak(text, echoSecrets...); leak != "" {
				t.Fatalf("%s: %s of the error shows %s", what, name, leak)
			}
		}
	}
	for i, call := range echoCalls() {
		for j, form := range echoForms {
			// The project secret, token and JWT in every form; the other
			// calls' credentials, which only show that every endpoint's
			// request is covered, in every fourth.
			if i > 2 && j%4 != 0 {
				continue
			}
			t.Run(call.name+"/"+form.name, func(t *testing.T) {
				f := form.encode(call.value)
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
				// excerptBytes of the quoted text and ends after it.
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
	for _, inside := range []int{1, minSecretRun - 1, minSecretRun, n / 2, n - 1} {
		if lead := excerptBytes - inside; inside > 0 && inside < n && lead >= 0 {
			out = append(out, lead)
		}
	}
	return out
}

// TestRedactionKeepsOrdinaryText: what is not a credential's run of
// minSecretRun bytes stays as the upstream wrote it, and what is becomes
// one marker.
func TestRedactionKeepsOrdinaryText(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(testProjectID + ":" + echoSecret))
	cases := []struct{ name, message, want string }{
		{"plain message", "Secret rejected: check the project secret.", ""},
		{"the public prefix of a secret", "secrets start with secret-test- or secret-live-", ""},
		{"the project id", "unknown project " + testProjectID, ""},
		{"a run one byte short of the minimum", "token " + echoToken[:minSecretRun-1] + "…", ""},
		{"a run of the minimum", "token " + echoToken[:minSecretRun] + "…", "token [REDACTED]…"},
		{"the secret past its public prefix", "key secret-test-Pq7 was cut", "key [REDACTED] was cut"},
		{"the whole secret", "bad secret " + echoSecret + ".", "bad secret [REDACTED]."},
		{"the token query-escaped", "token=" + url.QueryEscape(echoToken) + "&x=1", "token=[REDACTED]&x=1"},
		{"the token JSON-escaped", `{"session_token":"` + phpJSON(echoToken) + `"}`, `{"session_token":"[REDACTED]"}`},
		{"the Basic header keeps the project id's base64", "Authorization: " + basic,
			"Authorization: " + basic[:(len(testProjectID)+1)*8/6] + "[REDACTED]"},
	}
	srv := newEchoServer(t)
	c := newEchoClient(t, srv.URL)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.play(func(w http.ResponseWriter) {
				body, _ := json.Marshal(map[string]string{"error_type": "bad_request", "error_message": tc.message})
				writeJSON(w, http.StatusBadRequest, string(body))
			})
			_, err := c.Authenticate(context.Background(), AuthenticateRequest{SessionToken: echoToken})
			var se *StytchError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *StytchError", err)
			}
			want := cmp.Or(tc.want, tc.message)
			if se.ErrorMessage != want {
				t.Fatalf("message %q, want %q", se.ErrorMessage, want)
			}
		})
	}
}

// TestRedactionIsBounded: what redaction looks at is bounded, so an
// upstream cannot make an error costly: a Stytch error body larger than
// maxErrorBodyBytes is quoted as an excerpt rather than decoded, and a text
// longer than maxRedactedBytes is cut before it is redacted.
func TestRedactionIsBounded(t *testing.T) {
	srv := newEchoServer(t)
	c := newEchoClient(t, srv.URL)
	authenticate := func() error {
		_, err := c.Authenticate(context.Background(), AuthenticateRequest{SessionToken: echoToken})
		return err
	}
	t.Run("an error body over the bound is quoted", func(t *testing.T) {
		padding := strings.Repeat("x", maxErrorBodyBytes)
		srv.play(func(w http.ResponseWriter) {
			writeJSON(w, http.StatusNotFound, `{"error_type":"session_not_found","error_message":"`+echoToken+`","pad":"`+padding+`"}`)
		})
		err := authenticate()
		var re *RequestError
		if !errors.As(err, &re) || re.StatusCode != http.StatusNotFound || !strings.Contains(re.BodyExcerpt, "[REDACTED]") {
			t.Fatalf("got %#v, want a *RequestError quoting the redacted body", err)
		}
		assertNoLeak(t, err, echoSecrets...)
	})
	t.Run("a long text is cut, then redacted", func(t *testing.T) {
		// The token straddles the cut: what is left of it is redacted.
		message := strings.Repeat("y", maxRedactedBytes-20) + echoToken + strings.Repeat("z", 100)
		srv.play(func(w http.ResponseWriter) {
			writeJSON(w, http.StatusBadRequest, `{"error_type":"bad_request","error_message":"`+message+`"}`)
		})
		err := authenticate()
		var se *StytchError
		if !errors.As(err, &se) {
			t.Fatalf("got %v, want a *StytchError", err)
		}
		want := message[:maxRedactedBytes-20] + "[REDACTED]…"
		if se.ErrorMessage != want {
			t.Fatalf("message ends %q, want it to end %q", se.ErrorMessage[len(se.ErrorMessage)-40:], want[len(want)-40:])
		}
		assertNoLeak(t, err, echoSecrets...)
	})
}

// BenchmarkRedact measures the error path's redaction: building the
// redactor of a request and redacting one text, from a usual error message
// to the longest text redacted (maxRedactedBytes), all escapes.
func BenchmarkRedact(b *testing.B) {
	secrets := []string{echoSecret, echoToken}
	for _, bc := range []struct{ name, text string }{
		{"message", "Session could not be found."},
		{"16KiB text", strings.Repeat("upstream error ", maxRedactedBytes/15)},
		{"16KiB escapes", strings.Repeat(`%5Cu0041`, maxRedactedBytes/8)},
		{"16KiB escapes of every kind", strings.Repeat(`\\%255C&amp;#37;`, maxRedactedBytes/16)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				_ = newRedactor(secrets).redact(bc.text)
			}
		})
	}
}
