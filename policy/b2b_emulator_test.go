package policy_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// b2bCase is one member check, and what Stytch answers: the granting roles
// (nil: denied), and whether the denial is a tenancy refusal.
type b2bCase struct {
	name             string
	memberOrg        string // "acme" or "globex": the member's organization
	roles            []string
	checkOrg         string // the check's organization
	resource, action string
	granting         []string
	tenancy          bool
}

var b2bCases = []b2bCase{
	{name: "project role grants", memberOrg: "acme", roles: []string{"reader"}, checkOrg: "acme",
		resource: "documents", action: "read", granting: []string{"reader"}},
	{name: "project role lacks the action", memberOrg: "acme", roles: []string{"reader"}, checkOrg: "acme",
		resource: "documents", action: "delete"},
	{name: "every granting role, as a set", memberOrg: "globex", roles: []string{"reader", "editor", "stytch_admin"}, checkOrg: "globex",
		resource: "documents", action: "read", granting: []string{"reader", "editor", "stytch_admin"}},
	{name: "reserved stytch_member grants what the policy gives it", memberOrg: "acme", checkOrg: "acme",
		resource: "profile", action: "view", granting: []string{"stytch_member"}},
	{name: "reserved stytch_member grants nothing else", memberOrg: "acme", checkOrg: "acme",
		resource: "documents", action: "read"},
	{name: "reserved stytch_admin by *", memberOrg: "acme", roles: []string{"stytch_admin"}, checkOrg: "acme",
		resource: "invoices", action: "pay", granting: []string{"stytch_admin"}},
	{name: "* grants every defined action", memberOrg: "globex", roles: []string{"stytch_admin"}, checkOrg: "globex",
		resource: "documents", action: "update", granting: []string{"stytch_admin"}},
	{name: "* grants even an action the resource does not define (Stytch's rule)", memberOrg: "globex", roles: []string{"stytch_admin"}, checkOrg: "globex",
		resource: "documents", action: "archive", granting: []string{"stytch_admin"}},
	{name: "tenancy: another organization, whatever the roles", memberOrg: "acme", roles: []string{"stytch_admin"}, checkOrg: "globex",
		resource: "documents", action: "read", tenancy: true},
	{name: "tenancy: refused even for what stytch_member grants", memberOrg: "globex", checkOrg: "acme",
		resource: "profile", action: "view", tenancy: true},
	{name: "tenancy before an unknown resource", memberOrg: "globex", roles: []string{"stytch_admin"}, checkOrg: "acme",
		resource: "ghosts", action: "read", tenancy: true},
	{name: "custom role grants in its organization", memberOrg: "acme", roles: []string{"treasurer"}, checkOrg: "acme",
		resource: "invoices", action: "pay", granting: []string{"treasurer"}},
	{name: "custom role beside a project role", memberOrg: "acme", roles: []string{"treasurer", "stytch_admin"}, checkOrg: "acme",
		resource: "invoices", action: "read", granting: []string{"treasurer", "stytch_admin"}},
	{name: "same-named role: acme's auditor reads documents", memberOrg: "acme", roles: []string{"auditor"}, checkOrg: "acme",
		resource: "documents", action: "read", granting: []string{"auditor"}},
	{name: "same-named role: acme's auditor does not read invoices", memberOrg: "acme", roles: []string{"auditor"}, checkOrg: "acme",
		resource: "invoices", action: "read"},
	{name: "same-named role: globex's auditor reads invoices", memberOrg: "globex", roles: []string{"auditor"}, checkOrg: "globex",
		resource: "invoices", action: "read", granting: []string{"auditor"}},
	{name: "same-named role: globex's auditor does not read documents", memberOrg: "globex", roles: []string{"auditor"}, checkOrg: "globex",
		resource: "documents", action: "read"},
	{name: "another organization's custom role grants nothing here", memberOrg: "acme", roles: []string{"purger"}, checkOrg: "acme",
		resource: "documents", action: "delete"},
	{name: "that role in its own organization", memberOrg: "globex", roles: []string{"purger"}, checkOrg: "globex",
		resource: "documents", action: "delete", granting: []string{"purger"}},
	{name: "role defined nowhere", memberOrg: "acme", roles: []string{"intern"}, checkOrg: "acme",
		resource: "documents", action: "read"},
	{name: "unknown resource", memberOrg: "acme", roles: []string{"stytch_admin"}, checkOrg: "acme",
		resource: "ghosts", action: "read"},
	{name: "reserved resource not in the policy", memberOrg: "acme", roles: []string{"stytch_admin"}, checkOrg: "acme",
		resource: "stytch.member", action: "update"},
	{name: "unknown action", memberOrg: "acme", roles: []string{"editor"}, checkOrg: "acme",
		resource: "documents", action: "archive"},
	{name: "resource ids are exact", memberOrg: "acme", roles: []string{"stytch_admin"}, checkOrg: "acme",
		resource: "Documents", action: "read"},
	{name: "role ids are exact", memberOrg: "acme", roles: []string{"Reader"}, checkOrg: "acme",
		resource: "documents", action: "read"},
}

