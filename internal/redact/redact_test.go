package redact

import (
	"bufio"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stytchmw/stytchmw/internal/redact/redacttest"
)

// projectID is the user name of the Basic credentials in redacttest.Forms.
const projectID = "project-test-1d8c5a8e-2b1e-4a66-9c1e-0a3f6f1f2b7c"

var forms = redacttest.Forms(projectID)

// echoShapes are the places a text that holds an echoed form f reaches a
// Redactor from, each as a client makes them: a body quoted as an excerpt,
// an error answer decoded from JSON, and errors that encoding/json and
// net/http make quoting the answer. Each returns every text that may be
// printed. Fuzz corpora pick a shape by its index: append new ones.
var echoShapes = []struct {
	name   string
	redact func(r *Redactor, f string) []string
}{
	{"text excerpt", excerptOf("upstream error: %s (end)")},
	{"text excerpt ending with it", excerptOf("upstream said: %s")},
	{"text excerpt with it many times", func(r *Redactor, f string) []string {
		return excerptOf("%s")(r, strings.Repeat(f+" ", 30))
	}},
	{"excerpt of JSON", func(r *Redactor, f string) []string {
		return excerptOf(`{"message":%s}`)(r, redacttest.PHPJSONString(f))
	}},
	{"JSON error, every field", decodedJSON(`{"status_code":400,"request_id":%[1]s,"error_type":%[1]s,"error_message":%[1]s,"error_url":%[1]s,
		"error_details":{"echo":%[1]s,"list":[%[1]s],%[1]s:"as a name","nested":{"deeper":%[1]s}}}`)},
	{"OAuth error", decodedJSON(`{"error":%[1]s,"error_description":%[1]s,"error_uri":%[1]s}`)},
	{"decoding error quoting it", func(r *Redactor, f string) []string {
		var v struct{ ExpiresAt time.Time }
		err := json.Unmarshal([]byte(`{"ExpiresAt":`+redacttest.PHPJSONString(f)+`}`), &v)
		return errorTexts(r, err)
	}},
	{"HTML excerpt", excerptOf("<html><body>%s</body></html>")},
	{"malformed status line", readResponse("X%s\r\n\r\n")},
	{"malformed header", readResponse("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n%s\r\n\r\n")},
}

// excerptOf quotes a body made of format and f, and redacts it whole.
func excerptOf(format string) func(*Redactor, string) []string {
	return func(r *Redactor, f string) []string {
		body := fmt.Sprintf(format, f)
		return []string{r.Excerpt([]byte(body)), r.Redact(body)}
	}
}

// decodedJSON decodes a JSON body with f in it as a JSON string, redacts the
// value, and encodes it again, as fmt and encoding/json print an error.
func decodedJSON(format string) func(*Redactor, string) []string {
	return func(r *Redactor, f string) []string {
		var v any
		body := fmt.Sprintf(format, redacttest.PHPJSONString(f))
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			panic(fmt.Sprintf("%q: %v", body, err))
		}
		v = r.JSON(v)
		out, _ := json.Marshal(v)
		return []string{string(out), fmt.Sprintf("%+v", v)}
	}
}

// readResponse has net/http read an answer made of format and f: it
// quotes a malformed status line or header in its error.
func readResponse(format string) func(*Redactor, string) []string {
	return func(r *Redactor, f string) []string {
		res, err := http.ReadResponse(bufio.NewReader(strings.NewReader(fmt.Sprintf(format, f))), nil)
		if err == nil {
			res.Body.Close()
			return nil
		}
		return errorTexts(r, err)
	}
}

func errorTexts(r *Redactor, err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	for _, text := range redacttest.ErrorTexts(r.Err(err)) {
		out = append(out, text)
	}
	return out
}

// checkNoLeak fails when a text of shape, holding f, shows a credential.
func checkNoLeak(t *testing.T, r *Redactor, shape int, f, what string) {
	t.Helper()
	for _, text := range echoShapes[shape].redact(r, f) {
		if leak := redacttest.FindLeak(text, redacttest.Echoed...); leak != "" {
			t.Fatalf("%s, %s: shows %s", echoShapes[shape].name, what, leak)
		}
	}
}

// TestEveryFormIsRedacted: every form of every credential, whole, cut
// short, or across the excerpt's edge, in every shape, leaves no run of
// MinSecretRun bytes of a credential in any text (see redacttest.FindLeak).
func TestEveryFormIsRedacted(t *testing.T) {
	r := New(redacttest.Echoed...)
	for _, secret := range redacttest.Echoed {
		for _, form := range forms {
			t.Run(secret[:16]+"/"+form.Name, func(t *testing.T) {
				f := form.Encode(secret)
				for shape := range echoShapes {
					checkNoLeak(t, r, shape, f, "whole")
				}
				for _, cut := range []int{len(f) * 2 / 3, len(f) - 2} {
					checkNoLeak(t, r, 1, f[:cut], fmt.Sprintf("cut to %d bytes", cut))
					checkNoLeak(t, r, 4, f[:cut], fmt.Sprintf("cut to %d bytes", cut))
				}
				// The excerpt's edge cuts the form near its start, in its
				// middle and near its end.
				for _, inside := range []int{1, MinSecretRun - 1, MinSecretRun, len(f) / 2, len(f) - 1} {
					lead := ExcerptBytes - inside
					if inside <= 0 || inside >= len(f) || lead < 0 {
						continue
					}
					excerpt := r.Excerpt([]byte(strings.Repeat("x", lead) + f + " and more text after it"))
					if leak := redacttest.FindLeak(excerpt, redacttest.Echoed...); leak != "" {
						t.Fatalf("%d bytes inside the excerpt: shows %s", inside, leak)
					}
				}
			})
		}
	}
}

