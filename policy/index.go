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
}

// actionEntry is one (resource, action) pair.
type actionEntry struct {
	// defined is true when the policy's resources define the action on the
	// resource.
	defined bool
	// grant is the roles granting the action, explicitly or by "*".
	grant grantSet
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
		for _, perm := range role.Permissions {
			e := x.resource(perm.ResourceID)
			if !e.defined {
				x.warnf("role %q has a permission on resource %q, which the policy's resources do not define", role.RoleID, perm.ResourceID)
			}
			for _, a := range perm.Actions {
				if a == "*" {
					e.wildcard.add(role.RoleID)
					continue
				}
				ae := e.action(a)
				if e.defined && !ae.defined {
					x.warnf("role %q has a permission for action %q on resource %q, which does not define that action", role.RoleID, a, perm.ResourceID)
				}
				ae.grant.add(role.RoleID)
			}
		}
	}
	for id, e := range x.resources {
		for a, ae := range e.actions {
			for _, r := range e.wildcard.roles {
				ae.grant.add(r)
			}
			ae.denial = &DenialError{Resource: id, Action: a, Reason: denialReason(e, ae)}
		}
	}
	return x, nil
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
	e := x.resources[resourceID]
	if e == nil {
		return Verdict{}, &DenialError{Resource: resourceID, Action: action, Reason: ReasonUnknownResource}
	}
	grant := &e.wildcard
	ae := e.actions[action]
	if ae != nil {
		grant = &ae.grant
	}
	for _, r := range roles {
		if grant.has(r) {
			return Verdict{roles: roles, grant: grant}, nil
		}
	}
	if ae != nil {
		return Verdict{}, ae.denial
	}
	reason := ReasonUnknownAction
	if !e.defined {
		reason = ReasonUnknownResource
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
