package stytchchi

import (
	"net/http"
	"strings"
)

// node is a router's place in the tree of routers a table built: where it
// is mounted, the endpoints registered on it and the routers mounted in it.
// A router and its inline (With, Group) routers share one node.
type node struct {
	parent    *node
	pattern   string // the Route or Mount pattern in parent
	endpoints []*endpoint
	subs      []*node
}

// prefix is what chi puts before the patterns of the node's routes in a
// full pattern: each mount on the way as "/pattern/*" (canonicalPattern
// then removes the "/*/").
func (n *node) prefix() string {
	if n.parent == nil {
		return ""
	}
	return n.parent.prefix() + strings.TrimSuffix(n.pattern, "/") + "/*"
}

// rebind binds every endpoint below n again, once n has been mounted.
func (n *node) rebind(t *RouteTable) {
	for _, e := range n.endpoints {
		e.bind(t)
	}
	for _, s := range n.subs {
		s.rebind(t)
	}
}

// walk calls fn for every endpoint below n.
func (n *node) walk(fn func(*endpoint)) {
	for _, e := range n.endpoints {
		fn(e)
	}
	for _, s := range n.subs {
		s.walk(fn)
	}
}

// endpoint is the handler a router registers with chi for a route: the
// route's rule, bound when the route is registered, in front of the
// application's handler. What runs is decided by the handler chi picked,
// not by the request.
type endpoint struct {
	node    *node
	method  string // "" for a route registered for every method
	pattern string // as registered on node's router
	next    http.Handler

	// Set by bind. A route for every method takes the rule of the
	// request's method (byMethod, when it has one of its own) or else
	// other; a route for one method has only other.
	byMethod map[string]http.Handler
	other    http.Handler
}

// key names the route: its method and full pattern.
func (e *endpoint) key() routeKey {
	return routeKey{method: e.method, pattern: canonicalPattern(e.node.prefix() + e.pattern)}
}

// bind puts the rules of the route's full pattern in front of next.
func (e *endpoint) bind(t *RouteTable) {
	k := e.key()
	e.other = t.guard(k.method, k.pattern, e.next)
	e.byMethod = nil
	if k.method != "" {
		return
	}
	for rk := range t.entries {
		if rk.pattern == k.pattern && rk.method != "" {
			if e.byMethod == nil {
				e.byMethod = make(map[string]http.Handler)
			}
			e.byMethod[rk.method] = t.guard(rk.method, rk.pattern, e.next)
		}
	}
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := e.byMethod[r.Method]; ok {
		h.ServeHTTP(w, r)
		return
	}
	e.other.ServeHTTP(w, r)
}
