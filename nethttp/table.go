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

// Mux is the router a RouteTable guards: *http.ServeMux and *ServeMux
// satisfy it. Handler must name the pattern ServeHTTP will serve r with, as
// http.ServeMux.Handler does ("" when none will).
type Mux interface {
	http.Handler
	Handler(r *http.Request) (h http.Handler, pattern string)
}

// RouteTable enforces a Rule per ServeMux pattern. Create it with New; it
// is immutable and safe for concurrent use.
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

// Handler returns mux guarded by the table. For each request it asks mux
// which pattern will serve it (before anything runs) and applies that
// pattern's rule; a pattern with no rule is refused with 403 unless
// AllowUnmapped. A request no pattern serves goes to mux, which answers it
// with its own 404, 405 or redirect and runs no handler of the application.
//
// A mux mounted under a pattern (mux.Handle("/admin/",
// http.StripPrefix("/admin", admin))) is that one pattern to the table: its
// rule covers everything below it. For finer rules, guard the inner mux
// with a table of its own too.
//
// Register every pattern before serving. The mux matches twice, once for
// the table and once to serve; a pattern registered while requests are
// served could, for a request racing with the registration, be served
// under the rule of the pattern it now shadows.
func (t *RouteTable) Handler(mux Mux) http.Handler {
	g := &guard{mux: mux, routes: make(map[string]http.Handler, len(t.rules)), unmapped: http.Handler(mux)}
	for pattern, rule := range t.rules {
		g.routes[pattern] = rule.Wrap(t.auth, mux)
	}
	if !t.allowUnmapped {
		g.unmapped = refuseUnmapped(t.auth)
	}
	return g
}

// guard is the handler Handler returns: one precomputed chain per pattern,
// so a request costs a mux match and a map lookup before its rule runs.
type guard struct {
	mux      Mux
	routes   map[string]http.Handler
	unmapped http.Handler
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := g.mux.Handler(r)
	if pattern == "" {
		g.mux.ServeHTTP(w, r)
		return
	}
	if h, ok := g.routes[pattern]; ok {
		h.ServeHTTP(w, r)
		return
	}
	g.unmapped.ServeHTTP(w, r)
}
