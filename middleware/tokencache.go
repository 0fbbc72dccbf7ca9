package middleware

import (
	"crypto/sha256"
	"time"

	"github.com/stytchmw/stytchmw/internal/expiring"
)

// sessionTokenCache reuses successful authentications of opaque session
// tokens for a short TTL, so a browser session that uses the opaque cookie
// does not cost an upstream call per request.
//
// The longest time a revoked session can still pass with its opaque token
// is the TTL (plus the moments the answer took to arrive): an answer is
// reused until TTL after it was received. Entries are keyed by the SHA-256
// of the token (the token itself is never stored), never outlive the
// session's expires_at, and are bounded in number: when the cache is full
// of live entries, new answers are not cached until some expire, so a
// flood of new tokens cannot push out the answers in use. Expiry follows
// Config.Now, so tests can move an emulator's clock past it.
type sessionTokenCache struct {
	entries *expiring.Map[[sha256.Size]byte, *remoteSession]
	ttl     time.Duration
	now     func() time.Time
}

func newSessionTokenCache(ttl time.Duration, size int, now func() time.Time) *sessionTokenCache {
	return &sessionTokenCache{entries: expiring.New[[sha256.Size]byte, *remoteSession](size, expiring.RejectNew, now), ttl: ttl, now: now}
}

// get returns the answer cached for the token whose SHA-256 is sum.
func (c *sessionTokenCache) get(sum [sha256.Size]byte) (*remoteSession, bool) {
	return c.entries.Get(sum)
}

// put caches an answer for the TTL, or until the session expires if sooner.
// A full cache leaves it out.
func (c *sessionTokenCache) put(sum [sha256.Size]byte, rs *remoteSession) {
	until := c.now().Add(c.ttl)
	if exp := rs.expiresAt(); !exp.IsZero() && exp.Before(until) {
		until = exp
	}
	c.putUntil(sum, rs, until)
}

// putUntil caches an answer another replica shared until its deadline,
// computed with the same rules as put's (see Authenticator.answerDeadline).
func (c *sessionTokenCache) putUntil(sum [sha256.Size]byte, rs *remoteSession, until time.Time) {
	_ = c.entries.Set(sum, rs, until) // ErrFull: not cached, by design
}

// dropSession drops every answer for the session: its opaque tokens must
// be asked about again. It scans the cache, which Revoke alone does.
func (c *sessionTokenCache) dropSession(sessionID string) {
	c.entries.DeleteFunc(func(_ [sha256.Size]byte, rs *remoteSession) bool {
		return rs.sessionID() == sessionID
	})
}
