package nethttp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stytchmw/stytchmw/internal/routeguard"
	"github.com/stytchmw/stytchmw/middleware"
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytchmw nethttp: invalid config")

// Rules maps ServeMux patterns, exactly as they are registered
// ("GET /documents/{id}", "POST /documents", "/static/"), to their
// middleware.Rule.
type Rules map[string]middleware.Rule

// Config configures a RouteTable.
type Config struct {
	// Authenticator enforces the rules (required).
	Authenticator *middleware.Authenticator
	// Rules maps each registered pattern to its rule (required).
	Rules Rules
	// AllowUnmapped serves a pattern that has no rule without any
	// authentication, as if it were Public. Default false: such a pattern is
	// refused with 403, before any authentication, with error_type
	// route_has_no_rule (middleware.ErrNoRule), so that a route added
	// without a rule is closed, not open. 403 rather than 404: the route
	// exists and the server refuses it, which a developer recognises at
	// once; an Authenticator's ErrorHandler that prefers to hide the route
	// can answer 404 for errors.Is(err, middleware.ErrNoRule). Prefer the
	// default, and Audit.
	AllowUnmapped bool
}

// RouteTable enforces a middleware.Rule per ServeMux pattern. Create it
// with New, register the handlers on its NewServeMux, and check it with
// Audit and Validate. It is immutable and safe for concurrent use.
type RouteTable struct {
	entries map[string]*routeguard.Entry[middleware.Rule]
	// unmapped answers a pattern without a rule: the refusal of the zero
	// Rule, or nil under AllowUnmapped.
	unmapped func(http.Handler) http.Handler
}

// New checks cfg and returns its RouteTable. Every rule must be valid (not
// the zero Rule, no Permission without a resource or an action, a
// tenant-scoped rule's path parameter in its pattern) and every
// key look like a ServeMux pattern ("[METHOD ][HOST]/[PATH]"). Each rule's
// middleware is built here, once.
func New(cfg Config) (*RouteTable, error) {
	if cfg.Authenticator == nil {
		return nil, fmt.Errorf("%w: Authenticator is required", ErrInvalidConfig)
	}
	entries, err := routeguard.Build(cfg.Rules, checkPattern, cfg.Authenticator.Require)
	if err == nil {
		err = routeguard.CheckPathParams(entries, func(k string) string { return k })
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

// checkPattern accepts what can be a ServeMux pattern string. The mux
// itself is the judge of the rest: a key that is not registered verbatim
// never matches, and Audit reports it as unused.
func checkPattern(p string) (string, error) {
	if p == "" || strings.TrimSpace(p) != p || !strings.Contains(p, "/") {
		return "", errors.New(`not a ServeMux pattern ("[METHOD ][HOST]/[PATH]")`)
	}
	return p, nil
}

// Rule returns the rule of a pattern, as registered.
func (t *RouteTable) Rule(pattern string) (middleware.Rule, bool) {
	if e, ok := t.entries[pattern]; ok {
		return e.Rule, true
	}
	return middleware.Rule{}, false
}

// guard returns next behind the rule of pattern, or behind the refusal of
// a pattern without a rule (next itself under AllowUnmapped).
func (t *RouteTable) guard(pattern string, next http.Handler) http.Handler {
	if e, ok := t.entries[pattern]; ok {
		return e.Enforce(next)
	}
	if t.unmapped == nil {
		return next
	}
	return t.unmapped(next)
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
// policy.ErrUnavailable), that error wrapped. Call it at start-up so a
// misspelt resource or action stops the deploy instead of denying every
// request to its route.
func (t *RouteTable) Validate(p interface {
	Validate(resourceID, action string) error
}) error {
	return routeguard.Validate(p, t.entries)
}
