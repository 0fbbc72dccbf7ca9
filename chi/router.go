package stytchchi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// NewRouter returns an empty chi router whose every route runs behind its
// rule. Register routes on it as on chi.NewRouter(), and serve it:
//
//	r := table.NewRouter()
//	r.Use(chimiddleware.RequestID)
//	r.Get("/documents/{id}", getDocument)
//	r.Route("/admin", func(r chi.Router) { r.Get("/stats", stats) })
//	http.ListenAndServe(addr, r)
//
// Each handler is wrapped with its rule when it is registered: the rule of
// its full pattern, from this router through the Route and Mount calls that
// lead to it, as chi.Context.RoutePattern spells it ("/admin/stats"); a
// route without a rule is refused with 403 unless AllowUnmapped. The rule
// goes with the handler, so it is the one enforced whatever the middleware
// anywhere in the router does to the path, the method or the context
// before chi picks the handler. A route registered for every method
// (Handle, or Mount of a handler) takes the rule of the request's method,
// the one its handler sees.
//
// The rule runs once chi has chosen the route: after the Use middleware of
// the routers on the way, which run before routing (and may change it) and
// whose own answers (a redirect, a preflight) need no rule, and before the
// route's With and Group middleware and its handler, which therefore see
// the session. A Group's middleware around a Route inside the group (or a
// Mount of a router of the table) runs before that sub-router routes, as
// chi runs it, so before the rules of its routes.
//
// Mount gives the routes of a router made by the same table's NewRouter
// rules of their own (mount it once). Any other handler, a chi router made elsewhere
// included, is one route to the table, "/prefix/*", whose rule covers
// everything it serves. A request no route serves gets the router's own
// 404 or 405, and no handler of the application runs.
func (t *RouteTable) NewRouter() chi.Router {
	return &router{table: t, mux: chi.NewRouter(), node: &node{}}
}

// router is the chi.Router NewRouter returns: a chi.Mux whose endpoints
// it registers behind their rules. With and Group return a router on the
// same mux holding inline middleware, which it puts inside each of its
// endpoints' guard.
type router struct {
	table    *RouteTable
	mux      *chi.Mux
	node     *node
	inline   chi.Middlewares // With and Group middleware, run after the rule
	isInline bool
	routed   bool // an inline router has a route: no more Use, as in chi
}

var _ chi.Router = (*router)(nil)

func (r *router) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.mux.ServeHTTP(w, req) }

func (r *router) Routes() []chi.Route { return r.mux.Routes() }

func (r *router) Middlewares() chi.Middlewares {
	if r.isInline {
		return r.inline
	}
	return r.mux.Middlewares()
}

func (r *router) Match(rctx *chi.Context, method, path string) bool {
	return r.mux.Match(rctx, method, path)
}

func (r *router) Find(rctx *chi.Context, method, path string) string {
	return r.mux.Find(rctx, method, path)
}

func (r *router) Use(middlewares ...func(http.Handler) http.Handler) {
	if !r.isInline {
		r.mux.Use(middlewares...)
		return
	}
	if r.routed {
		panic("chi: all middlewares must be defined before routes on a mux")
	}
	r.inline = append(r.inline[:len(r.inline):len(r.inline)], middlewares...)
}

func (r *router) With(middlewares ...func(http.Handler) http.Handler) chi.Router {
	inline := append(r.inline[:len(r.inline):len(r.inline)], middlewares...)
	return &router{table: r.table, mux: r.mux, node: r.node, inline: inline, isInline: true}
}

func (r *router) Group(fn func(chi.Router)) chi.Router {
	im := r.With()
	if fn != nil {
		fn(im)
	}
	return im
}

func (r *router) Route(pattern string, fn func(chi.Router)) chi.Router {
	if fn == nil {
		panic(fmt.Sprintf("chi: attempting to Route() a nil subrouter on '%s'", pattern))
	}
	// The sub-router knows where it goes before fn registers its routes,
	// so that each is bound to its rule once.
	sub := &router{table: r.table, mux: chi.NewRouter(), node: &node{parent: r.node, pattern: pattern}}
	fn(sub)
	r.mountRouter(pattern, sub)
	return sub
}

