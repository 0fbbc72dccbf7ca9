package stytchtest

import (
	"net/http"

	"github.com/stytchmw/stytchmw/client"
)

// The B2B grant endpoints: exchange_access_token, attest and migrate start
// (or, attest, extend) a member session from a token an outside party
// accepts, registered with RegisterExternalToken. They share the request
// checks and the token rules of their consumer twins (grants.go).

// handleB2BExchangeAccessToken serves POST
// /v1/b2b/sessions/exchange_access_token: a session of the member who
// granted the Connected App its access token.
func (s *Server) handleB2BExchangeAccessToken(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req client.B2BExchangeAccessTokenRequest
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	taken, factor, e := s.redeemAccessToken(req.AccessToken, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	m, e := s.memberForExternalLocked(&taken, "")
	s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	return s.grantMemberSession(requestID, m, req.SessionDurationMinutes, req.SessionCustomClaims, factor)
}

// handleB2BAttest serves POST /v1/b2b/sessions/attest: a session of the
// member the trusted auth token names in organization_id, or the factor
// added to the member's session given by session_token or session_jwt.
func (s *Server) handleB2BAttest(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req client.B2BAttestRequest
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	rec, e := s.attestToken(req.ProfileID, req.Token, req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	factor := trustedTokenFactor(rec)
	if req.SessionToken == "" && req.SessionJWT == "" {
		s.mu.Lock()
		m, e := s.memberForExternalLocked(rec, req.OrganizationID)
		s.mu.Unlock()
		if e != nil {
			return nil, e
		}
		return s.grantMemberSession(requestID, m, req.SessionDurationMinutes, req.SessionCustomClaims, factor)
	}
	sub, e := s.resolve(sessionRef{token: req.SessionToken, jwt: req.SessionJWT})
	if e != nil {
		return nil, e
	}
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	orgID := req.OrganizationID
	if orgID == "" {
		if sn, e := s.activeSessionLocked(sub, now); e == nil {
			orgID = sn.orgID
		}
	}
	m, e := s.memberForExternalLocked(rec, orgID)
	if e != nil {
		return nil, e
	}
	sn, e := s.addFactorLocked(sub, m.MemberID, now, req.SessionDurationMinutes, req.SessionCustomClaims, factor)
	if e != nil {
		return nil, e
	}
	body, e := s.memberSessionAnswerLocked(sn, requestID)
	if e != nil {
		return nil, e
	}
	return body, nil
}

// handleB2BMigrate serves POST /v1/b2b/sessions/migrate: a session of the
// member of organization_id with the email address of the external
// provider's user. Unlike consumer migrate it never creates the member, as
// Stytch documents.
func (s *Server) handleB2BMigrate(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req client.B2BMigrateRequest
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	if req.OrganizationID == "" {
		return nil, badRequest(client.ErrInvalidOrganizationID, "organization_id is required.")
	}
	rec, e := s.migrateToken(req.SessionToken, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	m, e := s.memberForExternalLocked(rec, req.OrganizationID)
	s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	factor := client.AuthenticationFactor{Type: "imported", DeliveryMethod: "imported",
		EmailFactor: &client.EmailFactor{EmailID: m.emailID, EmailAddress: m.EmailAddress}}
	return s.grantMemberSession(requestID, m, req.SessionDurationMinutes, req.SessionCustomClaims, factor)
}

// memberForExternalLocked returns a copy of the member a registered token
// names in the organization orgID: its member itself when orgID is "" or
// the member's own organization, else the member of orgID with the same
// email address (a token registered with Email names only an address).
// s.mu must be held.
func (s *Server) memberForExternalLocked(rec *externalToken, orgID string) (member, *client.StytchError) {
	email := rec.email
	if m := s.members[rec.userID]; m != nil {
		if orgID == "" || orgID == m.OrganizationID {
			return *m, nil
		}
		email = m.EmailAddress
	}
	if orgID == "" {
		return member{}, badRequest(client.ErrInvalidOrganizationID, "organization_id is required to find the member of this token.")
	}
	if _, e := s.orgLocked(orgID); e != nil {
		return member{}, e
	}
	m, e := s.memberLocked(orgID, s.membersByEmail[memberEmailKey(orgID, email)])
	if e != nil {
		return member{}, e
	}
	return *m, nil
}

// grantMemberSession starts a session of minutes (60 when 0) for m with
// factor and answers it as the B2B grant endpoints do.
func (s *Server) grantMemberSession(requestID string, m member, minutes int, claims map[string]any, factor client.AuthenticationFactor) (any, *client.StytchError) {
	if minutes == 0 {
		minutes = defaultDurationMinutes
	}
	grant, e := s.createMemberSession(m.OrganizationID, m.MemberID, minutes, claims, []client.AuthenticationFactor{factor})
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	org := s.orgs[m.OrganizationID].view()
	s.mu.Unlock()
	return memberSessionBody{envelope: ok(requestID), MemberID: m.MemberID, MemberSession: grant.MemberSession,
		SessionToken: grant.SessionToken, SessionJWT: grant.SessionJWT, Member: m.view(), Organization: org}, nil
}
