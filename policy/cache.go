package policy

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/refresh"
)

// DefaultRefreshInterval is how often a Cache fetches the policy when
// Config.RefreshInterval is zero: 5 minutes, the staleness bound of Stytch's
// own SDKs.
const DefaultRefreshInterval = 5 * time.Minute

// MinRefreshInterval is the shortest Config.RefreshInterval accepted.
const MinRefreshInterval = time.Millisecond

// Retry delays after a failed fetch: the first retry comes after about
// minRetryDelay, each later one waits twice as long, up to maxRetryDelay
// (and never longer than the refresh interval).
const (
	minRetryDelay = time.Second
	maxRetryDelay = 30 * time.Second
)

// Config configures a Cache. Only Client is required; a zero field means
// its default.
type Config struct {
	// Client fetches the policy (GET /v1/rbac/policy).
	Client *client.Client
	// RefreshInterval is how often the policy is fetched again; it bounds
	// how stale a decision can be (each wait is drawn from the last tenth
	// below it, so that instances drift apart). 0 means
	// DefaultRefreshInterval; otherwise at least MinRefreshInterval
	// (intervals that short are for tests: Stytch rate-limits its API). The
	// refresh cannot be turned off: a negative value is an error.
	RefreshInterval time.Duration
	// Logger receives failed fetches, policy changes, inconsistencies in
	// the policy and checks naming an undefined resource or action. nil
	// discards them: the library never logs to slog.Default on its own.
	Logger *slog.Logger
}

// Cache holds the project's RBAC policy, compiled into an Index, and keeps
// it fresh in the background. It is safe for concurrent use.
//
// When a refresh fails, the last good policy stays in force and the failure
// is logged. While no policy was ever loaded, every check fails closed with
// ErrUnavailable.
type Cache struct {
	get  func(context.Context) (*client.GetPolicyResponse, error)
	what string // "RBAC policy" or "B2B RBAC policy", for the log
	log  *slog.Logger

	// current is the policy in force: read on every check, without a lock.
	current atomic.Pointer[loaded]
	// unavailable says why no policy is loaded, while none is.
	unavailable atomic.Pointer[unavailableError]
	unknown     *unknownLog

	// loop runs the fetches, one at a time (so an older answer never
	// replaces a newer one): at start, every interval, sooner after a
	// failure, and on Refresh.
	loop *refresh.Loop
}

// loaded is a compiled policy and when it was fetched.
type loaded struct {
	index     *Index
	fetchedAt time.Time
}

// FetchedAt is when the policy in force was fetched (zero while none is).
func (c *Cache) FetchedAt() time.Time {
	if cur := c.current.Load(); cur != nil {
		return cur.fetchedAt
	}
	return time.Time{}
}

// New returns a Cache of the policy that cfg.Client's project defines. It
// starts a fetch at once and waits for it as long as ctx allows (the fetch
// goes on in the background if ctx ends first), then refreshes in the
// background every cfg.RefreshInterval until Close. After a failed fetch it
// retries sooner (from 1 s, doubling, up to 30 s, jittered, and never later
// than the refresh interval), so that a cache that has no policy yet, or a
// stale one, catches up soon after Stytch recovers.
//
// New fails only for a bad Config, never because Stytch cannot be reached:
// until the policy loads, checks return ErrUnavailable. The fetches keep
// ctx's values but not its cancellation.
func New(ctx context.Context, cfg Config) (*Cache, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	}
	interval, err := refreshInterval(cfg.RefreshInterval)
	if err != nil {
		return nil, err
	}
	return start(ctx, cfg.Client.GetPolicy, "RBAC policy", interval, logger(cfg.Logger)), nil
}

// refreshInterval validates a configured refresh interval and applies its
// default.
func refreshInterval(d time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return DefaultRefreshInterval, nil
	case d < MinRefreshInterval:
		return 0, fmt.Errorf("%w: RefreshInterval must be 0 (the default) or at least %s", ErrInvalidConfig, MinRefreshInterval)
	}
	return d, nil
}

// logger is l, or a logger that discards everything when l is nil.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// start starts a Cache of the policy get returns (a consumer or a B2B
// project's), as New documents.
func start(ctx context.Context, get func(context.Context) (*client.GetPolicyResponse, error), what string, interval time.Duration, log *slog.Logger) *Cache {
	c := &Cache{get: get, what: what, log: log, unknown: newUnknownLog(log, time.Now)}
	loop, first := refresh.Start(ctx, refresh.Config{
		Interval:         interval,
		RetryInterval:    minRetryDelay,
		MaxRetryInterval: min(maxRetryDelay, interval),
		OnFailure:        c.logFailure,
	}, c.fetch)
	c.loop = loop
	select {
	case <-first.Done():
	case <-ctx.Done():
	}
	return c
}

// Authorize evaluates a check against the policy in force, as
// (*Index).Authorize does, and allocates nothing when it is authorized or
// denied for a defined resource and action. It returns ErrUnavailable while
// no policy was ever loaded. A check naming a resource or an action the
// policy does not define is denied and logged at warn level, once per
// distinct pair and hour.
func (c *Cache) Authorize(roles []string, resourceID, action string) (Verdict, error) {
	return c.authorize(roles, resourceID, action, false, nil)
}

