package stytchchi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
)

// reportRoutes registers routes in pairs where a looser route (a
// parameter, a catch-all) sits beside a stricter one, so that a middleware
// that changes the routing path or method moves a request from one to the
// other; reportRules gives their rules under "/api".
func reportRoutes(r chi.Router) {
	r.Get("/reports/{name}", echo)
	r.Get("/reports/payroll", echo)
	r.Delete("/reports/{name}", echo)
	r.Get("/docs/*", echo)
	r.Get("/docs/internal", echo)
	r.Get("/files/*", echo)
	r.Get("/files/readme", echo)
}

func reportRules() stytchchi.Rules {
	return stytchchi.Rules{
		"GET /api/reports/{name}":    middleware.Public(),
		"GET /api/reports/payroll":   middleware.Permission("documents", "delete"),
		"DELETE /api/reports/{name}": middleware.Permission("documents", "delete"),
		"GET /api/docs/*":            middleware.Public(),
		"GET /api/docs/internal":     middleware.Permission("documents", "delete"),
		"GET /api/files/*":           middleware.Permission("documents", "delete"), // here the catch-all is the stricter
		"GET /api/files/readme":      middleware.Public(),
	}
}

// placements put a middleware where it runs before reportRoutes are
// routed: in a Route's sub-router, in a mounted sub-router, in a Group
// around the Route, and on the top-level router. newRouter makes the
// top-level router and the mounted one. (In a Group, only a method or
// context change can move a request: chi's mount recomputes the routing
// path from its own match, and routes inside a sub-router by RoutePath,
// not URL.Path; those cases pin that down.)
var placements = map[string]func(newRouter func() chi.Router, mw func(http.Handler) http.Handler) chi.Router{
	"Route": func(newRouter func() chi.Router, mw func(http.Handler) http.Handler) chi.Router {
		r := newRouter()
		r.Route("/api", func(r chi.Router) {
			r.Use(mw)
			reportRoutes(r)
		})
		return r
	},
	"Mount": func(newRouter func() chi.Router, mw func(http.Handler) http.Handler) chi.Router {
		r, sub := newRouter(), newRouter()
		sub.Use(mw)
		reportRoutes(sub)
		r.Mount("/api", sub)
		return r
	},
	"Group": func(newRouter func() chi.Router, mw func(http.Handler) http.Handler) chi.Router {
		r := newRouter()
		r.Group(func(r chi.Router) {
			r.Use(mw)
			r.Route("/api", reportRoutes)
		})
		return r
	},
	"top-level": func(newRouter func() chi.Router, mw func(http.Handler) http.Handler) chi.Router {
		r := newRouter()
		r.Use(mw)
		r.Route("/api", reportRoutes)
		return r
	},
}

// stripParamsRoutePath drops ";…" path parameters (";jsessionid=…") from
// the routing path, as chi's own middleware rewrite it.
func stripParamsRoutePath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx := chi.RouteContext(r.Context())
		path := rctx.RoutePath
		if path == "" {
			path = r.URL.Path
		}
		if i := strings.IndexByte(path, ';'); i >= 0 {
			rctx.RoutePath = path[:i]
		}
		next.ServeHTTP(w, r)
	})
}

// stripParamsURLPath drops ";…" path parameters from the URL's path, as a
// middleware written for net/http would.
func stripParamsURLPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := strings.IndexByte(r.URL.Path, ';'); i >= 0 {
			r.URL.Path, r.URL.RawPath = r.URL.Path[:i], ""
		}
		next.ServeHTTP(w, r)
	})
}

// overrideMethod routes the request with the method named by
// X-HTTP-Method-Override, as method-override middleware does.
func overrideMethod(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := r.Header.Get("X-HTTP-Method-Override"); m != "" {
			r.Method = m
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				rctx.RouteMethod = m
			}
		}
		next.ServeHTTP(w, r)
	})
}

// rewriteRequest is a request a rewriting middleware may send elsewhere.
type rewriteRequest struct{ method, path, override string }

// rewriters are the middleware that change the routing path or method,
// each with requests that they move between a looser and a stricter
// sibling (or to no route at all).
var rewriters = []struct {
	name     string
	mw       func(http.Handler) http.Handler
	requests []rewriteRequest
}{
	{"URLFormat", chimw.URLFormat, []rewriteRequest{
		{"GET", "/api/reports/payroll.json", ""}, {"GET", "/api/docs/internal.json", ""}, {"GET", "/api/files/readme.json", ""}}},
	{"StripSlashes", chimw.StripSlashes, []rewriteRequest{
		{"GET", "/api/reports/payroll/", ""}, {"GET", "/api/docs/internal/", ""}, {"GET", "/api/files/readme/", ""}}},
	{"RedirectSlashes", chimw.RedirectSlashes, []rewriteRequest{
		{"GET", "/api/reports/payroll/", ""}, {"GET", "/api/docs/internal/", ""}, {"GET", "/api/files/readme/", ""}}},
	{"custom RoutePath rewrite", stripParamsRoutePath, []rewriteRequest{
		{"GET", "/api/reports/payroll;v=1", ""}, {"GET", "/api/docs/internal;v=1", ""}, {"GET", "/api/files/readme;v=1", ""}}},
	{"custom URL.Path rewrite", stripParamsURLPath, []rewriteRequest{
		{"GET", "/api/reports/payroll;v=1", ""}, {"GET", "/api/docs/internal;v=1", ""}, {"GET", "/api/files/readme;v=1", ""}}},
	{"GetHead", chimw.GetHead, []rewriteRequest{
		{"HEAD", "/api/reports/payroll", ""}, {"HEAD", "/api/docs/internal", ""}, {"HEAD", "/api/files/readme", ""}}},
	{"method override", overrideMethod, []rewriteRequest{
		{"GET", "/api/reports/payroll", "DELETE"}, {"GET", "/api/reports/q3", "DELETE"}}},
}

