package stytchchi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"

	stytchchi "github.com/stytchmw/stytchmw/chi"
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

// errorType decodes the error_type of a JSON refusal.
func errorType(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		StatusCode int    `json:"status_code"`
		ErrorType  string `json:"error_type"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("refusal body %q is not JSON: %v", body, err)
	}
	return e.ErrorType
}

func TestRouteTable(t *testing.T) {
	f := newFixture(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.auth, Rules: documentRules()})
	r := documentRouter(table, table.Middleware)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no such page", http.StatusNotFound)
	})
	ts := httptest.NewServer(r)
	defer ts.Close()

	forbidden := string(middleware.ErrForbidden)
	tests := []struct {
		method, path, who string
		status            int
		body              string // a substring of the body; for a refusal, its error_type
		allow             string
	}{
		{"GET", "/healthz", "", 200, "route=/healthz user=false", ""},
		{"GET", "/me", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/me", "user", 200, "route=/me user=true", ""},
		{"GET", "/feed", "", 200, "route=/feed user=false", ""},
		{"GET", "/feed", "user", 200, "route=/feed user=true", ""},
		{"GET", "/documents", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/documents", "user", 403, forbidden, ""},
		{"GET", "/documents", "reader", 200, "route=/documents user=true id= roles=reader", ""},
		{"GET", "/documents/", "reader", 200, "route=/documents user=true", ""},
		{"POST", "/documents", "reader", 403, forbidden, ""},
		{"POST", "/documents", "editor", 200, "route=/documents user=true id= roles=editor", ""},
		{"GET", "/documents/7", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/documents/7", "reader", 200, "route=/documents/{id} user=true id=7 roles=reader", ""},
		{"GET", "/documents/a%2Fb", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/documents/a%2Fb", "reader", 200, "route=/documents/{id} user=true id=a%2Fb", ""},
		{"DELETE", "/documents/7", "editor", 403, forbidden, ""},
		{"DELETE", "/documents/7", "admin", 200, "route=/documents/{id} user=true id=7 roles=admin", ""},
		{"PUT", "/drafts/7", "editor", 403, forbidden, ""},
		{"PUT", "/drafts/7", "admin", 200, "route=/drafts/{id} user=true id=7 roles=admin", ""},
		{"GET", "/admin/stats", "editor", 403, forbidden, ""},
		{"GET", "/admin/stats", "admin", 200, "route=/admin/stats", ""},
		{"GET", "/admin/users/9", "reader", 403, forbidden, ""},
		{"GET", "/admin/users/9", "admin", 200, "route=/admin/*", ""},
		{"GET", "/admin", "reader", 403, forbidden, ""}, // the mount point itself: the sub-router's catch-all
		{"GET", "/admin", "admin", 200, "route=/admin/*", ""},
		{"GET", "/teams/t1/files/f2", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/teams/t1/files/f2", "reader", 200, "route=/teams/{team}/files/{id} user=true id=f2", ""},
		{"GET", "/static/hello.txt", "", 200, "hello", ""},
		{"GET", "/forgotten", "admin", 403, string(middleware.ErrNoRule), ""},
		{"GET", "/forgotten", "", 403, string(middleware.ErrNoRule), ""},
		{"GET", "/nowhere", "admin", 404, "no such page", ""},
		{"PATCH", "/documents/7", "admin", 405, "", "DELETE,GET"},
		{"HEAD", "/me", "user", 405, "", "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path+" as "+tc.who, func(t *testing.T) {
			status, allow, body := f.call(t, ts, tc.method, tc.path, tc.who)
			if status != tc.status {
				t.Fatalf("status %d, want %d (body %q)", status, tc.status, body)
			}
			if allow != tc.allow {
				t.Errorf("Allow %q, want %q", allow, tc.allow)
			}
			if status == 401 || status == 403 {
				if got := errorType(t, body); got != tc.body {
					t.Errorf("error_type %q, want %q", got, tc.body)
				}
			} else if !strings.Contains(body, tc.body) {
				t.Errorf("body %q, want it to hold %q", body, tc.body)
			}
		})
	}
}

func TestRouteTableAllowUnmapped(t *testing.T) {
	f := newFixture(t)
	rules := documentRules()
	table := newTable(t, stytchchi.Config{Authenticator: f.auth, Rules: rules, AllowUnmapped: true})
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
		if status, _, body := f.call(t, ts, tc.method, tc.path, tc.who); status != tc.status {
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
	f := newFixture(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.auth, Rules: documentRules()})
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
			if status, _, body := f.call(t, ts, tc.method, tc.path, tc.who); status != tc.status {
				t.Errorf("status %d, want %d (body %q)", status, tc.status, body)
			}
		})
	}
}

// TestRouteTableMisinstalled: a table that does not sit on the top-level
// router's own stack would see partial patterns; it refuses instead.
func TestRouteTableMisinstalled(t *testing.T) {
	f := newFixture(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.auth, Rules: stytchchi.Rules{"/*": stytchchi.Public()}})

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
			status, _, body := f.call(t, ts, "GET", tc.path, "admin")
			if status != http.StatusInternalServerError || strings.Contains(body, "route=") {
				t.Errorf("status %d body %q, want a 500 refusal", status, body)
			}
		})
	}
}
