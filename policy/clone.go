package policy

import (
	"slices"

	"github.com/stytchmw/stytchmw/client"
)

// clonePolicy deep-copies a policy document, so that what an Index holds
// cannot change under it and what it hands out cannot change it.
func clonePolicy(p *client.Policy) *client.Policy {
	out := &client.Policy{
		Roles:     slices.Clone(p.Roles),
		Resources: slices.Clone(p.Resources),
		Scopes:    slices.Clone(p.Scopes),
	}
	for i := range out.Roles {
		out.Roles[i].Permissions = clonePermissions(out.Roles[i].Permissions)
	}
	for i := range out.Resources {
		out.Resources[i].Actions = slices.Clone(out.Resources[i].Actions)
	}
	for i := range out.Scopes {
		out.Scopes[i].Permissions = clonePermissions(out.Scopes[i].Permissions)
	}
	return out
}

func clonePermissions(ps []client.Permission) []client.Permission {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Actions = slices.Clone(out[i].Actions)
	}
	return out
}