// AuthorizeScopes evaluates a check for a Connected Apps access token
// against the policy in force, as (*Index).AuthorizeScopes does: the
// token's scopes in place of roles, the policy's scopes in place of its
// roles. It allocates, fails closed and logs as Authorize does.
func (c *Cache) AuthorizeScopes(scopes []string, resourceID, action string) (Verdict, error) {
	return c.authorize(scopes, resourceID, action, true, nil)
}

// authorize evaluates held roles (or scopes) with the policy in force and
// an organization's custom roles (nil: none).
func (c *Cache) authorize(held []string, resourceID, action string, scopes bool, org *orgRoles) (Verdict, error) {
	if c == nil {
		return Verdict{}, ErrUnavailable
	}
	cur := c.current.Load()
	if cur == nil {
		return Verdict{}, c.unavailableError()
	}
	v, err := cur.index.evaluate(held, resourceID, action, scopes, org)
	if de, ok := err.(*DenialError); ok && de.Reason != ReasonNotGranted {
		c.unknown.warn(de)
	}
	return v, err
}

// Validate reports whether the policy in force defines resourceID with
// action, as (*Index).Validate does; ErrUnavailable while no policy was ever
// loaded.
func (c *Cache) Validate(resourceID, action string) error {
	if c == nil {
		return ErrUnavailable
	}
	cur := c.current.Load()
	if cur == nil {
		return c.unavailableError()
	}
	return cur.index.Validate(resourceID, action)
}

// Policy returns a copy of the policy in force, and false while none was
// ever loaded.
func (c *Cache) Policy() (*client.Policy, bool) {
	if c == nil {
		return nil, false
	}
	cur := c.current.Load()
	if cur == nil {
		return nil, false
	}
	return cur.index.Policy(), true
}

// Refresh fetches and compiles the policy now (after the fetch under way,
// if any, ended) and waits for it as long as ctx allows. On success the new
// policy is in force when Refresh returns; on failure the policy in force
// stays, and the error (a *client.StytchError, a *client.RequestError or
// ErrInvalidPolicy, wrapped) is returned, and logged as every failed fetch
// is. After Close, Refresh fetches nothing and returns an error.
func (c *Cache) Refresh(ctx context.Context) error {
	f, err := c.loop.FetchNow(ctx)
	if err == nil {
		select {
		case <-f.Done():
			return f.Err()
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	return fmt.Errorf("policy: refresh: %w", err)
}

// fetch is the refresh loop's fetch function: it fetches and compiles the
// policy and, on success, puts it in force.
func (c *Cache) fetch(ctx context.Context) error {
	resp, err := c.get(ctx)
	if err == nil {
		var x *Index
		if x, err = Compile(resp.Policy); err == nil {
			c.install(x, resp.RequestID)
			return nil
		}
		err = fmt.Errorf("%w (request_id %s)", err, resp.RequestID)
	}
	err = fmt.Errorf("policy: fetch the %s: %w", c.what, err)
	if c.current.Load() == nil {
		c.unavailable.Store(&unavailableError{cause: err})
	}
	return err
}

// install puts a freshly fetched policy in force.
func (c *Cache) install(x *Index, requestID string) {
	prev := c.current.Swap(&loaded{index: x, fetchedAt: time.Now()})
	if prev != nil && reflect.DeepEqual(prev.index.policy, x.policy) {
		return
	}
	c.unknown.reset()
	c.log.Info("policy: "+c.what+" loaded",
		slog.Bool("changed", prev != nil),
		slog.Int("roles", len(x.policy.Roles)),
		slog.Int("resources", len(x.policy.Resources)),
		slog.Int("scopes", len(x.policy.Scopes)),
		slog.String("request_id", requestID))
	for _, w := range x.warnings {
		c.log.Warn("policy: the RBAC policy looks inconsistent; evaluating it as Stytch does", slog.String("warning", w))
	}
}

// logFailure reports a failed fetch: an error while no policy was ever
// loaded (every check fails closed), a warning otherwise.
func (c *Cache) logFailure(err error, failures int, retryIn time.Duration) {
	cur := c.current.Load()
	if cur == nil {
		c.log.Error("policy: cannot load the RBAC policy; authorization checks fail closed until it loads",
			slog.Any("error", err), slog.Int("failures", failures), slog.Duration("retry_in", retryIn))
		return
	}
	c.log.Warn("policy: RBAC policy refresh failed; the last good policy stays in force",
		slog.Any("error", err), slog.Int("failures", failures), slog.Duration("retry_in", retryIn),
		slog.Time("policy_fetched_at", cur.fetchedAt))
}

func (c *Cache) unavailableError() error {
	if e := c.unavailable.Load(); e != nil {
		return e
	}
	return ErrUnavailable
}

// Close stops the background refresh, cancels a fetch under way, and waits
// for them to end. The policy in force stays usable. Close is idempotent and always returns nil.
func (c *Cache) Close() error {
	c.loop.Close()
	return nil
}

// unavailableError is ErrUnavailable with the reason of the last failed
// fetch. It is made once per failure, so a check allocates nothing.
type unavailableError struct {
	cause error
}

func (e *unavailableError) Error() string {
	return ErrUnavailable.Error() + ": " + e.cause.Error()
}

func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }

func (e *unavailableError) Unwrap() error { return e.cause }
