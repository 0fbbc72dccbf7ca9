package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// wantMemberSession is memberSessionJSON decoded by hand.
func wantMemberSession(t *testing.T) MemberSession {
	return MemberSession{
		MemberSessionID: b2bSessionID, MemberID: b2bMemberID,
		StartedAt:      mustTime(t, "2025-11-12T10:35:49Z"),
		LastAccessedAt: mustTime(t, "2025-11-12T10:40:02Z"),
		ExpiresAt:      mustTime(t, "2025-11-12T11:40:02Z"),
		AuthenticationFactors: []AuthenticationFactor{{
			Type: "magic_link", DeliveryMethod: "email", LastAuthenticatedAt: mustTime(t, "2025-11-12T10:36:02Z"),
			EmailFactor: &EmailFactor{EmailID: "email-test-1", EmailAddress: "ada@acme.example"},
		}},
		OrganizationID: b2bOrgID, OrganizationSlug: "acme",
		Roles: []string{"stytch_member", "editor"}, CustomClaims: map[string]any{"plan": "pro"},
	}
}

// checkMemberAndOrg checks the member and organization of memberJSON and
// organizationJSON.
func checkMemberAndOrg(t *testing.T, m Member, o Organization) {
	t.Helper()
	wantRoles := []MemberRole{
		{RoleID: "stytch_member", Sources: []MemberRoleSource{{Type: "direct_assignment", Details: map[string]any{}}}},
		{RoleID: "editor", Sources: []MemberRoleSource{{Type: "email_assignment", Details: map[string]any{"domain": "acme.example"}}}},
	}
	if m.MemberID != b2bMemberID || m.OrganizationID != b2bOrgID || m.EmailAddress != "ada@acme.example" ||
		!m.EmailAddressVerified || m.Name != "Ada Lovelace" || m.Status != "active" || !reflect.DeepEqual(m.Roles, wantRoles) ||
		!m.CreatedAt.Equal(mustTime(t, "2025-11-01T08:00:00Z")) {
		t.Errorf("member %+v", m)
	}
	wantCustom := []PolicyRole{{RoleID: "auditor", Description: "Reads logs", Permissions: []Permission{{ResourceID: "logs", Actions: []string{"read"}}}}}
	if o.OrganizationID != b2bOrgID || o.OrganizationSlug != "acme" || o.OrganizationName != "Acme" || o.MFAPolicy != "OPTIONAL" ||
		!reflect.DeepEqual(o.CustomRoles, wantCustom) || !reflect.DeepEqual(o.EmailAllowedDomains, []string{"acme.example"}) ||
		o.TrustedMetadata["tier"] != "gold" {
		t.Errorf("organization %+v", o)
	}
}

func checkGrant(t *testing.T, got any) {
	t.Helper()
	g := got.(*B2BSessionGrantResponse)
	if g.RequestID != "request-id-test-b2b-2" || g.MemberID != b2bMemberID || g.SessionToken != b2bToken || g.StatusCode != 200 ||
		g.MemberSession == nil || !reflect.DeepEqual(*g.MemberSession, wantMemberSession(t)) {
		t.Errorf("grant %+v", g)
	}
	checkMemberAndOrg(t, g.Member, g.Organization)
}

