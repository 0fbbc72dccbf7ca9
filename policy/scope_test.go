package policy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/policy"
)

func TestRequireScopesCheck(t *testing.T) {
	for _, c := range []struct {
		required []string
		granted  []string
		missing  string // "" when satisfied
	}{
		{[]string{"read:users"}, []string{"read:users"}, ""},
		{[]string{"read:users"}, []string{"read:*"}, ""},
		{[]string{"read:users"}, []string{"*:users"}, "read:users"},
		{[]string{"read:users"}, []string{"*:*", "write:users"}, "read:users"},
		{[]string{"read:*"}, []string{"read:users"}, "read:*"},
		{[]string{"read:*"}, []string{"read:*"}, ""},
		{[]string{"read:users", "write:users"}, []string{"write:users", "read:*"}, ""},
		{[]string{"read:users", "write:users"}, []string{"read:users"}, "write:users"},
		{[]string{"openid"}, []string{"openid"}, ""},
		{[]string{"openid"}, []string{"openid:*"}, ""},
		{[]string{"openid"}, []string{"openid:profile"}, "openid"},
		{[]string{"read:users:email"}, []string{"read:users"}, "read:users:email"},
		{[]string{"read:users"}, []string{"read:users:email"}, "read:users"},
		{[]string{"read:users:email"}, []string{"read:*"}, ""},
		{[]string{"read:users"}, nil, "read:users"},
		{[]string{"read:users"}, []string{"", " ", "read: users", "Read:users"}, "read:users"},
		{[]string{"read:users", "read:users"}, []string{"read:users"}, ""},
	} {
		r, err := policy.RequireScopes(c.required...)
		if err != nil {
			t.Fatalf("RequireScopes(%q): %v", c.required, err)
		}
		err = r.Check(c.granted)
		if c.missing == "" {
			if err != nil {
				t.Errorf("%q requiring %q: %v", c.granted, c.required, err)
			}
			continue
		}
		var se *policy.ScopeError
		if !errors.As(err, &se) || se.Scope != c.missing || !errors.Is(err, policy.ErrMissingScope) || !errors.Is(err, policy.ErrDenied) {
			t.Errorf("%q requiring %q: %v, want the missing %q", c.granted, c.required, err, c.missing)
			continue
		}
		if se.Required != r.String() || !strings.Contains(err.Error(), c.missing) {
			t.Errorf("ScopeError %+v (%v) for %q", se, err, r)
		}
	}
}

func TestRequireScopesRefuses(t *testing.T) {
	for _, scopes := range [][]string{
		nil,
		{""},
		{"read:users", ""},
		{"*"},
		{"*:users"},
		{":users"},
		{"read:"},
		{"read users"},
		{"read\tusers"},
		{"read,\nusers"},
		{`read:"users"`},
		{"lire:utilisateurs·"},
		{strings.Repeat("x", 257)},
		slices.Repeat([]string{"a"}, 129),
	} {
		if r, err := policy.RequireScopes(scopes...); !errors.Is(err, policy.ErrInvalidScope) || r != nil {
			t.Errorf("RequireScopes(%.40q) = %v, %v; want ErrInvalidScope", scopes, r, err)
		}
	}
}

func TestScopeRequirementString(t *testing.T) {
	r, err := policy.RequireScopes("write:users", "read:users", "write:users")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.String(); got != "write:users read:users" {
		t.Errorf("String() = %q", got)
	}
}

func TestScopeRequirementFailsClosed(t *testing.T) {
	var r *policy.ScopeRequirement
	if err := r.Check([]string{"read:users"}); !errors.Is(err, policy.ErrInvalidScope) {
		t.Errorf("nil requirement: %v", err)
	}
	r, _ = policy.RequireScopes("read:users")
	granted := append(slices.Repeat([]string{"x"}, 128), "read:users")
	if err := r.Check(granted); !errors.Is(err, policy.ErrInvalidScope) {
		t.Errorf("129 granted scopes: %v, want ErrInvalidScope", err)
	}
	if err := r.Check(granted[1:]); err != nil {
		t.Errorf("128 granted scopes: %v", err)
	}
}

// TestIndexAuthorizeScopes: scope-based RBAC on a compiled consumer
// policy, and through a consumer Cache.
func TestIndexAuthorizeScopes(t *testing.T) {
	idx := mustCompile(t, testPolicy())
	v, err := idx.AuthorizeScopes([]string{"openid", "read:documents"}, "documents", "read")
	if err != nil || !slices.Equal(v.GrantingRoles(), []string{"read:documents"}) {
		t.Errorf("read:documents reading documents: %v, %v", v.GrantingRoles(), err)
	}
	if _, err := idx.AuthorizeScopes([]string{"read:documents"}, "documents", "delete"); !errors.Is(err, policy.ErrDenied) {
		t.Errorf("read:documents deleting documents: %v", err)
	}
	// A role's name is not a scope, nor a scope's name a role.
	if _, err := idx.AuthorizeScopes([]string{"admin"}, "documents", "read"); !errors.Is(err, policy.ErrDenied) {
		t.Errorf("the scope admin (a role's name): %v", err)
	}
	if _, err := idx.Authorize([]string{"read:documents"}, "documents", "read"); !errors.Is(err, policy.ErrDenied) {
		t.Errorf("the role read:documents (a scope's name): %v", err)
	}
	if _, err := idx.AuthorizeScopes([]string{"read:documents"}, "documents", "archive"); !errors.Is(err, policy.ErrUnknownAction) {
		t.Errorf("an unknown action: %v", err)
	}

	srv := newPolicyServer(t, testPolicy())
	c, _ := newCache(t, srv, time.Hour)
	if v, err := c.AuthorizeScopes([]string{"read:documents"}, "documents", "read"); err != nil || !v.Authorized() {
		t.Errorf("Cache.AuthorizeScopes: %v", err)
	}
}
