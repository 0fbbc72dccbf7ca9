package stytchtest

import (
	"net/http"

	"github.com/stytchmw/stytchmw/client"
)

// The Stytch B2B endpoints of a B2B project (Config.B2B): organizations,
// members, member sessions and organization policies.

// organizationBody answers the organization endpoints.
type organizationBody struct {
	envelope
	Organization Organization `json:"organization"`
}

// memberBody answers the member endpoints.
type memberBody struct {
	envelope
	MemberID     string       `json:"member_id"`
	Member       Member       `json:"member"`
	Organization Organization `json:"organization"`
}

// memberSessionBody answers authenticate and exchange.
type memberSessionBody struct {
	envelope
	MemberID      string        `json:"member_id"`
	MemberSession MemberSession `json:"member_session"`
	SessionToken  string        `json:"session_token"`
	SessionJWT    string        `json:"session_jwt"`
	Member        Member        `json:"member"`
	Organization  Organization  `json:"organization"`
}

// authorizationVerdict is the verdict of an authorization_check.
type authorizationVerdict struct {
	Authorized    bool     `json:"authorized"`
	GrantingRoles []string `json:"granting_roles"`
}

// b2bAuthorizationCheck is a B2B authorization_check.
type b2bAuthorizationCheck struct {
	OrganizationID string `json:"organization_id"`
	ResourceID     string `json:"resource_id"`
	Action         string `json:"action"`
}

// orgPolicyBody answers the organization policy endpoints.
type orgPolicyBody struct {
	envelope
	OrgPolicy orgPolicy `json:"org_policy"`
}

type orgPolicy struct {
	Roles []client.PolicyRole `json:"roles"`
}

func (s *Server) handleCreateOrganization(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		OrganizationName string `json:"organization_name"`
		OrganizationSlug string `json:"organization_slug"`
	}
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	org, e := s.createOrganization(OrganizationParams{Name: req.OrganizationName, Slug: req.OrganizationSlug})
	if e != nil {
		return nil, e
	}
	return organizationBody{ok(requestID), org}, nil
}

func (s *Server) handleGetOrganization(_ http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.orgLocked(r.PathValue("organization_id"))
	if e != nil {
		return nil, e
	}
	return organizationBody{ok(requestID), org.view()}, nil
}

func (s *Server) handleCreateMember(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		EmailAddress string   `json:"email_address"`
		Name         string   `json:"name"`
		Roles        []string `json:"roles"`
	}
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	m, org, e := s.createMember(MemberParams{OrganizationID: r.PathValue("organization_id"), Email: req.EmailAddress,
		Name: req.Name, Roles: req.Roles})
	if e != nil {
		return nil, e
	}
	return memberBody{ok(requestID), m.MemberID, m, org}, nil
}

