package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Error types of the B2B Sessions and RBAC endpoints (the names are
// Stytch's). The B2B endpoints also answer the consumer types that apply,
// such as ErrSessionNotFound and ErrInvalidSessionDurationMinutes.
const (
	// ErrSessionAuthorization: the member's roles do not grant the checked
	// permission (403).
	ErrSessionAuthorization ErrorType = "session_authorization_error"
	// ErrSessionAuthorizationTenancy: the check names another organization
	// than the session's (403), whatever the member's roles.
	ErrSessionAuthorizationTenancy ErrorType = "session_authorization_tenancy_error"
	ErrInvalidOrganizationID       ErrorType = "invalid_organization_id"
	ErrInvalidMemberID             ErrorType = "invalid_member_id"
	ErrOrganizationNotFound        ErrorType = "organization_not_found"
	ErrMemberNotFound              ErrorType = "member_not_found"
)

// B2BClient calls Stytch's B2B Sessions API and B2B RBAC endpoints with its
// Client's project, credentials, retries and redaction. Get one with
// Client.B2B; it is as safe for concurrent use as the Client.
type B2BClient struct {
	c *Client
}

// B2B returns the client of the project's B2B endpoints. A B2B project
// answers these; a consumer project answers the Client's own methods.
func (c *Client) B2B() *B2BClient { return &B2BClient{c: c} }

// String describes the client without its secret.
func (b *B2BClient) String() string {
	if b == nil {
		return "client.B2BClient(nil)"
	}
	return "client.B2BClient" + b.c.String()[len("client.Client"):]
}

// Format makes every fmt verb print String, as for a Client.
func (b B2BClient) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, b.String()) }

