package stytchtest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

func TestB2BAuthenticate(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	org := mustOrg(t, srv, "acme")
	m, g := memberSession(t, srv, org, "reader")

	for name, body := range map[string]map[string]any{
		"token": {"session_token": g.SessionToken},
		"jwt":   {"session_jwt": g.SessionJWT},
	} {
		a := mustB2BAuthenticate(t, srv, body)
		if a.MemberSession.MemberSessionID != g.MemberSession.MemberSessionID || a.SessionToken != g.SessionToken ||
			a.Member.MemberID != m.MemberID || a.Organization.OrganizationID != org.OrganizationID || a.Verdict != nil {
			t.Errorf("authenticate by %s = %+v", name, a)
		}
		verifyJWX(t, srv, a.SessionJWT)
	}

	// A JWT past its exp is accepted while its session lives, with a fresh one.
	srv.Advance(10 * time.Minute)
	a := mustB2BAuthenticate(t, srv, map[string]any{"session_jwt": g.SessionJWT, "session_duration_minutes": 600,
		"session_custom_claims": map[string]any{"k": "v", "sub": "ignored"}})
	fresh := verifyJWX(t, srv, a.SessionJWT)
	if fresh["iat"] != float64(fixedNow.Add(10*time.Minute).Unix()) || fresh["k"] != "v" || fresh["sub"] != m.MemberID ||
		!a.MemberSession.ExpiresAt.Equal(fixedNow.Add(610*time.Minute)) || a.MemberSession.CustomClaims["k"] != "v" {
		t.Errorf("after 10 minutes: session %+v, fresh JWT %v", a.MemberSession, fresh)
	}
	a = mustB2BAuthenticate(t, srv, map[string]any{"session_token": g.SessionToken, "session_custom_claims": map[string]any{"k": nil}})
	if _, kept := a.MemberSession.CustomClaims["k"]; kept {
		t.Errorf("a null custom claim did not delete it: %v", a.MemberSession.CustomClaims)
	}

	forged := srv.MemberJWTClaims(g.MemberSession)
	forged[OrganizationClaim] = organizationClaim{OrganizationID: "organization-test-other", Slug: "other"}
	otherOrgJWT, err := srv.SignToken(nil, forged, "")
	if err != nil {
		t.Fatal(err)
	}
	noOrg := srv.MemberJWTClaims(g.MemberSession)
	delete(noOrg, OrganizationClaim)
	noOrgJWT, err := srv.SignToken(nil, noOrg, "")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(g.SessionJWT, ".")
	for name, tt := range map[string]struct {
		body   map[string]any
		status int
		want   client.ErrorType
	}{
		"both":                  {map[string]any{"session_token": g.SessionToken, "session_jwt": g.SessionJWT}, 400, client.ErrTooManySessionArguments},
		"neither":               {map[string]any{}, 400, client.ErrNoSessionArguments},
		"duration 4":            {map[string]any{"session_token": g.SessionToken, "session_duration_minutes": 4}, 400, client.ErrInvalidSessionDurationMinutes},
		"duration 527041":       {map[string]any{"session_token": g.SessionToken, "session_duration_minutes": 527041}, 400, client.ErrInvalidSessionDurationMinutes},
		"unknown token":         {map[string]any{"session_token": "unknown"}, 404, client.ErrSessionNotFound},
		"forged signature":      {map[string]any{"session_jwt": parts[0] + "." + parts[1] + ".AAAA"}, 400, client.ErrUnableToParseSessionJWT},
		"other organization":    {map[string]any{"session_jwt": otherOrgJWT}, 404, client.ErrSessionNotFound},
		"no organization claim": {map[string]any{"session_jwt": noOrgJWT}, 400, "jwt_invalid_claims"},
		"check without org":     {map[string]any{"session_token": g.SessionToken, "authorization_check": map[string]any{"resource_id": "documents", "action": "read"}}, 400, client.ErrBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, b2bAuthenticate(t, srv, tt.body), tt.status, tt.want)
		})
	}

	srv.Advance(610 * time.Minute)
	wantErrorBody(t, b2bAuthenticate(t, srv, map[string]any{"session_token": g.SessionToken}), 404, client.ErrSessionNotFound)
}

