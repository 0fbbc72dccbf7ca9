package policy_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// b2bPolicy is the B2B project policy of the B2B tests: the reserved roles
// stytch_member (every member holds it; it grants viewing the profile) and
// stytch_admin, project roles, and scopes for Connected Apps tokens.
func b2bPolicy() *client.Policy {
	return &client.Policy{
		Resources: []client.PolicyResource{
			{ResourceID: "documents", Actions: []string{"read", "create", "update", "delete"}},
			{ResourceID: "invoices", Actions: []string{"read", "pay"}},
			{ResourceID: "profile", Actions: []string{"view"}},
		},
		Roles: []client.PolicyRole{
			{RoleID: "stytch_member", Permissions: []client.Permission{{ResourceID: "profile", Actions: []string{"view"}}}},
			{RoleID: "stytch_admin", Permissions: []client.Permission{
				{ResourceID: "documents", Actions: []string{"*"}}, {ResourceID: "invoices", Actions: []string{"*"}}}},
			{RoleID: "reader", Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read"}}}},
			{RoleID: "editor", Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read", "create"}}}},
		},
		Scopes: []client.PolicyScope{
			{Scope: "read:documents", Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read"}}}},
			{Scope: "write:documents", Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"create", "update", "delete"}}}},
			{Scope: "admin:*", Permissions: []client.Permission{
				{ResourceID: "documents", Actions: []string{"*"}}, {ResourceID: "invoices", Actions: []string{"*"}}}},
			{Scope: "billing", Permissions: []client.Permission{{ResourceID: "invoices", Actions: []string{"read", "pay"}}}},
		},
	}
}

// Custom roles of the two organizations. Both define "auditor", each in
// its own way; "purger" exists only in globex.
var (
	acmeRoles = []client.PolicyRole{
		{RoleID: "auditor", Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read"}}}},
		{RoleID: "treasurer", Permissions: []client.Permission{{ResourceID: "invoices", Actions: []string{"*"}}}},
	}
	globexRoles = []client.PolicyRole{
		{RoleID: "auditor", Permissions: []client.Permission{{ResourceID: "invoices", Actions: []string{"read"}}}},
		{RoleID: "purger", Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"delete"}}}},
	}
)

// b2bWorld is a B2B emulator with the organizations acme and globex and
// their custom roles.
type b2bWorld struct {
	srv          *stytchtest.Server
	acme, globex string // organization ids
}

func newB2BWorld(t testing.TB) *b2bWorld {
	t.Helper()
	srv := stytchtest.NewServer(stytchtest.Config{B2B: true, Policy: b2bPolicy(), Logger: discardLogger()})
	t.Cleanup(srv.Close)
	w := &b2bWorld{srv: srv}
	for _, o := range []struct {
		slug  string
		id    *string
		roles []client.PolicyRole
	}{{"acme", &w.acme, acmeRoles}, {"globex", &w.globex, globexRoles}} {
		org, err := srv.CreateOrganization(t.Context(), stytchtest.OrganizationParams{Name: o.slug, Slug: o.slug})
		if err != nil {
			t.Fatalf("CreateOrganization: %v", err)
		}
		*o.id = org.OrganizationID
		if err := srv.SetOrgPolicy(org.OrganizationID, o.roles); err != nil {
			t.Fatalf("SetOrgPolicy: %v", err)
		}
	}
	return w
}

// client returns a client of the emulator that does not retry and keeps
// no idle connection (so that it also works in a synctest bubble).
func (w *b2bWorld) client(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{ProjectID: w.srv.ProjectID, Secret: w.srv.Secret, BaseURL: w.srv.URL,
		MaxRetries: -1, Timeout: 5 * time.Second,
		HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c
}

// cache starts a B2BCache of the emulator's project and closes it at the
// end of the test.
func (w *b2bWorld) cache(t testing.TB, cfg policy.B2BConfig) *policy.B2BCache {
	t.Helper()
	if cfg.Client == nil {
		cfg.Client = w.client(t)
	}
	c, err := policy.NewB2B(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewB2B: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// member creates a member of org with roles and a session for it.
func (w *b2bWorld) member(t testing.TB, org string, roles ...string) *stytchtest.MemberSessionGrant {
	t.Helper()
	m, err := w.srv.CreateMember(t.Context(), stytchtest.MemberParams{OrganizationID: org,
		Email: randomEmail(), Roles: roles})
	if err != nil {
		t.Fatalf("CreateMember: %v", err)
	}
	g, err := w.srv.CreateMemberSession(t.Context(), stytchtest.MemberSessionParams{OrganizationID: org, MemberID: m.MemberID})
	if err != nil {
		t.Fatalf("CreateMemberSession: %v", err)
	}
	return g
}

var emailCount atomic.Int64

func randomEmail() string {
	return fmt.Sprintf("member-%d@example.com", emailCount.Add(1))
}
