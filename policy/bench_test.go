package policy_test

import (
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/policy"
)

// BenchmarkAuthorize measures one check against a compiled index: the
// allowed path (a session with the default role and one granting role),
// the denied path of a defined pair, and both under RunParallel.
func BenchmarkAuthorize(b *testing.B) {
	idx := mustCompile(b, testPolicy())
	cases := []struct {
		name             string
		roles            []string
		resource, action string
		allowed          bool
	}{
		{"allowed", []string{"stytch_user", "editor"}, "documents", "create", true},
		{"allowed_wildcard", []string{"stytch_user", "reader", "admin"}, "documents", "delete", true},
		{"denied", []string{"stytch_user", "reader"}, "documents", "delete", false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v, err := idx.Authorize(c.roles, c.resource, c.action)
				if v.Authorized() != c.allowed || (err == nil) != c.allowed {
					b.Fatalf("Authorize = %v, %v", v.Authorized(), err)
				}
			}
		})
		b.Run(c.name+"_parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					v, err := idx.Authorize(c.roles, c.resource, c.action)
					if v.Authorized() != c.allowed || (err == nil) != c.allowed {
						b.Errorf("Authorize = %v, %v", v.Authorized(), err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCacheAuthorize measures a check through a Cache: the policy in
// force is read through an atomic pointer, without a lock.
func BenchmarkCacheAuthorize(b *testing.B) {
	srv := newPolicyServer(b, testPolicy())
	c, err := policy.New(b.Context(), policy.Config{Client: srv.client(b), RefreshInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	roles := []string{"stytch_user", "editor"}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Authorize(roles, "documents", "create"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Authorize(roles, "documents", "create"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkAuthorizeMember measures a tenant-scoped check through a
// B2BCache whose organization's custom roles are cached: allowed by a
// project role, by a custom role, denied, and refused by tenancy.
func BenchmarkAuthorizeMember(b *testing.B) {
	w := newB2BWorld(b)
	c := w.cache(b, policy.B2BConfig{RefreshInterval: time.Hour})
	cases := []struct {
		name    string
		chk     policy.MemberCheck
		allowed bool
	}{
		{"project_role", policy.MemberCheck{OrganizationID: w.acme, SessionOrganizationID: w.acme,
			Roles: []string{"stytch_member", "editor"}, ResourceID: "documents", Action: "create"}, true},
		{"custom_role", policy.MemberCheck{OrganizationID: w.acme, SessionOrganizationID: w.acme,
			Roles: []string{"stytch_member", "treasurer"}, ResourceID: "invoices", Action: "pay"}, true},
		{"denied", policy.MemberCheck{OrganizationID: w.acme, SessionOrganizationID: w.acme,
			Roles: []string{"stytch_member", "reader"}, ResourceID: "documents", Action: "delete"}, false},
		{"tenancy", policy.MemberCheck{OrganizationID: w.globex, SessionOrganizationID: w.acme,
			Roles: []string{"stytch_admin"}, ResourceID: "documents", Action: "read"}, false},
	}
	for _, bc := range cases {
		if v, _ := c.AuthorizeMember(b.Context(), bc.chk); v.Authorized() != bc.allowed {
			b.Fatalf("%s: authorized %v", bc.name, v.Authorized())
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := b.Context()
			for b.Loop() {
				if v, _ := c.AuthorizeMember(ctx, bc.chk); v.Authorized() != bc.allowed {
					b.Fatal("verdict changed")
				}
			}
		})
	}
	b.Run("custom_role_parallel", func(b *testing.B) {
		b.ReportAllocs()
		ctx := b.Context()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if v, _ := c.AuthorizeMember(ctx, cases[1].chk); !v.Authorized() {
					b.Error("verdict changed")
					return
				}
			}
		})
	})
}

// BenchmarkScopes measures a required-scope check (a token holding five
// scopes, two required, one by "read:*") and a scope-based RBAC check.
func BenchmarkScopes(b *testing.B) {
	r, err := policy.RequireScopes("read:users", "write:documents")
	if err != nil {
		b.Fatal(err)
	}
	granted := []string{"openid", "profile", "read:*", "write:images", "write:documents"}
	b.Run("required_satisfied", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := r.Check(granted); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("required_missing", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := r.Check(granted[:4]); err == nil {
				b.Fatal("satisfied")
			}
		}
	})
	w := newB2BWorld(b)
	c := w.cache(b, policy.B2BConfig{RefreshInterval: time.Hour})
	chk := policy.ScopeCheck{OrganizationID: w.acme, TokenOrganizationID: w.acme,
		Scopes: []string{"read:documents", "billing"}, ResourceID: "invoices", Action: "pay"}
	b.Run("rbac", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v, err := c.AuthorizeScopes(chk); err != nil || !v.Authorized() {
				b.Fatal(err)
			}
		}
	})
}