// TestRouteTableRewritingMiddleware: the rule enforced is the rule of the
// route whose handler runs, whatever a middleware did to the routing path
// or method before chi chose it, wherever the middleware sits. Each request
// goes first to the same router built without the table, which says which
// handler chi runs (echo names its pattern and method); through the table,
// a Public route must answer exactly that, a protected one 401 without a
// session and exactly that for an admin, and a request no handler serves
// (a redirect, a 404) exactly what chi answers.
func TestRouteTableRewritingMiddleware(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: reportRules()})
	plainRouter := func() chi.Router { return chi.NewRouter() }

	for _, rw := range rewriters {
		for place, build := range placements {
			t.Run(rw.name+" in "+place, func(t *testing.T) {
				plain := httptest.NewServer(build(plainRouter, rw.mw))
				defer plain.Close()
				guarded := httptest.NewServer(build(table.NewRouter, rw.mw))
				defer guarded.Close()
				for _, req := range rw.requests {
					want := send(t, f, plain, req, "admin")
					rule, _ := table.Rule(want.routed, want.route)
					for _, who := range []string{"", "admin"} {
						got := send(t, f, guarded, req, who)
						switch {
						case want.route == "" || rule.String() == "public":
							if got != want {
								t.Errorf("%+v as %q: %+v, want what chi answers: %+v", req, who, got, want)
							}
						case who == "admin":
							if got.status != want.status || got.route != want.route || got.routed != want.routed {
								t.Errorf("%+v as admin: %+v, want the route chi serves: %+v", req, got, want)
							}
						case got.status != http.StatusUnauthorized:
							t.Errorf("%+v as %q reached %s %s (%s): %+v, want 401", req, who, want.routed, want.route, rule, got)
						}
					}
				}
			})
		}
	}
}

// TestRouteTableRewritesReachStricterRoutes pins what the test above
// relies on: the rewriting middleware do move requests onto the stricter
// siblings, so the test above can fail. These are the cases of the issue
// that found the bug.
func TestRouteTableRewritesReachStricterRoutes(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: reportRules()})
	tests := []struct {
		place string
		mw    func(http.Handler) http.Handler
		req   rewriteRequest
		route string
	}{
		{"Route", chimw.URLFormat, rewriteRequest{"GET", "/api/reports/payroll.json", ""}, "GET /api/reports/payroll"},
		{"Mount", chimw.StripSlashes, rewriteRequest{"GET", "/api/docs/internal/", ""}, "GET /api/docs/internal"},
		{"Route", stripParamsRoutePath, rewriteRequest{"GET", "/api/reports/payroll;v=1", ""}, "GET /api/reports/payroll"},
		{"top-level", stripParamsURLPath, rewriteRequest{"GET", "/api/docs/internal;v=1", ""}, "GET /api/docs/internal"},
		{"Group", overrideMethod, rewriteRequest{"GET", "/api/reports/q3", "DELETE"}, "DELETE /api/reports/{name}"},
		{"Mount", chimw.GetHead, rewriteRequest{"HEAD", "/api/reports/payroll", ""}, "GET /api/reports/payroll"},
	}
	for _, tc := range tests {
		plain := httptest.NewServer(placements[tc.place](func() chi.Router { return chi.NewRouter() }, tc.mw))
		a := send(t, f, plain, tc.req, "")
		plain.Close()
		if a.routed+" "+a.route != tc.route {
			t.Errorf("%+v in %s: chi served %+v, want %s", tc.req, tc.place, a, tc.route)
		}
		guarded := httptest.NewServer(placements[tc.place](table.NewRouter, tc.mw))
		if a := send(t, f, guarded, tc.req, ""); a.status != http.StatusUnauthorized {
			t.Errorf("%+v in %s, anonymous: %+v, want 401", tc.req, tc.place, a)
		}
		guarded.Close()
	}
}

// answer is what a request got: the status, the route and routing method
// echo reports in its headers (empty when no echo handler ran), the body.
type answer struct {
	status        int
	route, routed string
	body          string
}

// send sends req as who, without following redirects.
func send(t *testing.T, f *routertest.Fixture, ts *httptest.Server, req rewriteRequest, who string) answer {
	t.Helper()
	r, err := http.NewRequest(req.method, ts.URL+req.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if req.override != "" {
		r.Header.Set("X-HTTP-Method-Override", req.override)
	}
	resp, body := f.Do(t, ts, r, who)
	return answer{resp.StatusCode, resp.Header.Get("X-Route"), resp.Header.Get("X-Routed"), body}
}
