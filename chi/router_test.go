package stytchchi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
)

// echo answers with the route chi served, the user, the id parameter and
// the roles that granted the check, so a test sees which handler ran and
// with what; the route and the method chi routed with also go in the
// headers X-Route and X-Routed, for HEAD.
func echo(w http.ResponseWriter, r *http.Request) {
	roles := ""
	a, signedIn := middleware.FromContext(r.Context())
	if signedIn && a.Verdict != nil {
		v := a.Verdict
		roles = strings.Join(v.GrantingRoles, ",")
	}
	rctx := chi.RouteContext(r.Context())
	w.Header().Set("X-Route", rctx.RoutePattern())
	w.Header().Set("X-Routed", rctx.RouteMethod)
	fmt.Fprintf(w, "route=%s user=%t id=%s roles=%s",
		rctx.RoutePattern(), signedIn, chi.URLParam(r, "id"), roles)
}

// documentRules covers every route of documentRouter but /forgotten.
func documentRules() stytchchi.Rules {
	return stytchchi.Rules{
		"GET /healthz":                 middleware.Public(),
		"GET /me":                      middleware.Authenticated(),
		"GET /feed":                    middleware.Optional(),
		"GET /documents":               middleware.Permission("documents", "read"),
		"POST /documents/":             middleware.Permission("documents", "create"),
		"GET /documents/{id}":          middleware.Permission("documents", "read"),
		"DELETE /documents/{id}":       middleware.Permission("documents", "delete"),
		"PUT /drafts/{id}":             middleware.Permission("documents", "update"),
		"GET /admin/stats":             middleware.Permission("documents", "delete"),
		"GET /admin/*":                 middleware.Permission("documents", "update"),
		"GET /teams/{team}/files/{id}": middleware.Permission("documents", "read"),
		"/static/*":                    middleware.Public(),
	}
}

// documentRouter builds a router with newRouter (table.NewRouter, or
// chi.NewRouter for comparison) and routes of every shape: plain, a Route
// sub-router, a Group with its own middleware, a mounted sub-router with a
// catch-all, a mounted http.Handler, a mount inside a parametrised Route,
// and one route without a rule.
func documentRouter(newRouter func() chi.Router, use ...func(http.Handler) http.Handler) chi.Router {
	r := newRouter()
	r.Use(use...)
	r.Get("/healthz", echo)
	r.Get("/me", echo)
	r.Get("/feed", echo)
	r.Route("/documents", func(r chi.Router) {
		r.Get("/", echo)
		r.Post("/", echo)
		r.Get("/{id}", echo)
		r.Delete("/{id}", echo)
	})
	r.Group(func(r chi.Router) {
		r.Use(chimw.NoCache)
		r.Put("/drafts/{id}", echo)
	})
	admin := newRouter()
	admin.Get("/stats", echo)
	admin.Get("/*", echo)
	r.Mount("/admin", admin)
	files := newRouter()
	files.Get("/{id}", echo)
	r.Route("/teams/{team}", func(r chi.Router) { r.Mount("/files", files) })
	static := fstest.MapFS{"hello.txt": {Data: []byte("hello")}}
	r.Mount("/static", http.StripPrefix("/static", http.FileServerFS(static)))
	r.Get("/forgotten", echo)
	return r
}

func newTable(t *testing.T, cfg stytchchi.Config) *stytchchi.RouteTable {
	t.Helper()
	table, err := stytchchi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return table
}