// TestB2BAgreesWithEmulator checks every case both ways: through a
// B2BCache that fetched the project policy and the organizations' custom
// roles from the emulator over HTTP, and through the emulator's own
// authorization_check on b2b/sessions/authenticate, for the same member
// session. Verdicts, granting roles (as a set) and the kind of refusal
// must agree, and must be what the case says Stytch answers.
func TestB2BAgreesWithEmulator(t *testing.T) {
	w := newB2BWorld(t)
	cache := w.cache(t, policy.B2BConfig{})
	orgs := map[string]string{"acme": w.acme, "globex": w.globex}
	for _, c := range b2bCases {
		t.Run(c.name, func(t *testing.T) {
			g := w.member(t, orgs[c.memberOrg], c.roles...)
			check := client.B2BAuthorizationCheck{OrganizationID: orgs[c.checkOrg], ResourceID: c.resource, Action: c.action}
			resp, remoteErr := w.srv.Client().B2B().Authenticate(t.Context(), client.B2BAuthenticateRequest{
				SessionToken: g.SessionToken, AuthorizationCheck: &check})
			v, localErr := cache.AuthorizeMember(t.Context(), policy.MemberCheck{
				OrganizationID:        check.OrganizationID,
				SessionOrganizationID: g.MemberSession.OrganizationID,
				Roles:                 g.MemberSession.Roles,
				ResourceID:            c.resource, Action: c.action,
			})
			compareB2B(t, c, resp, remoteErr, v, localErr)
		})
	}
}

