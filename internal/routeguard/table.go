package routeguard

import (
	"fmt"
	"net/http"
	"strings"
)

// Entry is one rule of a route table.
type Entry[R any] struct {
	// Key is the rule's key as written in the table's Rules.
	Key string
	// Rule is the rule, and Spec what it asks.
	Rule R
	Spec Spec
	// Enforce is the rule's middleware, built once, when the table is made,
	// so that the Authenticator's set-up of a rule (a Permission rule's
	// check against the RBAC policy) happens once, at start-up.
	Enforce func(http.Handler) http.Handler
}

// Build checks every rule of a table and builds its middleware with
// enforce. parse reads a key into the route it names; two keys naming the
// same route are an error.
func Build[K comparable, R any](rules map[string]R, parse func(string) (K, error), enforce func(R) func(http.Handler) http.Handler) (map[K]*Entry[R], error) {
	if len(rules) == 0 {
		//lint:ignore ST1005 the message names the Config field, after the caller's ErrInvalidConfig
		return nil, fmt.Errorf("Rules is empty")
	}
	entries := make(map[K]*Entry[R], len(rules))
	for key, rule := range rules {
		k, err := parse(key)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", key, err)
		}
		spec := SpecOf(rule)
		if spec.Err != nil {
			return nil, fmt.Errorf("rule %q: %w", key, spec.Err)
		}
		if other, dup := entries[k]; dup {
			return nil, fmt.Errorf("rules %q and %q name the same route %v", other.Key, key, k)
		}
		entries[k] = &Entry[R]{Key: key, Rule: rule, Spec: spec, Enforce: enforce(rule)}
	}
	return entries, nil
}

// CheckPathParams refuses a tenant-scoped rule on a route whose pattern has
// no wildcard of the rule's path parameter: its organization would always
// be empty, and every request refused by the tenancy rule. pattern returns
// a key's pattern; wildcards are written {name}, {name...} (ServeMux) or
// {name:regexp} (chi).
func CheckPathParams[K comparable, R any](entries map[K]*Entry[R], pattern func(K) string) error {
	for k, e := range entries {
		if e.Spec.PathParam == "" {
			continue
		}
		if !hasWildcard(pattern(k), e.Spec.PathParam) {
			return fmt.Errorf("rule %q reads the organization from the path parameter %q, which its pattern does not have", e.Key, e.Spec.PathParam)
		}
	}
	return nil
}

// hasWildcard reports whether pattern has the wildcard name.
func hasWildcard(pattern, name string) bool {
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			return false
		}
		pattern = pattern[i+1:]
		j := strings.IndexByte(pattern, '}')
		if j < 0 {
			return false
		}
		w := pattern[:j]
		if c := strings.IndexByte(w, ':'); c >= 0 {
			w = w[:c]
		}
		w = strings.TrimSuffix(w, "...")
		if w == name {
			return true
		}
		pattern = pattern[j+1:]
	}
}
