// Command b2b is a multi-tenant documents API for a Stytch B2B project, on
// Go's http.ServeMux, protected by stytchmw: member session
// authentication on every route that needs it, and on each document route
// the RBAC permission it requires in the organization its path names, from
// one route table that is audited at start-up.
//
//	go run ./examples/b2b
//
// It reads the environment variables of examples/chi (see that command's
// documentation); STYTCH_PROJECT_ID and STYTCH_SECRET must be a B2B
// project's. Without them it starts an embedded Stytch emulator in B2B
// mode, seeds the organizations acme and globex, each with a member of the
// roles reader, editor and admin, and prints their session JWTs with curl
// commands to try: a permitted call, a role denial and a tenancy denial.
//
// This file is the whole stytchmw wiring: the Stytch client, the B2B RBAC
// policy, the Authenticator, the route table with its tenant-scoped rules,
// audit and validation, and the server. The demo scaffolding (environment,
// embedded emulator, banner, per-organization document stores and
// handlers) is in examples/internal/docsapi.
//
// Routes:
//
//	GET    /healthz                                  no authentication: 200 "ok"
//	GET    /me                                       any member session: 200, the session as JSON
//	GET    /orgs/{organization_id}/documents         documents:read in that organization
//	POST   /orgs/{organization_id}/documents         documents:create in it: 201
//	DELETE /orgs/{organization_id}/documents/{id}    documents:delete in it: 204, or 404
//	POST   /logout                                   any member session: revokes it, clears the cookies: 204
//
// A member of another organization than the path's is refused with 403
// session_authorization_tenancy_error whatever its roles; a role that
// lacks the action, with 403 session_authorization_error.
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

func main() { docsapi.Main("examples/b2b", run) }

// run serves the API until ctx is done (docsapi.Main cancels it on SIGINT
// or SIGTERM). The banner goes to stdout, logs to stderr.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	// The demo: the environment, the embedded B2B emulator with its
	// organizations and members when no project is given, the logger, the
	// documents and their handlers.
	demo, err := docsapi.OpenB2B(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer demo.Close()

	// The Stytch API client.
	stytch, err := client.New(demo.Stytch)
	if err != nil {
		return fmt.Errorf("the Stytch client: %w", err)
	}

	// Fleet mode when STYTCH_REDIS_URL is set (see examples/chi).
	shared, closeFleet, err := demo.OpenFleet()
	if err != nil {
		return err
	}
	defer closeFleet()

	// The B2B project's RBAC policy (with each organization's custom roles,
	// fetched on its first check) and the Authenticator for member
	// sessions. Neither fails when Stytch is unreachable: requests that
	// need them get 503 meanwhile.
	startCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rbac, err := policy.NewB2B(startCtx, policy.B2BConfig{Client: stytch, Logger: demo.Logger})
	if err != nil {
		return fmt.Errorf("RBAC policy: %w", err)
	}
	defer rbac.Close()
	auth, err := middleware.New(startCtx, middleware.Config{
		Client:        stytch,
		B2B:           true, // member sessions, b2b/sessions/*, the B2B policy and codes
		B2BPolicy:     rbac,
		MaxTokenAge:   demo.MaxTokenAge,
		Now:           demo.Now,                    // the emulator's clock in the demo
		RefreshCookie: &middleware.CookieOptions{}, // write refreshed JWTs back to the cookie
		Logger:        demo.Logger,
		Fleet:         shared,
	})
	if err != nil {
		return fmt.Errorf("authenticator: %w", err)
	}
	defer auth.Close()

	// One rule per pattern. The document routes are tenant-scoped: their
	// check is about the organization in the path, and the tenancy rule
	// refuses a member of any other organization before its roles count.
	// The table refuses a tenant-scoped rule whose pattern lacks the
	// parameter.
	org := middleware.PathValue(docsapi.OrgParam)
	table, err := nethttp.New(nethttp.Config{Authenticator: auth, Rules: nethttp.Rules{
		"GET /healthz":                                  middleware.Public(),
		"GET /me":                                       middleware.Authenticated(),
		"GET /orgs/{organization_id}/documents":         middleware.Permission("documents", "read").InOrganization(org),
		"POST /orgs/{organization_id}/documents":        middleware.Permission("documents", "create").InOrganization(org),
		"DELETE /orgs/{organization_id}/documents/{id}": middleware.Permission("documents", "delete").InOrganization(org),
		"POST /logout":                                  middleware.Authenticated(),
	}})
	if err != nil {
		return err
	}

	api := demo.B2BAPI(auth)
	mux := table.NewServeMux()
	mux.HandleFunc("GET /healthz", api.Healthz)
	mux.HandleFunc("GET /me", api.Me)
	mux.HandleFunc("GET /orgs/{organization_id}/documents", api.ListDocuments)
	mux.HandleFunc("POST /orgs/{organization_id}/documents", api.CreateDocument)
	mux.HandleFunc("DELETE /orgs/{organization_id}/documents/{id}", api.DeleteDocument)
	mux.HandleFunc("POST /logout", api.Logout)

	// Refuse to start with a route without a rule, or with a rule the
	// project policy does not define.
	if err := table.Audit(mux.Patterns()); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	switch err := table.Validate(rbac); {
	case errors.Is(err, policy.ErrUnavailable):
		demo.Logger.Warn("the RBAC policy is not loaded yet, so the routes' rules were not checked against it", "error", err)
	case err != nil:
		return fmt.Errorf("refusing to start: %w", err)
	}

	return demo.Serve(ctx, "B2B, net/http", mux, stdout)
}