func TestB2BMethodsSendExactRequestAndParseAnswer(t *testing.T) {
	revoked := func(t *testing.T, got any) {
		if r := got.(*RevokeResponse); r.RequestID != "request-id-test-00000000-0000-0000-0000-000000000004" || r.StatusCode != 200 {
			t.Errorf("revoke %+v", r)
		}
	}
	cases := []struct {
		name       string
		call       func(context.Context, *B2BClient) (any, error)
		answer     string
		wantMethod string
		wantURI    string
		wantBody   string // "" means no body
		check      func(*testing.T, any)
	}{
		{
			name: "Get",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Get(ctx, B2BGetRequest{OrganizationID: "acme&x=1", MemberID: b2bMemberID})
			},
			answer:     `{"member_sessions": [` + memberSessionJSON + `], "request_id": "r", "status_code": 200}`,
			wantMethod: http.MethodGet, wantURI: "/v1/b2b/sessions?member_id=" + b2bMemberID + "&organization_id=acme%26x%3D1",
			check: func(t *testing.T, got any) {
				want := &B2BGetResponse{RequestID: "r", MemberSessions: []MemberSession{wantMemberSession(t)}, StatusCode: 200}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v", got)
				}
			},
		},
		{
			name: "Authenticate JWT with duration, claims and authorization check",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Authenticate(ctx, B2BAuthenticateRequest{
					SessionJWT: fixtureJWT, SessionDurationMinutes: 60,
					SessionCustomClaims: CustomClaims{"plan": "pro", "gone": nil, "sub": "evil", "https://stytch.com/organization": "x"},
					AuthorizationCheck:  &B2BAuthorizationCheck{OrganizationID: b2bOrgID, ResourceID: "documents", Action: "read"},
				})
			},
			answer: b2bAuthenticateJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/authenticate",
			wantBody: `{"session_jwt":"` + fixtureJWT + `","session_duration_minutes":60,"session_custom_claims":{"plan":"pro","gone":null},
				"authorization_check":{"organization_id":"` + b2bOrgID + `","resource_id":"documents","action":"read"}}`,
			check: func(t *testing.T, got any) {
				a := got.(*B2BAuthenticateResponse)
				if a.RequestID != "request-id-test-b2b-1" || a.SessionToken != b2bToken || a.StatusCode != 200 ||
					!reflect.DeepEqual(a.MemberSession, wantMemberSession(t)) ||
					!reflect.DeepEqual(a.Verdict, &AuthorizationVerdict{Authorized: true, GrantingRoles: []string{"editor"}}) {
					t.Errorf("authenticate %+v", a)
				}
				checkMemberAndOrg(t, a.Member, a.Organization)
			},
		},
		{
			name: "Authenticate token only",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Authenticate(ctx, B2BAuthenticateRequest{SessionToken: b2bToken})
			},
			answer: b2bAuthenticateJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/authenticate",
			wantBody: `{"session_token":"` + b2bToken + `"}`,
			check:    func(*testing.T, any) {},
		},
		{
			name: "Revoke by member session id",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Revoke(ctx, B2BRevokeRequest{MemberSessionID: b2bSessionID})
			},
			answer: revokeJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/revoke",
			wantBody: `{"member_session_id":"` + b2bSessionID + `"}`, check: revoked,
		},
		{
			name: "Revoke by session token",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Revoke(ctx, B2BRevokeRequest{SessionToken: b2bToken})
			},
			answer: revokeJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/revoke",
			wantBody: `{"session_token":"` + b2bToken + `"}`, check: revoked,
		},
		{
			name: "Revoke by session JWT",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Revoke(ctx, B2BRevokeRequest{SessionJWT: fixtureJWT})
			},
			answer: revokeJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/revoke",
			wantBody: `{"session_jwt":"` + fixtureJWT + `"}`, check: revoked,
		},
		{
			name: "Revoke every session of a member",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Revoke(ctx, B2BRevokeRequest{MemberID: b2bMemberID})
			},
			answer: revokeJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/revoke",
			wantBody: `{"member_id":"` + b2bMemberID + `"}`, check: revoked,
		},
		{
			name: "Exchange",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Exchange(ctx, B2BExchangeRequest{
					OrganizationID: "organization-test-2", SessionToken: b2bToken, SessionDurationMinutes: 30,
					SessionCustomClaims: CustomClaims{"k": "v"}, Locale: "pt-br", TelemetryID: "telemetry-1",
				})
			},
			answer: b2bExchangeJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/exchange",
			wantBody: `{"organization_id":"organization-test-2","session_token":"` + b2bToken + `","session_duration_minutes":30,
				"session_custom_claims":{"k":"v"},"locale":"pt-br","telemetry_id":"telemetry-1"}`,
			check: func(t *testing.T, got any) {
				e := got.(*B2BExchangeResponse)
				if !e.MemberAuthenticated || e.MemberID != b2bMemberID || e.MemberSession == nil || e.MFARequired != nil ||
					!e.IntermediateSessionTokenExpiresAt.IsZero() || !reflect.DeepEqual(*e.MemberSession, wantMemberSession(t)) {
					t.Errorf("exchange %+v", e)
				}
				checkMemberAndOrg(t, e.Member, e.Organization)
			},
		},
		{
			name: "ExchangeAccessToken",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.ExchangeAccessToken(ctx, B2BExchangeAccessTokenRequest{AccessToken: "eyJ.access.token", SessionDurationMinutes: 5, TelemetryID: "t"})
			},
			answer: b2bGrantJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/exchange_access_token",
			wantBody: `{"access_token":"eyJ.access.token","session_duration_minutes":5,"telemetry_id":"t"}`, check: checkGrant,
		},
		{
			name: "Attest",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Attest(ctx, B2BAttestRequest{ProfileID: "p", Token: "idp", OrganizationID: b2bOrgID, SessionJWT: fixtureJWT,
					SessionCustomClaims: CustomClaims{"iat": 1}})
			},
			answer: b2bGrantJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/attest",
			wantBody: `{"profile_id":"p","token":"idp","organization_id":"` + b2bOrgID + `","session_jwt":"` + fixtureJWT + `"}`, check: checkGrant,
		},
		{
			name: "Migrate",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.Migrate(ctx, B2BMigrateRequest{SessionToken: "external", OrganizationID: b2bOrgID, SessionDurationMinutes: 527040})
			},
			answer: b2bGrantJSON, wantMethod: http.MethodPost, wantURI: "/v1/b2b/sessions/migrate",
			wantBody: `{"session_token":"external","organization_id":"` + b2bOrgID + `","session_duration_minutes":527040}`, check: checkGrant,
		},
		{
			name: "GetJWKS uses the B2B path",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.GetJWKS(ctx, GetJWKSRequest{ProjectID: "project-test-a/b"})
			},
			answer: jwksJSON, wantMethod: http.MethodGet, wantURI: "/v1/b2b/sessions/jwks/project-test-a%2Fb",
			check: func(t *testing.T, got any) {
				if k := got.(*GetJWKSResponse).Keys; len(k) == 0 || k[0].Kid == "" {
					t.Errorf("keys %+v", k)
				}
			},
		},
		{
			name:   "GetPolicy uses the B2B path and keeps the scopes",
			call:   func(ctx context.Context, b *B2BClient) (any, error) { return b.GetPolicy(ctx) },
			answer: policyJSON, wantMethod: http.MethodGet, wantURI: "/v1/b2b/rbac/policy",
			check: func(t *testing.T, got any) {
				p := got.(*GetPolicyResponse).Policy
				if p == nil || len(p.Roles) != 2 || len(p.Scopes) != 1 || p.Scopes[0].Scope != "read:data" {
					t.Errorf("policy %+v", p)
				}
			},
		},
		{
			name: "GetOrgPolicy",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.GetOrgPolicy(ctx, OrgPolicyRequest{OrganizationID: "acme/../x"})
			},
			answer: orgPolicyJSON, wantMethod: http.MethodGet, wantURI: "/v1/b2b/rbac/organizations/acme%2F..%2Fx",
			check: func(t *testing.T, got any) {
				want := &OrgPolicyResponse{RequestID: "request-id-test-b2b-4", StatusCode: 200, OrgPolicy: OrgPolicy{Roles: []PolicyRole{{
					RoleID: "auditor", Description: "Reads logs", Permissions: []Permission{{ResourceID: "logs", Actions: []string{"read", "*"}}},
				}}}}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v", got)
				}
			},
		},
		{
			name: "SetOrgPolicy",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.SetOrgPolicy(ctx, SetOrgPolicyRequest{OrganizationID: b2bOrgID, OrgPolicy: OrgPolicy{Roles: []PolicyRole{{
					RoleID: "auditor", Description: "Reads logs", Permissions: []Permission{{ResourceID: "logs", Actions: []string{"read", "*"}}},
				}}}})
			},
			answer: orgPolicyJSON, wantMethod: http.MethodPut, wantURI: "/v1/b2b/rbac/organizations/" + b2bOrgID,
			wantBody: `{"org_policy":{"roles":[{"role_id":"auditor","description":"Reads logs","permissions":[{"resource_id":"logs","actions":["read","*"]}]}]}}`,
			check:    func(*testing.T, any) {},
		},
		{
			name: "SetOrgPolicy with no roles sends an empty list",
			call: func(ctx context.Context, b *B2BClient) (any, error) {
				return b.SetOrgPolicy(ctx, SetOrgPolicyRequest{OrganizationID: b2bOrgID})
			},
			answer: `{"org_policy":{"roles":[]},"request_id":"r","status_code":200}`, wantMethod: http.MethodPut,
			wantURI: "/v1/b2b/rbac/organizations/" + b2bOrgID, wantBody: `{"org_policy":{"roles":[]}}`,
			check: func(t *testing.T, got any) {
				if r := got.(*OrgPolicyResponse); r.OrgPolicy.Roles == nil || len(r.OrgPolicy.Roles) != 0 {
					t.Errorf("got %+v", r)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(http.StatusOK, tc.answer))
			c, _ := newTestClient(t, api.URL, nil)
			got, err := tc.call(context.Background(), c.B2B())
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			tc.check(t, got)
			reqs := api.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.wantMethod || r.RequestURI != tc.wantURI {
				t.Errorf("request %s %s, want %s %s", r.Method, r.RequestURI, tc.wantMethod, tc.wantURI)
			}
			req := http.Request{Header: r.Header}
			if user, pass, ok := req.BasicAuth(); !ok || user != testProjectID || pass != testSecret {
				t.Errorf("basic auth %q/%q (ok %v), want the project id and secret", user, pass, ok)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type %q", got)
			}
			if tc.wantBody == "" {
				if len(r.Body) != 0 {
					t.Errorf("body %q, want none", r.Body)
				}
			} else {
				jsonEqual(t, r.Body, tc.wantBody)
			}
		})
	}
}

