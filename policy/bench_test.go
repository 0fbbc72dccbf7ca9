package policy_test

import (
	"testing"
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
