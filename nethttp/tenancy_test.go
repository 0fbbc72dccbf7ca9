package nethttp_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
)

// TestTenantAndMachineRules: tenant-scoped rules read the organization from
// the ServeMux wildcard; machine rules take machine tokens only.
func TestTenantAndMachineRules(t *testing.T) {
	f := routertest.NewB2B(t)
	in := middleware.PathValue("organization_id")
	rules := nethttp.Rules(routertest.TenantRules())
	rules["GET /both/orgs/{organization_id}/documents/{$}"] = middleware.Permission("documents", "read").InOrganization(in).OrMachine()
	table, err := nethttp.New(nethttp.Config{Authenticator: f.Auth, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	mux := table.NewServeMux()
	for _, p := range []string{"GET /orgs/{organization_id}/documents", "DELETE /orgs/{organization_id}/documents/{id}", "GET /machine/documents", "GET /both/orgs/{organization_id}/documents/{$}"} {
		mux.HandleFunc(p, echo)
	}
	if err := table.Audit([]string{"GET /orgs/{organization_id}/documents", "DELETE /orgs/{organization_id}/documents/{id}", "GET /machine/documents", "GET /both/orgs/{organization_id}/documents/{$}"}); err != nil {
		t.Fatal(err)
	}
	if err := table.Validate(f.B2BPolicy); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(mux)
	defer ts.Close()
	acme, globex := f.Org["acme"], f.Org["globex"]
	f.Run(t, ts, append(f.TenantCases("pattern="), []routertest.Case{
		{Method: "GET", Path: "/both/orgs/" + acme + "/documents/", Who: "acme-reader", Status: 200, Body: "pattern="},
		{Method: "GET", Path: "/both/orgs/" + acme + "/documents/", Who: "m2m-read", Status: 403, Body: string(middleware.ErrTenancy)},
		{Method: "GET", Path: "/both/orgs/" + globex + "/documents/", Who: "acme-reader", Status: 403, Body: string(middleware.ErrTenancy)},
	}...))
}

// TestTenantRuleWithoutItsParameter: a table refuses a tenant-scoped rule
// whose pattern lacks the path parameter it reads.
func TestTenantRuleWithoutItsParameter(t *testing.T) {
	f := routertest.NewB2B(t)
	_, err := nethttp.New(nethttp.Config{Authenticator: f.Auth, Rules: nethttp.Rules{
		"GET /orgs/{org}/documents": middleware.Permission("documents", "read").InOrganization(middleware.PathValue("organization_id")),
	}})
	if !errors.Is(err, nethttp.ErrInvalidConfig) {
		t.Fatalf("New: %v, want ErrInvalidConfig", err)
	}
}