func TestB2BValidationErrorsSendNothing(t *testing.T) {
	tooBig := CustomClaims{"blob": strings.Repeat("x", MaxCustomClaimsBytes)}
	check := &B2BAuthorizationCheck{OrganizationID: b2bOrgID, ResourceID: "documents", Action: "read"}
	without := func(edit func(*B2BAuthorizationCheck)) *B2BAuthorizationCheck {
		c := *check
		edit(&c)
		return &c
	}
	type call = func(context.Context, *B2BClient) error
	authenticate := func(r B2BAuthenticateRequest) call {
		return func(ctx context.Context, b *B2BClient) error { _, err := b.Authenticate(ctx, r); return err }
	}
	exchange := func(r B2BExchangeRequest) call {
		return func(ctx context.Context, b *B2BClient) error { _, err := b.Exchange(ctx, r); return err }
	}
	revoke := func(r B2BRevokeRequest) call {
		return func(ctx context.Context, b *B2BClient) error { _, err := b.Revoke(ctx, r); return err }
	}
	cases := []struct {
		name string
		call call
		want ErrorType
	}{
		{"Get without organization", func(ctx context.Context, b *B2BClient) error {
			_, err := b.Get(ctx, B2BGetRequest{MemberID: "m"})
			return err
		}, ErrInvalidOrganizationID},
		{"Get without member", func(ctx context.Context, b *B2BClient) error {
			_, err := b.Get(ctx, B2BGetRequest{OrganizationID: "o"})
			return err
		}, ErrInvalidMemberID},
		{"Authenticate without token or JWT", authenticate(B2BAuthenticateRequest{}), ErrNoSessionArguments},
		{"Authenticate with token and JWT", authenticate(B2BAuthenticateRequest{SessionToken: "t", SessionJWT: "j"}), ErrTooManySessionArguments},
		{"Authenticate duration 4", authenticate(B2BAuthenticateRequest{SessionToken: "t", SessionDurationMinutes: 4}), ErrInvalidSessionDurationMinutes},
		{"Authenticate duration 527041", authenticate(B2BAuthenticateRequest{SessionToken: "t", SessionDurationMinutes: 527041}), ErrInvalidSessionDurationMinutes},
		{"Authenticate negative duration", authenticate(B2BAuthenticateRequest{SessionToken: "t", SessionDurationMinutes: -5}), ErrInvalidSessionDurationMinutes},
		{"Authenticate claims over 4 KB", authenticate(B2BAuthenticateRequest{SessionToken: "t", SessionCustomClaims: tooBig}), ErrCustomClaimsTooLarge},
		{"Authenticate claims not JSON", authenticate(B2BAuthenticateRequest{SessionToken: "t", SessionCustomClaims: CustomClaims{"n": math.Inf(1)}}), ErrUnableToRepresentCustomClaims},
		{"Authenticate check without organization", authenticate(B2BAuthenticateRequest{SessionToken: "t",
			AuthorizationCheck: without(func(c *B2BAuthorizationCheck) { c.OrganizationID = "" })}), ErrBadRequest},
		{"Authenticate check without resource", authenticate(B2BAuthenticateRequest{SessionToken: "t",
			AuthorizationCheck: without(func(c *B2BAuthorizationCheck) { c.ResourceID = "" })}), ErrBadRequest},
		{"Authenticate check without action", authenticate(B2BAuthenticateRequest{SessionToken: "t",
			AuthorizationCheck: without(func(c *B2BAuthorizationCheck) { c.Action = "" })}), ErrBadRequest},
		{"Revoke with nothing", revoke(B2BRevokeRequest{}), ErrNoSessionRevokeArguments},
		{"Revoke with session id and member id", revoke(B2BRevokeRequest{MemberSessionID: "s", MemberID: "m"}), ErrTooManySessionRevokeArguments},
		{"Revoke with token and JWT", revoke(B2BRevokeRequest{SessionToken: "t", SessionJWT: "j"}), ErrTooManySessionRevokeArguments},
		{"Exchange without organization", exchange(B2BExchangeRequest{SessionToken: "t"}), ErrInvalidOrganizationID},
		{"Exchange without token or JWT", exchange(B2BExchangeRequest{OrganizationID: "o"}), ErrNoSessionArguments},
		{"Exchange with token and JWT", exchange(B2BExchangeRequest{OrganizationID: "o", SessionToken: "t", SessionJWT: "j"}), ErrTooManySessionArguments},
		{"Exchange bad duration", exchange(B2BExchangeRequest{OrganizationID: "o", SessionToken: "t", SessionDurationMinutes: 1}), ErrInvalidSessionDurationMinutes},
		{"Exchange claims over 4 KB", exchange(B2BExchangeRequest{OrganizationID: "o", SessionToken: "t", SessionCustomClaims: tooBig}), ErrCustomClaimsTooLarge},
		{"ExchangeAccessToken without token", func(ctx context.Context, b *B2BClient) error {
			_, err := b.ExchangeAccessToken(ctx, B2BExchangeAccessTokenRequest{})
			return err
		}, ErrInvalidToken},
		{"ExchangeAccessToken bad duration", func(ctx context.Context, b *B2BClient) error {
			_, err := b.ExchangeAccessToken(ctx, B2BExchangeAccessTokenRequest{AccessToken: "a", SessionDurationMinutes: 527041})
			return err
		}, ErrInvalidSessionDurationMinutes},
		{"Attest without profile", func(ctx context.Context, b *B2BClient) error {
			_, err := b.Attest(ctx, B2BAttestRequest{Token: "t"})
			return err
		}, ErrTrustedTokenProfileNotFound},
		{"Attest without token", func(ctx context.Context, b *B2BClient) error {
			_, err := b.Attest(ctx, B2BAttestRequest{ProfileID: "p"})
			return err
		}, ErrInvalidTrustedAuthToken},
		{"Attest with token and JWT", func(ctx context.Context, b *B2BClient) error {
			_, err := b.Attest(ctx, B2BAttestRequest{ProfileID: "p", Token: "t", SessionToken: "s", SessionJWT: "j"})
			return err
		}, ErrTooManySessionArguments},
		{"Migrate without token", func(ctx context.Context, b *B2BClient) error {
			_, err := b.Migrate(ctx, B2BMigrateRequest{OrganizationID: "o"})
			return err
		}, ErrInvalidSessionToken},
		{"Migrate without organization", func(ctx context.Context, b *B2BClient) error {
			_, err := b.Migrate(ctx, B2BMigrateRequest{SessionToken: "t"})
			return err
		}, ErrInvalidOrganizationID},
		{"Migrate claims over 4 KB", func(ctx context.Context, b *B2BClient) error {
			_, err := b.Migrate(ctx, B2BMigrateRequest{SessionToken: "t", OrganizationID: "o", SessionCustomClaims: tooBig})
			return err
		}, ErrCustomClaimsTooLarge},
		{"GetJWKS without project", func(ctx context.Context, b *B2BClient) error {
			_, err := b.GetJWKS(ctx, GetJWKSRequest{})
			return err
		}, ErrInvalidProjectID},
		{"GetOrgPolicy without organization", func(ctx context.Context, b *B2BClient) error {
			_, err := b.GetOrgPolicy(ctx, OrgPolicyRequest{})
			return err
		}, ErrInvalidOrganizationID},
		{"GetOrgPolicy with a dot-dot segment", func(ctx context.Context, b *B2BClient) error {
			_, err := b.GetOrgPolicy(ctx, OrgPolicyRequest{OrganizationID: ".."})
			return err
		}, ErrInvalidOrganizationID},
		{"SetOrgPolicy with a dot segment", func(ctx context.Context, b *B2BClient) error {
			_, err := b.SetOrgPolicy(ctx, SetOrgPolicyRequest{OrganizationID: "."})
			return err
		}, ErrInvalidOrganizationID},
		{"SetOrgPolicy with a role without id", func(ctx context.Context, b *B2BClient) error {
			_, err := b.SetOrgPolicy(ctx, SetOrgPolicyRequest{OrganizationID: "o", OrgPolicy: OrgPolicy{Roles: []PolicyRole{{Description: "x"}}}})
			return err
		}, ErrBadRequest},
	}
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, `{}`))
	c, _ := newTestClient(t, api.URL, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(context.Background(), c.B2B())
			assertNoSecret(t, err)
			var se *StytchError
			if !errors.Is(err, tc.want) || !errors.As(err, &se) || !se.Local || se.StatusCode != http.StatusBadRequest || se.ErrorMessage == "" {
				t.Fatalf("error %#v, want a local 400 %s", err, tc.want)
			}
		})
	}
	if n := api.count(); n != 0 {
		t.Fatalf("validation errors sent %d requests", n)
	}
}

