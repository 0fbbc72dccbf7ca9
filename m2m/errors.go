package m2m

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/stytchmw/stytchmw/client"
)

// errNotOAuthJSON is the cause of a RequestError for a failed answer that
// is not an OAuth JSON error.
var errNotOAuthJSON = errors.New("answer is not an OAuth JSON error")

// excerptBytes is how much of a body a RequestError quotes, as in client.
const excerptBytes = 128

// convert turns an error of the oauth2 package into the client package's
// error types, with every form of the client secret removed from its
// texts: the token endpoint (or a proxy before it) may echo the request.
func (ts *TokenSource) convert(err error) error {
	secrets := ts.secrets()
	fail := &client.RequestError{Method: http.MethodPost, Path: ts.path, Attempts: 1}
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if re.ErrorCode != "" {
			var body struct {
				RequestID string `json:"request_id"`
			}
			_ = json.Unmarshal(re.Body, &body)
			return &client.StytchError{
				StatusCode:   status,
				RequestID:    redact(body.RequestID, secrets),
				ErrorType:    client.ErrorType(redact(re.ErrorCode, secrets)),
				ErrorMessage: redact(re.ErrorDescription, secrets),
				ErrorURL:     redact(re.ErrorURI, secrets),
			}
		}
		fail.StatusCode, fail.BodyExcerpt, fail.Err = status, excerpt(re.Body, secrets), errNotOAuthJSON
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is the token endpoint's, already in Path
		}
		if text := err.Error(); redact(text, secrets) != text {
			err = errors.New(redact(text, secrets))
		}
		fail.Err = err
	}
	return fail
}

// secretForms lists how the secret may show in an answer: as sent in the
// form, raw, and escaped in a JSON string.
func secretForms(secret string) []string {
	quoted, _ := json.Marshal(secret)
	forms := []string{url.QueryEscape(secret), url.PathEscape(secret), secret, string(quoted[1 : len(quoted)-1])}
	// Longest first, so that no shorter form leaves part of a longer one.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return forms
}

func redact(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[REDACTED]")
		}
	}
	return s
}

// excerpt is the start of a body as printable text without the secrets.
func excerpt(body []byte, secrets []string) string {
	s := strings.ToValidUTF8(string(body[:min(len(body), 4*excerptBytes+3*maxSecretBytes)]), string(utf8.RuneError))
	s = redact(s, secrets)
	if len(s) > excerptBytes {
		s = strings.ToValidUTF8(s[:excerptBytes], "")
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
