package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/jwks"
	"github.com/stytchmw/stytchmw/internal/jwtverify"
	"github.com/stytchmw/stytchmw/policy"
)

// Authenticator authenticates requests with Stytch sessions and authorizes
// them with the project's RBAC policy. Create one with New, put a Rule on
// each handler with Require, and Close it when done. It is safe for
// concurrent use.
type Authenticator struct {
	client         *client.Client
	b2b            bool // Config.B2B: member sessions, B2B endpoints and policy
	keys           *jwks.Set
	verifier       *jwtverify.Verifier
	maxAge         tokenAge
	clockTolerance time.Duration
	now            func() time.Time

	sources            []Source
	maxCredentialBytes int
	crossOrigin        *http.CrossOriginProtection
	cookie             *refreshCookie

	remote        singleflight.Group
	remoteTimeout time.Duration
	// remoteInFlight counts the upstream calls in flight, at most maxRemote.
	remoteInFlight atomic.Int64
	maxRemote      int64
	tokens         *sessionTokenCache
	revoked        *revokedSessions
	introspect     *introspector // Config.Introspection; nil: off
	// resourceMetadata is Config.ResourceMetadata, for WriteError's challenges.
	resourceMetadata string
	users            *loggedOutUsers

	// Fleet mode (fleet.go): nil fleet in a single process.
	fleet        fleet.Store
	fleetOutage  FleetOutage
	answerTTL    time.Duration // how long a remote answer is reused; 0: never
	unsubscribe  func()
	fleetWasDown atomic.Bool // the feed's state last seen, to log changes

	policy       *policy.Cache // Config.Policy, not ours to close
	policyOnce   sync.Once
	ownPolicy    *policy.Cache    // created on first use, closed by Close
	b2bPolicy    *policy.B2BCache // Config.B2BPolicy, not ours to close
	ownB2B       *policy.B2BCache // created on first use, closed by Close
	policyErr    error
	errorHandler ErrorHandler
	logger       *slog.Logger
	observer     Observer

	// Lifecycle: base is cancelled by Close, which then waits for the remote
	// calls in flight (inflight) to end. closed is set under mu (so that no
	// call enters once Close waits) and read without it by every request.
	base      context.Context
	cancel    context.CancelFunc
	mu        sync.Mutex
	closed    atomic.Bool
	inflight  sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New checks cfg and returns an Authenticator. It starts fetching the
// project's JWKS, waiting for the first fetch at most as long as ctx allows;
// it does not fail because Stytch is unreachable: keys are then fetched in
// the background, and requests that need them get 503 until they arrive.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	crossOrigin, err := newCrossOriginProtection(cfg)
	if err != nil {
		return nil, err
	}
	a := &Authenticator{
		client:             cfg.Client,
		b2b:                cfg.B2B,
		b2bPolicy:          cfg.B2BPolicy,
		maxAge:             s.maxAge,
		clockTolerance:     cfg.ClockTolerance,
		now:                s.now,
		sources:            s.sources,
		maxCredentialBytes: s.maxCredentialBytes,
		crossOrigin:        crossOrigin,
		cookie:             newRefreshCookie(cfg.RefreshCookie),
		remoteTimeout:      s.remoteTimeout,
		maxRemote:          int64(s.maxRemote),
		policy:             cfg.Policy,
		errorHandler:       s.errorHandler,
		logger:             s.logger,
		observer:           cfg.Observer,
		fleet:              cfg.Fleet,
		fleetOutage:        cfg.FleetOutage,
		answerTTL:          s.tokenTTL,
	}
	if s.tokenTTL > 0 {
		a.tokens = newSessionTokenCache(s.tokenTTL, s.tokenCacheSize, a.now)
	}
	a.revoked = newRevokedSessions(s.revokedSize, a.now)
	a.introspect = newIntrospector(cfg.Introspection, a.now)
	a.resourceMetadata = cfg.ResourceMetadata
	a.users = newLoggedOutUsers(s.revokedSize, a.now)

	keys, err := jwks.New(ctx, jwks.Config{
		URL:                jwksURL(cfg.Client, cfg.B2B),
		HTTPClient:         cfg.HTTPClient,
		RefreshInterval:    cfg.Tuning.JWKSRefreshInterval,
		MinRefreshInterval: cfg.Tuning.JWKSMinRefreshInterval,
		Logger:             cfg.Logger,
		Now:                a.now,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: JWKS: %w", ErrInvalidConfig, err)
	}
	vcfg := jwtverify.Config{
		ProjectID:      cfg.Client.ProjectID(),
		Issuers:        acceptedIssuers(cfg.Client, cfg.Issuers),
		Keys:           keys,
		ClockTolerance: cfg.ClockTolerance,
		Now:            a.now,
		MaxTokenBytes:  a.maxCredentialBytes,
		CacheSize:      cfg.Tuning.VerifiedJWTCacheSize,
		B2B:            cfg.B2B,
	}
	if cfg.MaxTokenAge > 0 {
		vcfg.MaxTokenAge = &cfg.MaxTokenAge
	}
	verifier, err := jwtverify.New(vcfg)
	if err != nil {
		_ = keys.Close()
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	a.keys, a.verifier = keys, verifier
	a.base, a.cancel = context.WithCancel(context.Background())
	a.startFleet(ctx)
	return a, nil
}

// jwksURL is the project's key set on the client's API host; a B2B
// project serves its own. Access tokens are signed by the same keys.
func jwksURL(c *client.Client, b2b bool) string {
	path := "/v1/sessions/jwks/"
	if b2b {
		path = "/v1/b2b/sessions/jwks/"
	}
	return c.BaseURL() + path + url.PathEscape(c.ProjectID())
}

// acceptedIssuers lists the issuers a session JWT may carry: Stytch's own
// "stytch.com/<project_id>"; the base URL's origin when the client talks to
// a custom domain (Stytch then issues the JWT under that domain), but never
// Stytch's own API hosts; and the configured extras.
func acceptedIssuers(c *client.Client, extra []string) []string {
	issuers := []string{"stytch.com/" + c.ProjectID()}
	if u, err := url.Parse(c.BaseURL()); err == nil && u.Host != "" {
		origin := u.Scheme + "://" + u.Host
		if !strings.EqualFold(origin, client.TestBaseURL) && !strings.EqualFold(origin, client.LiveBaseURL) {
			issuers = append(issuers, origin)
		}
	}
	for _, iss := range extra {
		if iss != "" && !slices.Contains(issuers, iss) {
			issuers = append(issuers, iss)
		}
	}
	return issuers
}

// enter registers a remote call with the lifecycle, or reports that the
// Authenticator is closed.
func (a *Authenticator) enter() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed.Load() {
		return false
	}
	a.inflight.Add(1)
	return true
}

// errClosed is the cause of refusals after Close.
var errClosed = errors.New("authenticator is closed")

// checkOpen refuses every request once Close has been called: a closed
// Authenticator no longer keeps its keys or caches fresh, so it vouches for
// nothing, not even a JWT it could still verify with the keys it holds.
func (a *Authenticator) checkOpen() error {
	if a.closed.Load() {
		return newError(ErrUnavailable, errClosed)
	}
	return nil
}

// Close stops everything the Authenticator started: remote calls in flight
// are cancelled and waited for, the JWKS refresher stops, and a policy
// cache it created is closed (one passed in Config.Policy is left open), and
// it stops receiving the fleet's revocations (Config.Fleet is left open).
// Every request that arrives afterwards, and every AuthenticateJWT,
// AuthenticateJWTLocal, Authorize or Revoke call, is refused with
// ErrUnavailable (503), even one with a JWT the keys still held would
// verify or a credential in a cache: it fails closed. Close is idempotent.
func (a *Authenticator) Close() error {
	a.closeOnce.Do(func() {
		a.mu.Lock()
		a.closed.Store(true)
		ownPolicy := a.ownPolicy
		ownB2B := a.ownB2B
		a.mu.Unlock()
		if a.unsubscribe != nil {
			a.unsubscribe()
		}
		a.cancel()
		a.inflight.Wait()
		errs := []error{a.keys.Close()}
		if ownPolicy != nil {
			errs = append(errs, ownPolicy.Close())
		}
		if ownB2B != nil {
			errs = append(errs, ownB2B.Close())
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}
