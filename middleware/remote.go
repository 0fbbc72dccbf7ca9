package middleware

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/stytchmw/stytchmw/client"
)

// Remote authentication
//
// A credential is authenticated with Stytch (sessions/authenticate) only
// when local verification cannot decide: an opaque session token; a session
// JWT that is authentic (its signature verified against a served key) but
// expired, which Stytch refreshes while the session lives; a valid JWT
// older than MaxTokenAge. Nothing structurally invalid, nothing whose
// signature did not verify, and nothing with a kid the JWKS does not hold is
// ever sent.
//
// Identical concurrent authentications are coalesced: requests carrying the
// same credential share one upstream call (singleflight, keyed by the
// SHA-256 of the credential). At most MaxConcurrentRemote upstream calls
// are in flight; a credential that needs one more is refused with 503 at
// once (after coalescing, so it never refuses a request that can share a
// call in flight), rather than queued behind a flood. The shared call is detached from the request
// that started it, so one client hanging up does not fail the others; it is
// bounded by RemoteTimeout and cancelled by Close. A waiting request whose
// own context ends stops waiting at once.
//
// Stytch's answers map to outcomes as follows: a session (200) passes; an
// unknown, revoked or expired session (404 session_not_found) and any other
// refusal of the credential (4xx) is a 401; a network error, a timeout, 429,
// 5xx, an answer that is not Stytch's, or Stytch refusing the project's own
// credentials (401 unauthorized_credentials, a server misconfiguration the
// user cannot fix) is a 503 — never a pass, and never a 401 that blames the
// user's credential.
//
// Answers for JWTs are not cached: MaxTokenAge promises a remote check, and
// a refreshed JWT verifies locally on the next request anyway. Answers for
// opaque tokens are, see sessionTokenCache.

// remoteSession is Stytch's answer for a credential. It is shared by every
// request that waited for the same call, and by the cache: read-only.
type remoteSession struct {
	session *client.Session
	user    *client.User
	jwt     string
	// deadline is when a cached answer stops being reused (Config.Now's
	// clock): SessionTokenCacheTTL after the answer, or the session's
	// expiry if sooner.
	deadline time.Time
}

// authenticateRemote asks Stytch about a credential, through the cache (for
// opaque tokens) and the coalescing group. cached reports a cache hit.
func (a *Authenticator) authenticateRemote(ctx context.Context, kind CredentialKind, token string) (rs *remoteSession, cached bool, err error) {
	key := remoteKey(kind, token)
	if kind == SessionToken && a.tokens != nil {
		if rs, ok := a.tokens.get(key); ok {
			return rs, true, nil
		}
	}
	ch := a.remote.DoChan(key, func() (any, error) {
		return a.callAuthenticate(ctx, kind, token, key)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, false, res.Err
		}
		return res.Val.(*remoteSession), false, nil
	case <-ctx.Done():
		return nil, false, newError(ErrUnavailable, ctx.Err())
	}
}

// remoteKey identifies a credential without holding it: its kind and the
// SHA-256 of its bytes.
func remoteKey(kind CredentialKind, token string) string {
	sum := sha256.Sum256([]byte(token))
	var key [1 + sha256.Size]byte
	key[0] = byte(kind)
	copy(key[1:], sum[:])
	return string(key[:])
}

var errNoSessionInAnswer = errors.New("stytch answered without a session")

// errTooManyRemote is the cause of refusing a credential because
// MaxConcurrentRemote calls are in flight.
var errTooManyRemote = errors.New("too many remote authentications in flight (Config.MaxConcurrentRemote)")

