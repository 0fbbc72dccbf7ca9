// Package docsapi is the demo scaffolding the two example programs,
// examples/chi and examples/nethttp, share, kept out of their way: the
// configuration read from the environment, the embedded stytchtest
// emulator with its demo user (when no Stytch project is given), the
// document store and the handlers of the documents API, the server's
// lifecycle and the start-up banner with its curl commands. The programs
// themselves show the whole stytchmw wiring: client, Authenticator, RBAC
// policy, route table, audit, validation and serving.
package docsapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/examples/internal/docstore"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// The demo user the embedded emulator is seeded with.
const (
	DemoEmail           = "demo@example.com"
	DemoRole            = "editor"
	DemoSessionDuration = 60 * time.Minute
)

// Demo is the scaffolding around an example program. Create it with Open
// and Close it when done.
type Demo struct {
	// Stytch configures the API client: the project's from the
	// environment, or the embedded emulator's.
	Stytch client.Config
	// MaxTokenAge is middleware.Config.MaxTokenAge from the environment.
	MaxTokenAge time.Duration
	// Now is the demo's clock: the embedded emulator's, so that moving it
	// (POST /emulator/clock/advance) ages tokens; else time.Now.
	Now func() time.Time
	// Logger receives the logs (refusals and their reasons, never a token).
	Logger *slog.Logger

	cfg      Config
	store    *docstore.Store
	emulator *stytchtest.Server // embedded mode only
	demo     *demoSession       // embedded mode only
	b2b      *b2bDemo           // the B2B example only (StartB2B)
}

// demoSession is the seeded user's session, printed in the banner.
type demoSession struct {
	user  client.User
	grant *stytchtest.SessionGrant
}

// Start starts the embedded emulator and seeds the demo user and session
// when cfg has no project credentials, and fills the document store. Logs
// go to logOutput.
func Start(ctx context.Context, cfg Config, logOutput io.Writer) (d *Demo, err error) {
	d = newDemo(cfg, logOutput)
	defer func() {
		if err != nil {
			_ = d.Close()
			d = nil
		}
	}()
	if cfg.Embedded() {
		if err := d.startEmulator(ctx); err != nil {
			return nil, err
		}
	}
	d.store = docstore.New(d.Now)
	owner := ""
	if d.demo != nil {
		owner = d.demo.user.UserID
	}
	if _, err := d.store.Create(owner, "Welcome", "A document to list and, with the right role, to delete."); err != nil {
		return nil, err
	}
	return d, nil
}

// newDemo is a Demo of cfg logging to logOutput, before any emulator.
func newDemo(cfg Config, logOutput io.Writer) *Demo {
	return &Demo{cfg: cfg, Stytch: cfg.Stytch, MaxTokenAge: cfg.MaxTokenAge, Now: time.Now,
		Logger: slog.New(slog.NewTextHandler(logOutput, nil))}
}

// startEmulator starts the embedded emulator (its default policy: reader,
// editor, admin on "documents") and seeds the demo user and session.
func (d *Demo) startEmulator(ctx context.Context) error {
	emu, err := d.startServer(false)
	if err != nil {
		return err
	}
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
	d.demo = &demoSession{user: user, grant: grant}
	return nil
}

// startServer starts the embedded emulator, of a B2B project when b2b,
// and points the Stytch client's configuration at it.
func (d *Demo) startServer(b2b bool) (*stytchtest.Server, error) {
	emu, err := stytchtest.StartServer(stytchtest.Config{B2B: b2b, Logger: d.Logger.With("component", "stytchtest")})
	if err != nil {
		return nil, fmt.Errorf("docsapi: embedded emulator: %w", err)
	}
	d.emulator = emu
	d.Stytch = client.Config{ProjectID: emu.ProjectID, Secret: emu.Secret, BaseURL: emu.URL, HTTPClient: emu.HTTPClient()}
	d.Now = emu.Now
	return emu, nil
}

// Close stops the embedded emulator, with every goroutine it started.
func (d *Demo) Close() error {
	if d.emulator != nil {
		d.emulator.Close()
	}
	return nil
}
