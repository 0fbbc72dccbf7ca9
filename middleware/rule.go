package middleware

import (
	"errors"
	"fmt"

	"github.com/stytchmw/stytchmw/internal/routeguard"
)

// ruleKind says what a Rule asks of a request. The zero value is "no rule",
// so a Rule left unset refuses rather than reads as public.
type ruleKind uint8

const (
	kindNone ruleKind = iota
	kindPublic
	kindOptional
	kindAuthenticated
	kindPermission
	// Rules the B2B and machine-token issues add (a required scope, an
	// organization taken from the path) are new kinds with fields of their
	// own, so that no existing rule changes meaning.
)

// Rule is what a route asks of a request, router-neutral: the same value
// goes on a handler with Authenticator.Require and into the route tables of
// packages stytchchi and nethttp. Make one with Public, Optional,
// Authenticated or Permission. The zero Rule is "no rule": it refuses every
// request with 403 route_has_no_rule (ErrNoRule) before any
// authentication, which is also how the route tables refuse a route they
// have no rule for. Rules are comparable values.
type Rule struct {
	kind     ruleKind
	resource string
	action   string
}

// Public serves the route without looking at credentials at all, so that a
// stale cookie cannot lock a user out of, say, the login page or a health
// check.
func Public() Rule { return Rule{kind: kindPublic} }

// Optional lets a request without any credential through anonymously (no
// Auth in its context) and authenticates one that carries a credential: a
// credential that is present but invalid is still refused with 401, so a
// client's broken token is reported rather than silently ignored.
func Optional() Rule { return Rule{kind: kindOptional} }

// Authenticated asks for a valid session and checks no permission: 401
// without a valid credential, 403 for a cross-origin request with a cookie
// credential, 503 when Stytch had to be asked and could not be.
func Authenticated() Rule { return Rule{kind: kindAuthenticated} }

// Permission asks for a valid session whose roles grant action on resource
// under the project's RBAC policy, evaluated locally with Stytch's rules:
// as Authenticated, and 403 consumer_session_authorization_error when the
// roles do not grant the action; 503 policy_unavailable while no policy was
// ever loaded.
func Permission(resource, action string) Rule {
	return Rule{kind: kindPermission, resource: resource, action: action}
}

// String describes the rule: "public", "optional", "authenticated",
// "permission documents:read", or "no rule".
func (r Rule) String() string {
	switch r.kind {
	case kindPublic:
		return "public"
	case kindOptional:
		return "optional"
	case kindAuthenticated:
		return "authenticated"
	case kindPermission:
		return "permission " + r.resource + ":" + r.action
	}
	return "no rule"
}

// errNoRule is the cause of refusing a request under the zero Rule.
var errNoRule = errors.New("the zero Rule: no rule allows this route")

// check reports why the rule cannot be enforced: the zero Rule, or a
// Permission without a resource or an action.
func (r Rule) check() error {
	switch r.kind {
	case kindPublic, kindOptional, kindAuthenticated:
		return nil
	case kindPermission:
		if r.resource == "" || r.action == "" {
			return fmt.Errorf("Permission needs a resource and an action, got %q and %q", r.resource, r.action)
		}
		return nil
	}
	return errors.New("the zero Rule is not a rule: use Public, Optional, Authenticated or Permission")
}

func init() {
	routeguard.SpecOf = func(rule any) routeguard.Spec {
		r := rule.(Rule)
		return routeguard.Spec{Err: r.check(), Resource: r.resource, Action: r.action}
	}
}