// TestB2BAuthorizationCheck is the table of §4's cases: tenancy first, the
// project's roles and the organization's custom roles, "*" actions, the
// reserved stytch_member, unknown resources and actions.
func TestB2BAuthorizationCheck(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	acme, globex := mustOrg(t, srv, "acme"), mustOrg(t, srv, "globex")
	if err := srv.SetOrgPolicy(acme.OrganizationID, []client.PolicyRole{{RoleID: "auditor", Description: "Deletes, in acme.",
		Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"delete"}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetOrgPolicy(globex.OrganizationID, []client.PolicyRole{{RoleID: "auditor", Description: "Reads, in globex.",
		Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read"}}}}}); err != nil {
		t.Fatal(err)
	}
	_, reader := memberSession(t, srv, acme, "reader")
	_, both := memberSession(t, srv, acme, "reader", "editor")
	_, admin := memberSession(t, srv, acme, "admin")
	_, plain := memberSession(t, srv, acme)
	_, acmeAuditor := memberSession(t, srv, acme, "auditor")
	_, globexAuditor := memberSession(t, srv, globex, "auditor")

	tests := []struct {
		name             string
		g                *MemberSessionGrant
		org              Organization
		resource, action string
		want             []string // nil: denied
		denial           client.ErrorType
	}{
		{"reader reads", reader, acme, "documents", "read", []string{"reader"}, ""},
		{"reader may not delete", reader, acme, "documents", "delete", nil, client.ErrSessionAuthorization},
		{"every granting role", both, acme, "documents", "read", []string{"reader", "editor"}, ""},
		{"admin's *", admin, acme, "documents", "delete", []string{"admin"}, ""},
		{"* is no resource wildcard", admin, acme, "other", "read", nil, client.ErrSessionAuthorization},
		{"unknown action", reader, acme, "documents", "archive", nil, client.ErrSessionAuthorization},
		{"stytch_member grants nothing", plain, acme, "documents", "read", nil, client.ErrSessionAuthorization},
		{"tenancy before roles", admin, globex, "documents", "read", nil, client.ErrSessionAuthorizationTenancy},
		{"tenancy even when denied", plain, globex, "documents", "read", nil, client.ErrSessionAuthorizationTenancy},
		{"custom role", acmeAuditor, acme, "documents", "delete", []string{"auditor"}, ""},
		{"custom role's other actions", acmeAuditor, acme, "documents", "read", nil, client.ErrSessionAuthorization},
		{"another org's definition", globexAuditor, globex, "documents", "read", []string{"auditor"}, ""},
		{"not this org's definition", globexAuditor, globex, "documents", "delete", nil, client.ErrSessionAuthorization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b2bAuthenticate(t, srv, map[string]any{"session_jwt": tt.g.SessionJWT, "authorization_check": map[string]any{
				"organization_id": tt.org.OrganizationID, "resource_id": tt.resource, "action": tt.action}})
			if tt.want == nil {
				wantErrorBody(t, r, http.StatusForbidden, tt.denial)
				return
			}
			var a b2bAnswer
			r.decodeOK(t, &a)
			if a.Verdict == nil || !a.Verdict.Authorized || !sameSet(a.Verdict.GrantingRoles, tt.want) {
				t.Errorf("verdict = %+v, want granting roles %v", a.Verdict, tt.want)
			}
		})
	}
}

// sameSet compares two lists as sets.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func TestB2BRevokeAndGet(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	org := mustOrg(t, srv, "acme")
	m := mustMember(t, srv, org.OrganizationID, "ada@example.com")
	start := func() *MemberSessionGrant {
		return mustMemberSession(t, srv, MemberSessionParams{OrganizationID: org.OrganizationID, MemberID: m.MemberID})
	}
	listed := func() []string {
		var body struct {
			MemberSessions []MemberSession `json:"member_sessions"`
		}
		call(t, srv, http.MethodGet, "/v1/b2b/sessions?organization_id="+org.OrganizationID+"&member_id="+m.MemberID, nil, true).decodeOK(t, &body)
		var ids []string
		for _, s := range body.MemberSessions {
			ids = append(ids, s.MemberSessionID)
		}
		return ids
	}
	byID, byToken, byJWT, kept := start(), start(), start(), start()
	if got := listed(); len(got) != 4 {
		t.Fatalf("get lists %v, want 4 sessions", got)
	}
	for _, body := range []map[string]any{
		{"member_session_id": byID.MemberSession.MemberSessionID},
		{"session_token": byToken.SessionToken},
		{"session_jwt": byJWT.SessionJWT},
	} {
		var ok struct {
			StatusCode int `json:"status_code"`
		}
		call(t, srv, http.MethodPost, "/v1/b2b/sessions/revoke", body, true).decodeOK(t, &ok)
	}
	if got := listed(); !slices.Equal(got, []string{kept.MemberSession.MemberSessionID}) {
		t.Errorf("after three revokes get lists %v, want only %s", got, kept.MemberSession.MemberSessionID)
	}
	for _, g := range []*MemberSessionGrant{byID, byToken, byJWT} {
		wantErrorBody(t, b2bAuthenticate(t, srv, map[string]any{"session_token": g.SessionToken}), 404, client.ErrSessionNotFound)
	}
	another := start()
	call(t, srv, http.MethodPost, "/v1/b2b/sessions/revoke", map[string]any{"member_id": m.MemberID}, true).decodeOK(t, &struct{}{})
	if got := listed(); len(got) != 0 {
		t.Errorf("after revoking by member_id get lists %v", got)
	}
	wantErrorBody(t, b2bAuthenticate(t, srv, map[string]any{"session_jwt": another.SessionJWT}), 404, client.ErrSessionNotFound)

	for name, tt := range map[string]struct {
		body   map[string]any
		status int
		want   client.ErrorType
	}{
		"none":           {map[string]any{}, 400, client.ErrNoSessionRevokeArguments},
		"two":            {map[string]any{"member_id": m.MemberID, "session_token": "x"}, 400, client.ErrTooManySessionRevokeArguments},
		"unknown id":     {map[string]any{"member_session_id": "member-session-test-x"}, 404, client.ErrSessionNotFound},
		"unknown member": {map[string]any{"member_id": "member-test-x"}, 404, client.ErrMemberNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/sessions/revoke", tt.body, true), tt.status, tt.want)
		})
	}
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/b2b/sessions?organization_id="+org.OrganizationID+"&member_id=member-test-x", nil, true),
		404, client.ErrMemberNotFound)
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/b2b/sessions?member_id="+m.MemberID, nil, true), 400, client.ErrBadRequest)
}

