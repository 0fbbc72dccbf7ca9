package sdkcheck

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v18/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v18/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v18/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v18/stytch/b2b/rbac"
	rbacorgs "github.com/stytchauth/stytch-go/v18/stytch/b2b/rbac/organizations"
	"github.com/stytchauth/stytch-go/v18/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v18/stytch/stytcherror"
	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// newB2B starts a B2B emulator on the real clock (stytch-go checks token
// ages against time.Now) and a stytch-go B2B client for it, whose
// constructor fetches the B2B JWKS.
func newB2B(t *testing.T) (*stytchtest.Server, *b2bstytchapi.API) {
	t.Helper()
	srv := stytchtest.NewServer(stytchtest.Config{B2B: true})
	t.Cleanup(srv.Close)
	// The trailing slash makes stytch-go ask for //v1/b2b/sessions/jwks/….
	api, err := b2bstytchapi.NewClient(srv.ProjectID, srv.Secret,
		b2bstytchapi.WithHTTPClient(srv.HTTPClient()), b2bstytchapi.WithBaseURI(srv.URL+"/"))
	if err != nil {
		t.Fatalf("b2bstytchapi.NewClient: %v", err)
	}
	t.Cleanup(api.Sessions.JWKS.EndBackground)
	return srv, api
}

// wantStytchError checks err is stytch-go's error of status and type.
func wantStytchError(t *testing.T, err error, status int, errType string) {
	t.Helper()
	var se stytcherror.Error
	if !errors.As(err, &se) || se.StatusCode != status || string(se.ErrorType) != errType {
		t.Fatalf("error = %v (%T), want stytch-go's %d %s", err, err, status, errType)
	}
}

