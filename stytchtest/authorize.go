package stytchtest

import (
	"slices"

	"github.com/stytchmw/stytchmw/client"
)

// grantingRoles returns the session roles that grant action on resourceID
// under Stytch's rule: only policy roles the session holds count, and one of
// their permissions must name resourceID exactly and list action or "*".
// An unknown resource or action grants nothing, like a missing permission.
// The roles come in the session's order; none means denied.
//
// This is deliberately a plain loop, independent of the policy package's
// evaluator, so that tests can compare the two.
func grantingRoles(p *client.Policy, sessionRoles []string, resourceID, action string) []string {
	return memberGrantingRoles(p, nil, sessionRoles, resourceID, action)
}

// memberGrantingRoles is grantingRoles for a member session: the project
// policy's roles first, then the organization's custom roles.
func memberGrantingRoles(p *client.Policy, orgRoles []client.PolicyRole, sessionRoles []string, resourceID, action string) []string {
	var granting []string
	roles := slices.Concat(p.Roles, orgRoles)
	for _, held := range sessionRoles {
		for _, role := range roles {
			if role.RoleID == held && roleGrants(role, resourceID, action) {
				granting = append(granting, held)
				break
			}
		}
	}
	return granting
}

func roleGrants(role client.PolicyRole, resourceID, action string) bool {
	for _, perm := range role.Permissions {
		if perm.ResourceID == resourceID && (slices.Contains(perm.Actions, action) || slices.Contains(perm.Actions, "*")) {
			return true
		}
	}
	return false
}
