package policy

import (
	"fmt"

	"github.com/stytchmw/stytchmw/client"
)

// Index is a compiled RBAC policy: immutable, safe for concurrent use, and
// cheap to query. Build one with Compile.
type Index struct {
	resources map[string]*resourceEntry
	policy    *client.Policy // a private copy, never modified
	warnings  []string
}

// resourceEntry is everything the index knows about one resource_id: named
// by the policy's resources, by a permission, or by both.
type resourceEntry struct {
	// defined is true when the policy's resources list the resource.
	defined bool
	// actions holds every action the resource defines or a permission names
	// explicitly ("*" excluded).
	actions map[string]*actionEntry
	// wildcard is the roles granting "*" on the resource: what grants an
	// action that actions does not hold.
	wildcard grantSet
	// scopeWildcard is the same for the policy's scopes.
	scopeWildcard grantSet
}

// actionEntry is one (resource, action) pair.
type actionEntry struct {
	// defined is true when the policy's resources define the action on the
	// resource.
	defined bool
	// grant is the roles granting the action, explicitly or by "*".
	grant grantSet
	// scopeGrant is the scopes granting the action, explicitly or by "*".
	scopeGrant grantSet
	// denial is the error of every check of this pair that no role grants,
	// made once so that a denial costs no allocation.
	denial *DenialError
}

// maxWarnings bounds the list Warnings returns.
const maxWarnings = 100

// Compile checks and compiles a policy document, as GetPolicy returns it.
// The index keeps its own copy: p may be modified afterwards.
//
// Compile rejects only what cannot be evaluated (a nil document). What
// Stytch accepts and evaluates, but that looks like a mistake — a permission
// on a resource or an action that the policy's resources do not define, a
// duplicated role or resource — is evaluated as Stytch does and listed by
// Warnings.
func Compile(p *client.Policy) (*Index, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: the answer holds no policy", ErrInvalidPolicy)
	}
	x := &Index{
		resources: make(map[string]*resourceEntry, len(p.Resources)),
		policy:    clonePolicy(p),
	}
	for _, r := range x.policy.Resources {
		e := x.resource(r.ResourceID)
		if e.defined {
			x.warnf("resource %q is defined more than once; its actions are merged", r.ResourceID)
		}
		e.defined = true
		for _, a := range r.Actions {
			e.action(a).defined = true
		}
	}
	seenRoles := make(map[string]bool, len(x.policy.Roles))
	for _, role := range x.policy.Roles {
		if seenRoles[role.RoleID] {
			x.warnf("role %q is defined more than once; its permissions are merged", role.RoleID)
		}
		seenRoles[role.RoleID] = true
		x.grant("role", role.RoleID, role.Permissions, false)
	}
	seenScopes := make(map[string]bool, len(x.policy.Scopes))
	for _, sc := range x.policy.Scopes {
		if seenScopes[sc.Scope] {
			x.warnf("scope %q is defined more than once; its permissions are merged", sc.Scope)
		}
		seenScopes[sc.Scope] = true
		x.grant("scope", sc.Scope, sc.Permissions, true)
	}
	for id, e := range x.resources {
		for a, ae := range e.actions {
			for _, r := range e.wildcard.roles {
				ae.grant.add(r)
			}
			for _, sc := range e.scopeWildcard.roles {
				ae.scopeGrant.add(sc)
			}
			ae.denial = &DenialError{Resource: id, Action: a, Reason: denialReason(e, ae)}
		}
	}
	return x, nil
}

// grant records what one role (or scope) grants.
func (x *Index) grant(kind, id string, perms []client.Permission, scope bool) {
	for _, perm := range perms {
		e := x.resource(perm.ResourceID)
		if !e.defined {
			x.warnf("%s %q has a permission on resource %q, which the policy's resources do not define", kind, id, perm.ResourceID)
		}
		for _, a := range perm.Actions {
			if a == "*" {
				e.wildcardOf(scope).add(id)
				continue
			}
			ae := e.action(a)
			if e.defined && !ae.defined {
				x.warnf("%s %q has a permission for action %q on resource %q, which does not define that action", kind, id, a, perm.ResourceID)
			}
			ae.grantOf(scope).add(id)
		}
	}
}

func (e *resourceEntry) wildcardOf(scope bool) *grantSet {
	if scope {
		return &e.scopeWildcard
	}
	return &e.wildcard
}

func (ae *actionEntry) grantOf(scope bool) *grantSet {
	if scope {
		return &ae.scopeGrant
	}
	return &ae.grant
}

