package nethttp_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/nethttp"
)

func TestAudit(t *testing.T) {
	f := routertest.New(t)
	complete := documentRules()
	complete["GET /forgotten"] = nethttp.Authenticated()
	misspelt := documentRules()
	delete(misspelt, "GET /documents/{id}")
	misspelt["GET /documents/{ID}"] = nethttp.Require("documents", "read")

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

func TestNewAuditError(t *testing.T) {
	if err := nethttp.NewAuditError(nil, []string{}); err != nil {
		t.Errorf("NewAuditError of nothing = %v, want nil", err)
	}
	err := nethttp.NewAuditError([]string{"GET /b", "GET /a", "GET /b"}, nil)
	var audit *nethttp.AuditError
	if !errors.As(err, &audit) || !slices.Equal(audit.Unmapped, []string{"GET /a", "GET /b"}) || audit.Unused != nil {
		t.Errorf("NewAuditError = %#v, want the unmapped routes sorted once each", err)
	}
}
