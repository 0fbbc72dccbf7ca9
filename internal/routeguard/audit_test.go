package routeguard

import (
	"errors"
	"slices"
	"testing"
)

func TestAudit(t *testing.T) {
	if err := Audit(nil, []string{}); err != nil {
		t.Errorf("NewAuditError of nothing = %v, want nil", err)
	}
	err := Audit([]string{"GET /b", "GET /a", "GET /b"}, nil)
	var audit *AuditError
	if !errors.As(err, &audit) || !slices.Equal(audit.Unmapped, []string{"GET /a", "GET /b"}) || audit.Unused != nil {
		t.Errorf("NewAuditError = %#v, want the unmapped routes sorted once each", err)
	}
}