// handleGetMember serves GET …/{organization_id}/member?member_id= or
// ?email_address=.
func (s *Server) handleGetMember(_ http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	q := r.URL.Query()
	memberID, email := q.Get("member_id"), q.Get("email_address")
	if (memberID == "") == (email == "") {
		return nil, badRequest(client.ErrBadRequest, "Please include exactly one of member_id or email_address.")
	}
	orgID := r.PathValue("organization_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.orgLocked(orgID)
	if e != nil {
		return nil, e
	}
	if email != "" {
		memberID = s.membersByEmail[memberEmailKey(orgID, email)]
	}
	m, e := s.memberLocked(orgID, memberID)
	if e != nil {
		return nil, e
	}
	return memberBody{ok(requestID), m.MemberID, m.view(), org.view()}, nil
}

// handleB2BGet serves GET /v1/b2b/sessions?organization_id=&member_id=.
func (s *Server) handleB2BGet(_ http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	q := r.URL.Query()
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.orgMemberLocked(q.Get("organization_id"), q.Get("member_id"))
	if e != nil {
		return nil, e
	}
	out := []MemberSession{}
	for _, id := range s.userSessions[m.MemberID] {
		if sn := s.sessions[id]; sn.active(now) {
			out = append(out, s.memberViewLocked(sn))
		}
	}
	return struct {
		envelope
		MemberSessions []MemberSession `json:"member_sessions"`
	}{ok(requestID), out}, nil
}

// handleB2BAuthenticate serves POST /v1/b2b/sessions/authenticate.
func (s *Server) handleB2BAuthenticate(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		SessionToken           string                 `json:"session_token"`
		SessionJWT             string                 `json:"session_jwt"`
		SessionDurationMinutes int                    `json:"session_duration_minutes"`
		SessionCustomClaims    map[string]any         `json:"session_custom_claims"`
		AuthorizationCheck     *b2bAuthorizationCheck `json:"authorization_check"`
	}
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	claims, e := checkSessionArgs("an authenticate", req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	check := req.AuthorizationCheck
	if check != nil && (check.OrganizationID == "" || check.ResourceID == "" || check.Action == "") {
		return nil, badRequest(client.ErrBadRequest, "authorization_check needs organization_id, resource_id and action.")
	}
	sub, e := s.resolve(sessionRef{token: req.SessionToken, jwt: req.SessionJWT})
	if e != nil {
		return nil, e
	}

	var verdict *authorizationVerdict
	now := s.stamp()
	s.mu.Lock()
	sn, e := s.updateSessionLocked(sub, now, req.SessionDurationMinutes, claims, func(sn *session) (e *client.StytchError) {
		if check != nil {
			verdict, e = s.authorizeMemberLocked(sn, *check)
		}
		return e
	})
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	body, e := s.memberSessionAnswerLocked(sn, requestID)
	s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	return struct {
		memberSessionBody
		Verdict *authorizationVerdict `json:"verdict,omitempty"`
	}{body, verdict}, nil
}

// authorizeMemberLocked decides an authorization_check for a member session
// by Stytch's B2B rule: tenancy first, then the project's roles and the
// session organization's custom roles. s.mu must be held.
func (s *Server) authorizeMemberLocked(sn *session, check b2bAuthorizationCheck) (*authorizationVerdict, *client.StytchError) {
	if check.OrganizationID != sn.orgID {
		return nil, apiError(http.StatusForbidden, client.ErrSessionAuthorizationTenancy, msgTenancy)
	}
	var custom []client.PolicyRole
	if org := s.orgs[sn.orgID]; org != nil {
		custom = org.customRoles
	}
	granting := memberGrantingRoles(&s.policy, custom, sn.roles, check.ResourceID, check.Action)
	if len(granting) == 0 {
		return nil, apiError(http.StatusForbidden, client.ErrSessionAuthorization, msgSessionNotAuthorized)
	}
	return &authorizationVerdict{Authorized: true, GrantingRoles: granting}, nil
}

// memberSessionAnswerLocked builds the answer of authenticate and exchange
// for sn, with a fresh JWT. s.mu must be held.
func (s *Server) memberSessionAnswerLocked(sn *session, requestID string) (memberSessionBody, *client.StytchError) {
	m, e := s.orgMemberLocked(sn.orgID, sn.userID)
	if e != nil {
		return memberSessionBody{}, e
	}
	view := s.memberViewLocked(sn)
	key := s.keys[len(s.keys)-1]
	jwt, err := signJWT(key, standardHeader(key.kid), s.memberJWTClaims(view, s.stamp()))
	if err != nil {
		return memberSessionBody{}, apiError(http.StatusInternalServerError, client.ErrInternalServerError, "The emulator could not sign a JWT.")
	}
	return memberSessionBody{envelope: ok(requestID), MemberID: m.MemberID, MemberSession: view,
		SessionToken: s.sessionToken(sn.id), SessionJWT: jwt, Member: m.view(), Organization: s.orgs[sn.orgID].view()}, nil
}

// handleB2BRevoke serves POST /v1/b2b/sessions/revoke.
func (s *Server) handleB2BRevoke(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		MemberSessionID string `json:"member_session_id"`
		SessionToken    string `json:"session_token"`
		SessionJWT      string `json:"session_jwt"`
		MemberID        string `json:"member_id"`
	}
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	switch n := countGiven(req.MemberSessionID, req.SessionToken, req.SessionJWT, req.MemberID); {
	case n > 1:
		return nil, badRequest(client.ErrTooManySessionRevokeArguments, "Please include exactly one of member_session_id, session_token, session_jwt or member_id in a revoke request.")
	case n == 0:
		return nil, badRequest(client.ErrNoSessionRevokeArguments, "Please include one of member_session_id, session_token, session_jwt or member_id in a revoke request.")
	}
	if req.MemberID != "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		m := s.members[req.MemberID]
		if m == nil {
			return nil, apiError(http.StatusNotFound, client.ErrMemberNotFound, msgMemberNotFound)
		}
		for _, id := range s.userSessions[m.MemberID] {
			s.sessions[id].revoked = true
		}
		return ok(requestID), nil
	}
	if e := s.revokeSession(sessionRef{id: req.MemberSessionID, token: req.SessionToken, jwt: req.SessionJWT}); e != nil {
		return nil, e
	}
	return ok(requestID), nil
}

