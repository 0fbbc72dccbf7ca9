package middleware_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
)

func ExampleNew() {
	stytch, err := client.New(client.Config{
		ProjectID: "project-test-00000000-0000-0000-0000-000000000000",
		Secret:    "secret-test-example",
	})
	if err != nil {
		log.Fatal(err)
	}
	// New waits at most this long for the first JWKS fetch; it does not fail
	// when Stytch is unreachable.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	auth, err := middleware.New(ctx, middleware.Config{
		Client:         stytch,
		MaxTokenAge:    new(time.Minute), // ask Stytch about JWTs older than a minute
		TrustedOrigins: []string{"https://app.example.com"},
		RefreshCookie:  &middleware.CookieOptions{},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello", middleware.UserID(r.Context()))
	})))
	mux.Handle("DELETE /documents/{id}", auth.RequireAction("documents", "delete")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		})))
	_ = mux // http.ListenAndServe(":8080", mux)
}

func ExampleNewContext() {
	// A handler test needs no Stytch: put the session in the context.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(middleware.UserID(r.Context()), middleware.Roles(r.Context()))
	})
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(middleware.NewContext(req.Context(), &middleware.Auth{
		Session: &client.Session{UserID: "user-test-1", Roles: []string{"stytch_user", "editor"}},
	}))
	handler.ServeHTTP(nil, req)
	// Output: user-test-1 [stytch_user editor]
}
