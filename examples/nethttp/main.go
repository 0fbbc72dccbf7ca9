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
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
)

func main() { docsapi.Main("examples/nethttp", run) }

// run serves the API until ctx is done (docsapi.Main cancels it on SIGINT
// or SIGTERM). The banner goes to stdout, logs to stderr.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	app, err := docsapi.Open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer app.Close()

	// One rule per pattern. A pattern registered below without a rule
	// would be refused with 403, and the audit stops the start.
	table, err := nethttp.New(nethttp.Config{Authenticator: app.Auth, Rules: nethttp.Rules{
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
	mux := table.NewServeMux()
	mux.HandleFunc("GET /healthz", app.Healthz)
	mux.HandleFunc("GET /me", app.Me)
	mux.HandleFunc("GET /documents", app.ListDocuments)
	mux.HandleFunc("POST /documents", app.CreateDocument)
	mux.HandleFunc("DELETE /documents/{id}", app.DeleteDocument)
	mux.HandleFunc("POST /logout", app.Logout)

	if err := table.Audit(mux.Patterns()); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	if err := app.CheckRules(table); err != nil {
		return err
	}
	return app.Serve(ctx, "net/http", mux, stdout)
}