func TestRouteTable(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: documentRules()})
	r := documentRouter(table.NewRouter)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no such page", http.StatusNotFound)
	})
	ts := httptest.NewServer(r)
	defer ts.Close()

	forbidden := string(middleware.ErrForbidden)
	f.Run(t, ts, []routertest.Case{
		{Method: "GET", Path: "/healthz", Status: 200, Body: "route=/healthz user=false"},
		{Method: "GET", Path: "/me", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/me", Who: "user", Status: 200, Body: "route=/me user=true"},
		{Method: "GET", Path: "/feed", Status: 200, Body: "route=/feed user=false"},
		{Method: "GET", Path: "/feed", Who: "user", Status: 200, Body: "route=/feed user=true"},
		{Method: "GET", Path: "/documents", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/documents", Who: "user", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/documents", Who: "reader", Status: 200, Body: "route=/documents user=true id= roles=reader"},
		{Method: "GET", Path: "/documents/", Who: "reader", Status: 200, Body: "route=/documents user=true"},
		{Method: "POST", Path: "/documents", Who: "reader", Status: 403, Body: forbidden},
		{Method: "POST", Path: "/documents", Who: "editor", Status: 200, Body: "route=/documents user=true id= roles=editor"},
		{Method: "GET", Path: "/documents/7", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/documents/7", Who: "reader", Status: 200, Body: "route=/documents/{id} user=true id=7 roles=reader"},
		{Method: "GET", Path: "/documents/a%2Fb", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/documents/a%2Fb", Who: "reader", Status: 200, Body: "route=/documents/{id} user=true id=a%2Fb"},
		{Method: "DELETE", Path: "/documents/7", Who: "editor", Status: 403, Body: forbidden},
		{Method: "DELETE", Path: "/documents/7", Who: "admin", Status: 200, Body: "route=/documents/{id} user=true id=7 roles=admin"},
		{Method: "PUT", Path: "/drafts/7", Who: "editor", Status: 403, Body: forbidden},
		{Method: "PUT", Path: "/drafts/7", Who: "admin", Status: 200, Body: "route=/drafts/{id} user=true id=7 roles=admin"},
		{Method: "GET", Path: "/admin/stats", Who: "editor", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/admin/stats", Who: "admin", Status: 200, Body: "route=/admin/stats"},
		{Method: "GET", Path: "/admin/users/9", Who: "reader", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/admin/users/9", Who: "admin", Status: 200, Body: "route=/admin/*"},
		{Method: "GET", Path: "/admin", Who: "reader", Status: 403, Body: forbidden}, // the mount point itself: the sub-router's catch-all
		{Method: "GET", Path: "/admin", Who: "admin", Status: 200, Body: "route=/admin/*"},
		{Method: "GET", Path: "/teams/t1/files/f2", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/teams/t1/files/f2", Who: "reader", Status: 200, Body: "route=/teams/{team}/files/{id} user=true id=f2"},
		{Method: "GET", Path: "/static/hello.txt", Status: 200, Body: "hello"},
		{Method: "GET", Path: "/forgotten", Who: "admin", Status: 403, Body: string(middleware.ErrNoRule)},
		{Method: "GET", Path: "/forgotten", Status: 403, Body: string(middleware.ErrNoRule)},
		{Method: "GET", Path: "/nowhere", Who: "admin", Status: 404, Body: "no such page"},
		{Method: "PATCH", Path: "/documents/7", Who: "admin", Status: 405, Allow: "DELETE,GET"},
		{Method: "HEAD", Path: "/me", Who: "user", Status: 405, Allow: "GET"},
	})
}

func TestRouteTableAllowUnmapped(t *testing.T) {
	f := routertest.New(t)
	rules := documentRules()
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: rules, AllowUnmapped: true})
	ts := httptest.NewServer(documentRouter(table.NewRouter))
	defer ts.Close()

	tests := []struct {
		method, path, who string
		status            int
	}{
		{"GET", "/forgotten", "", 200},         // no rule: served without authentication
		{"GET", "/documents/7", "", 401},       // the rules still hold
		{"GET", "/documents/7", "reader", 200}, // …
		{"GET", "/nowhere", "", 404},           // the router's own answer
		{"PATCH", "/documents/7", "admin", 405},
	}
	for _, tc := range tests {
		if status, _, body := f.Call(t, ts, tc.method, tc.path, tc.who); status != tc.status {
			t.Errorf("%s %s as %q: status %d, want %d (body %q)", tc.method, tc.path, tc.who, status, tc.status, body)
		}
	}
}

// TestRouteTableRewritesAnywhere: a middleware that changes the routing
// path or method may sit anywhere on the router's stack, before or after
// others; the rule is the one of the handler chi then serves.
func TestRouteTableRewritesAnywhere(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: documentRules()})
	tests := []struct {
		name              string
		use               []func(http.Handler) http.Handler
		method, path, who string
		status            int
	}{
		{"StripSlashes", []func(http.Handler) http.Handler{chimw.StripSlashes}, "GET", "/documents/7/", "", 401},
		{"StripSlashes, allowed", []func(http.Handler) http.Handler{chimw.StripSlashes, chimw.NoCache}, "GET", "/documents/7/", "reader", 200},
		{"GetHead", []func(http.Handler) http.Handler{chimw.NoCache, chimw.GetHead}, "HEAD", "/documents/7", "", 401},
		{"GetHead, allowed", []func(http.Handler) http.Handler{chimw.GetHead}, "HEAD", "/documents/7", "reader", 200},
		{"GetHead, denied", []func(http.Handler) http.Handler{chimw.GetHead}, "HEAD", "/documents/7", "user", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(documentRouter(table.NewRouter, tc.use...))
			defer ts.Close()
			if status, _, body := f.Call(t, ts, tc.method, tc.path, tc.who); status != tc.status {
				t.Errorf("status %d, want %d (body %q)", status, tc.status, body)
			}
		})
	}
}

// TestRouteTableConcurrentRequests: the guards are fixed before serving;
// run with -race.
func TestRouteTableConcurrentRequests(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: documentRules()})
	ts := httptest.NewServer(documentRouter(table.NewRouter))
	defer ts.Close()

	type result struct{ got, want int }
	answers := make(chan result, 20)
	var wg sync.WaitGroup
	for i := range cap(answers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, who, want := "/documents/7", "reader", http.StatusOK
			if i%2 == 1 {
				path, who, want = "/forgotten", "admin", http.StatusForbidden
			}
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+f.JWT[who])
			resp, err := ts.Client().Do(req)
			if err != nil {
				answers <- result{0, want}
				return
			}
			resp.Body.Close()
			answers <- result{resp.StatusCode, want}
		}()
	}
	wg.Wait()
	close(answers)
	for a := range answers {
		if a.got != a.want {
			t.Errorf("status %d, want %d", a.got, a.want)
		}
	}
}

// TestRouteTableMount: a router made by the table keeps rules of its own
// under the mount's pattern, whether its routes come before or after the
// Mount; any other handler, a chi router made elsewhere or a router of
// another table, is one route whose rule covers everything below it (and a
// router of another table keeps its own rules inside).
func TestRouteTableMount(t *testing.T) {
	f := routertest.New(t)
	other := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{
		"GET /x": middleware.Permission("documents", "delete"),
	}})
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{
		"GET /early/x":    middleware.Permission("documents", "delete"),
		"GET /early/{id}": middleware.Public(),
		"GET /late/x":     middleware.Permission("documents", "delete"),
		"GET /late/{id}":  middleware.Public(),
		"/debug/*":        middleware.Permission("documents", "delete"),
		"/other/*":        middleware.Authenticated(),
	}})
	r := table.NewRouter()
	early := table.NewRouter()
	early.Get("/x", echo)
	early.Get("/{id}", echo)
	r.Mount("/early", early)
	late := table.NewRouter()
	r.Mount("/late", late)
	late.Route("/", func(r chi.Router) {
		r.Get("/x", echo)
		r.Get("/{id}", echo)
	})
	debug := chi.NewRouter() // as chi's middleware.Profiler is
	debug.Get("/vars", echo)
	r.Mount("/debug", debug)
	otherRouter := other.NewRouter()
	otherRouter.Get("/x", echo)
	r.Mount("/other", otherRouter)
	if err := table.Audit(r); err != nil {
		t.Errorf("Audit: %v", err)
	}
	ts := httptest.NewServer(r)
	defer ts.Close()

	forbidden := string(middleware.ErrForbidden)
	f.Run(t, ts, []routertest.Case{
		{Method: "GET", Path: "/early/x", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/early/x", Who: "admin", Status: 200, Body: "route=/early/x user=true"},
		{Method: "GET", Path: "/early/7", Status: 200, Body: "route=/early/{id} user=false"},
		{Method: "GET", Path: "/late/x", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/late/x", Who: "admin", Status: 200, Body: "route=/late/x user=true"},
		{Method: "GET", Path: "/late/7", Status: 200, Body: "route=/late/{id} user=false"},
		{Method: "GET", Path: "/debug/vars", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/debug/vars", Who: "reader", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/debug/vars", Who: "admin", Status: 200, Body: "route=/debug/vars user=true"},
		{Method: "GET", Path: "/other/x", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/other/x", Who: "user", Status: 403, Body: forbidden}, // the other table's rule
		{Method: "GET", Path: "/other/x", Who: "admin", Status: 200, Body: "route=/other/x user=true"},
	})
}

// TestRouteTableMountMisuse: a route has one pattern, so a router of the
// table is mounted once, and never into itself.
func TestRouteTableMountMisuse(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"/*": middleware.Public()}})
	tests := map[string]func(){
		"twice": func() {
			r, sub := table.NewRouter(), table.NewRouter()
			r.Mount("/a", sub)
			r.Mount("/b", sub)
		},
		"into itself": func() {
			r := table.NewRouter()
			r.Mount("/self", r)
		},
		"into its own sub-router": func() {
			r, sub := table.NewRouter(), table.NewRouter()
			r.Mount("/sub", sub)
			sub.Mount("/r", r)
		},
	}
	for name, mount := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Mount did not panic")
				}
			}()
			mount()
		})
	}
}

// TestRouteTableEveryMethod: a route registered for every method takes the
// rule of the request's method, the one its handler sees, even when a
// middleware routes it as another method.
func TestRouteTableEveryMethod(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{
		"GET /exports/*": middleware.Public(),
		"/exports/*":     middleware.Permission("documents", "delete"),
		"POST /reports":  middleware.Permission("documents", "create"),
	}})
	routeAsGet := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/exports/") {
				chi.RouteContext(r.Context()).RouteMethod = http.MethodGet
			}
			next.ServeHTTP(w, r)
		})
	}
	r := table.NewRouter()
	r.Use(routeAsGet)
	r.Handle("/exports/*", http.HandlerFunc(echo))
	r.Handle("POST /reports", http.HandlerFunc(echo)) // one method, chi's "METHOD /pattern" form
	ts := httptest.NewServer(r)
	defer ts.Close()
	f.Run(t, ts, []routertest.Case{
		{Method: "GET", Path: "/exports/a", Status: 200, Body: "route=/exports/* user=false"},
		{Method: "POST", Path: "/exports/a", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "POST", Path: "/exports/a", Who: "editor", Status: 403, Body: string(middleware.ErrForbidden)},
		{Method: "POST", Path: "/exports/a", Who: "admin", Status: 200, Body: "route=/exports/* user=true"},
		{Method: "POST", Path: "/reports", Who: "reader", Status: 403, Body: string(middleware.ErrForbidden)},
		{Method: "POST", Path: "/reports", Who: "editor", Status: 200, Body: "route=/reports user=true"},
	})
	routertest.CheckAudit(t, table.Audit(r), nil, nil)
}

// TestRouteTableRouteMiddlewareSeesSession: the rule runs before the
// route's own middleware (With, a Group's Use), which see the session.
func TestRouteTableRouteMiddlewareSeesSession(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{
		"GET /with":  middleware.Authenticated(),
		"GET /group": middleware.Authenticated(),
	}})
	var (
		mu   sync.Mutex
		seen []bool
	)
	record := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			_, signedIn := middleware.FromContext(r.Context())
			seen = append(seen, signedIn)
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
	r := table.NewRouter()
	r.With(record).Get("/with", echo)
	r.Group(func(r chi.Router) {
		r.Use(record)
		r.Get("/group", echo)
	})
	ts := httptest.NewServer(r)
	defer ts.Close()
	f.Run(t, ts, []routertest.Case{
		{Method: "GET", Path: "/with", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/group", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/with", Who: "user", Status: 200, Body: "route=/with user=true"},
		{Method: "GET", Path: "/group", Who: "user", Status: 200, Body: "route=/group user=true"},
	})
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || !seen[0] || !seen[1] {
		t.Errorf("the route's middleware ran %d times, seeing a session %v; want twice, after the rule", len(seen), seen)
	}
}
