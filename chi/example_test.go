package stytchchi_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// ExampleRouteTable guards a chi router with one table: the router comes
// from the table, which puts each route's rule, by full route pattern
// through sub-routers and mounts, in front of its handler; an audit of the
// routes and a check of the rules against the RBAC policy at start-up,
// then requests as a reader.
func ExampleRouteTable() {
	ctx := context.Background()
	// The emulator stands in for Stytch here; in production, pass a
	// client.New for your project.
	stytch := stytchtest.NewServer(stytchtest.Config{})
	defer stytch.Close()
	rbac, err := policy.New(ctx, policy.Config{Client: stytch.Client()})
	if err != nil {
		log.Fatal(err)
	}
	defer rbac.Close()
	auth, err := middleware.New(ctx, middleware.Config{Client: stytch.Client(), Policy: rbac})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	table, err := stytchchi.New(stytchchi.Config{Authenticator: auth, Rules: stytchchi.Rules{
		"GET /healthz":               middleware.Public(),
		"GET /api/documents":         middleware.Permission("documents", "read"),
		"GET /api/documents/{id}":    middleware.Permission("documents", "read"),
		"DELETE /api/documents/{id}": middleware.Permission("documents", "delete"),
	}})
	if err != nil {
		log.Fatal(err)
	}

	hello := func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "served") }
	r := table.NewRouter()
	r.Get("/healthz", hello)
	r.Route("/api/documents", func(r chi.Router) {
		r.Get("/", hello)
		r.Get("/{id}", hello)
		r.Delete("/{id}", hello)
	})

	if err := table.Audit(r); err != nil {
		log.Fatal(err) // a route without a rule, or a rule without a route
	}
	if err := table.Validate(rbac); err != nil {
		log.Fatal(err) // a rule naming what the policy does not define
	}
	srv := httptest.NewServer(r)
	defer srv.Close()

	// A reader signs in.
	user, _ := stytch.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Roles: []string{"reader"}})
	session, _ := stytch.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	for _, call := range []struct{ method, path, jwt string }{
		{"GET", "/healthz", ""},
		{"GET", "/api/documents/7", ""},
		{"GET", "/api/documents/7", session.SessionJWT},
		{"DELETE", "/api/documents/7", session.SessionJWT},
	} {
		req, _ := http.NewRequest(call.method, srv.URL+call.path, nil)
		if call.jwt != "" {
			req.Header.Set("Authorization", "Bearer "+call.jwt)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(call.method, call.path, "signed in:", call.jwt != "", "→", resp.StatusCode)
	}
	// Output:
	// GET /healthz signed in: false → 200
	// GET /api/documents/7 signed in: false → 401
	// GET /api/documents/7 signed in: true → 200
	// DELETE /api/documents/7 signed in: true → 403
}

// ExampleRouteTable_Audit shows what the audit reports for a route added
// without a rule, in a mounted sub-router.
func ExampleRouteTable_Audit() {
	stytch := stytchtest.NewServer(stytchtest.Config{})
	defer stytch.Close()
	auth, err := middleware.New(context.Background(), middleware.Config{Client: stytch.Client()})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	table, err := stytchchi.New(stytchchi.Config{Authenticator: auth, Rules: stytchchi.Rules{
		"GET /admin/users": middleware.Permission("documents", "delete"),
	}})
	if err != nil {
		log.Fatal(err)
	}
	admin := table.NewRouter()
	admin.Get("/users", func(http.ResponseWriter, *http.Request) {})
	admin.Post("/users/{id}/reset", func(http.ResponseWriter, *http.Request) {})
	r := table.NewRouter()
	r.Mount("/admin", admin)

	fmt.Println(table.Audit(r))
	// Output:
	// stytchmw route audit: 1 route(s) without a rule: POST /admin/users/{id}/reset
}

// Without a route table, Authenticator.Require puts a rule on a group of
// routes or on a single route.
func Example_require() {
	var auth *middleware.Authenticator // from middleware.New
	listDocuments := func(http.ResponseWriter, *http.Request) {}
	getDocument := func(http.ResponseWriter, *http.Request) {}
	deleteDocument := func(http.ResponseWriter, *http.Request) {}

	r := chi.NewRouter()
	r.Group(func(r chi.Router) {
		r.Use(auth.Require(middleware.Permission("documents", "read")))
		r.Get("/documents", listDocuments)
		r.Get("/documents/{id}", getDocument)
	})
	r.With(auth.Require(middleware.Permission("documents", "delete"))).Delete("/documents/{id}", deleteDocument)
}
