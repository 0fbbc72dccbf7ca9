package stytchchi

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/stytchmw/stytchmw/middleware"
)

// Middleware enforces the table. Install it with Use on the top-level
// router, last: after any middleware that rewrites the routing path or
// method (StripSlashes and GetHead of go-chi's middleware package) or that
// answers some requests itself (a CORS preflight handler, Heartbeat; what
// those answer is public):
//
//	r := chi.NewRouter()
//	r.Use(chimiddleware.RequestID, chimiddleware.StripSlashes, table.Middleware)
//	r.Get("/documents/{id}", getDocument)
//
// For each request it finds, before routing, the route chi will serve, with
// the router's own matcher (chi.Routes.Find) from the routing path and
// method chi will use, and applies that route's rule. A route without a rule
// is refused with 403 unless AllowUnmapped. A request no route serves is
// answered here with the router's 404 or 405 handler (the Allow header
// set): no handler of the application runs without the table having
// decided. With AllowUnmapped such a request goes on to the router instead.
//
// The table learns the router's routes (chi.Walk) at the first request:
// register every route before serving, as chi requires anyway. A request
// seen by a Middleware installed anywhere but on the top-level router (in
// a mounted sub-router, or a Group's or With's inline stack, which run after
// routing) is refused with 500: the patterns would not be the full ones.
func (t *RouteTable) Middleware(next http.Handler) http.Handler {
	// The rules' chains are built now, at Use, so that the Authenticator's
	// set-up for them (RequireAction loads the RBAC policy) happens at
	// start-up rather than in the first request.
	e := &enforcer{table: t, next: next, chains: make(map[routeKey]http.Handler, len(t.rules)), unmapped: next}
	for k, rule := range t.rules {
		e.chains[k] = rule.Wrap(t.auth, next)
	}
	if !t.allowUnmapped {
		e.unmapped = refuseUnmapped(t.auth)
	}
	e.ctxPool.New = func() any { return chi.NewRouteContext() }
	return e
}

// enforcer is the handler Middleware returns.
type enforcer struct {
	table    *RouteTable
	next     http.Handler
	chains   map[routeKey]http.Handler // each rule's chain around next
	unmapped http.Handler              // the answer to a route without a rule

	ctxPool sync.Pool // *chi.Context for look-ahead matching

	once     sync.Once
	routes   chi.Routes                // the router, from the first request
	handlers map[routeKey]http.Handler // every walked route's guarded chain
	methods  []string                  // the methods the router routes, sorted
}

func (e *enforcer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil || rctx.Routes == nil || len(rctx.RoutePatterns) > 0 {
		misinstalled(w)
		return
	}
	e.once.Do(func() { e.learn(rctx.Routes) })
	method, path := routingMethod(rctx, r), routingPath(rctx, r)
	if h := e.lookup(method, path); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	if e.table.allowUnmapped {
		e.next.ServeHTTP(w, r)
		return
	}
	e.notRouted(w, r, method, path)
}

// misinstalled refuses a request the table cannot judge because Middleware
// is not on the top-level router's own stack.
func misinstalled(w http.ResponseWriter) {
	http.Error(w, "stytchchi: RouteTable.Middleware must be installed with Use on the top-level chi router; refusing the request",
		http.StatusInternalServerError)
}

// routingMethod is the method chi's router will route r with.
func routingMethod(rctx *chi.Context, r *http.Request) string {
	if rctx.RouteMethod != "" {
		return rctx.RouteMethod
	}
	return r.Method
}

// routingPath is the path chi's router will route r with.
func routingPath(rctx *chi.Context, r *http.Request) string {
	switch {
	case rctx.RoutePath != "":
		return rctx.RoutePath
	case r.URL.RawPath != "":
		return r.URL.RawPath
	case r.URL.Path != "":
		return r.URL.Path
	}
	return "/"
}

// learn walks the router once and maps every route to its rule's chain,
// or to the answer for unmapped routes.
func (e *enforcer) learn(routes chi.Routes) {
	e.routes = routes
	e.handlers = make(map[routeKey]http.Handler)
	_ = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		k := routeKey{method: method, pattern: canonicalPattern(route)}
		if rk, ok := e.table.ruleFor(k.method, k.pattern); ok {
			e.handlers[k] = e.chains[rk]
		} else {
			e.handlers[k] = e.unmapped
		}
		if !slices.Contains(e.methods, method) {
			e.methods = append(e.methods, method)
		}
		return nil
	})
	slices.Sort(e.methods)
}

// lookup returns the guarded chain of the route chi will serve for method
// and path, or nil when no route will.
func (e *enforcer) lookup(method, path string) http.Handler {
	rctx := e.ctxPool.Get().(*chi.Context)
	rctx.Reset()
	pattern := e.routes.Find(rctx, method, path)
	rctx.Reset()
	e.ctxPool.Put(rctx)
	if pattern == "" {
		return nil
	}
	pattern = canonicalPattern(pattern)
	if h, ok := e.handlers[routeKey{method: method, pattern: pattern}]; ok {
		return h
	}
	// A mount point requested by itself ("/static" for r.Mount("/static",
	// …)): chi's Find stops at the mount's own pattern, which chi.Walk does
	// not list, while routing goes on into the mounted handler, which serves
	// it as its "/" (a sub-router's "/" route is the mount's pattern itself,
	// found above) or its catch-all.
	if h, ok := e.handlers[routeKey{method: method, pattern: strings.TrimSuffix(pattern, "/") + "/*"}]; ok {
		return h
	}
	return nil
}

// notRouted answers a request no route serves, as the router would: 405
// with an Allow header when the path has routes for other methods, else
// 404, with the router's own handlers when it is a *chi.Mux.
func (e *enforcer) notRouted(w http.ResponseWriter, r *http.Request, method, path string) {
	var allowed []string
	for _, m := range e.methods {
		if m != method && e.lookup(m, path) != nil {
			allowed = append(allowed, m)
		}
	}
	mux, _ := e.routes.(*chi.Mux)
	switch {
	case len(allowed) > 0:
		for _, m := range allowed {
			w.Header().Add("Allow", m)
		}
		if mux != nil {
			mux.MethodNotAllowedHandler().ServeHTTP(w, r)
			return
		}
		w.WriteHeader(http.StatusMethodNotAllowed)
	case mux != nil:
		mux.NotFoundHandler().ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// refuseUnmapped answers a request for a route that has no rule: 403,
// before any authentication, through the Authenticator's ErrorHandler.
func refuseUnmapped(auth *middleware.Authenticator) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Refuse(w, r, middleware.ErrNoRule)
	})
}