// TestB2BAuthorizationErrors: the two 403s of an authorization check are
// told apart by errors.Is, and neither is retried.
func TestB2BAuthorizationErrors(t *testing.T) {
	for _, tc := range []struct {
		errorType ErrorType
		other     ErrorType
	}{
		{ErrSessionAuthorizationTenancy, ErrSessionAuthorization},
		{ErrSessionAuthorization, ErrSessionAuthorizationTenancy},
	} {
		t.Run(string(tc.errorType), func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(http.StatusForbidden, `{"status_code":403,"request_id":"request-id-test-9",
				"error_type":"`+string(tc.errorType)+`","error_message":"denied","error_url":"https://stytch.com/docs/api/errors/403"}`))
			c, _ := newTestClient(t, api.URL, nil)
			_, err := c.B2B().Authenticate(context.Background(), B2BAuthenticateRequest{SessionToken: b2bToken,
				AuthorizationCheck: &B2BAuthorizationCheck{OrganizationID: "organization-test-other", ResourceID: "documents", Action: "read"}})
			var se *StytchError
			if !errors.Is(err, tc.errorType) || errors.Is(err, tc.other) || !errors.As(err, &se) || se.StatusCode != 403 ||
				se.Local || se.RequestID != "request-id-test-9" {
				t.Fatalf("error %#v", err)
			}
			if api.count() != 1 {
				t.Fatalf("%d requests, want 1", api.count())
			}
		})
	}
}