func TestB2BExchange(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	acme, globex, initech := mustOrg(t, srv, "acme"), mustOrg(t, srv, "globex"), mustOrg(t, srv, "initech")
	if _, err := srv.CreateMember(context.Background(), MemberParams{OrganizationID: acme.OrganizationID, Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	inGlobex := mustMember(t, srv, globex.OrganizationID, "ada@example.com", "admin")
	mustMember(t, srv, initech.OrganizationID, "grace@example.com")
	var body struct {
		Member Member `json:"member"`
	}
	call(t, srv, http.MethodGet, "/v1/b2b/organizations/"+acme.OrganizationID+"/member?email_address=ada@example.com", nil, true).decodeOK(t, &body)
	g := mustMemberSession(t, srv, MemberSessionParams{OrganizationID: acme.OrganizationID, MemberID: body.Member.MemberID})

	var a b2bAnswer
	call(t, srv, http.MethodPost, "/v1/b2b/sessions/exchange", map[string]any{"organization_id": globex.OrganizationID,
		"session_jwt": g.SessionJWT, "session_duration_minutes": 30}, true).decodeOK(t, &a)
	if !a.MemberAuthenticated || a.MemberID != inGlobex.MemberID || a.MemberSession.OrganizationID != globex.OrganizationID ||
		a.MemberSession.OrganizationSlug != "globex" || !slices.Equal(a.MemberSession.Roles, []string{"stytch_member", "admin"}) ||
		!a.MemberSession.ExpiresAt.Equal(fixedNow.Add(30*time.Minute)) || a.Organization.OrganizationID != globex.OrganizationID {
		t.Errorf("exchange = %+v", a)
	}
	claims := verifyJWX(t, srv, a.SessionJWT)
	if claims[OrganizationClaim].(map[string]any)["slug"] != "globex" || claims["sub"] != inGlobex.MemberID {
		t.Errorf("exchanged JWT claims = %v", claims)
	}
	mustB2BAuthenticate(t, srv, map[string]any{"session_token": a.SessionToken})

	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/sessions/exchange", map[string]any{"organization_id": initech.OrganizationID,
		"session_token": g.SessionToken}, true), 404, client.ErrMemberNotFound)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/sessions/exchange", map[string]any{"organization_id": "organization-test-x",
		"session_token": g.SessionToken}, true), 404, client.ErrOrganizationNotFound)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/sessions/exchange", map[string]any{"session_token": g.SessionToken}, true),
		400, client.ErrBadRequest)
}

