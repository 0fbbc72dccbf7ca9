package stytchchi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/stytchmw/stytchmw/internal/routeguard"
	"github.com/stytchmw/stytchmw/middleware"
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytchmw stytchchi: invalid config")

// Config configures a RouteTable.
type Config struct {
	// Authenticator enforces the rules (required).
	Authenticator *middleware.Authenticator
	// Rules maps each route to its rule (required).
	Rules Rules
	// AllowUnmapped serves a route that has no rule without any
	// authentication, as if it were Public. Default false: such a route is
	// refused with 403, before any authentication, with error_type
	// route_has_no_rule (middleware.ErrNoRule), so that a route added
	// without a rule is closed, not open. 403 rather than 404: the route
	// exists and the server refuses it, which a developer recognises at
	// once; an Authenticator's ErrorHandler that prefers to hide the route
	// can answer 404 for errors.Is(err, middleware.ErrNoRule). Prefer the
	// default, and Audit.
	AllowUnmapped bool
}

// RouteTable enforces a middleware.Rule per chi route. Create it with New,
// build the router with its NewRouter, and check it with Audit and
// Validate. It is immutable and safe for concurrent use.
type RouteTable struct {
	entries map[routeKey]*routeguard.Entry[middleware.Rule]
	// unmapped answers a route without a rule: the refusal of the zero
	// Rule, or nil under AllowUnmapped.
	unmapped func(http.Handler) http.Handler
}

// New checks cfg and returns its RouteTable. Every rule must be valid (not
// the zero Rule, no Permission without a resource or an action, a
// tenant-scoped rule's path parameter in its pattern), and no
// two keys may name the same route once a trailing slash is ignored. Each
// rule's middleware is built here, once.
func New(cfg Config) (*RouteTable, error) {
	if cfg.Authenticator == nil {
		return nil, fmt.Errorf("%w: Authenticator is required", ErrInvalidConfig)
	}
	entries, err := routeguard.Build(cfg.Rules, parseRouteKey, cfg.Authenticator.Require)
	if err == nil {
		err = routeguard.CheckPathParams(entries, func(k routeKey) string { return k.pattern })
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	t := &RouteTable{entries: entries}
	if !cfg.AllowUnmapped {
		t.unmapped = cfg.Authenticator.Require(middleware.Rule{})
	}
	return t, nil
}

// guard returns next behind the rule covering the route, or behind the
// refusal of a route without a rule (next itself under AllowUnmapped).
func (t *RouteTable) guard(method, pattern string, next http.Handler) http.Handler {
	if k, ok := t.ruleFor(method, pattern); ok {
		return t.entries[k].Enforce(next)
	}
	if t.unmapped == nil {
		return next
	}
	return t.unmapped(next)
}

// Rule returns the rule that covers a route: its own, or else its
// pattern's rule for every method. pattern is a full chi pattern, as in
// Rules.
func (t *RouteTable) Rule(method, pattern string) (middleware.Rule, bool) {
	if k, ok := t.ruleFor(method, canonicalPattern(pattern)); ok {
		return t.entries[k].Rule, true
	}
	return middleware.Rule{}, false
}

// ruleFor returns the key of the rule covering the route: the method's own,
// else the pattern's rule for every method.
func (t *RouteTable) ruleFor(method, pattern string) (routeKey, bool) {
	k := routeKey{method: method, pattern: pattern}
	if _, ok := t.entries[k]; ok {
		return k, true
	}
	k.method = ""
	_, ok := t.entries[k]
	return k, ok
}

// ValidationError lists the rules of a table that name a resource or an
// action the loaded policy does not define; see RouteTable.Validate.
type ValidationError = routeguard.ValidationError

// Validate checks every Permission rule of the table against the policy
// (the *policy.Cache the Authenticator uses, once loaded). It returns a
// *ValidationError listing all the rules whose resource or action the
// policy does not define (it matches policy.ErrUnknownResource and
// policy.ErrUnknownAction with errors.Is), nil when there is none, or,
// when the rules could not be checked (no policy loaded yet:
// policy.ErrUnavailable), that error wrapped. Call it at start-up so that
// a misspelt rule stops the deploy instead of denying every request.
func (t *RouteTable) Validate(p interface {
	Validate(resourceID, action string) error
}) error {
	return routeguard.Validate(p, t.entries)
}
