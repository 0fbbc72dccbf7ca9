package nethttp_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stytchmw/stytchmw/nethttp"
)

func TestAudit(t *testing.T) {
	f := newFixture(t)
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
			table := newTable(t, nethttp.Config{Authenticator: f.auth, Rules: tc.rules})
			err := table.Audit(documentMux().Patterns())
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
			for _, s := range append(tc.unmapped, tc.unused...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Audit error %q does not name %q", err, s)
				}
			}
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