func denialReason(e *resourceEntry, ae *actionEntry) Reason {
	switch {
	case !e.defined:
		return ReasonUnknownResource
	case !ae.defined:
		return ReasonUnknownAction
	}
	return ReasonNotGranted
}

func (x *Index) resource(id string) *resourceEntry {
	e := x.resources[id]
	if e == nil {
		e = &resourceEntry{actions: make(map[string]*actionEntry)}
		x.resources[id] = e
	}
	return e
}

func (e *resourceEntry) action(a string) *actionEntry {
	ae := e.actions[a]
	if ae == nil {
		ae = &actionEntry{}
		e.actions[a] = ae
	}
	return ae
}

func (x *Index) warnf(format string, args ...any) {
	switch {
	case len(x.warnings) < maxWarnings:
		x.warnings = append(x.warnings, fmt.Sprintf(format, args...))
	case len(x.warnings) == maxWarnings:
		x.warnings = append(x.warnings, "further warnings omitted")
	}
}

// Authorize evaluates a check as Stytch does: roles are the session's roles
// (in the session's order), resourceID and action the permission asked for.
//
// It returns an authorized Verdict and a nil error, or a zero Verdict and a
// *DenialError (ErrDenied, and ErrUnknownResource or ErrUnknownAction when
// the check names something the policy's resources do not define). A nil
// Index returns ErrUnavailable.
//
// Authorize allocates nothing, except the error of a check naming an
// undefined resource or action, which carries the caller's strings. The
// Verdict refers to roles: do not modify roles while it is in use.
func (x *Index) Authorize(roles []string, resourceID, action string) (Verdict, error) {
	if x == nil {
		return Verdict{}, ErrUnavailable
	}
	return x.evaluate(roles, resourceID, action, false, nil)
}

// AuthorizeScopes evaluates a check for a Connected Apps access token by
// Stytch's scope-based RBAC: the same rule as Authorize, with the token's
// scopes in place of roles and the policy's scopes in place of its roles.
// The Verdict's GrantingRoles lists the granting scopes. It allocates as
// Authorize does. A nil Index returns ErrUnavailable.
func (x *Index) AuthorizeScopes(scopes []string, resourceID, action string) (Verdict, error) {
	if x == nil {
		return Verdict{}, ErrUnavailable
	}
	return x.evaluate(scopes, resourceID, action, true, nil)
}

// evaluate is Stytch's algorithm for the held roles (or scopes): granted
// when one of them grants action on resourceID in the policy, or in the
// organization's custom roles org (nil: none).
func (x *Index) evaluate(held []string, resourceID, action string, scopes bool, org *orgRoles) (Verdict, error) {
	var grant *grantSet
	e := x.resources[resourceID]
	var ae *actionEntry
	if e != nil {
		grant = e.wildcardOf(scopes)
		if ae = e.actions[action]; ae != nil {
			grant = ae.grantOf(scopes)
		}
	}
	orgGrant := org.lookup(resourceID, action)
	for _, r := range held {
		if grant.has(r) || orgGrant.has(r) {
			return Verdict{roles: held, grant: grant, org: orgGrant}, nil
		}
	}
	if ae != nil {
		return Verdict{}, ae.denial
	}
	reason := ReasonUnknownResource
	if e != nil && e.defined {
		reason = ReasonUnknownAction
	}
	return Verdict{}, &DenialError{Resource: resourceID, Action: action, Reason: reason}
}

// Validate reports whether the policy's resources define resourceID with
// action: nil when they do, else an error matching ErrUnknownResource or
// ErrUnknownAction. Route tables call it to catch a rule with a typo before
// it denies every request. A nil Index returns ErrUnavailable.
func (x *Index) Validate(resourceID, action string) error {
	if x == nil {
		return ErrUnavailable
	}
	e := x.resources[resourceID]
	if e == nil || !e.defined {
		return fmt.Errorf("%w: %q", ErrUnknownResource, resourceID)
	}
	if ae := e.actions[action]; ae == nil || !ae.defined {
		return fmt.Errorf("%w: %q on resource %q", ErrUnknownAction, action, resourceID)
	}
	return nil
}

// Policy returns a copy of the compiled policy document.
func (x *Index) Policy() *client.Policy {
	if x == nil {
		return nil
	}
	return clonePolicy(x.policy)
}

// Warnings lists what Compile found that Stytch accepts and evaluates, and
// so does this package, but that looks like a mistake in the policy: a
// permission on a resource or action the resources do not define, a role or
// resource defined twice. At most 100 are kept.
func (x *Index) Warnings() []string {
	if x == nil {
		return nil
	}
	return append([]string(nil), x.warnings...)
}
