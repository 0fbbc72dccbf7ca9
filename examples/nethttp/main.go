// Command nethttp is the example documents API on Go's http.ServeMux,
// protected by stytchmw: Stytch session authentication on every route that
// needs it, and the RBAC permission each route requires, from one route
// table that is audited at start-up.
//
//	go run ./examples/nethttp
//
// It is the same API, configured by the same environment variables, as
// examples/chi: see that command's documentation. Without
// STYTCH_PROJECT_ID and STYTCH_SECRET it starts an embedded Stytch emulator
// and prints a demo user's credentials with curl commands to try.
//
// This file is the whole stytchmw wiring: the Stytch client, the RBAC
// policy, the Authenticator, the route table with its audit and
// validation, and the server. The demo scaffolding (environment, embedded
// emulator, banner, document store and handlers) is in
// examples/internal/docsapi.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
	"github.com/stytchmw/stytchmw/policy"
)

func main() { docsapi.Main("examples/nethttp", run) }

// run serves the API until ctx is done (docsapi.Main cancels it on SIGINT
// or SIGTERM). The banner goes to stdout, logs to stderr.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	// The demo: the environment, the embedded emulator when no project is
	// given, the logger, the documents and their handlers.
	demo, err := docsapi.Open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer demo.Close()

	// The Stytch API client.
	stytch, err := client.New(demo.Stytch)
	if err != nil {
		return fmt.Errorf("the Stytch client: %w", err)
	}

	// The project's RBAC policy and the Authenticator. Neither fails when
	// Stytch is unreachable: they keep fetching in the background, and
	// requests that need them get 503 meanwhile.
	// Fleet mode when STYTCH_REDIS_URL is set: the replicas share the
	// sessions logged out and Stytch's answers through Redis. Unset, the
	// store is nil: a single process.
	shared, closeFleet, err := demo.OpenFleet()
	if err != nil {
		return err
	}
	defer closeFleet()

	startCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rbac, err := policy.New(startCtx, policy.Config{Client: stytch, Logger: demo.Logger})
	if err != nil {
		return fmt.Errorf("RBAC policy: %w", err)
	}
	defer rbac.Close()
	auth, err := middleware.New(startCtx, middleware.Config{
		Client:        stytch,
		Policy:        rbac,
		MaxTokenAge:   demo.MaxTokenAge,
		Now:           demo.Now,                    // the emulator's clock in the demo
		RefreshCookie: &middleware.CookieOptions{}, // write refreshed JWTs back to the cookie
		Logger:        demo.Logger,
		Fleet:         shared, // New waits (startCtx) for the fleet's revocations
	})
	if err != nil {
		return fmt.Errorf("authenticator: %w", err)
	}
	defer auth.Close()

	// One rule per pattern. A pattern registered below without a rule
	// would be refused with 403, and the audit stops the start.
	table, err := nethttp.New(nethttp.Config{Authenticator: auth, Rules: nethttp.Rules{
		"GET /healthz":           middleware.Public(),
		"GET /me":                middleware.Authenticated(),
		"GET /documents":         middleware.Permission("documents", "read"),
		"POST /documents":        middleware.Permission("documents", "create"),
		"DELETE /documents/{id}": middleware.Permission("documents", "delete"),
		"POST /logout":           middleware.Authenticated(),
	}})
	if err != nil {
		return err
	}

	// The table's ServeMux puts each handler behind its pattern's rule,
	// and remembers the patterns, so that the audit below can find one
	// registered without a rule.
	api := demo.API(auth)
	mux := table.NewServeMux()
	mux.HandleFunc("GET /healthz", api.Healthz)
	mux.HandleFunc("GET /me", api.Me)
	mux.HandleFunc("GET /documents", api.ListDocuments)
	mux.HandleFunc("POST /documents", api.CreateDocument)
	mux.HandleFunc("DELETE /documents/{id}", api.DeleteDocument)
	mux.HandleFunc("POST /logout", api.Logout)

	// Refuse to start with a route without a rule, or with a rule the RBAC
	// policy does not define (a typo that would deny every request). Before
	// the policy is loaded the rules cannot be checked; every check fails
	// closed with 503 until it is.
	if err := table.Audit(mux.Patterns()); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	switch err := table.Validate(rbac); {
	case errors.Is(err, policy.ErrUnavailable):
		demo.Logger.Warn("the RBAC policy is not loaded yet, so the routes' rules were not checked against it", "error", err)
	case err != nil:
		return fmt.Errorf("refusing to start: %w", err)
	}

	return demo.Serve(ctx, "net/http", mux, stdout)
}
