package middleware

import (
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
