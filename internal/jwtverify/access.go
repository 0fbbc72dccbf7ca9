package jwtverify

import (
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/internal/scope"
)

// AccessToken is what a verified M2M or Connected Apps access token says.
// Like the Result that points to it, it is shared and read-only.
type AccessToken struct {
	// Subject is sub: the M2M client's id, or the user or member for whom
	// a Connected App acts.
	Subject string
	// ClientID is the client holding the token: the client_id claim of a
	// Connected Apps token, sub for an M2M token (which has no client_id).
	ClientID string
	// ConnectedApp is set for a Connected Apps token (one with client_id).
	ConnectedApp bool
	// Scopes are the granted scopes, in the token's order, split by
	// scope.Split (never nil; empty when the scope claim is empty).
	Scopes []string
	// OrganizationID and OrganizationSlug are the organization claim of a
	// B2B project's token (a Connected App acting for a member); empty
	// when the token has none, as an M2M token.
	OrganizationID, OrganizationSlug string
	// ExpiresAt is the token's exp, in UTC: how long a remote answer
	// about it (introspection) may be reused, and what an adapter such as
	// an MCP SDK's token info reports.
	ExpiresAt time.Time
	// CustomClaims are the top-level claims other than the registered
	// ones, scope, client_id and Stytch's https://stytch.com/ claims
	// (never nil).
	CustomClaims map[string]any
}

// accessVerified is an access token's entry.
type accessVerified struct {
	verified
	access AccessToken
}

// newAccessVerified maps the claims of an authentic access token: the
// scope claim must be a string that scope.Split accepts (it may be empty:
// a client may hold no scope, and then every required scope is missing),
// client_id, when present, a non-empty string.
func newAccessVerified(c *claims, payload []byte) (*verified, error) {
	claim, ok := stringValue(c.scope)
	if !ok {
		return nil, fail(ErrScope, "scope is not a string")
	}
	claim = strings.Clone(claim) // the scopes alias it, not the payload buffer
	scopes, err := scope.Split(claim)
	if err != nil {
		return nil, fail(ErrScope, err.Error())
	}
	if scopes == nil {
		scopes = []string{}
	}
	v := &accessVerified{}
	v.setTimes(c)
	a := &v.access
	a.Subject, a.Scopes = strings.Clone(c.sub), scopes
	a.ExpiresAt = v.exp
	a.ClientID = a.Subject
	if c.clientID != nil {
		id, ok := stringValue(c.clientID)
		if !ok || id == "" {
			return nil, fail(ErrClaims, "client_id is not a non-empty string")
		}
		a.ClientID, a.ConnectedApp = strings.Clone(id), true
	}
	if c.organization != nil {
		id, slug, err := parseOrganization(c.organization)
		if err != nil {
			return nil, err
		}
		a.OrganizationID, a.OrganizationSlug = strings.Clone(id), strings.Clone(slug)
	}
	if a.CustomClaims, err = customClaims(c, payload, KindAccessToken); err != nil {
		return nil, err
	}
	v.result.AccessToken = a
	return &v.verified, nil
}
