package middleware

import (
	"cmp"
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
	"github.com/stytchmw/stytchmw/internal/jwks"
	"github.com/stytchmw/stytchmw/internal/jwtverify"
	"github.com/stytchmw/stytchmw/policy"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultRemoteTimeout bounds one remote authentication.
	DefaultRemoteTimeout = 5 * time.Second
	// DefaultSessionTokenCacheTTL is how long a successful authentication
	// of an opaque session token is reused.
	DefaultSessionTokenCacheTTL = 30 * time.Second
	// DefaultSessionTokenCacheSize bounds the session-token cache.
	DefaultSessionTokenCacheSize = 10_000
	// DefaultMaxConcurrentRemote bounds the remote authentications in
	// flight at once.
	DefaultMaxConcurrentRemote = 64
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytchmw middleware: invalid config")

// Config configures an Authenticator. Only Client is required; every other
// field has the default its comment gives.
type Config struct {
	// Client is the Stytch API client (required). Its project id and base
	// URL decide the JWKS URL and the accepted issuers, and it makes the
	// remote authentications.
	Client *client.Client

	// Policy is the RBAC policy cache RequireAction and Authorize consult.
	// Default: nil, and the Authenticator creates one from Client on the
	// first RequireAction or Authorize call, and closes it on Close. A cache
	// passed here is shared: the Authenticator does not close it.
	Policy *policy.Cache

	// MaxTokenAge decides when a locally valid session JWT is nevertheless
	// authenticated with Stytch (which notices a revoked session):
	//   - nil (default): never; a valid JWT is trusted until its exp (Stytch
	//     issues JWTs for 5 minutes).
	//   - new(time.Duration(0)): always; every JWT is authenticated remotely.
	//   - new(d), d > 0: when the JWT was issued d or longer ago (now − iat ≥ d).
	MaxTokenAge *time.Duration
	// ClockTolerance is the leeway when comparing exp, nbf and iat with the
	// clock (default 0, as Stytch's SDKs).
	ClockTolerance time.Duration
	// Now is the clock for token times and cache deadlines (default
	// time.Now). Tests pass an emulator's clock.
	Now func() time.Time
	// Issuers are accepted as a JWT's iss besides the defaults:
	// "stytch.com/<project_id>", and Client's base URL (scheme and host)
	// when it is a custom domain rather than Stytch's own API hosts.
	Issuers []string

	// Sources are where credentials are looked for, in order (default
	// DefaultSources(): Authorization Bearer, cookie stytch_session_jwt,
	// cookie stytch_session). See Source for what several credentials,
	// malformed ones and empty ones do.
	Sources []Source
	// MaxCredentialBytes bounds a credential; a longer one is refused before
	// it is parsed (default DefaultMaxCredentialBytes, 8 KiB).
	MaxCredentialBytes int

	// TrustedOrigins are origins ("https://app.example.com") whose unsafe
	// cross-origin requests with cookie credentials are allowed (default
	// none). See csrf.go's comment for the protection.
	TrustedOrigins []string
	// DisableCrossOriginProtection turns off the cross-origin check of
	// cookie credentials (default false: the check is on). Turn it off only
	// when forgery is prevented some other way.
	DisableCrossOriginProtection bool

	// RefreshCookie, when set, writes a JWT that Stytch refreshed back as a
	// cookie (default nil: off). See CookieOptions for the attributes.
	RefreshCookie *CookieOptions

	// SessionTokenCacheTTL is how long a successful remote authentication of
	// an opaque session token is reused (default 30 s; new(time.Duration(0))
	// disables the cache). It is the longest time a revoked session can
	// still pass with its opaque token. An entry never outlives the session.
	SessionTokenCacheTTL *time.Duration
	// SessionTokenCacheSize bounds the session-token cache in entries
	// (default DefaultSessionTokenCacheSize, 10,000). When it is full of
	// live entries, further answers are not cached until some expire. An
	// entry holds Stytch's answer (session, user and JWT): about 4 KB for a
	// user with one email (BenchmarkSessionTokenCacheEntry), so the default
	// bound is near 40 MB.
	SessionTokenCacheSize int
	// RevokedSessionsSize bounds how many sessions logged out through
	// Revoke the Authenticator remembers, to refuse their credentials at once
	// (default DefaultRevokedSessionsSize, 10,000; about 200 bytes each). A
	// session is remembered for as long as a credential of it could still
	// pass without Stytch: 5 minutes plus ClockTolerance (a JWT's lifetime),
	// or RemoteTimeout plus SessionTokenCacheTTL if longer. When the set is
	// full, the revocation that expires first is forgotten early, and that
	// session falls back to the bounds of an ordinary revocation.
	RevokedSessionsSize int
	// VerifiedJWTCacheSize bounds the cache of fully verified JWTs, which
	// makes a JWT seen before cost a hash and a lookup instead of an RSA
	// signature check (default 10,000 entries; negative disables it). A JWT
	// enters it on its second verification, so tokens used once never
	// occupy it. An entry never outlives the JWT's exp, nor its MaxTokenAge
	// deadline, nor its key: a hit is refused once the JWT's kid is no
	// longer in the key set in force.
	VerifiedJWTCacheSize int
	// RemoteTimeout bounds one remote authentication, shared by every
	// request waiting for it (default DefaultRemoteTimeout, 5 s). A request
	// that needs Stytch gets its answer or a 503 within this time.
	RemoteTimeout time.Duration
	// MaxConcurrentRemote bounds the remote authentications
	// (sessions/authenticate calls) in flight at once (default
	// DefaultMaxConcurrentRemote, 64). Requests with the same credential
	// share one call and count once; a request that needs a call of its own
	// while the bound is reached is answered 503 stytch_unavailable at once
	// instead of waiting. It keeps a flood of made-up opaque tokens or stale
	// JWTs from turning into a flood of calls that would exhaust the
	// project's Stytch rate limit (and then fail everyone who needs Stytch),
	// and bounds the connections and goroutines such a flood holds. With
	// Stytch answering in 100 ms, 64 calls in flight allow about 640 remote
	// authentications a second; locally verified JWTs never count.
	MaxConcurrentRemote int
	// HTTPClient fetches the JWKS (default: a client of the key set's own,
	// with a timeout, that follows no redirect).
	HTTPClient *http.Client
	// JWKSRefreshInterval is how often the JWKS is refreshed in the
	// background (default 1 h).
	JWKSRefreshInterval time.Duration
	// JWKSMinRefreshInterval is the least time between a successful JWKS
	// fetch and a refresh triggered by a token with an unknown kid (default
	// 30 s). It bounds the fetches a flood of random kids can cause, and is
	// the longest a key rotated in just after a fetch waits to be seen.
	JWKSMinRefreshInterval time.Duration

	// ErrorHandler answers refused requests (default WriteError).
	ErrorHandler ErrorHandler
	// Logger, when set, says why each request was refused (Info; outages at
	// Warn), never with the credential: at most a short SHA-256 prefix.
	Logger *slog.Logger
	// Observer, when set, receives every decision for metrics.
	Observer Observer
}

// tokenAge is a resolved MaxTokenAge.
type tokenAge struct {
	limited bool // a MaxTokenAge is set
	max     time.Duration
}

func newTokenAge(d *time.Duration) tokenAge {
	if d == nil {
		return tokenAge{}
	}
	return tokenAge{limited: true, max: *d}
}

// tooOld reports whether a JWT issued at iat must be authenticated
// remotely at now: never without a limit, always with 0, else when
// now − iat ≥ max.
func (t tokenAge) tooOld(now, iat time.Time) bool {
	return t.limited && (t.max <= 0 || now.Sub(iat) >= t.max)
}

// Authenticator authenticates requests with Stytch sessions. Create one
// with New, wrap handlers with Handler, Optional and RequireAction, and
// Close it when done. It is safe for concurrent use.
type Authenticator struct {
	client         *client.Client
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

	policy       *policy.Cache // Config.Policy, not ours to close
	policyOnce   sync.Once
	ownPolicy    *policy.Cache // created on first use, closed by Close
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
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	}
	if cfg.MaxTokenAge != nil && *cfg.MaxTokenAge < 0 {
		return nil, fmt.Errorf("%w: MaxTokenAge must not be negative", ErrInvalidConfig)
	}
	if cfg.ClockTolerance < 0 || cfg.RemoteTimeout < 0 || cfg.MaxCredentialBytes < 0 ||
		cfg.SessionTokenCacheSize < 0 || cfg.RevokedSessionsSize < 0 || cfg.MaxConcurrentRemote < 0 ||
		cfg.JWKSRefreshInterval < 0 || cfg.JWKSMinRefreshInterval < 0 ||
		cfg.SessionTokenCacheTTL != nil && *cfg.SessionTokenCacheTTL < 0 {
		return nil, fmt.Errorf("%w: durations and sizes must not be negative", ErrInvalidConfig)
	}
	sources := cfg.Sources
	if sources == nil {
		sources = DefaultSources()
	}
	if err := validateSources(sources); err != nil {
		return nil, err
	}
	crossOrigin, err := newCrossOriginProtection(cfg)
	if err != nil {
		return nil, err
	}
	a := &Authenticator{
		client:             cfg.Client,
		maxAge:             newTokenAge(cfg.MaxTokenAge),
		clockTolerance:     cfg.ClockTolerance,
		now:                cfg.Now,
		sources:            append([]Source(nil), sources...),
		maxCredentialBytes: cmp.Or(cfg.MaxCredentialBytes, DefaultMaxCredentialBytes),
		crossOrigin:        crossOrigin,
		cookie:             newRefreshCookie(cfg.RefreshCookie),
		remoteTimeout:      cmp.Or(cfg.RemoteTimeout, DefaultRemoteTimeout),
		maxRemote:          int64(cmp.Or(cfg.MaxConcurrentRemote, DefaultMaxConcurrentRemote)),
		policy:             cfg.Policy,
		errorHandler:       cfg.ErrorHandler,
		logger:             cfg.Logger,
		observer:           cfg.Observer,
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.errorHandler == nil {
		a.errorHandler = WriteError
	}
	ttl := DefaultSessionTokenCacheTTL
	if cfg.SessionTokenCacheTTL != nil {
		ttl = *cfg.SessionTokenCacheTTL
	}
	if ttl > 0 {
		a.tokens = newSessionTokenCache(ttl, cmp.Or(cfg.SessionTokenCacheSize, DefaultSessionTokenCacheSize), a.now)
	}
	a.revoked = newRevokedSessions(cmp.Or(cfg.RevokedSessionsSize, DefaultRevokedSessionsSize), a.now)

	keys, err := jwks.New(ctx, jwks.Config{
		URL:                jwksURL(cfg.Client),
		HTTPClient:         cfg.HTTPClient,
		RefreshInterval:    cfg.JWKSRefreshInterval,
		MinRefreshInterval: cfg.JWKSMinRefreshInterval,
		Logger:             cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: JWKS: %w", ErrInvalidConfig, err)
	}
	verifier, err := jwtverify.New(jwtverify.Config{
		ProjectID:      cfg.Client.ProjectID(),
		Issuers:        acceptedIssuers(cfg.Client, cfg.Issuers),
		Keys:           keys,
		ClockTolerance: cfg.ClockTolerance,
		Now:            a.now,
		MaxTokenBytes:  a.maxCredentialBytes,
		CacheSize:      cfg.VerifiedJWTCacheSize,
		MaxTokenAge:    cfg.MaxTokenAge,
	})
	if err != nil {
		_ = keys.Close()
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	a.keys, a.verifier = keys, verifier
	a.base, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

func validateSources(sources []Source) error {
	if len(sources) == 0 {
		return fmt.Errorf("%w: Sources is empty; leave it nil for the defaults", ErrInvalidConfig)
	}
	for i, s := range sources {
		switch {
		case s.Name == "":
			return fmt.Errorf("%w: Sources[%d] has no Name", ErrInvalidConfig, i)
		case s.Kind != SessionJWT && s.Kind != SessionToken:
			return fmt.Errorf("%w: Sources[%d] (%s) has no valid Kind", ErrInvalidConfig, i, s.Name)
		case s.Extract == nil:
			return fmt.Errorf("%w: Sources[%d] (%s) has no Extract function", ErrInvalidConfig, i, s.Name)
		}
	}
	return nil
}

// jwksURL is the project's key set on the client's API host.
func jwksURL(c *client.Client) string {
	return c.BaseURL() + "/v1/sessions/jwks/" + url.PathEscape(c.ProjectID())
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
// cache it created is closed (one passed in Config.Policy is left open).
// Every request that arrives afterwards, and every AuthenticateJWT,
// AuthenticateJWTLocal, Authorize or Revoke call, is refused with
// ErrUnavailable (503), even one with a JWT the keys still held would
// verify or a credential in a cache: it fails closed. Close is idempotent.
func (a *Authenticator) Close() error {
	a.closeOnce.Do(func() {
		a.mu.Lock()
		a.closed.Store(true)
		ownPolicy := a.ownPolicy
		a.mu.Unlock()
		a.cancel()
		a.inflight.Wait()
		errs := []error{a.keys.Close()}
		if ownPolicy != nil {
			errs = append(errs, ownPolicy.Close())
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}
