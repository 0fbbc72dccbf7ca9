package m2m

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/redact"
)

// errNotOAuthJSON is the cause of a RequestError for a failed answer that
// is not an OAuth JSON error.
var errNotOAuthJSON = errors.New("answer is not an OAuth JSON error")

// convert turns an error of the oauth2 package into the client package's
// error types, every text of them redacted as the client redacts its own:
// the token endpoint (or a proxy before it) may echo the request form, and
// so the client secret, in any encoding, and a failed answer may hold an
// access token (a success a proxy turned into an error, or an OAuth error
// beside a token), which is redacted too.
func (ts *TokenSource) convert(err error) error {
	var re *oauth2.RetrieveError
	var answer []byte
	if errors.As(err, &re) {
		answer = re.Body
	}
	red := redact.New(append(redact.Credentials(nil, answer), ts.secret())...)
	fail := &client.RequestError{Method: http.MethodPost, Path: ts.path, Attempts: 1}
	if re == nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is the token endpoint's, already in Path
		}
		fail.Err = red.Err(err)
		return fail
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	if re.ErrorCode == "" {
		fail.StatusCode, fail.BodyExcerpt, fail.Err = status, red.Excerpt(re.Body), errNotOAuthJSON
		return fail
	}
	var body struct {
		RequestID string `json:"request_id"`
	}
	_ = json.Unmarshal(re.Body, &body)
	return &client.StytchError{
		StatusCode:   status,
		RequestID:    red.Redact(body.RequestID),
		ErrorType:    client.ErrorType(red.Redact(re.ErrorCode)),
		ErrorMessage: red.Redact(re.ErrorDescription),
		ErrorURL:     red.Redact(re.ErrorURI),
	}
}