// compareB2B fails t unless the emulator's answer and the local verdict
// agree with each other and with the case.
func compareB2B(t *testing.T, c b2bCase, resp *client.B2BAuthenticateResponse, remoteErr error, v policy.Verdict, localErr error) {
	t.Helper()
	var remote []string
	switch {
	case remoteErr == nil:
		if resp.Verdict == nil || !resp.Verdict.Authorized {
			t.Fatalf("emulator answered 200 without an authorized verdict: %+v", resp.Verdict)
		}
		remote = resp.Verdict.GrantingRoles
	case errors.Is(remoteErr, client.ErrSessionAuthorizationTenancy), errors.Is(remoteErr, client.ErrSessionAuthorization):
	default:
		t.Fatalf("emulator Authenticate: %v", remoteErr)
	}
	if (localErr == nil) != (remoteErr == nil) {
		t.Fatalf("local %v, emulator %v", localErr, remoteErr)
	}
	if localErr != nil {
		if errors.Is(localErr, policy.ErrUnavailable) {
			t.Fatalf("local check unavailable: %v", localErr)
		}
		if tl, tr := errors.Is(localErr, policy.ErrTenancy), errors.Is(remoteErr, client.ErrSessionAuthorizationTenancy); tl != tr || tl != c.tenancy {
			t.Fatalf("tenancy refusal: local %v (%v), emulator %v (%v), case %v", tl, localErr, tr, remoteErr, c.tenancy)
		}
		if !errors.Is(localErr, policy.ErrDenied) || !errors.Is(localErr, remoteErr.(*client.StytchError).ErrorType) {
			t.Errorf("local denial %v does not match ErrDenied and the emulator's error type", localErr)
		}
	}
	local := v.GrantingRoles()
	if !sameSet(local, remote) {
		t.Errorf("granting roles: local %q, emulator %q", local, remote)
	}
	if !sameSet(local, c.granting) {
		t.Errorf("granting roles %q, want %q", local, c.granting)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// TestScopesAgreeWithRoles checks that scope-based RBAC is the rule of
// roles with scopes in their place, against the emulator: the emulator has
// no scope check of its own, so a second B2B project whose roles are the
// policy's scopes (same ids, same permissions) is asked the
// authorization_check of a member holding those roles, and its answer must
// equal AuthorizeScopes for a token holding those scopes.
func TestScopesAgreeWithRoles(t *testing.T) {
	w := newB2BWorld(t)
	cache := w.cache(t, policy.B2BConfig{})

	mirror := b2bPolicy()
	mirror.Roles = []client.PolicyRole{{RoleID: "stytch_member", Permissions: []client.Permission{}}}
	for _, sc := range b2bPolicy().Scopes {
		mirror.Roles = append(mirror.Roles, client.PolicyRole{RoleID: sc.Scope, Permissions: sc.Permissions})
	}
	msrv := stytchtest.NewServer(stytchtest.Config{B2B: true, Policy: mirror, Logger: discardLogger()})
	t.Cleanup(msrv.Close)
	morg, err := msrv.CreateOrganization(t.Context(), stytchtest.OrganizationParams{Name: "mirror", Slug: "mirror"})
	if err != nil {
		t.Fatal(err)
	}
	// The mirror organization has a custom role named like a scope: custom
	// roles do not apply to scopes, so the token must not get it.
	if err := w.srv.SetOrgPolicy(w.acme, append(slices.Clone(acmeRoles), client.PolicyRole{RoleID: "read:invoices",
		Permissions: []client.Permission{{ResourceID: "invoices", Actions: []string{"read"}}}})); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		scopes           []string
		resource, action string
		granting         []string
	}{
		{[]string{"read:documents"}, "documents", "read", []string{"read:documents"}},
		{[]string{"read:documents"}, "documents", "create", nil},
		{[]string{"read:documents", "write:documents"}, "documents", "delete", []string{"write:documents"}},
		{[]string{"admin:*"}, "invoices", "pay", []string{"admin:*"}},
		{[]string{"admin:*", "read:documents"}, "documents", "read", []string{"admin:*", "read:documents"}},
		{[]string{"billing"}, "invoices", "pay", []string{"billing"}},
		{[]string{"read:invoices"}, "invoices", "read", nil}, // an org custom role's name, not a scope
		{[]string{"read:*"}, "documents", "read", nil},       // no wildcard in scope names for RBAC
		{[]string{"write:documents"}, "documents", "archive", nil},
		{[]string{"admin:*"}, "ghosts", "read", nil},
		{nil, "documents", "read", nil},
	} {
		m, err := msrv.CreateMember(t.Context(), stytchtest.MemberParams{OrganizationID: morg.OrganizationID, Email: randomEmail(), Roles: c.scopes})
		if err != nil {
			t.Fatal(err)
		}
		g, err := msrv.CreateMemberSession(t.Context(), stytchtest.MemberSessionParams{OrganizationID: morg.OrganizationID, MemberID: m.MemberID})
		if err != nil {
			t.Fatal(err)
		}
		resp, remoteErr := msrv.Client().B2B().Authenticate(t.Context(), client.B2BAuthenticateRequest{SessionToken: g.SessionToken,
			AuthorizationCheck: &client.B2BAuthorizationCheck{OrganizationID: morg.OrganizationID, ResourceID: c.resource, Action: c.action}})
		v, localErr := cache.AuthorizeScopes(policy.ScopeCheck{OrganizationID: w.acme, TokenOrganizationID: w.acme,
			Scopes: c.scopes, ResourceID: c.resource, Action: c.action})
		name := b2bCase{name: "scopes", granting: c.granting}
		t.Run(fmt.Sprintf("%q on %s:%s", c.scopes, c.resource, c.action), func(t *testing.T) {
			compareB2B(t, name, resp, remoteErr, v, localErr)
		})
	}
	if _, err := cache.AuthorizeScopes(policy.ScopeCheck{OrganizationID: w.globex, TokenOrganizationID: w.acme,
		Scopes: []string{"admin:*"}, ResourceID: "documents", Action: "read"}); !errors.Is(err, policy.ErrTenancy) {
		t.Errorf("a token of acme checked in globex: %v, want ErrTenancy", err)
	}
}
