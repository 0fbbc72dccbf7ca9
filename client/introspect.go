package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ErrTokenInactive is returned by IntrospectToken when Stytch answers that
// the token is not active: revoked, expired, or never issued.
var ErrTokenInactive = errors.New("stytch: token is not active")

// IntrospectTokenRequest asks whether a Connected Apps access token is
// active (RFC 7662).
type IntrospectTokenRequest struct {
	// Token is the access token (required).
	Token string
	// ClientID is the Connected App's client id (required).
	ClientID string
	// ClientSecret is the Connected App's secret; public clients have none.
	ClientSecret string
	// TokenTypeHint is "access_token" or empty.
	TokenTypeHint string
}

// OrganizationClaim is the https://stytch.com/organization claim of a B2B
// token: the organization it was issued in.
type OrganizationClaim struct {
	OrganizationID string `json:"organization_id"`
	Slug           string `json:"slug"`
}

// IntrospectTokenResponse is an active token's introspection (RFC 7662).
type IntrospectTokenResponse struct {
	// Active is always true: an inactive token is ErrTokenInactive.
	Active bool `json:"active"`
	// Subject is the user, member or client the token was issued to.
	Subject string `json:"sub"`
	// Scope is the token's space-separated scopes.
	Scope string `json:"scope"`
	// Audience is aud, which the answer may send as one string or an array.
	Audience  []string `json:"-"`
	ExpiresAt int64    `json:"exp"`
	IssuedAt  int64    `json:"iat"`
	NotBefore int64    `json:"nbf"`
	Issuer    string   `json:"iss"`
	ClientID  string   `json:"client_id"`
	TokenType string   `json:"token_type"`
	// Organization is set for the tokens of a B2B project.
	Organization *OrganizationClaim `json:"https://stytch.com/organization,omitempty"`
	// CustomClaims holds every other member of the answer.
	CustomClaims map[string]any `json:"-"`
	RequestID    string         `json:"request_id"`
	StatusCode   int            `json:"status_code"`
}

// IntrospectToken asks the project's introspection endpoint, POST
// /v1/public/{project_id}/oauth2/introspect, whether a Connected Apps access
// token is active, and returns its claims. Unlike local verification it
// sees a revoked token. The request is a form authenticated by the
// Connected App's id and secret, not by the project's credentials; it is
// not retried. An inactive token is ErrTokenInactive (wrapped, with the
// request id).
func (c *Client) IntrospectToken(ctx context.Context, req IntrospectTokenRequest) (*IntrospectTokenResponse, error) {
	switch {
	case req.Token == "":
		return nil, localError(ErrInvalidRequest, "token is required.")
	case req.ClientID == "":
		return nil, localError(ErrInvalidRequest, "client_id is required.")
	}
	form := publicForm{"token": req.Token, "client_id": req.ClientID}
	if req.ClientSecret != "" {
		form["client_secret"] = req.ClientSecret
	}
	if req.TokenTypeHint != "" {
		form["token_type_hint"] = req.TokenTypeHint
	}
	var resp IntrospectTokenResponse
	if err := c.do(ctx, http.MethodPost, c.publicPath("introspect"), nil, form, false, &resp); err != nil {
		return nil, err
	}
	if !resp.Active {
		return nil, fmt.Errorf("%w (request_id %s)", ErrTokenInactive, resp.RequestID)
	}
	return &resp, nil
}

// introspectionMembers are the answer's members that have a field of their own.
var introspectionMembers = []string{"active", "sub", "scope", "aud", "exp", "iat", "nbf", "iss",
	"client_id", "token_type", "https://stytch.com/organization", "request_id", "status_code"}

// UnmarshalJSON reads an introspection answer: aud as a string or an array
// (RFC 7662 allows both), the members without a field into CustomClaims.
// It requires active, so that an answer without it is not taken for an
// inactive (or active) token.
func (r *IntrospectTokenResponse) UnmarshalJSON(data []byte) error {
	type plain IntrospectTokenResponse // without this method
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	if _, ok := members["active"]; !ok {
		return errors.New("answer lacks active")
	}
	if aud, ok := members["aud"]; ok {
		var one string
		if json.Unmarshal(aud, &one) == nil {
			p.Audience = []string{one}
		} else if err := json.Unmarshal(aud, &p.Audience); err != nil {
			return fmt.Errorf("aud: %w", err)
		}
	}
	for _, name := range introspectionMembers {
		delete(members, name)
	}
	p.CustomClaims = make(map[string]any, len(members))
	for name, raw := range members {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		p.CustomClaims[name] = v
	}
	*r = IntrospectTokenResponse(p)
	return nil
}

// check rejects an active answer that names neither subject nor client.
func (r *IntrospectTokenResponse) check() error {
	if r.Active && r.Subject == "" && r.ClientID == "" {
		return errors.New("answer is active but names no sub or client_id")
	}
	return nil
}
