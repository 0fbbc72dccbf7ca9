package middleware

import (
	"sync"
	"time"

	"github.com/stytchmw/stytchmw/internal/expiring"
)

// revokedSessions remembers the sessions revoked through this
// Authenticator (Revoke), so that the request path refuses them at once
// rather than when their credentials stop verifying on their own.
//
// Every authentication consults it after it succeeded, so reading costs one
// atomic load while no session was revoked. An entry lives until no
// credential of its session can pass without Stytch any more (see Revoke).
// The set is bounded: when it holds size live entries, adding one forgets
// the entry that expires first, whose session then falls back to the
// documented bounds (its JWT until exp, its opaque token for the cache TTL).
type revokedSessions struct {
	ids *expiring.Map[string, struct{}]
}

func newRevokedSessions(size int, now func() time.Time) *revokedSessions {
	return &revokedSessions{ids: expiring.New[string, struct{}](size, expiring.EvictSoonest, now)}
}

// has reports whether the session was revoked through this Authenticator
// and may still present a credential that verifies.
func (s *revokedSessions) has(sessionID string) bool {
	_, ok := s.ids.Get(sessionID)
	return ok
}

// add refuses the session until the given time, or a later one it was
// already refused until.
func (s *revokedSessions) add(sessionID string, until time.Time) {
	_ = s.ids.Extend(sessionID, struct{}{}, until) // EvictSoonest: never full
}

// len returns the number of entries, for tests.
func (s *revokedSessions) len() int { return s.ids.Len() }

// loggedOutUsers remembers the users logged out everywhere (RevokeUser,
// or a replica of the fleet): a session of such a user that started
// before the logout's not-before is refused, one started at or after it
// passes. Like revokedSessions it costs one atomic load per
// authentication while it is empty, lives as long as a credential of a
// session it refuses could pass without Stytch, and is bounded the same
// way (Tuning.RevokedSessionsSize, the logout that expires first is
// forgotten early).
type loggedOutUsers struct {
	mu  sync.Mutex // serialises add's read-merge-write
	ids *expiring.Map[string, time.Time]
}

func newLoggedOutUsers(size int, now func() time.Time) *loggedOutUsers {
	return &loggedOutUsers{ids: expiring.New[string, time.Time](size, expiring.EvictSoonest, now)}
}

// add refuses the user's sessions started before notBefore until until;
// an earlier logout's later not-before or deadline is kept.
func (u *loggedOutUsers) add(userID string, notBefore, until time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if old, ok := u.ids.Get(userID); ok && old.After(notBefore) {
		notBefore = old
	}
	_ = u.ids.Extend(userID, notBefore, until) // EvictSoonest: never full
}

// refuses reports whether a session of the user that started at
// startedAt was logged out. A session without a start time is refused.
func (u *loggedOutUsers) refuses(userID string, startedAt time.Time) bool {
	notBefore, ok := u.ids.Get(userID)
	return ok && startedAt.Before(notBefore)
}
