package policy

import (
	"slices"

	"github.com/stytchmw/stytchmw/client"
)

// Verdict is the result of an authorized check. The zero Verdict is not
// authorized.
//
// A Verdict holds the session's roles and the compiled sets of roles that
// grant the permission (the project policy's and, for a member, the
// organization's custom roles), so that Authorize allocates nothing: the
// granting roles are listed only when GrantingRoles is called.
type Verdict struct {
	roles []string
	grant *grantSet
	org   *grantSet
}

// Authorized reports whether the check was authorized.
func (v Verdict) Authorized() bool { return v.grant != nil || v.org != nil }

// GrantingRoles returns the session's roles that grant the permission, in
// the session's order and without repeats (Stytch's granting_roles); for a
// scope check, the token's scopes that grant it. It returns nil for a
// Verdict that is not authorized.
func (v Verdict) GrantingRoles() []string {
	if !v.Authorized() {
		return nil
	}
	var out []string
	for _, r := range v.roles {
		if (v.grant.has(r) || v.org.has(r)) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// AuthorizationVerdict returns the verdict in the client's wire model, as
// Stytch's authenticate answers it; nil when not authorized.
func (v Verdict) AuthorizationVerdict() *client.AuthorizationVerdict {
	if !v.Authorized() {
		return nil
	}
	return &client.AuthorizationVerdict{Authorized: true, GrantingRoles: v.GrantingRoles()}
}
