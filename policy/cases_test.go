package policy_test

import (
	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
)

// testPolicy is the policy every evaluation case runs against. Besides the
// usual shapes it holds what Stytch evaluates but this package warns about:
// a permission on a resource the resources do not define (ghost on legacy)
// and one on an action its resource does not define (archivist).
func testPolicy() *client.Policy {
	return &client.Policy{
		Resources: []client.PolicyResource{
			{ResourceID: "documents", Description: "Documents", Actions: []string{"read", "create", "update", "delete"}},
			{ResourceID: "images", Description: "Images", Actions: []string{"view", "upload"}},
			{ResourceID: "billing", Description: "Billing", Actions: []string{"read"}},
		},
		Roles: []client.PolicyRole{
			{RoleID: "stytch_user", Description: "Default role", Permissions: []client.Permission{
				{ResourceID: "images", Actions: []string{"view"}},
			}},
			{RoleID: "reader", Permissions: []client.Permission{
				{ResourceID: "documents", Actions: []string{"read"}},
			}},
			{RoleID: "editor", Permissions: []client.Permission{
				{ResourceID: "documents", Actions: []string{"read", "create"}},
				{ResourceID: "images", Actions: []string{"upload"}},
			}},
			{RoleID: "admin", Permissions: []client.Permission{
				{ResourceID: "documents", Actions: []string{"*"}},
			}},
			{RoleID: "auditor", Permissions: []client.Permission{
				{ResourceID: "documents", Actions: []string{"read"}},
				{ResourceID: "billing", Actions: []string{"read"}},
			}},
			{RoleID: "nobody", Permissions: []client.Permission{}},
			{RoleID: "ghost", Permissions: []client.Permission{
				{ResourceID: "legacy", Actions: []string{"purge"}},
			}},
			{RoleID: "archivist", Permissions: []client.Permission{
				{ResourceID: "documents", Actions: []string{"archive"}},
			}},
		},
		Scopes: []client.PolicyScope{
			{Scope: "read:documents", Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read"}}}},
		},
	}
}

// evalCase is one authorization check and Stytch's answer to it.
type evalCase struct {
	name     string
	roles    []string
	resource string
	action   string
	// granting is the verdict's granting_roles; nil means denied.
	granting []string
	// reason is the denial's reason (zero when authorized).
	reason policy.Reason
}

// evalCases covers every rule of Stytch's authorization algorithm (spec
// §5.3) and the project's decisions about granting_roles (spec §8).
var evalCases = []evalCase{
	// Only the policy roles the session holds count.
	{name: "role granting", roles: []string{"reader"}, resource: "documents", action: "read", granting: []string{"reader"}},
	{name: "role not in policy is ignored", roles: []string{"intern"}, resource: "documents", action: "read", reason: policy.ReasonNotGranted},
	{name: "role not in policy beside a granting one", roles: []string{"intern", "reader"}, resource: "documents", action: "read", granting: []string{"reader"}},
	{name: "role ids are case-sensitive", roles: []string{"Admin", "READER"}, resource: "documents", action: "read", reason: policy.ReasonNotGranted},
	{name: "role without permissions", roles: []string{"nobody"}, resource: "documents", action: "read", reason: policy.ReasonNotGranted},
	{name: "held role lacks the action", roles: []string{"reader"}, resource: "documents", action: "delete", reason: policy.ReasonNotGranted},
	{name: "held role lacks the resource", roles: []string{"reader"}, resource: "billing", action: "read", reason: policy.ReasonNotGranted},
	// The wildcard action.
	{name: "wildcard grants a defined action", roles: []string{"admin"}, resource: "documents", action: "delete", granting: []string{"admin"}},
	{name: "wildcard grants an action the resource does not define", roles: []string{"admin"}, resource: "documents", action: "publish", granting: []string{"admin"}},
	{name: "wildcard stays on its resource", roles: []string{"admin"}, resource: "images", action: "view", reason: policy.ReasonNotGranted},
	{name: "requested action * matched by a wildcard", roles: []string{"admin"}, resource: "documents", action: "*", granting: []string{"admin"}},
	{name: "requested action * is not a wildcard", roles: []string{"reader"}, resource: "documents", action: "*", reason: policy.ReasonUnknownAction},
	// Exact resource and action match only; no resource wildcard.
	{name: "resource match is case-sensitive", roles: []string{"admin"}, resource: "Documents", action: "read", reason: policy.ReasonUnknownResource},
	{name: "resource match is not a prefix match", roles: []string{"admin"}, resource: "documents/1", action: "read", reason: policy.ReasonUnknownResource},
	{name: "requested resource * is not a wildcard", roles: []string{"admin"}, resource: "*", action: "read", reason: policy.ReasonUnknownResource},
	{name: "action match is case-sensitive", roles: []string{"reader"}, resource: "documents", action: "READ", reason: policy.ReasonUnknownAction},
	// Unknown resource or action: a denial, reported distinctly.
	{name: "unknown resource", roles: []string{"admin", "reader"}, resource: "reports", action: "read", reason: policy.ReasonUnknownResource},
	{name: "unknown action", roles: []string{"editor"}, resource: "documents", action: "publish", reason: policy.ReasonUnknownAction},
	// Stytch does not consult the resources when granting.
	{name: "permission on an undefined resource grants", roles: []string{"ghost"}, resource: "legacy", action: "purge", granting: []string{"ghost"}},
	{name: "undefined resource not granted", roles: []string{"reader"}, resource: "legacy", action: "purge", reason: policy.ReasonUnknownResource},
	{name: "undefined resource, action not named", roles: []string{"ghost"}, resource: "legacy", action: "read", reason: policy.ReasonUnknownResource},
	{name: "permission on an undefined action grants", roles: []string{"archivist"}, resource: "documents", action: "archive", granting: []string{"archivist"}},
	{name: "undefined action not granted", roles: []string{"reader"}, resource: "documents", action: "archive", reason: policy.ReasonUnknownAction},
	// Several granting roles, in the session's order.
	{name: "granting roles in session order", roles: []string{"editor", "stytch_user", "admin", "intern", "reader"}, resource: "documents", action: "read", granting: []string{"editor", "admin", "reader"}},
	{name: "granting roles in another session order", roles: []string{"reader", "auditor", "editor"}, resource: "documents", action: "read", granting: []string{"reader", "auditor", "editor"}},
	{name: "explicit and wildcard grants together", roles: []string{"admin", "editor"}, resource: "documents", action: "create", granting: []string{"admin", "editor"}},
	{name: "only the roles that grant", roles: []string{"reader", "admin", "editor"}, resource: "documents", action: "update", granting: []string{"admin"}},
	// The default role stytch_user is a role like any other.
	{name: "stytch_user grants its permissions", roles: []string{"stytch_user"}, resource: "images", action: "view", granting: []string{"stytch_user"}},
	{name: "stytch_user beside other roles", roles: []string{"stytch_user", "editor"}, resource: "images", action: "view", granting: []string{"stytch_user"}},
	{name: "stytch_user is not implied", roles: []string{"editor"}, resource: "images", action: "view", reason: policy.ReasonNotGranted},
	{name: "stytch_user alone", roles: []string{"stytch_user"}, resource: "documents", action: "read", reason: policy.ReasonNotGranted},
	// Empty and duplicated session roles.
	{name: "nil roles", roles: nil, resource: "documents", action: "read", reason: policy.ReasonNotGranted},
	{name: "empty roles", roles: []string{}, resource: "documents", action: "read", reason: policy.ReasonNotGranted},
	{name: "empty role id", roles: []string{""}, resource: "documents", action: "read", reason: policy.ReasonNotGranted},
	{name: "duplicate roles listed once", roles: []string{"reader", "admin", "reader", "admin"}, resource: "documents", action: "read", granting: []string{"reader", "admin"}},
	{name: "duplicate roles denied", roles: []string{"intern", "intern"}, resource: "documents", action: "read", reason: policy.ReasonNotGranted},
	// Empty resource or action.
	{name: "empty resource", roles: []string{"admin"}, resource: "", action: "read", reason: policy.ReasonUnknownResource},
	{name: "empty action", roles: []string{"reader"}, resource: "documents", action: "", reason: policy.ReasonUnknownAction},
	{name: "empty action, wildcard", roles: []string{"admin"}, resource: "documents", action: "", granting: []string{"admin"}},
}
