package client

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
)

// publicForm is the body of a request to one of a project's public OAuth
// endpoints (/v1/public/{project_id}/oauth2/…). Those take an HTML form and
// authenticate the caller by the client_id and client_secret in it, so the
// request is sent form-encoded and without the project's Basic credentials
// (RFC 6749 §2.3 allows one authentication method per request).
//
// It is a map of strings so that do encodes it, like every other body, as a
// JSON object of top-level strings: the redaction of errors reads the
// request's secrets (client_secret, the token being introspected) from that
// JSON as it reads the session tokens of a JSON request, and asPublicForm
// turns the same JSON into the form actually sent.
type publicForm map[string]string

// asPublicForm rewrites req, built for a JSON request with the project's
// credentials, into the form request of a publicForm whose JSON is payload.
func asPublicForm(req *http.Request, payload []byte) {
	var fields map[string]string
	_ = json.Unmarshal(payload, &fields) // payload is the JSON of a publicForm
	form := make(url.Values, len(fields))
	for k, v := range fields {
		form.Set(k, v)
	}
	encoded := []byte(form.Encode())
	req.Body = io.NopCloser(bytes.NewReader(encoded))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(encoded)), nil }
	req.ContentLength = int64(len(encoded))
	req.Header.Del("Authorization")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
}

// publicPath is the path of a project's public OAuth endpoint, such as
// "token" or "introspect".
func (c *Client) publicPath(endpoint string) string {
	return "/v1/public/" + url.PathEscape(c.projectID) + "/oauth2/" + endpoint
}

// OAuth2TokenURL returns the URL of a project's OAuth 2.0 token endpoint,
// where M2M clients get access tokens: baseURL (or, when empty, the host
// chosen from projectID, as New does) followed by
// /v1/public/{projectID}/oauth2/token. projectID and baseURL are checked as
// New checks them; an error wraps ErrInvalidConfig.
func OAuth2TokenURL(projectID, baseURL string) (string, error) {
	if err := validateProjectID(projectID); err != nil {
		return "", err
	}
	base, err := normalizeBaseURL(cmp.Or(baseURL, defaultBaseURL(projectID)))
	if err != nil {
		return "", err
	}
	return base + (&Client{projectID: projectID}).publicPath("token"), nil
}