func TestOrgPolicy(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	acme, globex := mustOrg(t, srv, "acme"), mustOrg(t, srv, "globex")
	path := "/v1/b2b/rbac/organizations/" + acme.OrganizationID
	r := call(t, srv, http.MethodGet, path, nil, true)
	if r.status != 200 || !strings.Contains(string(r.body), `"org_policy":{"roles":[]}`) {
		t.Errorf("org policy before any PUT = %s, want roles []", r.body)
	}
	role := map[string]any{"role_id": "auditor", "description": "Audits.",
		"permissions": []map[string]any{{"resource_id": "documents", "actions": []string{"read"}}}}
	var body struct {
		OrgPolicy struct {
			Roles []client.PolicyRole `json:"roles"`
		} `json:"org_policy"`
	}
	call(t, srv, http.MethodPut, path, map[string]any{"organization_id": acme.OrganizationID,
		"org_policy": map[string]any{"roles": []any{role}}}, true).decodeOK(t, &body)
	if len(body.OrgPolicy.Roles) != 1 || body.OrgPolicy.Roles[0].RoleID != "auditor" {
		t.Errorf("PUT answer = %+v", body)
	}
	call(t, srv, http.MethodGet, path, nil, true).decodeOK(t, &body)
	if len(body.OrgPolicy.Roles) != 1 || body.OrgPolicy.Roles[0].Permissions[0].Actions[0] != "read" {
		t.Errorf("GET after PUT = %+v", body)
	}
	if roles, err := srv.OrgPolicy(globex.OrganizationID); err != nil || len(roles) != 0 || roles == nil {
		t.Errorf("another organization's policy = %v, %v; want [] untouched", roles, err)
	}
	call(t, srv, http.MethodPut, path, map[string]any{"org_policy": map[string]any{"roles": []any{}}}, true).decodeOK(t, &body)
	if len(body.OrgPolicy.Roles) != 0 {
		t.Errorf("PUT of no roles did not replace them: %+v", body)
	}
	for name, tt := range map[string]struct {
		method, path string
		body         any
		status       int
		want         client.ErrorType
	}{
		"unknown org get": {http.MethodGet, "/v1/b2b/rbac/organizations/organization-test-x", nil, 404, client.ErrOrganizationNotFound},
		"unknown org put": {http.MethodPut, "/v1/b2b/rbac/organizations/organization-test-x", map[string]any{"org_policy": map[string]any{"roles": []any{}}}, 404, client.ErrOrganizationNotFound},
		"no org_policy":   {http.MethodPut, path, map[string]any{}, 400, client.ErrBadRequest},
		"unknown resource": {http.MethodPut, path, map[string]any{"org_policy": map[string]any{"roles": []any{map[string]any{"role_id": "x",
			"permissions": []map[string]any{{"resource_id": "nope", "actions": []string{"read"}}}}}}}, 400, client.ErrBadRequest},
		"project role id": {http.MethodPut, path, map[string]any{"org_policy": map[string]any{"roles": []any{map[string]any{"role_id": "admin"}}}}, 400, client.ErrBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, tt.method, tt.path, tt.body, true), tt.status, tt.want)
		})
	}
}

