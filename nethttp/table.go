package nethttp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stytchmw/stytchmw/middleware"
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytchmw nethttp: invalid config")

// Rules maps ServeMux patterns, exactly as they are registered
// ("GET /documents/{id}", "POST /documents", "/static/"), to their Rule.
type Rules map[string]Rule

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

// RouteTable enforces a Rule per ServeMux pattern. Create it with New,
// register the handlers on its NewServeMux, and check it with Audit and
// Validate. It is immutable and safe for concurrent use.
type RouteTable struct {
	auth          *middleware.Authenticator
	rules         Rules
	allowUnmapped bool
}

// New checks cfg and returns its RouteTable. Every rule must be valid and
// every key look like a ServeMux pattern ("[METHOD ][HOST]/[PATH]").
func New(cfg Config) (*RouteTable, error) {
	if cfg.Authenticator == nil {
		return nil, fmt.Errorf("%w: Authenticator is required", ErrInvalidConfig)
	}
	if len(cfg.Rules) == 0 {
		return nil, fmt.Errorf("%w: Rules is empty", ErrInvalidConfig)
	}
	rules := make(Rules, len(cfg.Rules))
	for pattern, rule := range cfg.Rules {
		if err := checkPattern(pattern); err != nil {
			return nil, fmt.Errorf("%w: rule %q: %w", ErrInvalidConfig, pattern, err)
		}
		if err := rule.Check(); err != nil {
			return nil, fmt.Errorf("%w: rule %q: %w", ErrInvalidConfig, pattern, err)
		}
		rules[pattern] = rule
	}
	return &RouteTable{auth: cfg.Authenticator, rules: rules, allowUnmapped: cfg.AllowUnmapped}, nil
}

// checkPattern accepts what can be a ServeMux pattern string. The mux
// itself is the judge of the rest: a key that is not registered verbatim
// never matches, and Audit reports it as unused.
func checkPattern(p string) error {
	if p == "" || strings.TrimSpace(p) != p || !strings.Contains(p, "/") {
		return errors.New(`not a ServeMux pattern ("[METHOD ][HOST]/[PATH]")`)
	}
	return nil
}

// Rule returns the rule of a pattern, as registered.
func (t *RouteTable) Rule(pattern string) (Rule, bool) {
	r, ok := t.rules[pattern]
	return r, ok
}

// guard returns next behind the rule of pattern, or behind the refusal of
// a pattern without a rule (next itself under AllowUnmapped).
func (t *RouteTable) guard(pattern string, next http.Handler) http.Handler {
	if rule, ok := t.rules[pattern]; ok {
		return rule.Wrap(t.auth, next)
	}
	if t.allowUnmapped {
		return next
	}
	return refuseUnmapped(t.auth)
}
