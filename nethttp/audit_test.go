package nethttp_test

import (
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
)

func TestAudit(t *testing.T) {
	f := routertest.New(t)
	complete := documentRules()
	complete["GET /forgotten"] = middleware.Authenticated()
	misspelt := documentRules()
	delete(misspelt, "GET /documents/{id}")
	misspelt["GET /documents/{ID}"] = middleware.Permission("documents", "read")

	tests := []struct {
		name             string
		rules            nethttp.Rules
		unmapped, unused []string
	}{
		{"deliberately unprotected route", documentRules(), []string{"GET /forgotten"}, nil},
		{"complete", complete, nil, nil},
		{"pattern spelt otherwise than registered", misspelt, []string{"GET /documents/{id}", "GET /forgotten"}, []string{"GET /documents/{ID}"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			table := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: tc.rules})
			routertest.CheckAudit(t, table.Audit(documentMux(table).Patterns()), tc.unmapped, tc.unused)
		})
	}
}