func TestB2BPolicy(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	var body struct {
		Policy client.Policy `json:"policy"`
	}
	call(t, srv, http.MethodGet, "/v1/b2b/rbac/policy", nil, true).decodeOK(t, &body)
	if body.Policy.Roles[0].RoleID != DefaultMemberRole || len(body.Policy.Scopes) != 2 {
		t.Errorf("default B2B policy = %+v", body.Policy)
	}
	p := map[string]any{
		"roles":     []any{map[string]any{"role_id": "stytch_member", "description": "", "permissions": []any{}}},
		"resources": []any{map[string]any{"resource_id": "reports", "description": "R", "actions": []string{"read"}}},
		"scopes": []any{map[string]any{"scope": "read:reports", "description": "S",
			"permissions": []any{map[string]any{"resource_id": "reports", "actions": []string{"read"}}}}},
	}
	var put struct {
		Policy client.Policy `json:"policy"`
	}
	call(t, srv, http.MethodPut, "/emulator/policy", p, true).decodeOK(t, &put)
	call(t, srv, http.MethodGet, "/v1/b2b/rbac/policy", nil, true).decodeOK(t, &body)
	for _, got := range []client.Policy{put.Policy, body.Policy} {
		if len(got.Roles) != 1 || len(got.Resources) != 1 || len(got.Scopes) != 1 || got.Scopes[0].Scope != "read:reports" ||
			got.Scopes[0].Permissions[0].ResourceID != "reports" {
			t.Errorf("policy = %+v, want the one PUT", got)
		}
	}
}

func TestAdminMemberSessions(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	acme, globex := mustOrg(t, srv, "acme"), mustOrg(t, srv, "globex")
	m := mustMember(t, srv, acme.OrganizationID, "ada@example.com", "reader")
	other := mustMember(t, srv, globex.OrganizationID, "grace@example.com")
	var body struct {
		StatusCode    int           `json:"status_code"`
		SessionToken  string        `json:"session_token"`
		SessionJWT    string        `json:"session_jwt"`
		MemberSession MemberSession `json:"member_session"`
	}
	r := call(t, srv, http.MethodPost, "/emulator/member_sessions", map[string]any{"organization_id": acme.OrganizationID, "member_id": m.MemberID}, true)
	r.decodeOK(t, &body)
	wantKeys := []string{"member_session_id", "member_id", "organization_id", "organization_slug", "roles", "custom_claims",
		"started_at", "last_accessed_at", "expires_at", "authentication_factors"}
	var raw map[string]jsonRaw
	mustUnmarshal(t, r.body, &raw)
	if keys := objectKeys(t, raw["member_session"]); !slices.Equal(keys, wantKeys) {
		t.Errorf("member_session keys = %v, want %v", keys, wantKeys)
	}
	if !body.MemberSession.ExpiresAt.Equal(fixedNow.Add(time.Hour)) || len(body.MemberSession.AuthenticationFactors) != 1 ||
		!strings.Contains(string(r.body), `"custom_claims":{}`) {
		t.Errorf("default member session = %s", r.body)
	}
	verifyJWX(t, srv, body.SessionJWT)

	factor := map[string]any{"type": "otp", "delivery_method": "sms", "phone_number_factor": map[string]any{"phone_id": "phone-1", "phone_number": "+15555550100"}}
	call(t, srv, http.MethodPost, "/emulator/member_sessions", map[string]any{"organization_id": acme.OrganizationID, "member_id": m.MemberID,
		"session_duration_minutes": 1, "session_custom_claims": map[string]any{"k": "v"}, "authentication_factors": []any{factor}}, true).decodeOK(t, &body)
	f := body.MemberSession.AuthenticationFactors
	if len(f) != 1 || f[0].Type != "otp" || f[0].PhoneNumberFactor == nil || f[0].PhoneNumberFactor.PhoneNumber != "+15555550100" ||
		body.MemberSession.CustomClaims["k"] != "v" || !body.MemberSession.ExpiresAt.Equal(fixedNow.Add(time.Minute)) {
		t.Errorf("member session = %+v", body.MemberSession)
	}
	jf := jwtClaims(t, body.SessionJWT)[SessionClaim].(map[string]any)["authentication_factors"].([]any)
	if len(jf) != 1 || jf[0].(map[string]any)["phone_number_factor"].(map[string]any)["phone_number"] != "+15555550100" {
		t.Errorf("JWT factors = %v", jf)
	}
	srv.Advance(time.Minute)
	wantErrorBody(t, b2bAuthenticate(t, srv, map[string]any{"session_token": body.SessionToken}), 404, client.ErrSessionNotFound)

	for name, tt := range map[string]struct {
		body   map[string]any
		status int
		want   client.ErrorType
	}{
		"explicit zero":        {map[string]any{"organization_id": acme.OrganizationID, "member_id": m.MemberID, "session_duration_minutes": 0}, 400, client.ErrInvalidSessionDurationMinutes},
		"too long":             {map[string]any{"organization_id": acme.OrganizationID, "member_id": m.MemberID, "session_duration_minutes": 527041}, 400, client.ErrInvalidSessionDurationMinutes},
		"unknown organization": {map[string]any{"organization_id": "organization-test-x", "member_id": m.MemberID}, 404, client.ErrOrganizationNotFound},
		"unknown member":       {map[string]any{"organization_id": acme.OrganizationID, "member_id": "member-test-x"}, 404, client.ErrMemberNotFound},
		"another org's member": {map[string]any{"organization_id": acme.OrganizationID, "member_id": other.MemberID}, 404, client.ErrMemberNotFound},
		"unknown field":        {map[string]any{"organization_id": acme.OrganizationID, "member_id": m.MemberID, "admin": true}, 400, client.ErrBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/member_sessions", tt.body, true), tt.status, tt.want)
		})
	}
	wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/member_sessions", map[string]any{}, false), 401, client.ErrUnauthorizedCredentials)
	// 527040 minutes is allowed, exactly.
	call(t, srv, http.MethodPost, "/emulator/member_sessions", map[string]any{"organization_id": acme.OrganizationID, "member_id": m.MemberID,
		"session_duration_minutes": client.MaxSessionDurationMinutes}, true).decodeOK(t, &body)
}

