package stytchgrpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stytchmw/stytchmw/internal/routeguard"
	"github.com/stytchmw/stytchmw/middleware"
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytchmw stytchgrpc: invalid config")

// Rules maps full gRPC method names ("/package.Service/Method", as in
// grpc.UnaryServerInfo.FullMethod) to their middleware.Rule.
type Rules map[string]middleware.Rule

// Config configures a MethodTable.
type Config struct {
	// Authenticator enforces the rules (required).
	Authenticator *middleware.Authenticator
	// Rules maps each method to its rule (required).
	Rules Rules
	// AllowUnmapped serves a method that has no rule without any
	// authentication, as if it were Public. Default false: such a method is
	// refused with PermissionDenied, before any authentication, with the
	// code route_has_no_rule (middleware.ErrNoRule), so that a method added
	// without a rule is closed, not open. Prefer the default, and Audit.
	AllowUnmapped bool
}

// check enforces one rule on a call: middleware.Authenticator.RequireBearer.
type check = func(ctx context.Context, authorization []string) (context.Context, error)

// MethodTable enforces a middleware.Rule per gRPC method. Create it with
// New, install its interceptors (or its AuthFunc), and check it with Audit
// and Validate. It is immutable and safe for concurrent use.
type MethodTable struct {
	entries map[string]*routeguard.Entry[middleware.Rule]
	// checks holds each method's check, built once, in New.
	checks map[string]check
	// unmapped answers a method without a rule: the refusal of the zero
	// Rule, or nil under AllowUnmapped.
	unmapped check
	// unknown answers a call whose method cannot be known (AuthFunc
	// outside a gRPC server): the refusal of the zero Rule, always.
	unknown check
}

// New checks cfg and returns its MethodTable. Every rule must be valid (not
// the zero Rule, no Permission without a resource or an action) and every
// key a full method name ("/package.Service/Method"). Each rule's check is
// built here, once (see middleware.Authenticator.RequireBearer).
func New(cfg Config) (*MethodTable, error) {
	a := cfg.Authenticator
	if a == nil {
		return nil, fmt.Errorf("%w: Authenticator is required", ErrInvalidConfig)
	}
	// The entries serve the audit and Validate; the checks are not HTTP
	// middleware, so no Enforce is built.
	noHTTP := func(middleware.Rule) func(http.Handler) http.Handler { return nil }
	entries, err := routeguard.Build(cfg.Rules, parseMethod, noHTTP)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	t := &MethodTable{entries: entries, checks: make(map[string]check, len(entries))}
	for method, e := range entries {
		t.checks[method] = a.RequireBearer(e.Rule)
	}
	t.unknown = a.RequireBearer(middleware.Rule{})
	if !cfg.AllowUnmapped {
		t.unmapped = t.unknown
	}
	return t, nil
}

// parseMethod accepts a full method name: "/", a service name, "/", a
// method name, without spaces.
func parseMethod(key string) (string, error) {
	svc, method, ok := strings.Cut(strings.TrimPrefix(key, "/"), "/")
	if !ok || !strings.HasPrefix(key, "/") || svc == "" || method == "" ||
		strings.Contains(method, "/") || strings.ContainsAny(key, " \t\r\n") {
		return "", errors.New(`not a full gRPC method name ("/package.Service/Method")`)
	}
	return key, nil
}

// Rule returns the rule of a full method name.
func (t *MethodTable) Rule(fullMethod string) (middleware.Rule, bool) {
	if e, ok := t.entries[fullMethod]; ok {
		return e.Rule, true
	}
	return middleware.Rule{}, false
}

// ValidationError lists the rules of a table that name a resource or an
// action the loaded policy does not define; see MethodTable.Validate.
type ValidationError = routeguard.ValidationError

// Validate checks every Permission rule of the table against the policy
// (the *policy.Cache the Authenticator uses, once loaded). It returns a
// *ValidationError listing all the rules whose resource or action the
// policy does not define (it matches policy.ErrUnknownResource and
// policy.ErrUnknownAction with errors.Is), nil when there is none, or,
// when the rules could not be checked (no policy loaded yet:
// policy.ErrUnavailable), that error wrapped.
func (t *MethodTable) Validate(p interface {
	Validate(resourceID, action string) error
}) error {
	return routeguard.Validate(p, t.entries)
}