func (r *router) Mount(pattern string, h http.Handler) {
	sub, ok := h.(*router)
	if !ok || sub.table != r.table {
		// One route to the table: its guard sits inside chi's mount
		// handler, which moves the routing path on for a chi router
		// inside.
		r.routed = true
		e := &endpoint{node: r.node, pattern: strings.TrimSuffix(pattern, "/") + "/*", next: r.chain(h)}
		e.bind(r.table)
		r.mux.Mount(pattern, e)
		r.node.endpoints = append(r.node.endpoints, e)
		return
	}
	if sub.node.parent != nil {
		panic(fmt.Sprintf("stytchchi: Mount of a router on '%s' that is already mounted: each route has one pattern, so mount a router once", pattern))
	}
	for n := r.node; n != nil; n = n.parent {
		if n == sub.node {
			panic(fmt.Sprintf("stytchchi: attempting to Mount() a router into itself on '%s'", pattern))
		}
	}
	sub.node.parent, sub.node.pattern = r.node, pattern
	sub.node.rebind(r.table)
	r.mountRouter(pattern, sub)
}

// mountRouter mounts sub, whose node already names its place, as chi
// would: behind the inline middleware of a Group or With.
func (r *router) mountRouter(pattern string, sub *router) {
	r.routed = true
	if r.isInline {
		r.mux.With(r.inline...).Mount(pattern, sub.mux)
	} else {
		r.mux.Mount(pattern, sub.mux)
	}
	r.node.subs = append(r.node.subs, sub.node)
}

func (r *router) Handle(pattern string, h http.Handler) {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		r.Method(pattern[:i], strings.TrimLeft(pattern[i+1:], " \t"), h)
		return
	}
	r.handle("", pattern, h, r.mux.Handle)
}

func (r *router) HandleFunc(pattern string, h http.HandlerFunc) { r.Handle(pattern, h) }

func (r *router) Method(method, pattern string, h http.Handler) {
	r.handle(strings.ToUpper(method), pattern, h, func(pattern string, h http.Handler) {
		r.mux.Method(method, pattern, h)
	})
}

func (r *router) MethodFunc(method, pattern string, h http.HandlerFunc) { r.Method(method, pattern, h) }

func (r *router) Connect(pattern string, h http.HandlerFunc) {
	r.Method(http.MethodConnect, pattern, h)
}
func (r *router) Delete(pattern string, h http.HandlerFunc) { r.Method(http.MethodDelete, pattern, h) }
func (r *router) Get(pattern string, h http.HandlerFunc)    { r.Method(http.MethodGet, pattern, h) }
func (r *router) Head(pattern string, h http.HandlerFunc)   { r.Method(http.MethodHead, pattern, h) }
func (r *router) Options(pattern string, h http.HandlerFunc) {
	r.Method(http.MethodOptions, pattern, h)
}
func (r *router) Patch(pattern string, h http.HandlerFunc) { r.Method(http.MethodPatch, pattern, h) }
func (r *router) Post(pattern string, h http.HandlerFunc)  { r.Method(http.MethodPost, pattern, h) }
func (r *router) Put(pattern string, h http.HandlerFunc)   { r.Method(http.MethodPut, pattern, h) }
func (r *router) Query(pattern string, h http.HandlerFunc) { r.Method("QUERY", pattern, h) }
func (r *router) Trace(pattern string, h http.HandlerFunc) { r.Method(http.MethodTrace, pattern, h) }

func (r *router) NotFound(h http.HandlerFunc) {
	if r.isInline {
		r.mux.With(r.inline...).NotFound(h)
		return
	}
	r.mux.NotFound(h)
}

func (r *router) MethodNotAllowed(h http.HandlerFunc) {
	if r.isInline {
		r.mux.With(r.inline...).MethodNotAllowed(h)
		return
	}
	r.mux.MethodNotAllowed(h)
}

// handle registers h for method ("" for every method) and pattern with
// register, behind the route's rule and then the inline middleware.
func (r *router) handle(method, pattern string, h http.Handler, register func(string, http.Handler)) {
	e := &endpoint{node: r.node, method: method, pattern: pattern, next: r.chain(h)}
	e.bind(r.table)
	register(pattern, e) // chi panics here on a bad pattern or method
	r.routed = true
	r.node.endpoints = append(r.node.endpoints, e)
}

// chain returns h behind the inline middleware.
func (r *router) chain(h http.Handler) http.Handler {
	if len(r.inline) == 0 {
		return h
	}
	return r.inline.Handler(h)
}