// TestRedactionKeepsOrdinaryText: what is not a credential's run of
// MinSecretRun bytes stays as it was written, and what is becomes one
// marker.
func TestRedactionKeepsOrdinaryText(t *testing.T) {
	secret, token := redacttest.Secret, redacttest.SessionToken
	basic := base64.StdEncoding.EncodeToString([]byte(projectID + ":" + secret))
	cases := []struct{ name, message, want string }{
		{"plain message", "Secret rejected: check the project secret.", ""},
		{"the public prefix of a secret", "secrets start with secret-test- or secret-live-", ""},
		{"the project id", "unknown project " + projectID, ""},
		{"a run one byte short of the minimum", "token " + token[:MinSecretRun-1] + "…", ""},
		{"a run of the minimum", "token " + token[:MinSecretRun] + "…", "token [REDACTED]…"},
		{"the secret past its public prefix", "key secret-test-Pq7 was cut", "key [REDACTED] was cut"},
		{"the whole secret", "bad secret " + secret + ".", "bad secret [REDACTED]."},
		{"the token query-escaped", "token=" + url.QueryEscape(token) + "&x=1", "token=[REDACTED]&x=1"},
		{"the token JSON-escaped", `{"session_token":"` + redacttest.PHPJSON(token) + `"}`, `{"session_token":"[REDACTED]"}`},
		{"the Basic header keeps the project id's base64", "Authorization: " + basic,
			"Authorization: " + basic[:(len(projectID)+1)*8/6] + "[REDACTED]"},
	}
	r := New(secret, token)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := cmp.Or(tc.want, tc.message)
			if got := r.Redact(tc.message); got != want {
				t.Fatalf("Redact = %q, want %q", got, want)
			}
		})
	}
}

// TestRedactionIsBounded: a text longer than MaxRedactedBytes is cut, then
// redacted, so what is left of a credential the cut went through is
// redacted too; an excerpt is at most ExcerptBytes of valid UTF-8 without
// control characters.
func TestRedactionIsBounded(t *testing.T) {
	r := New(redacttest.SessionToken)
	text := strings.Repeat("y", MaxRedactedBytes-20) + redacttest.SessionToken + strings.Repeat("z", 100)
	if got, want := r.Redact(text), text[:MaxRedactedBytes-20]+Marker+"…"; got != want {
		t.Fatalf("Redact ends %q, want it to end %q", got[len(got)-40:], want[len(want)-40:])
	}
	body := []byte(strings.Repeat("é\x00\n", ExcerptBytes) + "\xff")
	got := r.Excerpt(body)
	if len(got) > ExcerptBytes || !utf8.ValidString(got) || strings.ContainsAny(got, "\x00\n") {
		t.Fatalf("Excerpt %q: too long, not UTF-8 or with control characters", got)
	}
}

// TestErrKeepsAnErrorWithoutSecrets: Err returns an error whose text holds
// no secret as it is (errors.Is still matches it), and replaces one whose
// text does with its redacted text alone.
func TestErrKeepsAnErrorWithoutSecrets(t *testing.T) {
	r := New(redacttest.SessionToken)
	plain := fmt.Errorf("read: %w", http.ErrBodyReadAfterClose)
	if got := r.Err(plain); got != plain {
		t.Fatalf("Err(%v) = %v, want it unchanged", plain, got)
	}
	leaky := fmt.Errorf("bad token %s: %w", redacttest.SessionToken, http.ErrBodyReadAfterClose)
	got := r.Err(leaky)
	if got.Error() != "bad token [REDACTED]: "+http.ErrBodyReadAfterClose.Error() {
		t.Fatalf("Err = %q", got)
	}
	if r.Err(nil) != nil {
		t.Fatal("Err(nil) is not nil")
	}
}

// BenchmarkRedact measures the error path's redaction: building the
// Redactor of a request and redacting one text, from a usual error message
// to the longest text redacted (MaxRedactedBytes), all escapes.
func BenchmarkRedact(b *testing.B) {
	secrets := []string{redacttest.Secret, redacttest.SessionToken}
	for _, bc := range []struct{ name, text string }{
		{"message", "Session could not be found."},
		{"16KiB text", strings.Repeat("upstream error ", MaxRedactedBytes/15)},
		{"16KiB escapes", strings.Repeat(`%5Cu0041`, MaxRedactedBytes/8)},
		{"16KiB escapes of every kind", strings.Repeat(`\\%255C&amp;#37;`, MaxRedactedBytes/16)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				_ = New(secrets...).Redact(bc.text)
			}
		})
	}
}
