package nethttp

import (
	"fmt"
	"net/http"

	"github.com/stytchmw/stytchmw/middleware"
)

// ruleKind says what a Rule asks of a request. The zero value is invalid,
// so a Rule left unset is refused by the tables rather than read as public.
type ruleKind uint8

const (
	kindInvalid ruleKind = iota
	kindPublic
	kindOptional
	kindAuthenticated
	kindRequire
)

// Rule is what a route asks of a request. Build one with Require,
// Authenticated, Optional or Public; the zero Rule is invalid, and the
// route tables refuse it.
type Rule struct {
	kind     ruleKind
	resource string
	action   string
}

// Require asks for a session whose roles grant action on resource under
// the project's RBAC policy (middleware.Authenticator.RequireAction): 401
// without a valid session, 403 when the roles do not grant the action.
func Require(resource, action string) Rule {
	return Rule{kind: kindRequire, resource: resource, action: action}
}

// Authenticated asks for a valid session and checks no permission
// (middleware.Authenticator.Handler).
func Authenticated() Rule { return Rule{kind: kindAuthenticated} }

// Optional lets a request without any credential through anonymously and
// authenticates one that carries a credential (middleware.Authenticator.Optional):
// an invalid credential is still refused with 401.
func Optional() Rule { return Rule{kind: kindOptional} }

// Public serves the route without looking at credentials at all, so that a
// stale cookie cannot lock a user out of, say, the login page or a health
// check.
func Public() Rule { return Rule{kind: kindPublic} }

// Permission returns the resource and action a Require rule checks; ok is
// false for the other rules.
func (r Rule) Permission() (resource, action string, ok bool) {
	return r.resource, r.action, r.kind == kindRequire
}

// String describes the rule: `require documents:read`, `authenticated`,
// `optional`, `public`.
func (r Rule) String() string {
	switch r.kind {
	case kindPublic:
		return "public"
	case kindOptional:
		return "optional"
	case kindAuthenticated:
		return "authenticated"
	case kindRequire:
		return fmt.Sprintf("require %s:%s", r.resource, r.action)
	}
	return "invalid rule"
}

// Check reports why the rule cannot be enforced (the zero Rule; Require
// with an empty resource or action), or nil. The route tables' New refuse a
// rule that fails it.
func (r Rule) Check() error {
	switch r.kind {
	case kindPublic, kindOptional, kindAuthenticated:
		return nil
	case kindRequire:
		if r.resource == "" || r.action == "" {
			return fmt.Errorf("Require needs a resource and an action, got %q and %q", r.resource, r.action)
		}
		return nil
	}
	return fmt.Errorf("the zero Rule is not a rule: use Require, Authenticated, Optional or Public")
}

// Wrap returns next behind the rule, enforced with auth. It is what the
// route tables install for each rule; call it to protect a single handler
// with a Rule value. A Public rule returns next itself; auth may be nil only
// then.
func (r Rule) Wrap(auth *middleware.Authenticator, next http.Handler) http.Handler {
	switch r.kind {
	case kindPublic:
		return next
	case kindOptional:
		return auth.Optional(next)
	case kindAuthenticated:
		return auth.Handler(next)
	case kindRequire:
		return auth.RequireAction(r.resource, r.action)(next)
	}
	// Fail closed on a rule no constructor made: refuse every request.
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "invalid authorization rule", http.StatusInternalServerError)
	})
}
