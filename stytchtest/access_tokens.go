package stytchtest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// Connected Apps access tokens and the introspection endpoint. M2M tokens
// (m2m.go) are signed here too: both are JWTs under the project's keys,
// with a scope claim and no session claim.

// maxAccessTokens bounds the Connected Apps tokens the emulator remembers
// for introspection.
const maxAccessTokens = 100_000

// accessToken is what an access token says.
type accessToken struct {
	subject  string   // the M2M client id, or the user or member
	scopes   []string // granted scopes
	clientID string   // the Connected App ("" for M2M)
	jti      string   // Connected Apps tokens only
	orgID    string   // the member's organization (B2B Connected Apps)
	orgSlug  string
}

// signAccessToken signs t, issued at issuedAt, with the current key.
func (s *Server) signAccessToken(t accessToken, issuedAt time.Time) (string, error) {
	claims := s.registeredClaims(nil, t.subject, issuedAt, AccessTokenLifetime)
	claims["scope"] = strings.Join(t.scopes, " ")
	if t.clientID != "" {
		claims["client_id"] = t.clientID
		claims["jti"] = t.jti
	}
	if t.orgID != "" {
		claims[OrganizationClaim] = organizationClaim{OrganizationID: t.orgID, Slug: t.orgSlug}
	}
	key := s.currentKey()
	return signJWT(key, standardHeader(key.kid), claims)
}

// AccessTokenParams describes a Connected Apps access token.
type AccessTokenParams struct {
	// Subject is the user (consumer project) or member (B2B project) the
	// token acts for (required; it must exist). A member's token carries its
	// organization claim.
	Subject string
	// ClientID is the Connected App's client id (default: a new
	// connected-app-test-… id).
	ClientID string
	// Scopes are the granted scopes.
	Scopes []string
}

// connectedAppToken is a Connected Apps token the emulator issued.
type connectedAppToken struct {
	revoked bool
}

// CreateAccessToken issues a Connected Apps access token (claims sub,
// scope, client_id, jti, iat, nbf, exp, iss, aud, and the organization
// claim for a member), valid for AccessTokenLifetime on the emulator's
// clock, as if the user or member had granted the app those scopes. The
// introspection endpoint knows it as active until it expires or
// RevokeAccessToken.
func (s *Server) CreateAccessToken(ctx context.Context, p AccessTokenParams) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if e := validScopes(p.Scopes); e != nil {
		return "", e
	}
	if p.ClientID != "" && !validID(p.ClientID) {
		return "", badRequest(client.ErrBadRequest, "client_id must be 1 to %d printable bytes without spaces.", maxFieldBytes)
	}
	t := accessToken{subject: p.Subject, scopes: p.Scopes, clientID: p.ClientID, jti: s.newID("access-token")}
	if t.clientID == "" {
		t.clientID = s.newID("connected-app")
	}
	s.mu.Lock()
	switch {
	case s.b2b && s.members[p.Subject] != nil:
		m := s.members[p.Subject]
		t.orgID, t.orgSlug = m.OrganizationID, s.orgs[m.OrganizationID].OrganizationSlug
	case !s.b2b && s.users[p.Subject] != nil:
	default:
		s.mu.Unlock()
		if s.b2b {
			return "", apiError(http.StatusNotFound, client.ErrMemberNotFound, msgMemberNotFound)
		}
		return "", apiError(http.StatusNotFound, client.ErrUserNotFound, "User could not be found.")
	}
	if len(s.accessTokens) >= maxAccessTokens {
		s.mu.Unlock()
		return "", badRequest(client.ErrBadRequest, "The emulator holds its maximum of %d access tokens.", maxAccessTokens)
	}
	s.accessTokens[t.jti] = &connectedAppToken{}
	s.mu.Unlock()
	return s.signAccessToken(t, s.stamp())
}

