package stytchchi_test

import (
	"testing"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/internal/routertest"
)

func TestAudit(t *testing.T) {
	f := routertest.New(t)
	complete := documentRules()
	complete["GET /forgotten"] = stytchchi.Authenticated()
	misspelt := documentRules()
	delete(misspelt, "GET /documents/{id}")
	misspelt["GET /documnets/{id}"] = stytchchi.Require("documents", "read")
	staticByMethod := documentRules()
	delete(staticByMethod, "/static/*")
	staticByMethod["GET /static/*"] = stytchchi.Public()

	tests := []struct {
		name             string
		rules            stytchchi.Rules
		unmapped, unused []string
	}{
		{"deliberately unprotected route", documentRules(), []string{"GET /forgotten"}, nil},
		{"complete", complete, nil, nil},
		{"misspelt pattern", misspelt, []string{"GET /documents/{id}", "GET /forgotten"}, []string{"GET /documnets/{id}"}},
		// A mounted http.Handler serves every method; a rule for GET leaves the others.
		{"mount covered for GET only", staticByMethod, []string{
			"CONNECT /static/*", "DELETE /static/*", "GET /forgotten", "HEAD /static/*", "OPTIONS /static/*",
			"PATCH /static/*", "POST /static/*", "PUT /static/*", "QUERY /static/*", "TRACE /static/*",
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: tc.rules})
			routertest.CheckAudit(t, table.Audit(documentRouter(table, table.Middleware)), tc.unmapped, tc.unused)
		})
	}
}
