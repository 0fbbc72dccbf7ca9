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
// with what.
func echo(w http.ResponseWriter, r *http.Request) {
	roles := ""
	if v := middleware.VerdictFrom(r.Context()); v != nil {
		roles = strings.Join(v.GrantingRoles, ",")
	}
	fmt.Fprintf(w, "route=%s user=%t id=%s roles=%s",
		chi.RouteContext(r.Context()).RoutePattern(), middleware.UserID(r.Context()) != "", chi.URLParam(r, "id"), roles)
}

// documentRules covers every route of documentRouter but /forgotten.
func documentRules() stytchchi.Rules {
	return stytchchi.Rules{
		"GET /healthz":                 stytchchi.Public(),
		"GET /me":                      stytchchi.Authenticated(),
		"GET /feed":                    stytchchi.Optional(),
		"GET /documents":               stytchchi.Require("documents", "read"),
		"POST /documents/":             stytchchi.Require("documents", "create"),
		"GET /documents/{id}":          stytchchi.Require("documents", "read"),
		"DELETE /documents/{id}":       stytchchi.Require("documents", "delete"),
		"PUT /drafts/{id}":             stytchchi.Require("documents", "update"),
		"GET /admin/stats":             stytchchi.Require("documents", "delete"),
		"GET /admin/*":                 stytchchi.Require("documents", "update"),
		"GET /teams/{team}/files/{id}": stytchchi.Require("documents", "read"),
		"/static/*":                    stytchchi.Public(),
	}
}

// documentRouter builds a router with the table installed first and
// routes of every shape: plain, a Route sub-router, a Group with its own
// middleware, a mounted sub-router with a catch-all, a mounted http.Handler,
// a mount inside a parametrised Route, and one route without a rule.
func documentRouter(table *stytchchi.RouteTable, use ...func(http.Handler) http.Handler) *chi.Mux {
	r := chi.NewRouter()
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
	admin := chi.NewRouter()
	admin.Get("/stats", echo)
	admin.Get("/*", echo)
	r.Mount("/admin", admin)
	files := chi.NewRouter()
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
	r := documentRouter(table, table.Middleware)
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
	ts := httptest.NewServer(documentRouter(table, table.Middleware))
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

// TestRouteTableRewrites pins the order the doc comment asks for: a
// middleware that changes the routing path or method must run before the
// table, which then judges the route chi will really serve; after it, the
// table judges the request as it arrived, and refuses what would otherwise
// reach a handler it did not decide on.
func TestRouteTableRewrites(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: documentRules()})
	tests := []struct {
		name              string
		use               []func(http.Handler) http.Handler
		method, path, who string
		status            int
	}{
		{"StripSlashes before", []func(http.Handler) http.Handler{chimw.StripSlashes, table.Middleware}, "GET", "/documents/7/", "", 401},
		{"StripSlashes before, allowed", []func(http.Handler) http.Handler{chimw.StripSlashes, table.Middleware}, "GET", "/documents/7/", "reader", 200},
		{"StripSlashes after", []func(http.Handler) http.Handler{table.Middleware, chimw.StripSlashes}, "GET", "/documents/7/", "reader", 404},
		{"GetHead before", []func(http.Handler) http.Handler{chimw.GetHead, table.Middleware}, "HEAD", "/documents/7", "", 401},
		{"GetHead before, allowed", []func(http.Handler) http.Handler{chimw.GetHead, table.Middleware}, "HEAD", "/documents/7", "reader", 200},
		{"GetHead after", []func(http.Handler) http.Handler{table.Middleware, chimw.GetHead}, "HEAD", "/documents/7", "", 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(documentRouter(table, tc.use...))
			defer ts.Close()
			if status, _, body := f.Call(t, ts, tc.method, tc.path, tc.who); status != tc.status {
				t.Errorf("status %d, want %d (body %q)", status, tc.status, body)
			}
		})
	}
}

// TestRouteTableMisinstalled: a table that does not sit on the top-level
// router's own stack would see partial patterns; it refuses instead.
func TestRouteTableMisinstalled(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"/*": stytchchi.Public()}})

	inGroup := chi.NewRouter()
	inGroup.Group(func(r chi.Router) {
		r.Use(table.Middleware)
		r.Get("/x", echo)
	})
	sub := chi.NewRouter()
	sub.Use(table.Middleware)
	sub.Get("/x", echo)
	inSubRouter := chi.NewRouter()
	inSubRouter.Mount("/sub", sub)
	inWith := chi.NewRouter()
	inWith.With(table.Middleware).Get("/x", echo)
	outsideChi := http.NewServeMux()
	outsideChi.Handle("/x", table.Middleware(http.HandlerFunc(echo)))

	for name, tc := range map[string]struct {
		h    http.Handler
		path string
	}{
		"Group":          {inGroup, "/x"},
		"mounted router": {inSubRouter, "/sub/x"},
		"With":           {inWith, "/x"},
		"no chi router":  {outsideChi, "/x"},
	} {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(tc.h)
			defer ts.Close()
			status, _, body := f.Call(t, ts, "GET", tc.path, "admin")
			if status != http.StatusInternalServerError || strings.Contains(body, "route=") {
				t.Errorf("status %d body %q, want a 500 refusal", status, body)
			}
		})
	}
}

// TestRouteTableConcurrentFirstRequests: the table learns the routes once,
// whichever request comes first; run with -race.
func TestRouteTableConcurrentFirstRequests(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: documentRules()})
	ts := httptest.NewServer(documentRouter(table, table.Middleware))
	defer ts.Close()

	type answer struct{ got, want int }
	answers := make(chan answer, 20)
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
				answers <- answer{0, want}
				return
			}
			resp.Body.Close()
			answers <- answer{resp.StatusCode, want}
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