// RevokeAccessToken revokes a Connected Apps access token the emulator
// issued: introspection answers it inactive from now on. It reports
// whether token was such a token.
func (s *Server) RevokeAccessToken(token string) bool {
	payload, e := s.verifySignature(token, "token")
	if e != nil {
		return false
	}
	var claims struct {
		JTI string `json:"jti"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.accessTokens[claims.JTI]; t != nil {
		t.revoked = true
		return true
	}
	return false
}

// introspection is an active token's RFC 7662 answer.
type introspection struct {
	envelope
	Active       bool               `json:"active"`
	Sub          string             `json:"sub"`
	Scope        string             `json:"scope"`
	Aud          []string           `json:"aud"`
	Exp          int64              `json:"exp"`
	Iat          int64              `json:"iat"`
	Iss          string             `json:"iss"`
	Nbf          int64              `json:"nbf"`
	ClientID     string             `json:"client_id"`
	TokenType    string             `json:"token_type"`
	Organization *organizationClaim `json:"https://stytch.com/organization,omitempty"`
}

// handleIntrospect serves POST /v1/public/{project_id}/oauth2/introspect
// (RFC 7662): {active: false} for any token that is not an active access
// token of this project.
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	if e := s.checkPublicProject(r); e != nil {
		return nil, e
	}
	if e := readForm(w, r); e != nil {
		return nil, e
	}
	f := r.PostForm
	if f.Get("token") == "" || f.Get("client_id") == "" {
		return nil, badRequest(client.ErrInvalidRequest, "token and client_id are required.")
	}
	// A confidential client (an M2M client here) must present its secret;
	// Connected Apps' public clients are not modelled and present none.
	s.mu.Lock()
	_, confidential := s.m2mClients[f.Get("client_id")]
	s.mu.Unlock()
	if confidential || f.Get("client_secret") != "" {
		if _, e := s.authenticateClient(f.Get("client_id"), f.Get("client_secret")); e != nil {
			return nil, e
		}
	}
	inactive := struct {
		envelope
		Active bool `json:"active"`
	}{envelope: ok(requestID)}
	payload, e := s.verifySignature(f.Get("token"), "token")
	if e != nil {
		return inactive, nil
	}
	var claims struct {
		Aud          json.RawMessage    `json:"aud"`
		Iss          string             `json:"iss"`
		Sub          string             `json:"sub"`
		Scope        *string            `json:"scope"`
		ClientID     string             `json:"client_id"`
		JTI          string             `json:"jti"`
		Exp          int64              `json:"exp"`
		Iat          int64              `json:"iat"`
		Nbf          int64              `json:"nbf"`
		Session      json.RawMessage    `json:"https://stytch.com/session"`
		Organization *organizationClaim `json:"https://stytch.com/organization"`
	}
	now := s.Now().Unix()
	if json.Unmarshal(payload, &claims) != nil || claims.Scope == nil || claims.Session != nil ||
		!audienceHas(claims.Aud, s.ProjectID) || claims.Iss != s.Issuer() || now >= claims.Exp || now < claims.Nbf {
		return inactive, nil
	}
	clientID := claims.ClientID
	s.mu.Lock()
	if clientID == "" { // an M2M token: active while its client is
		clientID = claims.Sub
		if c := s.m2mClients[claims.Sub]; c == nil || c.Status != "active" {
			s.mu.Unlock()
			return inactive, nil
		}
	} else if t := s.accessTokens[claims.JTI]; t == nil || t.revoked {
		s.mu.Unlock()
		return inactive, nil
	}
	s.mu.Unlock()
	return introspection{envelope: ok(requestID), Active: true, Sub: claims.Sub, Scope: *claims.Scope, Aud: []string{s.ProjectID},
		Exp: claims.Exp, Iat: claims.Iat, Iss: claims.Iss, Nbf: claims.Nbf, ClientID: clientID, TokenType: "access_token",
		Organization: claims.Organization}, nil
}