// handleB2BExchange serves POST /v1/b2b/sessions/exchange: a session of the
// member with the same email address in another organization.
func (s *Server) handleB2BExchange(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		OrganizationID         string         `json:"organization_id"`
		SessionToken           string         `json:"session_token"`
		SessionJWT             string         `json:"session_jwt"`
		SessionDurationMinutes int            `json:"session_duration_minutes"`
		SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	}
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	if req.OrganizationID == "" {
		return nil, badRequest(client.ErrBadRequest, "organization_id is required.")
	}
	claims, e := checkSessionArgs("an exchange", req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	minutes := req.SessionDurationMinutes
	if minutes == 0 {
		minutes = defaultDurationMinutes
	}
	initial, _ := applyClaims(nil, claims) // fits: claims were checked
	sub, e := s.resolve(sessionRef{token: req.SessionToken, jwt: req.SessionJWT})
	if e != nil {
		return nil, e
	}
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	old, e := s.activeSessionLocked(sub, now)
	if e != nil {
		return nil, e
	}
	if _, e := s.orgLocked(req.OrganizationID); e != nil {
		return nil, e
	}
	from := s.members[old.userID]
	target, e := s.memberLocked(req.OrganizationID, s.membersByEmail[memberEmailKey(req.OrganizationID, from.EmailAddress)])
	if e != nil {
		return nil, e
	}
	sn, e := s.addSessionLocked(target.MemberID, req.OrganizationID, target.RoleIDs(), now, minutes, cloneJSON(old.factors), initial)
	if e != nil {
		return nil, e
	}
	body, e := s.memberSessionAnswerLocked(sn, requestID)
	if e != nil {
		return nil, e
	}
	return struct {
		memberSessionBody
		MemberAuthenticated      bool   `json:"member_authenticated"`
		IntermediateSessionToken string `json:"intermediate_session_token"`
		MFARequired              any    `json:"mfa_required"`
		PrimaryRequired          any    `json:"primary_required"`
	}{memberSessionBody: body, MemberAuthenticated: true}, nil
}

func (s *Server) handleGetOrgPolicy(_ http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	roles, err := s.OrgPolicy(r.PathValue("organization_id"))
	if err != nil {
		return nil, asAPIError(err)
	}
	return orgPolicyBody{ok(requestID), orgPolicy{roles}}, nil
}

func (s *Server) handleSetOrgPolicy(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		OrgPolicy *orgPolicy `json:"org_policy"`
	}
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	if req.OrgPolicy == nil {
		return nil, badRequest(client.ErrBadRequest, "org_policy is required.")
	}
	orgID := r.PathValue("organization_id")
	if e := s.setOrgPolicy(orgID, req.OrgPolicy.Roles); e != nil {
		return nil, e
	}
	return s.handleGetOrgPolicy(w, r, requestID)
}
