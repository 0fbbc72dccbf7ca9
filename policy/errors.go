package policy

import (
	"errors"
	"fmt"

	"github.com/stytchmw/stytchmw/client"
)

// Errors of this package, matched with errors.Is.
var (
	// ErrDenied is matched by every denial (a *DenialError): the 403 class.
	ErrDenied = errors.New("policy: permission denied")
	// ErrUnknownResource is matched by a denial of a check whose resource
	// the policy's resources do not define, and by Validate for such a rule.
	ErrUnknownResource = errors.New("policy: resource not defined in the RBAC policy")
	// ErrUnknownAction is matched by a denial of a check whose action the
	// policy does not define on its resource, and by Validate for such a rule.
	ErrUnknownAction = errors.New("policy: action not defined on the resource in the RBAC policy")
	// ErrUnavailable is returned while no policy was ever loaded: checks fail
	// closed (the 503 class) rather than allow.
	ErrUnavailable = errors.New("policy: no RBAC policy loaded, failing closed")
	// ErrInvalidPolicy is wrapped by Compile's errors for a document that
	// cannot be evaluated; a Cache keeps its last good policy instead.
	ErrInvalidPolicy = errors.New("policy: invalid RBAC policy document")
	// ErrInvalidConfig is wrapped by New's errors for a bad Config.
	ErrInvalidConfig = errors.New("policy: invalid config")
	// ErrTenancy is a B2B check whose organization is not the one of the
	// session (or token) asking: refused before any role is looked at,
	// whatever the roles. It also matches ErrDenied and
	// client.ErrSessionAuthorizationTenancy, Stytch's error type for it;
	// test it before ErrDenied to tell the two 403s apart.
	ErrTenancy error = tenancyError{}
	// ErrMissingScope is matched by a *ScopeError: the token lacks a scope
	// a ScopeRequirement names (the 403 class; it also matches ErrDenied).
	ErrMissingScope = errors.New("policy: required scope missing")
	// ErrInvalidScope is wrapped by RequireScopes's errors for a scope it
	// cannot require, and returned by Check for a list of granted scopes
	// it will not read (longer than 128).
	ErrInvalidScope = errors.New("policy: invalid scope")
)

// tenancyError is ErrTenancy's type: one value, so a refusal allocates
// nothing.
type tenancyError struct{}

func (tenancyError) Error() string {
	return "policy: tenancy: the check's organization is not the session's organization"
}

func (tenancyError) Is(target error) bool {
	return target == ErrDenied || target == client.ErrSessionAuthorizationTenancy
}

// Reason says why a check was denied.
type Reason uint8

// Reasons of a denial.
const (
	// ReasonNotGranted: the resource and action are defined, but none of the
	// session's roles grants the action.
	ReasonNotGranted Reason = iota + 1
	// ReasonUnknownResource: the policy's resources do not define the
	// resource (a likely typo in the rule).
	ReasonUnknownResource
	// ReasonUnknownAction: the resource is defined but not with this action
	// (a likely typo in the rule).
	ReasonUnknownAction
)

// String names the reason.
func (r Reason) String() string {
	switch r {
	case ReasonNotGranted:
		return "not_granted"
	case ReasonUnknownResource:
		return "unknown_resource"
	case ReasonUnknownAction:
		return "unknown_action"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// DenialError is a denied check. It matches ErrDenied, and also
// ErrUnknownResource or ErrUnknownAction when the rule names something the
// policy does not define. It matches client.ErrConsumerSessionAuthorization
// and client.ErrSessionAuthorization too, the error types Stytch answers for
// a denied consumer and B2B authorization_check, so a local and a remote
// denial can be handled alike.
//
// A DenialError for a defined resource and action is shared by every check
// that is denied the same way (that is how a denial costs no allocation): do
// not modify it.
type DenialError struct {
	Resource string
	Action   string
	Reason   Reason
}

// Error describes the denial. It holds no session data.
func (e *DenialError) Error() string {
	switch e.Reason {
	case ReasonUnknownResource:
		return fmt.Sprintf("policy: permission denied: resource %q is not defined in the RBAC policy (action %q)", e.Resource, e.Action)
	case ReasonUnknownAction:
		return fmt.Sprintf("policy: permission denied: action %q is not defined on resource %q in the RBAC policy", e.Action, e.Resource)
	}
	return fmt.Sprintf("policy: permission denied: no role of the session grants %q on %q", e.Action, e.Resource)
}

// Is matches ErrDenied, client.ErrConsumerSessionAuthorization,
// client.ErrSessionAuthorization, and the sentinel of an unknown resource
// or action.
func (e *DenialError) Is(target error) bool {
	switch target {
	case ErrDenied, client.ErrConsumerSessionAuthorization, client.ErrSessionAuthorization:
		return true
	case ErrUnknownResource:
		return e.Reason == ReasonUnknownResource
	case ErrUnknownAction:
		return e.Reason == ReasonUnknownAction
	}
	return false
}