func TestB2BClient(t *testing.T) {
	srv, api := newB2B(t)
	ctx := context.Background()

	created, err := api.Organizations.Create(ctx, &organizations.CreateParams{OrganizationName: "Acme", OrganizationSlug: "acme"})
	if err != nil {
		t.Fatalf("Organizations.Create: %v", err)
	}
	acme := created.Organization
	got, err := api.Organizations.Get(ctx, &organizations.GetParams{OrganizationID: acme.OrganizationID})
	if err != nil || got.Organization.OrganizationSlug != "acme" {
		t.Fatalf("Organizations.Get = %+v, %v", got, err)
	}
	_, err = api.Organizations.Get(ctx, &organizations.GetParams{OrganizationID: "organization-test-unknown"})
	wantStytchError(t, err, 404, "organization_not_found")
	globex, err := api.Organizations.Create(ctx, &organizations.CreateParams{OrganizationName: "Globex", OrganizationSlug: "globex"})
	if err != nil {
		t.Fatal(err)
	}

	member, err := api.Organizations.Members.Create(ctx, &members.CreateParams{OrganizationID: acme.OrganizationID,
		EmailAddress: "ada@example.com", Name: "Ada", Roles: []string{"editor"}})
	if err != nil {
		t.Fatalf("Members.Create: %v", err)
	}
	var roles []string
	for _, r := range member.Member.Roles {
		roles = append(roles, r.RoleID)
	}
	if !slices.Equal(roles, []string{"stytch_member", "editor"}) || member.Member.Status != "active" {
		t.Errorf("member = %+v", member.Member)
	}
	gotMember, err := api.Organizations.Members.Get(ctx, &members.GetParams{OrganizationID: acme.OrganizationID, EmailAddress: "ada@example.com"})
	if err != nil || gotMember.MemberID != member.MemberID {
		t.Fatalf("Members.Get = %+v, %v", gotMember, err)
	}
	inGlobex, err := api.Organizations.Members.Create(ctx, &members.CreateParams{OrganizationID: globex.Organization.OrganizationID,
		EmailAddress: "ada@example.com", Roles: []string{"auditor"}})
	if err != nil {
		t.Fatal(err)
	}

	// RBAC: the project policy and an organization's custom roles.
	policy, err := api.RBAC.Policy(ctx, &rbac.PolicyParams{})
	if err != nil || len(policy.Policy.Roles) == 0 || len(policy.Policy.Scopes) == 0 {
		t.Fatalf("RBAC.Policy = %+v, %v", policy, err)
	}
	orgPolicy, err := api.RBAC.Organizations.GetOrgPolicy(ctx, &rbacorgs.GetOrgPolicyParams{OrganizationID: acme.OrganizationID})
	if err != nil || len(orgPolicy.OrgPolicy.Roles) != 0 {
		t.Fatalf("GetOrgPolicy before any set = %+v, %v", orgPolicy, err)
	}
	_, err = api.RBAC.Organizations.SetOrgPolicy(ctx, &rbacorgs.SetOrgPolicyParams{OrganizationID: globex.Organization.OrganizationID,
		OrgPolicy: rbac.OrgPolicy{Roles: []rbac.PolicyRole{{RoleID: "auditor", Description: "Deletes.",
			Permissions: []rbac.PolicyRolePermission{{ResourceID: "documents", Actions: []string{"delete"}}}}}}})
	if err != nil {
		t.Fatalf("SetOrgPolicy: %v", err)
	}

	grant, err := srv.CreateMemberSession(ctx, stytchtest.MemberSessionParams{OrganizationID: acme.OrganizationID,
		MemberID: member.MemberID, CustomClaims: map[string]any{"tier": "gold"}})
	if err != nil {
		t.Fatal(err)
	}

	// Remote authenticate with an authorization check.
	auth, err := api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: grant.SessionJWT,
		AuthorizationCheck: &sessions.AuthorizationCheck{OrganizationID: acme.OrganizationID, ResourceID: "documents", Action: "create"}})
	if err != nil {
		t.Fatalf("Sessions.Authenticate: %v", err)
	}
	if auth.MemberSession.MemberSessionID != grant.MemberSession.MemberSessionID || auth.Member.MemberID != member.MemberID ||
		auth.Organization.OrganizationID != acme.OrganizationID || auth.Verdict == nil || !auth.Verdict.Authorized ||
		!slices.Equal(auth.Verdict.GrantingRoles, []string{"editor"}) || auth.SessionJWT == "" {
		t.Errorf("Authenticate = %+v", auth)
	}
	_, err = api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: grant.SessionToken,
		AuthorizationCheck: &sessions.AuthorizationCheck{OrganizationID: acme.OrganizationID, ResourceID: "documents", Action: "delete"}})
	wantStytchError(t, err, 403, "session_authorization_error")
	_, err = api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: grant.SessionToken,
		AuthorizationCheck: &sessions.AuthorizationCheck{OrganizationID: globex.Organization.OrganizationID, ResourceID: "documents", Action: "read"}})
	wantStytchError(t, err, 403, "session_authorization_tenancy_error")

	// Local authentication reads what the API answers.
	local, err := api.Sessions.AuthenticateJWTLocal(ctx, grant.SessionJWT, time.Minute,
		&sessions.AuthorizationCheck{OrganizationID: acme.OrganizationID, ResourceID: "documents", Action: "read"})
	if err != nil {
		t.Fatalf("AuthenticateJWTLocal: %v", err)
	}
	ms := auth.MemberSession
	if local.MemberSessionID != ms.MemberSessionID || local.MemberID != ms.MemberID || local.OrganizationID != ms.OrganizationID ||
		local.OrganizationSlug != "acme" || !slices.Equal(local.Roles, ms.Roles) || !local.StartedAt.Equal(*ms.StartedAt) ||
		!local.ExpiresAt.Equal(*ms.ExpiresAt) || len(local.AuthenticationFactors) != len(ms.AuthenticationFactors) ||
		local.CustomClaims["tier"] != "gold" {
		t.Errorf("local session = %+v, API session = %+v", local, ms)
	}
	// Local and remote verdicts agree.
	for _, check := range []sessions.AuthorizationCheck{
		{OrganizationID: acme.OrganizationID, ResourceID: "documents", Action: "create"},
		{OrganizationID: acme.OrganizationID, ResourceID: "documents", Action: "delete"},
		{OrganizationID: globex.Organization.OrganizationID, ResourceID: "documents", Action: "read"},
	} {
		_, localErr := api.Sessions.AuthenticateJWTLocal(ctx, grant.SessionJWT, time.Minute, &check)
		_, remoteErr := api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: grant.SessionJWT, AuthorizationCheck: &check})
		if (localErr == nil) != (remoteErr == nil) {
			t.Errorf("check %+v: local %v, remote %v", check, localErr, remoteErr)
		}
	}
	before := srv.Requests(stytchtest.EndpointB2BAuthenticate)
	viaJWT, err := api.Sessions.AuthenticateJWT(ctx, &sessions.AuthenticateJWTParams{MaxTokenAge: time.Minute,
		Body: &sessions.AuthenticateParams{SessionJWT: grant.SessionJWT,
			AuthorizationCheck: &sessions.AuthorizationCheck{OrganizationID: acme.OrganizationID, ResourceID: "documents", Action: "read"}}})
	if err != nil || viaJWT.MemberSession.MemberSessionID != ms.MemberSessionID {
		t.Errorf("AuthenticateJWT = %+v, %v", viaJWT, err)
	}
	if n := srv.Requests(stytchtest.EndpointB2BAuthenticate) - before; n != 0 {
		t.Errorf("AuthenticateJWT with an allowed check called authenticate %d times; it must stay local", n)
	}

	// An org's custom role, locally and remotely.
	globexGrant, err := srv.CreateMemberSession(ctx, stytchtest.MemberSessionParams{OrganizationID: globex.Organization.OrganizationID, MemberID: inGlobex.MemberID})
	if err != nil {
		t.Fatal(err)
	}
	deleteCheck := &sessions.AuthorizationCheck{OrganizationID: globex.Organization.OrganizationID, ResourceID: "documents", Action: "delete"}
	if _, err := api.Sessions.AuthenticateJWTLocal(ctx, globexGrant.SessionJWT, time.Minute, deleteCheck); err != nil {
		t.Errorf("a custom role, locally: %v", err)
	}
	if _, err := api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: globexGrant.SessionJWT, AuthorizationCheck: deleteCheck}); err != nil {
		t.Errorf("a custom role, remotely: %v", err)
	}

	// Get, exchange, revoke.
	list, err := api.Sessions.Get(ctx, &sessions.GetParams{OrganizationID: acme.OrganizationID, MemberID: member.MemberID})
	if err != nil || len(list.MemberSessions) != 1 {
		t.Fatalf("Sessions.Get = %+v, %v", list, err)
	}
	exchanged, err := api.Sessions.Exchange(ctx, &sessions.ExchangeParams{OrganizationID: globex.Organization.OrganizationID, SessionToken: grant.SessionToken})
	if err != nil || !exchanged.MemberAuthenticated || exchanged.MemberID != inGlobex.MemberID ||
		exchanged.MemberSession == nil || exchanged.MemberSession.OrganizationID != globex.Organization.OrganizationID {
		t.Fatalf("Sessions.Exchange = %+v, %v", exchanged, err)
	}
	if _, err := api.Sessions.Revoke(ctx, &sessions.RevokeParams{MemberID: member.MemberID}); err != nil {
		t.Fatalf("Sessions.Revoke: %v", err)
	}
	_, err = api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: grant.SessionToken})
	wantStytchError(t, err, 404, string(client.ErrSessionNotFound))
	if _, err := api.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionJWT: exchanged.SessionJWT}); err != nil {
		t.Fatalf("Sessions.Revoke by JWT: %v", err)
	}
	jwks, err := api.Sessions.GetJWKS(ctx, &sessions.GetJWKSParams{ProjectID: srv.ProjectID})
	if err != nil || len(jwks.Keys) != 1 {
		t.Errorf("GetJWKS = %+v, %v", jwks, err)
	}
}
