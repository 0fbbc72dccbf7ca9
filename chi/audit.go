package stytchchi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/stytchmw/stytchmw/nethttp"
)

// Audit walks the router (chi.Walk) and returns a *nethttp.AuditError
// listing the routes no rule covers, as "METHOD /full/pattern" keys ready to
// paste into Rules, and the rules that cover no route (usually a misspelt
// pattern); nil when every route has a rule and every rule a route. Pass
// the top-level router. Run it in a test or at start-up, so that an
// unprotected route fails the build or the deploy:
//
//	if err := table.Audit(r); err != nil {
//		log.Fatal(err)
//	}
//
// A route registered for every method (r.Handle, r.Mount of an
// http.Handler) is listed once per method unless a pattern-only rule
// ("/static/*") covers it.
func (t *RouteTable) Audit(routes chi.Routes) error {
	var unmapped, unused []string
	used := make(map[routeKey]bool, len(t.rules))
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		k := routeKey{method: method, pattern: canonicalPattern(route)}
		if rk, ok := t.ruleFor(k.method, k.pattern); ok {
			used[rk] = true
		} else {
			unmapped = append(unmapped, k.String())
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k := range t.rules {
		if !used[k] {
			unused = append(unused, t.keys[k])
		}
	}
	return nethttp.NewAuditError(unmapped, unused)
}
