package stytchchi_test

import (
	"errors"
	"slices"
	"testing"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/nethttp"
)

func TestAudit(t *testing.T) {
	f := newFixture(t)
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
			table := newTable(t, stytchchi.Config{Authenticator: f.auth, Rules: tc.rules})
			err := table.Audit(documentRouter(table, table.Middleware))
			if tc.unmapped == nil && tc.unused == nil {
				if err != nil {
					t.Fatalf("Audit: %v, want nil", err)
				}
				return
			}
			var audit *nethttp.AuditError
			if !errors.As(err, &audit) {
				t.Fatalf("Audit: %v, want an *AuditError", err)
			}
			if !slices.Equal(audit.Unmapped, tc.unmapped) || !slices.Equal(audit.Unused, tc.unused) {
				t.Errorf("Audit: unmapped %q unused %q, want %q and %q", audit.Unmapped, audit.Unused, tc.unmapped, tc.unused)
			}
		})
	}
}
