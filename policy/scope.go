package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stytchmw/stytchmw/internal/scope"
)

// ScopeRequirement is a list of scopes a machine caller (an M2M or
// Connected Apps access token) must all hold, checked with the semantics of
// Stytch's M2M authorization. Build one with RequireScopes, once (when a
// route is set up); it is immutable and safe for concurrent use.
//
// Each scope reads as action:resource. A required scope is satisfied by a
// held scope with the same action and the same resource or "*": "read:*"
// satisfies "read:users", "read:users" does not satisfy "read:*", and
// "*:users" satisfies nothing (there is no action wildcard). A scope
// without a colon has the resource "-". A scope with several colons is cut
// at the first: "read:users:email" is the action "read" on the resource
// "users:email" (stytch-go's rule; stytch-node's split(":") would drop
// ":email" and so let that scope satisfy "read:users", a widening this
// package refuses).
type ScopeRequirement struct {
	scopes []requiredScope
	text   string
}

type requiredScope struct {
	action, resource string
	// missing is the error of a check that lacks this scope, made once so
	// that a refusal allocates nothing.
	missing *ScopeError
}

// maxRequiredScopes bounds a ScopeRequirement, as internal/scope bounds a
// token's scope claim.
const maxRequiredScopes = scope.MaxScopes

// RequireScopes parses the scopes a caller must hold. It refuses (with an
// error wrapping ErrInvalidScope) an empty list, more than 128 scopes, and
// any scope that is empty, longer than 256 bytes, holds a byte RFC 6749
// does not allow in a scope (such as a space, a tab or a quote), has the
// action "*", or an empty action or resource around its colon. A scope
// named twice is required once.
func RequireScopes(scopes ...string) (*ScopeRequirement, error) {
	if len(scopes) == 0 {
		return nil, fmt.Errorf("%w: no scope to require", ErrInvalidScope)
	}
	if len(scopes) > maxRequiredScopes {
		return nil, fmt.Errorf("%w: %d scopes, at most %d", ErrInvalidScope, len(scopes), maxRequiredScopes)
	}
	r := &ScopeRequirement{}
	var names []string
	for _, s := range scopes {
		if err := scope.Check(s); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidScope, err)
		}
		if slices.Contains(names, s) {
			continue
		}
		names = append(names, s)
		action, resource := scope.Parse(s)
		r.scopes = append(r.scopes, requiredScope{action: action, resource: resource, missing: &ScopeError{Scope: s}})
	}
	r.text = strings.Join(names, " ")
	for _, rs := range r.scopes {
		rs.missing.Required = r.text
	}
	return r, nil
}

// Check returns nil when granted (the token's scopes, as the middleware
// reads them from its scope claim) satisfies every required scope, and
// otherwise the *ScopeError of the first one missing (ErrMissingScope).
// A nil ScopeRequirement requires what cannot be held: it refuses every
// check (fail closed), as does a granted list longer than 128 scopes
// (ErrInvalidScope). Check allocates nothing.
func (r *ScopeRequirement) Check(granted []string) error {
	if r == nil {
		return errNoRequirement
	}
	if len(granted) > scope.MaxScopes {
		return errTooManyGranted
	}
	for _, rs := range r.scopes {
		if !holds(granted, rs.action, rs.resource) {
			return rs.missing
		}
	}
	return nil
}

// holds reports whether a granted scope satisfies action on resource.
func holds(granted []string, action, resource string) bool {
	for _, held := range granted {
		if scope.Satisfies(held, action, resource) {
			return true
		}
	}
	return false
}

// String returns the required scopes, space-separated in the order given
// and without repeats: the value of the scope parameter of an RFC 6750
// insufficient_scope challenge.
func (r *ScopeRequirement) String() string {
	if r == nil {
		return ""
	}
	return r.text
}

// Preallocated refusals of Check.
var (
	errNoRequirement  = fmt.Errorf("%w: a nil ScopeRequirement refuses every check", ErrInvalidScope)
	errTooManyGranted = fmt.Errorf("%w: more than %d granted scopes", ErrInvalidScope, scope.MaxScopes)
)

// ScopeError is a token that lacks a required scope. It matches
// ErrMissingScope and ErrDenied. It is shared by every check refused the
// same way: do not modify it.
type ScopeError struct {
	// Scope is the required scope missing (the first one, in the order
	// given to RequireScopes).
	Scope string
	// Required is every scope required, space-separated: what an RFC 6750
	// insufficient_scope challenge names.
	Required string
}

// Error names the missing scope; it holds nothing of the token.
func (e *ScopeError) Error() string {
	return fmt.Sprintf("policy: the token lacks the required scope %q", e.Scope)
}

// Is matches ErrMissingScope and ErrDenied.
func (e *ScopeError) Is(target error) bool { return target == ErrMissingScope || target == ErrDenied }
