package stytchchi_test

import (
	"errors"
	"testing"

	"github.com/go-chi/chi/v5"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
)

func TestAudit(t *testing.T) {
	f := routertest.New(t)
	complete := documentRules()
	complete["GET /forgotten"] = middleware.Authenticated()
	misspelt := documentRules()
	delete(misspelt, "GET /documents/{id}")
	misspelt["GET /documnets/{id}"] = middleware.Permission("documents", "read")
	staticByMethod := documentRules()
	delete(staticByMethod, "/static/*")
	staticByMethod["GET /static/*"] = middleware.Public()

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
			routertest.CheckAudit(t, table.Audit(documentRouter(table.NewRouter)), tc.unmapped, tc.unused)
		})
	}
}

// TestAuditNeedsTableRouter: Audit judges the routes the table guarded, so
// it takes the top-level router the table made, nothing else.
func TestAuditNeedsTableRouter(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"/*": middleware.Public()}})
	other := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"/*": middleware.Public()}})
	mounted := table.NewRouter()
	table.NewRouter().Mount("/m", mounted)
	for name, r := range map[string]chi.Routes{
		"a chi router":           chi.NewRouter(),
		"another table's router": other.NewRouter(),
		"a mounted sub-router":   mounted,
	} {
		if err := table.Audit(r); err == nil || errors.As(err, new(*stytchchi.AuditError)) {
			t.Errorf("Audit of %s: %v, want an error saying which router to pass", name, err)
		}
	}
}
