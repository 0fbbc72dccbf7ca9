package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// Get lists the active sessions of a user.
func (c *Client) Get(ctx context.Context, req GetRequest) (*GetResponse, error) {
	if req.UserID == "" {
		return nil, localError(ErrInvalidUserID, "user_id is required.")
	}
	var resp GetResponse
	q := url.Values{"user_id": {req.UserID}}
	if err := c.do(ctx, http.MethodGet, "/v1/sessions", q, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Authenticate authenticates a session token or JWT, optionally extending the
// session, updating its custom claims and checking an RBAC permission.
func (c *Client) Authenticate(ctx context.Context, req AuthenticateRequest) (*AuthenticateResponse, error) {
	claims, err := checkSessionArgs("authenticate", req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if err != nil {
		return nil, err
	}
	req.SessionCustomClaims = claims
	if ac := req.AuthorizationCheck; ac != nil && (ac.ResourceID == "" || ac.Action == "") {
		return nil, localError(ErrBadRequest, "authorization_check needs both resource_id and action.")
	}
	var resp AuthenticateResponse
	if err := c.do(ctx, http.MethodPost, "/v1/sessions/authenticate", nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Revoke revokes a session by its id, one of its tokens or one of its JWTs.
func (c *Client) Revoke(ctx context.Context, req RevokeRequest) (*RevokeResponse, error) {
	switch n := countSet(req.SessionID, req.SessionToken, req.SessionJWT); {
	case n > 1:
		return nil, localError(ErrTooManySessionRevokeArguments, "Please include exactly one of session_id, session_token or session_jwt in a revoke request.")
	case n == 0:
		return nil, localError(ErrNoSessionRevokeArguments, "Please include one of session_id, session_token or session_jwt in a revoke request.")
	}
	var resp RevokeResponse
	if err := c.do(ctx, http.MethodPost, "/v1/sessions/revoke", nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Migrate exchanges an external OIDC provider's session token for a Stytch
// session of the user with the same email address.
func (c *Client) Migrate(ctx context.Context, req MigrateRequest) (*MigrateResponse, error) {
	if req.SessionToken == "" {
		return nil, localError(ErrInvalidSessionToken, "session_token is required.")
	}
	var resp MigrateResponse
	if err := c.grant(ctx, "/v1/sessions/migrate", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// ExchangeAccessToken exchanges a Connected Apps access token for a session.
func (c *Client) ExchangeAccessToken(ctx context.Context, req ExchangeAccessTokenRequest) (*ExchangeAccessTokenResponse, error) {
	if req.AccessToken == "" {
		return nil, localError(ErrInvalidToken, "access_token is required.")
	}
	var resp ExchangeAccessTokenResponse
	if err := c.grant(ctx, "/v1/sessions/exchange_access_token", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Attest exchanges a trusted identity provider's token for a session, or adds
// it as a factor to the session named by SessionToken or SessionJWT.
func (c *Client) Attest(ctx context.Context, req AttestRequest) (*AttestResponse, error) {
	if err := checkAttestArgs(req.ProfileID, req.Token, req.SessionToken, req.SessionJWT); err != nil {
		return nil, err
	}
	var resp AttestResponse
	if err := c.grant(ctx, "/v1/sessions/attest", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// grant validates the session fields shared by Migrate, ExchangeAccessToken
// and Attest (consumer and B2B), then posts body and decodes resp.
func (c *Client) grant(ctx context.Context, path string, minutes *int, claims *CustomClaims, body, resp any) error {
	if err := validateDuration(*minutes); err != nil {
		return err
	}
	prepared, err := PrepareCustomClaims(*claims)
	if err != nil {
		return err
	}
	*claims = prepared
	return c.do(ctx, http.MethodPost, path, nil, body, false, resp)
}

// GetJWKS fetches the JSON Web Key Set of a project (usually the client's own,
// see ProjectID). The project id is path-escaped; the API decides whether
// it exists.
func (c *Client) GetJWKS(ctx context.Context, req GetJWKSRequest) (*GetJWKSResponse, error) {
	return c.getJWKS(ctx, "/v1/sessions/jwks/", req)
}

// getJWKS fetches the key set of req.ProjectID under prefix.
func (c *Client) getJWKS(ctx context.Context, prefix string, req GetJWKSRequest) (*GetJWKSResponse, error) {
	segment, err := pathSegment(req.ProjectID, ErrInvalidProjectID, "project_id")
	if err != nil {
		return nil, err
	}
	var resp GetJWKSResponse
	if err := c.do(ctx, http.MethodGet, prefix+segment, nil, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// pathSegment path-escapes an id sent as a path segment, refusing (with
// error type t) an empty one and a dot segment, which would name another
// path once a server cleans it.
func pathSegment(id string, t ErrorType, name string) (string, error) {
	switch id {
	case "":
		return "", localError(t, name+" is required.")
	case ".", "..":
		return "", localError(t, name+" is not an id.")
	}
	return url.PathEscape(id), nil
}

// checkSessionArgs validates what Authenticate and Exchange (consumer and
// B2B) share: exactly one of token and jwt, the duration and the custom
// claims, which it returns prepared (see PrepareCustomClaims).
func checkSessionArgs(call, token, jwt string, minutes int, claims CustomClaims) (CustomClaims, error) {
	switch {
	case token != "" && jwt != "":
		return nil, localError(ErrTooManySessionArguments, "Please include at most one of session_token or session_jwt in an "+call+" request, not both.")
	case token == "" && jwt == "":
		return nil, localError(ErrNoSessionArguments, "Please include one of session_token or session_jwt in an "+call+" request.")
	}
	if err := validateDuration(minutes); err != nil {
		return nil, err
	}
	return PrepareCustomClaims(claims)
}

// checkAttestArgs validates what Attest (consumer and B2B) requires.
func checkAttestArgs(profileID, token, sessionToken, sessionJWT string) error {
	switch {
	case profileID == "":
		return localError(ErrTrustedTokenProfileNotFound, "profile_id is required.")
	case token == "":
		return localError(ErrInvalidTrustedAuthToken, "token is required.")
	case sessionToken != "" && sessionJWT != "":
		return localError(ErrTooManySessionArguments, "Please include at most one of session_token or session_jwt, not both.")
	}
	return nil
}

// countSet is how many of values are not empty.
func countSet(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

// check rejects a success answer without the session it must carry: the
// middleware trusts this answer, so an empty one must not pass for a session.
func (r *AuthenticateResponse) check() error {
	if r.Session.SessionID == "" || r.Session.UserID == "" {
		return errors.New("answer lacks session.session_id or session.user_id")
	}
	return nil
}

// check rejects a success answer that names no user.
func (r *SessionGrantResponse) check() error {
	if r.UserID == "" {
		return errors.New("answer lacks user_id")
	}
	if r.Session != nil && r.Session.SessionID == "" {
		return errors.New("answer has a session without session_id")
	}
	return nil
}