// TestB2BAnswersMustNameTheSession: an answer the middleware would trust
// must carry the member session's ids and organization.
func TestB2BAnswersMustNameTheSession(t *testing.T) {
	noOrg := strings.Replace(b2bAuthenticateJSON, `"organization_id": "`+b2bOrgID+`",
  "organization_slug"`, `"organization_slug"`, 1)
	if noOrg == b2bAuthenticateJSON {
		t.Fatal("fixture edit failed")
	}
	cases := []struct {
		name, answer string
		call         func(*B2BClient) error
	}{
		{"authenticate without member session", `{"request_id":"r","status_code":200,"session_token":"t"}`, func(b *B2BClient) error {
			_, err := b.Authenticate(context.Background(), B2BAuthenticateRequest{SessionToken: "t"})
			return err
		}},
		{"authenticate without the session's organization", noOrg, func(b *B2BClient) error {
			_, err := b.Authenticate(context.Background(), B2BAuthenticateRequest{SessionToken: "t"})
			return err
		}},
		{"grant without member", `{"request_id":"r","status_code":200}`, func(b *B2BClient) error {
			_, err := b.Migrate(context.Background(), B2BMigrateRequest{SessionToken: "t", OrganizationID: "o"})
			return err
		}},
		{"exchange authenticated without session", `{"member_id":"m","member_authenticated":true}`, func(b *B2BClient) error {
			_, err := b.Exchange(context.Background(), B2BExchangeRequest{OrganizationID: "o", SessionToken: "t"})
			return err
		}},
		{"org policy without roles", `{"request_id":"r","status_code":200}`, func(b *B2BClient) error {
			_, err := b.GetOrgPolicy(context.Background(), OrgPolicyRequest{OrganizationID: "o"})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(http.StatusOK, tc.answer))
			c, _ := newTestClient(t, api.URL, nil)
			err := tc.call(c.B2B())
			var re *RequestError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), "decode response") {
				t.Fatalf("error %v, want a decode RequestError", err)
			}
		})
	}
}