func TestB2BKeysClockFaultsAndCounters(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	org := mustOrg(t, srv, "acme")
	_, g := memberSession(t, srv, org)
	oldKid := kidOf(t, g.SessionJWT)
	call(t, srv, http.MethodPost, "/emulator/keys/rotate", nil, true).decodeOK(t, &struct{}{})
	a := mustB2BAuthenticate(t, srv, map[string]any{"session_jwt": g.SessionJWT})
	if kid := kidOf(t, a.SessionJWT); kid == oldKid {
		t.Errorf("after rotation the fresh JWT still has kid %s", kid)
	}
	if set := servedKeySet(t, srv); set.Len() != 2 {
		t.Errorf("after rotation the B2B JWKS serves %d keys, want both", set.Len())
	}
	verifyJWX(t, srv, g.SessionJWT)
	verifyJWX(t, srv, a.SessionJWT)

	call(t, srv, http.MethodPost, "/emulator/clock/advance", map[string]any{"seconds": 120}, true).decodeOK(t, &struct{}{})
	a = mustB2BAuthenticate(t, srv, map[string]any{"session_token": g.SessionToken})
	if iat := jwtClaims(t, a.SessionJWT)["iat"]; iat != float64(fixedNow.Add(2*time.Minute).Unix()) {
		t.Errorf("fresh JWT iat = %v, want the emulator's clock", iat)
	}

	srv.ResetCounters()
	mustInject(t, srv, EndpointB2BAuthenticate, Fault{Status: http.StatusServiceUnavailable, Count: 1})
	wantErrorBody(t, b2bAuthenticate(t, srv, map[string]any{"session_token": g.SessionToken}), 503, client.ErrServerUnavailable)
	mustB2BAuthenticate(t, srv, map[string]any{"session_token": g.SessionToken})
	mustInject(t, srv, EndpointB2BAuthenticate, Fault{Status: http.StatusForbidden, Count: 1})
	wantErrorBody(t, b2bAuthenticate(t, srv, map[string]any{"session_token": g.SessionToken}), 403, client.ErrSessionAuthorization)
	mustInject(t, srv, EndpointB2BJWKS, Fault{GarbageKeys: true, Count: 1})
	r := call(t, srv, http.MethodGet, "/v1/b2b/sessions/jwks/"+srv.ProjectID, nil, false)
	if !strings.Contains(string(r.body), "jwk-garbage-kty") {
		t.Errorf("garbage keys fault: %s", r.body)
	}
	call(t, srv, http.MethodGet, "/v1/b2b/rbac/organizations/"+org.OrganizationID, nil, true)
	call(t, srv, http.MethodGet, "/v1/b2b/rbac/policy", nil, false) // 401, counted
	want := map[Endpoint]int{EndpointB2BAuthenticate: 3, EndpointB2BJWKS: 1, EndpointOrgPolicy: 1, EndpointB2BPolicy: 1}
	for _, e := range endpoints {
		if got := srv.Requests(e); got != want[e] {
			t.Errorf("Requests(%s) = %d, want %d", e, got, want[e])
		}
	}
}
