package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// OAuth 2.0 error codes (RFC 6749 §5.2) answered by the token and
// introspection endpoints. Their {error, error_description, error_uri}
// answer comes back as a *StytchError whose ErrorType is the error code,
// ErrorMessage the description and ErrorURL the URI, so errors.Is matches
// these as it matches Stytch's own error types.
const (
	ErrInvalidRequest       ErrorType = "invalid_request"
	ErrInvalidClient        ErrorType = "invalid_client"
	ErrInvalidGrant         ErrorType = "invalid_grant"
	ErrUnauthorizedClient   ErrorType = "unauthorized_client"
	ErrUnsupportedGrantType ErrorType = "unsupported_grant_type"
	ErrInvalidScope         ErrorType = "invalid_scope"
	ErrM2MClientNotFound    ErrorType = "m2m_client_not_found"
)

// M2MClient is a machine-to-machine client as Get answers it: without its
// secret, of which only the last four characters are shown.
type M2MClient struct {
	ClientID                 string         `json:"client_id"`
	ClientName               string         `json:"client_name"`
	ClientDescription        string         `json:"client_description"`
	Status                   string         `json:"status"`
	Scopes                   []string       `json:"scopes"`
	ClientSecretLastFour     string         `json:"client_secret_last_four"`
	TrustedMetadata          map[string]any `json:"trusted_metadata,omitempty"`
	NextClientSecretLastFour string         `json:"next_client_secret_last_four,omitempty"`
}

// M2MClientWithClientSecret is a newly created M2M client with its secret,
// which Stytch shows this once: store it as carefully as the project secret.
type M2MClientWithClientSecret struct {
	M2MClient
	ClientSecret string `json:"client_secret"`
}

// CreateM2MClientRequest creates an M2M client holding Scopes.
type CreateM2MClientRequest struct {
	Scopes []string `json:"scopes"`
	// ClientID and ClientSecret, when set, are used instead of generated ones.
	ClientID          string         `json:"client_id,omitempty"`
	ClientSecret      string         `json:"client_secret,omitempty"`
	ClientName        string         `json:"client_name,omitempty"`
	ClientDescription string         `json:"client_description,omitempty"`
	TrustedMetadata   map[string]any `json:"trusted_metadata,omitempty"`
}

// CreateM2MClientResponse is the answer to CreateM2MClient.
type CreateM2MClientResponse struct {
	RequestID  string                    `json:"request_id"`
	M2MClient  M2MClientWithClientSecret `json:"m2m_client"`
	StatusCode int                       `json:"status_code"`
}

// GetM2MClientRequest names the M2M client to fetch.
type GetM2MClientRequest struct {
	ClientID string `json:"-"`
}

// GetM2MClientResponse is the answer to GetM2MClient.
type GetM2MClientResponse struct {
	RequestID  string    `json:"request_id"`
	M2MClient  M2MClient `json:"m2m_client"`
	StatusCode int       `json:"status_code"`
}

// M2MTokenRequest asks the project's token endpoint for an access token
// (the OAuth 2.0 client credentials grant).
type M2MTokenRequest struct {
	ClientID     string
	ClientSecret string
	// Scopes narrows the token to these of the client's scopes; none means
	// all of them. A scope may not hold a space, which separates them.
	Scopes []string
}

// M2MTokenResponse is the token endpoint's answer.
type M2MTokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	// ExpiresIn is the token's lifetime in seconds (3600 at Stytch).
	ExpiresIn  int    `json:"expires_in"`
	RequestID  string `json:"request_id,omitempty"`
	StatusCode int    `json:"status_code,omitempty"`
}

// CreateM2MClient creates an M2M client. Its answer holds the client's
// secret; errors never do.
func (c *Client) CreateM2MClient(ctx context.Context, req CreateM2MClientRequest) (*CreateM2MClientResponse, error) {
	if err := checkScopes(req.Scopes); err != nil {
		return nil, err
	}
	if req.Scopes == nil {
		req.Scopes = []string{} // scopes is required on the wire
	}
	var resp CreateM2MClientResponse
	if err := c.do(ctx, http.MethodPost, "/v1/m2m/clients", nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// GetM2MClient fetches an M2M client, without its secret.
func (c *Client) GetM2MClient(ctx context.Context, req GetM2MClientRequest) (*GetM2MClientResponse, error) {
	segment, err := pathSegment(req.ClientID, ErrInvalidRequest, "client_id")
	if err != nil {
		return nil, err
	}
	var resp GetM2MClientResponse
	if err := c.do(ctx, http.MethodGet, "/v1/m2m/clients/"+segment, nil, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// M2MToken gets an access token for an M2M client from the project's token
// endpoint, POST /v1/public/{project_id}/oauth2/token. The request is a
// form authenticated by the client's id and secret, not by the project's
// credentials; it is not retried. An OAuth error answer comes back as a
// *StytchError (see ErrInvalidClient). To keep a token renewed for an
// http.Client, use the m2m package instead.
func (c *Client) M2MToken(ctx context.Context, req M2MTokenRequest) (*M2MTokenResponse, error) {
	switch {
	case req.ClientID == "":
		return nil, localError(ErrInvalidRequest, "client_id is required.")
	case req.ClientSecret == "":
		return nil, localError(ErrInvalidRequest, "client_secret is required.")
	}
	if err := checkScopes(req.Scopes); err != nil {
		return nil, err
	}
	form := publicForm{
		"grant_type":    "client_credentials",
		"client_id":     req.ClientID,
		"client_secret": req.ClientSecret,
	}
	if len(req.Scopes) > 0 {
		form["scope"] = strings.Join(req.Scopes, " ")
	}
	var resp M2MTokenResponse
	if err := c.do(ctx, http.MethodPost, c.publicPath("token"), nil, form, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// checkScopes refuses an empty scope or one holding whitespace: scopes
// travel space-separated, so either would change the list Stytch reads.
func checkScopes(scopes []string) error {
	for _, s := range scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			return localError(ErrInvalidScope, "a scope must be non-empty and hold no whitespace.")
		}
	}
	return nil
}

// check rejects a token answer without a token.
func (r *M2MTokenResponse) check() error {
	if r.AccessToken == "" {
		return errors.New("answer lacks access_token")
	}
	return nil
}

// check rejects an answer without the client it is about.
func (r *GetM2MClientResponse) check() error {
	if r.M2MClient.ClientID == "" {
		return errors.New("answer lacks m2m_client.client_id")
	}
	return nil
}

// check rejects a creation answer without the client's id and secret.
func (r *CreateM2MClientResponse) check() error {
	if r.M2MClient.ClientID == "" || r.M2MClient.ClientSecret == "" {
		return errors.New("answer lacks m2m_client.client_id or client_secret")
	}
	return nil
}
