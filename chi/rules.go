package stytchchi

import (
	"errors"
	"strings"

	"github.com/stytchmw/stytchmw/middleware"
)

// Rules maps routes to their middleware.Rule. A key is a method and a chi route
// pattern, "GET /documents/{id}", or a pattern alone, "/static/*", for every
// method of the route that has no rule of its own. The pattern is the full
// one, from the top-level router through mounts and sub-routers, as
// chi.Context.RoutePattern reports it: "/api/documents/{id}" for
// r.Route("/api", …) holding r.Get("/documents/{id}", …). As there, a
// trailing slash does not count ("/documents/" is "/documents").
type Rules map[string]middleware.Rule

// routeKey identifies a route: a method (empty for "every method") and a
// canonical pattern.
type routeKey struct {
	method  string
	pattern string
}

// String spells the key as a Rules key.
func (k routeKey) String() string {
	if k.method == "" {
		return k.pattern
	}
	return k.method + " " + k.pattern
}

// parseRouteKey reads a Rules key.
func parseRouteKey(key string) (routeKey, error) {
	method, pattern := "", key
	if i := strings.IndexAny(key, " \t"); i >= 0 {
		method, pattern = key[:i], strings.TrimLeft(key[i+1:], " \t")
		if !isToken(method) {
			return routeKey{}, errors.New(`want "METHOD /pattern" or "/pattern"`)
		}
	}
	if !strings.HasPrefix(pattern, "/") || strings.ContainsAny(pattern, " \t") {
		return routeKey{}, errors.New(`want "METHOD /pattern" or "/pattern"`)
	}
	return routeKey{method: strings.ToUpper(method), pattern: canonicalPattern(pattern)}, nil
}

// isToken reports whether s is an HTTP method name (letters only, as every
// method chi can route is).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// canonicalPattern spells a chi pattern the way chi.Context.RoutePattern
// does once routing is done: mount wildcards that routing continued past
// ("/*/") removed, and a trailing slash dropped. chi.Walk, Mux.Find and the
// Rules keys are all compared in this form.
func canonicalPattern(p string) string {
	for strings.Contains(p, "/*/") {
		p = strings.ReplaceAll(p, "/*/", "/")
	}
	if p != "/" {
		p = strings.TrimSuffix(p, "//")
		p = strings.TrimSuffix(p, "/")
	}
	return p
}