// Get lists the active sessions of a member.
func (b *B2BClient) Get(ctx context.Context, req B2BGetRequest) (*B2BGetResponse, error) {
	switch {
	case req.OrganizationID == "":
		return nil, localError(ErrInvalidOrganizationID, "organization_id is required.")
	case req.MemberID == "":
		return nil, localError(ErrInvalidMemberID, "member_id is required.")
	}
	var resp B2BGetResponse
	q := url.Values{"organization_id": {req.OrganizationID}, "member_id": {req.MemberID}}
	if err := b.c.do(ctx, http.MethodGet, "/v1/b2b/sessions", q, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Authenticate authenticates a member session token or JWT, optionally
// extending the session, updating its custom claims and checking an RBAC
// permission in an organization.
func (b *B2BClient) Authenticate(ctx context.Context, req B2BAuthenticateRequest) (*B2BAuthenticateResponse, error) {
	claims, err := checkSessionArgs("authenticate", req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if err != nil {
		return nil, err
	}
	req.SessionCustomClaims = claims
	if ac := req.AuthorizationCheck; ac != nil && (ac.OrganizationID == "" || ac.ResourceID == "" || ac.Action == "") {
		return nil, localError(ErrBadRequest, "authorization_check needs organization_id, resource_id and action.")
	}
	var resp B2BAuthenticateResponse
	if err := b.c.do(ctx, http.MethodPost, "/v1/b2b/sessions/authenticate", nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Revoke revokes a member session by its id, token or JWT, or every session
// of a member.
func (b *B2BClient) Revoke(ctx context.Context, req B2BRevokeRequest) (*RevokeResponse, error) {
	switch n := countSet(req.MemberSessionID, req.SessionToken, req.SessionJWT, req.MemberID); {
	case n > 1:
		return nil, localError(ErrTooManySessionRevokeArguments, "Please include exactly one of member_session_id, session_token, session_jwt or member_id in a revoke request.")
	case n == 0:
		return nil, localError(ErrNoSessionRevokeArguments, "Please include one of member_session_id, session_token, session_jwt or member_id in a revoke request.")
	}
	var resp RevokeResponse
	if err := b.c.do(ctx, http.MethodPost, "/v1/b2b/sessions/revoke", nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Exchange exchanges a member session for a session of the same person in
// another organization.
func (b *B2BClient) Exchange(ctx context.Context, req B2BExchangeRequest) (*B2BExchangeResponse, error) {
	if req.OrganizationID == "" {
		return nil, localError(ErrInvalidOrganizationID, "organization_id is required.")
	}
	claims, err := checkSessionArgs("exchange", req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if err != nil {
		return nil, err
	}
	req.SessionCustomClaims = claims
	var resp B2BExchangeResponse
	if err := b.c.do(ctx, http.MethodPost, "/v1/b2b/sessions/exchange", nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// ExchangeAccessToken exchanges a Connected Apps access token for a member
// session.
func (b *B2BClient) ExchangeAccessToken(ctx context.Context, req B2BExchangeAccessTokenRequest) (*B2BSessionGrantResponse, error) {
	if req.AccessToken == "" {
		return nil, localError(ErrInvalidToken, "access_token is required.")
	}
	var resp B2BSessionGrantResponse
	if err := b.c.grant(ctx, "/v1/b2b/sessions/exchange_access_token", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Attest exchanges a trusted identity provider's token for a member session,
// or adds it as a factor to the session named by SessionToken or SessionJWT.
func (b *B2BClient) Attest(ctx context.Context, req B2BAttestRequest) (*B2BSessionGrantResponse, error) {
	if err := checkAttestArgs(req.ProfileID, req.Token, req.SessionToken, req.SessionJWT); err != nil {
		return nil, err
	}
	var resp B2BSessionGrantResponse
	if err := b.c.grant(ctx, "/v1/b2b/sessions/attest", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Migrate exchanges an external OIDC provider's session token for a session
// of the member of an organization with the same email address.
func (b *B2BClient) Migrate(ctx context.Context, req B2BMigrateRequest) (*B2BSessionGrantResponse, error) {
	switch {
	case req.SessionToken == "":
		return nil, localError(ErrInvalidSessionToken, "session_token is required.")
	case req.OrganizationID == "":
		return nil, localError(ErrInvalidOrganizationID, "organization_id is required.")
	}
	var resp B2BSessionGrantResponse
	if err := b.c.grant(ctx, "/v1/b2b/sessions/migrate", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// GetJWKS fetches the JSON Web Key Set that signs a B2B project's member
// session JWTs (usually the client's own project, see Client.ProjectID).
func (b *B2BClient) GetJWKS(ctx context.Context, req GetJWKSRequest) (*GetJWKSResponse, error) {
	return b.c.getJWKS(ctx, "/v1/b2b/sessions/jwks/", req)
}

// check rejects a success answer without the member session it must carry:
// the middleware trusts this answer, so an empty one must not pass for a
// session, nor one that names no organization (the tenancy rule needs it).
func (r *B2BAuthenticateResponse) check() error {
	return r.MemberSession.check()
}

// check rejects a member session without its ids.
func (s *MemberSession) check() error {
	if s.MemberSessionID == "" || s.MemberID == "" || s.OrganizationID == "" {
		return errors.New("answer lacks member_session.member_session_id, member_id or organization_id")
	}
	return nil
}

// check rejects a success answer that names no member, or a session
// without its ids.
func (r *B2BSessionGrantResponse) check() error {
	if r.MemberID == "" {
		return errors.New("answer lacks member_id")
	}
	if r.MemberSession != nil {
		return r.MemberSession.check()
	}
	return nil
}

// check rejects an exchange answer that names no member, or that says the
// member is authenticated without a session.
func (r *B2BExchangeResponse) check() error {
	if r.MemberID == "" {
		return errors.New("answer lacks member_id")
	}
	if r.MemberAuthenticated && r.MemberSession == nil {
		return errors.New("answer authenticates the member without a member_session")
	}
	if r.MemberSession != nil {
		return r.MemberSession.check()
	}
	return nil
}
