package stytchchi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
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

// RouteTable enforces a Rule per chi route. Create it with New, build the
// router with its NewRouter, and check it with Audit and Validate. It is
// immutable and safe for concurrent use.
type RouteTable struct {
	auth          *middleware.Authenticator
	rules         map[routeKey]Rule
	keys          map[routeKey]string                          // each rule's key as written in Config.Rules
	enforce       map[routeKey]func(http.Handler) http.Handler // each rule's middleware
	allowUnmapped bool
}

// New checks cfg and returns its RouteTable. Every rule must be valid, and
// no two keys may name the same route once a trailing slash is ignored.
func New(cfg Config) (*RouteTable, error) {
	if cfg.Authenticator == nil {
		return nil, fmt.Errorf("%w: Authenticator is required", ErrInvalidConfig)
	}
	if len(cfg.Rules) == 0 {
		return nil, fmt.Errorf("%w: Rules is empty", ErrInvalidConfig)
	}
	t := &RouteTable{
		auth:          cfg.Authenticator,
		rules:         make(map[routeKey]Rule, len(cfg.Rules)),
		keys:          make(map[routeKey]string, len(cfg.Rules)),
		enforce:       make(map[routeKey]func(http.Handler) http.Handler, len(cfg.Rules)),
		allowUnmapped: cfg.AllowUnmapped,
	}
	for key, rule := range cfg.Rules {
		k, err := parseRouteKey(key)
		if err != nil {
			return nil, fmt.Errorf("%w: rule %q: %w", ErrInvalidConfig, key, err)
		}
		if err := rule.Check(); err != nil {
			return nil, fmt.Errorf("%w: rule %q: %w", ErrInvalidConfig, key, err)
		}
		if other, dup := t.keys[k]; dup {
			return nil, fmt.Errorf("%w: rules %q and %q name the same route %q", ErrInvalidConfig, other, key, k)
		}
		t.rules[k] = rule
		t.keys[k] = key
		t.enforce[k] = enforcer(cfg.Authenticator, rule)
	}
	return t, nil
}

// enforcer returns the middleware that enforces rule. It is built once per
// rule, here, so that the Authenticator's set-up for a Require rule (its
// check against the RBAC policy) happens once, at start-up.
func enforcer(auth *middleware.Authenticator, rule Rule) func(http.Handler) http.Handler {
	if resource, action, ok := rule.Permission(); ok {
		return auth.RequireAction(resource, action)
	}
	return func(next http.Handler) http.Handler { return rule.Wrap(auth, next) }
}

// guard returns next behind the rule covering the route, or behind the
// refusal of a route without a rule (next itself under AllowUnmapped).
func (t *RouteTable) guard(method, pattern string, next http.Handler) http.Handler {
	if k, ok := t.ruleFor(method, pattern); ok {
		return t.enforce[k](next)
	}
	if t.allowUnmapped {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.auth.Refuse(w, r, middleware.ErrNoRule)
	})
}

// Rule returns the rule that covers a route: its own, or else its
// pattern's rule for every method. pattern is a full chi pattern, as in
// Rules.
func (t *RouteTable) Rule(method, pattern string) (Rule, bool) {
	k, ok := t.ruleFor(method, canonicalPattern(pattern))
	return t.rules[k], ok
}

// ruleFor returns the key of the rule covering the route: the method's own,
// else the pattern's rule for every method.
func (t *RouteTable) ruleFor(method, pattern string) (routeKey, bool) {
	k := routeKey{method: method, pattern: pattern}
	if _, ok := t.rules[k]; ok {
		return k, true
	}
	k.method = ""
	_, ok := t.rules[k]
	return k, ok
}

// Validate checks every Require rule against the policy (the
// *policy.Cache the Authenticator uses, once loaded) and returns a
// *nethttp.ValidationError listing those naming a resource or an action it
// does not define: see nethttp.ValidateRules. Call it at start-up so that a
// misspelt rule stops the deploy instead of denying every request.
func (t *RouteTable) Validate(p nethttp.PolicyValidator) error {
	rules := make(map[string]Rule, len(t.rules))
	for k, r := range t.rules {
		rules[t.keys[k]] = r
	}
	return nethttp.ValidateRules(p, rules)
}
