package nethttp_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// ExampleRouteTable guards a ServeMux with one table: the mux comes from
// the table, which puts each pattern's rule in front of its handler; an
// audit of the registered patterns and a check of the rules against
// the RBAC policy at start-up, then requests as a reader.
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

	table, err := nethttp.New(nethttp.Config{Authenticator: auth, Rules: nethttp.Rules{
		"GET /healthz":           middleware.Public(),
		"GET /documents/{id}":    middleware.Permission("documents", "read"),
		"DELETE /documents/{id}": middleware.Permission("documents", "delete"),
	}})
	if err != nil {
		log.Fatal(err)
	}
	hello := func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "served by", r.Pattern) }
	mux := table.NewServeMux() // each handler goes behind its pattern's rule
	mux.HandleFunc("GET /healthz", hello)
	mux.HandleFunc("GET /documents/{id}", hello)
	mux.HandleFunc("DELETE /documents/{id}", hello)

	if err := table.Audit(mux.Patterns()); err != nil {
		log.Fatal(err) // a pattern without a rule, or a rule without a pattern
	}
	if err := table.Validate(rbac); err != nil {
		log.Fatal(err) // a rule naming what the policy does not define
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// A reader signs in.
	user, _ := stytch.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Roles: []string{"reader"}})
	session, _ := stytch.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	for _, call := range []struct{ method, path, jwt string }{
		{"GET", "/healthz", ""},
		{"GET", "/documents/7", ""},
		{"GET", "/documents/7", session.SessionJWT},
		{"DELETE", "/documents/7", session.SessionJWT},
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
	// GET /documents/7 signed in: false → 401
	// GET /documents/7 signed in: true → 200
	// DELETE /documents/7 signed in: true → 403
}

// ExampleRouteTable_Audit shows what the audit reports for a pattern
// registered without a rule and a rule whose pattern is not registered.
func ExampleRouteTable_Audit() {
	stytch := stytchtest.NewServer(stytchtest.Config{})
	defer stytch.Close()
	auth, err := middleware.New(context.Background(), middleware.Config{Client: stytch.Client()})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	table, err := nethttp.New(nethttp.Config{Authenticator: auth, Rules: nethttp.Rules{
		"GET /documents/{id}":  middleware.Permission("documents", "read"),
		"POST /documents/{id}": middleware.Permission("documents", "update"),
	}})
	if err != nil {
		log.Fatal(err)
	}
	mux := table.NewServeMux()
	mux.HandleFunc("GET /documents/{id}", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /debug/vars", func(http.ResponseWriter, *http.Request) {})
	fmt.Println(table.Audit(mux.Patterns()))
	// Output:
	// stytchmw route audit: 1 route(s) without a rule: GET /debug/vars; 1 rule(s) matching no route: POST /documents/{id}
}
