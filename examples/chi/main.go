// Command chi is the example documents API on a chi router, protected by
// stytchmw: Stytch session authentication on every route that needs it,
// and the RBAC permission each route requires, from one route table that
// is audited at start-up.
//
//	go run ./examples/chi
//
// Without STYTCH_PROJECT_ID and STYTCH_SECRET it starts an embedded Stytch
// emulator (stytchtest), seeds a demo user with the role "editor" and
// prints that user's session JWT and token with curl commands to try. With
// them it uses that Stytch project. STYTCH_API_URL overrides the API base
// URL (a custom domain, a proxy, an emulator started elsewhere),
// STYTCH_MAX_TOKEN_AGE (a Go duration; "0s" asks Stytch on every request)
// sets middleware.Config.MaxTokenAge, and ADDR the listen address (default
// 127.0.0.1:8080).
//
// Routes:
//
//	GET    /healthz          no authentication: 200 "ok"
//	GET    /me               any valid session: 200, the session as JSON
//	GET    /documents        documents:read
//	POST   /documents        documents:create: 201
//	DELETE /documents/{id}   documents:delete: 204, or 404
//	POST   /logout           any valid session: revokes it, clears the cookies: 204
//
// examples/nethttp is the same API on Go's http.ServeMux.
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/go-chi/chi/v5"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
	"github.com/stytchmw/stytchmw/middleware"
)

func main() { docsapi.Main("examples/chi", run) }

// run serves the API until ctx is done (docsapi.Main cancels it on SIGINT
// or SIGTERM). The banner goes to stdout, logs to stderr.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	app, err := docsapi.Open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer app.Close()

	// One rule per route. A route registered below without a rule would be
	// refused with 403, and the audit stops the start.
	table, err := stytchchi.New(stytchchi.Config{Authenticator: app.Auth, Rules: stytchchi.Rules{
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

	// The table's router puts each route's rule in front of its handler.
	r := table.NewRouter()
	r.Get("/healthz", app.Healthz)
	r.Get("/me", app.Me)
	r.Route("/documents", func(r chi.Router) {
		r.Get("/", app.ListDocuments)
		r.Post("/", app.CreateDocument)
		r.Delete("/{id}", app.DeleteDocument)
	})
	r.Post("/logout", app.Logout)

	if err := table.Audit(r); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	if err := app.CheckRules(table); err != nil {
		return err
	}
	return app.Serve(ctx, "chi", r, stdout)
}
