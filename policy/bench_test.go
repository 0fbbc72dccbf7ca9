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
