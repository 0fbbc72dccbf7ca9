package stytchchi

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/stytchmw/stytchmw/internal/routeguard"
)

// errAuditRouter is Audit's answer for a router it cannot audit.
var errAuditRouter = errors.New("stytchchi: Audit needs the top-level router made by this table's NewRouter")

// AuditError is the finding of an audit: the routes without a rule
// (Unmapped) and the rules matching no route (Unused), both sorted.
type AuditError = routeguard.AuditError

// Audit walks the router (chi.Walk) and returns an *AuditError
// listing the routes no rule covers, as "METHOD /full/pattern" keys ready to
// paste into Rules, and the rules that cover no route (usually a misspelt
// pattern); nil when every route has a rule and every rule a route. Pass
// the top-level router this table's NewRouter made (any other is an
// error). Run it in a test or at start-up, so that an unprotected route
// fails the build or the deploy:
//
//	if err := table.Audit(r); err != nil {
//		log.Fatal(err)
//	}
//
// A route registered for every method (r.Handle, r.Mount of an
// http.Handler) is listed once per method unless a pattern-only rule
// ("/static/*") covers it. A route chi walks that the table did not guard
// under the same name is listed too.
func (t *RouteTable) Audit(routes chi.Routes) error {
	r, ok := routes.(*router)
	if !ok || r.table != t || r.node.parent != nil {
		return errAuditRouter
	}
	guarded := make(map[routeKey]bool)
	r.node.walk(func(e *endpoint) { guarded[e.key()] = true })

	var unmapped, unused []string
	used := make(map[routeKey]bool, len(t.entries))
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		k := routeKey{method: method, pattern: canonicalPattern(route)}
		rk, ok := t.ruleFor(k.method, k.pattern)
		if ok {
			used[rk] = true
		}
		if !ok || !guarded[k] && !guarded[routeKey{pattern: k.pattern}] {
			unmapped = append(unmapped, k.String())
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, e := range t.entries {
		if !used[k] {
			unused = append(unused, e.Key)
		}
	}
	return routeguard.Audit(unmapped, unused)
}