// TestB2BExchangeNeedingMFA: an exchange that cannot authenticate the member
// yet is an answer, not an error.
func TestB2BExchangeNeedingMFA(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, `{"member_id":"m","member_authenticated":false,"intermediate_session_token":"ist",
		"intermediate_session_token_expires_at":"2025-11-12T10:45:00Z","mfa_required":{"member_options":{"mfa_phone_number":"+12025550162","totp_registration_id":""}},
		"primary_required":null,"request_id":"r","status_code":200}`))
	c, _ := newTestClient(t, api.URL, nil)
	got, err := c.B2B().Exchange(context.Background(), B2BExchangeRequest{OrganizationID: "o", SessionJWT: "j"})
	if err != nil {
		t.Fatal(err)
	}
	if got.MemberAuthenticated || got.MemberSession != nil || got.IntermediateSessionToken != "ist" || got.MFARequired == nil ||
		got.MFARequired.MemberOptions.MFAPhoneNumber != "+12025550162" || !got.IntermediateSessionTokenExpiresAt.Equal(mustTime(t, "2025-11-12T10:45:00Z")) {
		t.Fatalf("got %+v", got)
	}
}

// TestB2BReadsAreRetried: Get, GetJWKS, GetPolicy and GetOrgPolicy are
// idempotent and retried like the consumer reads.
func TestB2BReadsAreRetried(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusServiceUnavailable, `{"status_code":503,"error_type":"server_unavailable","error_message":"x"}`)
			return
		}
		writeJSON(w, http.StatusOK, orgPolicyJSON)
	})
	c, waits := newTestClient(t, api.URL, nil)
	if _, err := c.B2B().GetOrgPolicy(context.Background(), OrgPolicyRequest{OrganizationID: "o"}); err != nil {
		t.Fatal(err)
	}
	if api.count() != 2 || len(waits.recorded()) != 1 {
		t.Fatalf("%d requests, %d waits; want 2 and 1", api.count(), len(waits.recorded()))
	}
}

func TestB2BClientNeverPrintsSecret(t *testing.T) {
	c, _ := newTestClient(t, "https://stytch.example", nil)
	b := c.B2B()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d"} {
		for _, v := range []any{b, *b} {
			text := fmt.Sprintf(verb, v)
			assertTextHasNoSecret(t, text)
			if !strings.HasPrefix(text, "client.B2BClient{ProjectID:") {
				t.Fatalf("%s printed %q", verb, text)
			}
		}
	}
	var nilB *B2BClient
	if nilB.String() != "client.B2BClient(nil)" {
		t.Fatal(nilB.String())
	}
}
