package stytchtest

import (
	"context"
	"errors"
	"testing"

	"github.com/stytchmw/stytchmw/client"
)

func TestDefaultPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	want := `{"roles":[` +
		`{"role_id":"stytch_user","description":"Granted to every user.","permissions":[]},` +
		`{"role_id":"reader","description":"Reads documents.","permissions":[{"resource_id":"documents","actions":["read"]}]},` +
		`{"role_id":"editor","description":"Reads and creates documents.","permissions":[{"resource_id":"documents","actions":["read","create"]}]},` +
		`{"role_id":"admin","description":"Does everything to documents.","permissions":[{"resource_id":"documents","actions":["*"]}]}],` +
		`"resources":[{"resource_id":"documents","description":"Documents.","actions":["read","create","update","delete"]}],` +
		`"scopes":[]}`
	if got := mustJSON(t, p); got != want {
		t.Errorf("DefaultPolicy =\n%s\nwant\n%s", got, want)
	}
	if err := validatePolicy(p); err != nil {
		t.Errorf("DefaultPolicy does not validate: %v", err)
	}
}

func TestSetPolicyValidation(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	res := func(id string, actions ...string) client.PolicyResource {
		return client.PolicyResource{ResourceID: id, Actions: actions}
	}
	role := func(id string, perms ...client.Permission) client.PolicyRole {
		return client.PolicyRole{RoleID: id, Permissions: perms}
	}
	perm := func(resource string, actions ...string) client.Permission {
		return client.Permission{ResourceID: resource, Actions: actions}
	}
	docs := res("docs", "read", "write")
	tests := []struct {
		name string
		p    client.Policy
		ok   bool
	}{
		{"empty", client.Policy{}, true},
		{"valid", client.Policy{Resources: []client.PolicyResource{docs},
			Roles:  []client.PolicyRole{role("r", perm("docs", "read")), role("w", perm("docs", "*"))},
			Scopes: []client.PolicyScope{{Scope: "read:docs", Permissions: []client.Permission{perm("docs", "read")}}}}, true},
		{"reserved resource prefix", client.Policy{Resources: []client.PolicyResource{res("stytch.docs", "read")}}, false},
		{"empty resource id", client.Policy{Resources: []client.PolicyResource{res("", "read")}}, false},
		{"duplicate resource", client.Policy{Resources: []client.PolicyResource{docs, docs}}, false},
		{"resource without actions", client.Policy{Resources: []client.PolicyResource{res("docs")}}, false},
		{"repeated action", client.Policy{Resources: []client.PolicyResource{res("docs", "read", "read")}}, false},
		{"star as a defined action", client.Policy{Resources: []client.PolicyResource{res("docs", "*")}}, false},
		{"action with a space", client.Policy{Resources: []client.PolicyResource{res("docs", "re ad")}}, false},
		{"duplicate role", client.Policy{Resources: []client.PolicyResource{docs}, Roles: []client.PolicyRole{role("r"), role("r")}}, false},
		{"empty role id", client.Policy{Roles: []client.PolicyRole{role("")}}, false},
		{"undefined resource", client.Policy{Resources: []client.PolicyResource{docs}, Roles: []client.PolicyRole{role("r", perm("images", "read"))}}, false},
		{"undefined action", client.Policy{Resources: []client.PolicyResource{docs}, Roles: []client.PolicyRole{role("r", perm("docs", "delete"))}}, false},
		{"permission without actions", client.Policy{Resources: []client.PolicyResource{docs}, Roles: []client.PolicyRole{role("r", perm("docs"))}}, false},
		{"scope on undefined resource", client.Policy{Scopes: []client.PolicyScope{{Scope: "s", Permissions: []client.Permission{perm("x", "read")}}}}, false},
		{"duplicate scope", client.Policy{Scopes: []client.PolicyScope{{Scope: "s"}, {Scope: "s"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Policy()
			err := srv.SetPolicy(tt.p)
			if tt.ok != (err == nil) {
				t.Fatalf("SetPolicy = %v, want ok %v", err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, client.ErrBadRequest) {
					t.Errorf("error %v is not a bad_request", err)
				}
				if mustJSON(t, srv.Policy()) != mustJSON(t, before) {
					t.Error("a refused policy changed the served one")
				}
			}
		})
	}
	if err := srv.SetPolicy(client.Policy{}); err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(t, srv.Policy()); got != `{"roles":[],"resources":[],"scopes":[]}` {
		t.Errorf("the empty policy is served as %s, want empty lists rather than null", got)
	}
}

func TestPolicyIsCopied(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	p := srv.Policy()
	p.Roles[1].Permissions[0].Actions[0] = "delete"
	if srv.Policy().Roles[1].Permissions[0].Actions[0] != "read" {
		t.Error("Policy returns the stored policy, not a copy")
	}
	set := DefaultPolicy()
	if err := srv.SetPolicy(set); err != nil {
		t.Fatal(err)
	}
	set.Roles[1].Permissions[0].Actions[0] = "delete"
	resp, err := srv.Client().GetPolicy(context.Background())
	if err != nil || resp.Policy.Roles[1].Permissions[0].Actions[0] != "read" {
		t.Errorf("SetPolicy keeps the caller's slices: %+v, %v", resp, err)
	}
}
