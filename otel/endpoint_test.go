package stytchotel

import (
	"slices"
	"strings"
	"testing"
)

// TestMatch: every endpoint matches its own path, under a proxy's prefix
// too, and nothing else; ids come out only when asked.
func TestMatch(t *testing.T) {
	for _, ep := range endpoints {
		path := ep.template
		for _, p := range []string{"{project_id}", "{organization_id}", "{client_id}"} {
			path = strings.ReplaceAll(path, p, "id-"+p[1:len(p)-1])
		}
		for _, prefix := range []string{"", "/stytch"} {
			got, _ := match(ep.method, prefix+path, false)
			if got == nil || got.name != ep.name {
				t.Errorf("%s %s matched %v, want %s", ep.method, prefix+path, got, ep.name)
			}
		}
	}
	tests := []struct {
		method, path, want string // want "" for no match
	}{
		{"POST", "/v1/sessions/authenticate", "sessions.authenticate"},
		{"GET", "/v1/sessions/authenticate", ""},
		{"POST", "/v1/sessions/authenticate/", ""},
		{"POST", "/v1/sessions/authenticate/x", ""},
		{"POST", "/v1/sessions", ""},
		{"GET", "/v1/sessions/jwks/", ""},
		{"GET", "/v1/sessions/jwks", ""},
		{"GET", "/v1/sessions/jwks/a/b", ""},
		{"GET", "/sessions/jwks/a", ""},
		{"GET", "/", ""},
		{"GET", "", ""},
		{"PUT", "/v1/b2b/rbac/organizations/org-1", "b2b.rbac.organization_policy.set"},
		{"GET", "/v1/b2b/rbac/organizations/org-1", "b2b.rbac.organization_policy.get"},
		{"DELETE", "/v1/b2b/rbac/organizations/org-1", ""},
	}
	for _, tt := range tests {
		got, ids := match(tt.method, tt.path, false)
		name := ""
		if got != nil {
			name = got.name
		}
		if name != tt.want || ids != nil {
			t.Errorf("%s %q matched %q with ids %v, want %q and none", tt.method, tt.path, name, ids, tt.want)
		}
	}
	_, ids := match("GET", "/v1/b2b/organizations/org-test-1/member", true)
	if want := []pathID{{"organization_id", "org-test-1"}}; !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
}

// BenchmarkMatch: the cost of naming a request's endpoint.
func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if ep, _ := match("GET", "/v1/b2b/rbac/organizations/organization-test-1", false); ep == nil {
			b.Fatal("no match")
		}
	}
}
