package routeguard

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stytchmw/stytchmw/policy"
)

// Policy says whether the RBAC policy defines an action on a resource:
// *policy.Cache and *policy.Index satisfy it.
type Policy interface {
	Validate(resourceID, action string) error
}

// InvalidRule is a Permission rule naming a resource or an action the policy
// does not define.
type InvalidRule struct {
	// Route is the rule's key in its table.
	Route string
	// Resource and Action are what the rule requires.
	Resource, Action string
	// Err says what is undefined; it matches policy.ErrUnknownResource or
	// policy.ErrUnknownAction.
	Err error
}

// ValidationError lists the rules of a table that name a resource or an
// action the loaded policy does not define. Such a rule denies every
// request, as Stytch would; it is almost always a typo. It matches
// policy.ErrUnknownResource and policy.ErrUnknownAction with errors.Is.
type ValidationError struct {
	// Rules holds the invalid rules, sorted by Route.
	Rules []InvalidRule
}

// Error lists every invalid rule.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Rules))
	for i, r := range e.Rules {
		parts[i] = fmt.Sprintf("%s (permission %s:%s): %v", r.Route, r.Resource, r.Action, r.Err)
	}
	return fmt.Sprintf("stytchmw: %d rule(s) name what the RBAC policy does not define: %s",
		len(e.Rules), strings.Join(parts, "; "))
}

// Unwrap returns each rule's error, for errors.Is and errors.As.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Rules))
	for i, r := range e.Rules {
		errs[i] = r.Err
	}
	return errs
}

// Validate checks every Permission rule of a table against the policy. It
// returns a *ValidationError listing all the rules whose resource or action
// the policy does not define, nil when there is none, or, at the first
// other error (no policy loaded yet: policy.ErrUnavailable), that error
// wrapped: the rules could not be checked.
func Validate[K comparable, R any](p Policy, entries map[K]*Entry[R]) error {
	if p == nil {
		return errors.New("stytchmw: no policy to validate the rules against")
	}
	var invalid []InvalidRule
	for _, e := range entries {
		resource, action := e.Spec.Resource, e.Spec.Action
		if resource == "" {
			continue
		}
		err := p.Validate(resource, action)
		switch {
		case err == nil:
		case errors.Is(err, policy.ErrUnknownResource), errors.Is(err, policy.ErrUnknownAction):
			invalid = append(invalid, InvalidRule{Route: e.Key, Resource: resource, Action: action, Err: err})
		default:
			return fmt.Errorf("stytchmw: cannot validate rule %q (permission %s:%s): %w", e.Key, resource, action, err)
		}
	}
	if len(invalid) == 0 {
		return nil
	}
	slices.SortFunc(invalid, func(a, b InvalidRule) int { return strings.Compare(a.Route, b.Route) })
	return &ValidationError{Rules: invalid}
}
