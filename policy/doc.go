// Package policy evaluates Stytch RBAC authorization checks locally, with the
// verdict Stytch's own authorization_check would give.
//
// Compile turns a policy document into an immutable Index whose Authorize
// costs no allocation and takes no lock. Cache keeps the project's policy,
// fetched through a client.Client and refreshed in the background; when a
// refresh fails the last good policy stays in force, and while no policy was
// ever loaded every check fails closed with ErrUnavailable.
//
// The evaluation rule is Stytch's: only the policy roles that the session
// holds count (session roles the policy does not define are ignored), and the
// check is authorized when one of their permissions names exactly the
// requested resource and lists the requested action or "*". There is no
// resource wildcard. A check that names a resource or an action the policy's
// resources do not define is denied, as Stytch denies it, but the error says
// so (ErrUnknownResource, ErrUnknownAction), so that a typo in a rule shows.
//
// For a B2B project, B2BCache adds Stytch's tenancy rule (a check of
// another organization than the session's is refused with ErrTenancy,
// before any role is looked at) and each organization's custom roles,
// which count after the project's roles for that organization's members
// only. They are fetched on the organization's first check, cached,
// refreshed once stale while the roles in force keep answering, and
// bounded in number.
//
// Machine callers hold scopes rather than roles. RequireScopes reads
// required scopes as Stytch's M2M authorization does (action:resource);
// AuthorizeScopes evaluates a Connected Apps token's scopes against the
// policy's scopes by the rule of roles.
package policy
