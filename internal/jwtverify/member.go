package jwtverify

import (
	"strings"

	"github.com/stytchmw/stytchmw/client"
)

// memberVerified is a B2B member session JWT's entry.
type memberVerified struct {
	verified
	member     client.MemberSession
	attributes client.Attributes // the session claim's; a MemberSession has none
	scratch    sessionClaim
}

// newMemberVerified maps the claims of an authentic member session JWT to
// a MemberSession as the remote B2B authenticate endpoint would answer it:
// member_session_id from the session claim's id, member_id from sub,
// organization_id and organization_slug from the organization claim
// (kindOf has checked it), the timestamps, factors and roles as for a
// consumer session, custom claims every non-reserved top-level claim.
func newMemberVerified(c *claims, payload []byte) (*verified, error) {
	orgID, slug, err := parseOrganization(c.organization)
	if err != nil {
		return nil, err
	}
	v := &memberVerified{}
	v.setTimes(c)
	sc := &v.scratch
	sc.Attributes = &v.attributes
	if err := readSessionClaim(c, sc, v.exp); err != nil {
		return nil, err
	}
	m := &v.member
	m.MemberSessionID = sc.ID
	m.MemberID = strings.Clone(c.sub)
	m.OrganizationID, m.OrganizationSlug = strings.Clone(orgID), strings.Clone(slug)
	m.StartedAt, m.LastAccessedAt, m.ExpiresAt = sc.StartedAt.Time, sc.LastAccessedAt.Time, sc.ExpiresAt.Time
	m.AuthenticationFactors = sc.AuthenticationFactors
	m.Roles = sc.Roles
	if m.CustomClaims, err = customClaims(c, payload, KindMemberSession); err != nil {
		return nil, err
	}
	v.scratch = sessionClaim{}
	v.result.MemberSession = m
	return &v.verified, nil
}
