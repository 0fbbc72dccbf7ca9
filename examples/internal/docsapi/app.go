// Package docsapi is what the two example programs, examples/chi and
// examples/nethttp, share: the configuration read from the environment,
// the Stytch back end (a project, or an embedded stytchtest emulator with a
// demo user), the handlers of the documents API, the server's lifecycle
// and the start-up banner with its curl commands. Each program keeps only
// what differs between routers: the routes and their authorization rules.
package docsapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/examples/internal/docstore"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// The demo user the embedded emulator is seeded with.
const (
	DemoEmail           = "demo@example.com"
	DemoRole            = "editor"
	DemoSessionDuration = 60 * time.Minute
)

// startTimeout bounds the start-up fetches (JWKS, RBAC policy). Neither
// fails the start when Stytch is unreachable: both go on in the background,
// and requests that need them get 503 meanwhile.
const startTimeout = 10 * time.Second

// App is the documents API and what it runs on. Create it with Start and
// Close it when done.
type App struct {
	// Client talks to Stytch (or to the embedded emulator).
	Client *client.Client
	// Policy is the project's RBAC policy, refreshed in the background.
	Policy *policy.Cache
	// Auth authenticates and authorizes requests.
	Auth *middleware.Authenticator
	// Store holds the documents.
	Store *docstore.Store

	cfg      Config
	logger   *slog.Logger
	emulator *stytchtest.Server // embedded mode only
	demo     *demoSession       // embedded mode only
}

// demoSession is the seeded user's session, printed in the banner.
type demoSession struct {
	user  client.User
	grant *stytchtest.SessionGrant
}

// Start connects to Stytch, or starts the embedded emulator and seeds the
// demo user and session when cfg has no project credentials, and builds
// the Authenticator: session JWTs verified locally against the project's
// JWKS, refreshed JWTs written back to the stytch_session_jwt cookie, and
// MaxTokenAge from the environment. Logs (refusals and their reasons, never
// a token) go to logOutput.
func Start(ctx context.Context, cfg Config, logOutput io.Writer) (app *App, err error) {
	app = &App{cfg: cfg, logger: slog.New(slog.NewTextHandler(logOutput, nil))}
	defer func() {
		if err != nil {
			_ = app.Close()
			app = nil
		}
	}()
	now := time.Now
	if cfg.Embedded() {
		if err := app.startEmulator(ctx); err != nil {
			return nil, err
		}
		// The emulator is the demo's Stytch: its clock is the demo's time,
		// so that moving it (POST /emulator/clock/advance) ages tokens.
		now = app.emulator.Now
	} else {
		if app.Client, err = client.New(cfg.Stytch); err != nil {
			return nil, fmt.Errorf("docsapi: Stytch client: %w", err)
		}
	}

	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if app.Policy, err = policy.New(startCtx, policy.Config{Client: app.Client, Logger: app.logger}); err != nil {
		return nil, fmt.Errorf("docsapi: RBAC policy: %w", err)
	}
	app.Auth, err = middleware.New(startCtx, middleware.Config{
		Client:        app.Client,
		Policy:        app.Policy,
		MaxTokenAge:   cfg.MaxTokenAge,
		Now:           now,
		RefreshCookie: &middleware.CookieOptions{}, // the documented defaults
		Logger:        app.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("docsapi: authenticator: %w", err)
	}

	app.Store = docstore.New(now)
	owner := ""
	if app.demo != nil {
		owner = app.demo.user.UserID
	}
	if _, err := app.Store.Create(owner, "Welcome", "A document to list and, with the right role, to delete."); err != nil {
		return nil, err
	}
	return app, nil
}

// startEmulator starts the embedded emulator (its default policy: reader,
// editor, admin on "documents") and seeds the demo user and session.
func (a *App) startEmulator(ctx context.Context) error {
	emu, err := stytchtest.StartServer(stytchtest.Config{Logger: a.logger.With("component", "stytchtest")})
	if err != nil {
		return fmt.Errorf("docsapi: embedded emulator: %w", err)
	}
	a.emulator, a.Client = emu, emu.Client()
	user, err := emu.CreateUser(ctx, stytchtest.UserParams{Email: DemoEmail, Name: "Demo User", Roles: []string{DemoRole}})
	if err != nil {
		return fmt.Errorf("docsapi: seed the demo user: %w", err)
	}
	grant, err := emu.CreateSession(ctx, stytchtest.SessionParams{
		UserID:          user.UserID,
		DurationMinutes: int(DemoSessionDuration / time.Minute),
	})
	if err != nil {
		return fmt.Errorf("docsapi: seed the demo session: %w", err)
	}
	a.demo = &demoSession{user: user, grant: grant}
	return nil
}

// Close stops the Authenticator, the policy cache and the embedded
// emulator, with every goroutine they started.
func (a *App) Close() error {
	var errs []error
	if a.Auth != nil {
		errs = append(errs, a.Auth.Close())
	}
	if a.Policy != nil {
		errs = append(errs, a.Policy.Close())
	}
	if a.emulator != nil {
		a.emulator.Close()
	}
	return errors.Join(errs...)
}
