package stytchtest

import (
	"slices"
	"testing"

	"github.com/stytchmw/stytchmw/client"
)

func TestGrantingRoles(t *testing.T) {
	t.Parallel()
	p := client.Policy{
		Roles: []client.PolicyRole{
			{RoleID: "stytch_user"},
			{RoleID: "reader", Permissions: []client.Permission{{ResourceID: "docs", Actions: []string{"read"}}}},
			{RoleID: "writer", Permissions: []client.Permission{
				{ResourceID: "images", Actions: []string{"read"}},
				{ResourceID: "docs", Actions: []string{"write", "read"}}}},
			{RoleID: "owner", Permissions: []client.Permission{{ResourceID: "docs", Actions: []string{"*"}}}},
		},
	}
	tests := []struct {
		name             string
		roles            []string
		resource, action string
		want             []string
	}{
		{"one role", []string{"stytch_user", "reader"}, "docs", "read", []string{"reader"}},
		{"session order, not policy order", []string{"owner", "writer", "reader"}, "docs", "read", []string{"owner", "writer", "reader"}},
		{"wildcard action", []string{"reader", "owner"}, "docs", "shred", []string{"owner"}},
		{"second permission of a role", []string{"writer"}, "docs", "write", []string{"writer"}},
		{"roles outside the policy are ignored", []string{"ghost", "reader"}, "docs", "read", []string{"reader"}},
		{"unknown resource", []string{"owner"}, "videos", "read", nil},
		{"no resource wildcard", []string{"owner"}, "*", "read", nil},
		{"unknown action", []string{"reader"}, "docs", "shred", nil},
		{"no roles", nil, "docs", "read", nil},
		{"default role grants nothing", []string{"stytch_user"}, "docs", "read", nil},
		{"case matters", []string{"reader"}, "Docs", "read", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := grantingRoles(&p, tt.roles, tt.resource, tt.action); !slices.Equal(got, tt.want) {
				t.Errorf("grantingRoles(%v, %s, %s) = %v, want %v", tt.roles, tt.resource, tt.action, got, tt.want)
			}
		})
	}
}
