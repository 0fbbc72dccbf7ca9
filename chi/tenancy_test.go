package stytchchi_test

import (
	"errors"
	"maps"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
)

// TestTenantAndMachineRules: tenant-scoped rules read the organization
// from chi's URL parameters (which chi v5.5 sets as the request's path
// values), through the table and through Require on a sub-router's route;
// machine rules take machine tokens only.
func TestTenantAndMachineRules(t *testing.T) {
	f := routertest.NewB2B(t)
	in := middleware.PathValue("organization_id")
	rules := stytchchi.Rules(routertest.TenantRules())
	maps.Copy(rules, stytchchi.Rules{
		"GET /slugs/{slug:[a-z]+}/documents":      middleware.Permission("documents", "read").InOrganization(middleware.PathSlug("slug")),
		"GET /direct/{organization_id}/documents": middleware.Public(), // guarded by Require below
	})
	table, err := stytchchi.New(stytchchi.Config{Authenticator: f.Auth, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	r := table.NewRouter()
	r.Route("/orgs/{organization_id}", func(r chi.Router) {
		r.Get("/documents", echo)
		r.Delete("/documents/{id}", echo)
	})
	r.Get("/machine/documents", echo)
	r.Get("/slugs/{slug:[a-z]+}/documents", echo)
	// Require on a plain chi sub-router: the parameter of the parent route.
	r.Route("/direct/{organization_id}", func(r chi.Router) {
		r.With(f.Auth.Require(middleware.Permission("documents", "read").InOrganization(in))).Get("/documents", echo)
	})
	if err := table.Audit(r); err != nil {
		t.Fatal(err)
	}
	if err := table.Validate(f.B2BPolicy); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(r)
	defer ts.Close()
	acme, globex := f.Org["acme"], f.Org["globex"]
	f.Run(t, ts, append(f.TenantCases("user=true"), []routertest.Case{
		{Method: "GET", Path: "/slugs/acme/documents", Who: "acme-reader", Status: 200, Body: "user=true"},
		{Method: "GET", Path: "/slugs/globex/documents", Who: "acme-reader", Status: 403, Body: string(middleware.ErrTenancy)},
		{Method: "GET", Path: "/direct/" + acme + "/documents", Who: "acme-reader", Status: 200, Body: "user=true"},
		{Method: "GET", Path: "/direct/" + globex + "/documents", Who: "acme-reader", Status: 403, Body: string(middleware.ErrTenancy)},
	}...))
}

// TestTenantRuleWithoutItsParameter: a table refuses a tenant-scoped rule
// whose pattern lacks the path parameter it reads.
func TestTenantRuleWithoutItsParameter(t *testing.T) {
	f := routertest.NewB2B(t)
	_, err := stytchchi.New(stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{
		"GET /orgs/{org}/documents": middleware.Permission("documents", "read").InOrganization(middleware.PathValue("organization_id")),
	}})
	if !errors.Is(err, stytchchi.ErrInvalidConfig) {
		t.Fatalf("New: %v, want ErrInvalidConfig", err)
	}
}