// callAuthenticate makes the one upstream call of a coalesced group.
// ctx is the first waiting request's: its values (trace ids) travel with
// the call, its cancellation does not.
func (a *Authenticator) callAuthenticate(ctx context.Context, kind CredentialKind, token, key string) (*remoteSession, error) {
	if !a.enter() {
		return nil, newError(ErrUnavailable, errClosed)
	}
	defer a.inflight.Done()
	if a.remoteInFlight.Add(1) > a.maxRemote {
		a.remoteInFlight.Add(-1)
		return nil, newError(ErrUnavailable, errTooManyRemote)
	}
	defer a.remoteInFlight.Add(-1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.remoteTimeout)
	defer cancel()
	stop := context.AfterFunc(a.base, cancel)
	defer stop()

	req := client.AuthenticateRequest{SessionJWT: token}
	if kind == SessionToken {
		req = client.AuthenticateRequest{SessionToken: token}
	}
	resp, err := a.client.Authenticate(ctx, req)
	if err != nil {
		return nil, remoteError(err)
	}
	if resp.Session.SessionID == "" || resp.Session.UserID == "" {
		return nil, newError(ErrUnavailable, errNoSessionInAnswer)
	}
	rs := &remoteSession{session: &resp.Session, user: &resp.User, jwt: resp.SessionJWT}
	if kind == SessionToken && a.tokens != nil {
		a.tokens.put(key, rs)
	}
	return rs, nil
}

// remoteError maps a failed authenticate call to a refusal.
func remoteError(err error) *Error {
	var se *client.StytchError
	if !errors.As(err, &se) {
		return newError(ErrUnavailable, err) // no answer: network, timeout, not JSON
	}
	switch {
	case se.StatusCode == http.StatusTooManyRequests, se.StatusCode >= 500,
		errors.Is(se, client.ErrUnauthorizedCredentials):
		return newError(ErrUnavailable, err)
	case se.StatusCode == http.StatusNotFound, errors.Is(se, client.ErrSessionNotFound):
		return newError(ErrSessionNotFound, err)
	}
	return newError(ErrInvalidToken, err)
}

// sessionTokenCache reuses successful authentications of opaque session
// tokens for a short TTL, so a browser session that uses the opaque cookie
// does not cost an upstream call per request.
//
// The longest time a revoked session can still pass with its opaque token
// is the TTL (plus the moments the answer took to arrive): an answer is
// reused until TTL after it was received. Entries are keyed by the SHA-256
// of the token (the token itself is never stored), never outlive the
// session's expires_at, and are bounded in number: when the cache is full
// of live entries, new answers are simply not cached until some expire.
//
// Expiry is checked against Config.Now (so tests can move an emulator's
// clock past it) and, as a backstop, by go-cache against the wall clock. No
// janitor goroutine runs: expired entries are swept when the cache is full,
// at most once per half TTL.
type sessionTokenCache struct {
	entries *cache.Cache
	ttl     time.Duration
	size    int
	now     func() time.Time

	mu        sync.Mutex
	lastSweep time.Time // wall clock
}

func newSessionTokenCache(ttl time.Duration, size int, now func() time.Time) *sessionTokenCache {
	return &sessionTokenCache{entries: cache.New(ttl, 0), ttl: ttl, size: size, now: now}
}

func (c *sessionTokenCache) get(key string) (*remoteSession, bool) {
	v, ok := c.entries.Get(key)
	if !ok {
		return nil, false
	}
	rs := v.(*remoteSession)
	if !c.now().Before(rs.deadline) {
		c.entries.Delete(key)
		return nil, false
	}
	return rs, true
}

func (c *sessionTokenCache) put(key string, rs *remoteSession) {
	now := c.now()
	rs.deadline = now.Add(c.ttl)
	if exp := rs.session.ExpiresAt; !exp.IsZero() && exp.Before(rs.deadline) {
		rs.deadline = exp
	}
	if !now.Before(rs.deadline) {
		return
	}
	if c.entries.ItemCount() >= c.size && !c.sweep() {
		return
	}
	c.entries.Set(key, rs, rs.deadline.Sub(now))
}

// dropSession drops every answer for the session: its opaque tokens must
// be asked about again. It scans the cache, which Revoke alone does.
func (c *sessionTokenCache) dropSession(sessionID string) {
	for key, item := range c.entries.Items() {
		if rs, ok := item.Object.(*remoteSession); ok && rs.session.SessionID == sessionID {
			c.entries.Delete(key)
		}
	}
}

// sweep drops expired entries, at most once per half TTL, and reports
// whether there is now room.
func (c *sessionTokenCache) sweep() bool {
	c.mu.Lock()
	if time.Since(c.lastSweep) >= c.ttl/2 {
		c.lastSweep = time.Now()
		c.mu.Unlock()
		c.entries.DeleteExpired()
	} else {
		c.mu.Unlock()
	}
	return c.entries.ItemCount() < c.size
}
