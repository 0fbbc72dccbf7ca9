package middleware

import (
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRevokedSessionsSize bounds the sessions an Authenticator
// remembers as revoked through Revoke when Config.RevokedSessionsSize is
// zero.
const DefaultRevokedSessionsSize = 10_000

// revokedSessions remembers the sessions revoked through this
// Authenticator (Revoke), so that the request path refuses them at once
// rather than when their credentials stop verifying on their own.
//
// Every authentication consults it after it succeeded, so reading must cost
// nothing when no session was revoked (one atomic load) and take no lock
// otherwise (a sync.Map, read-mostly). Writes are rare (a logout) and
// serialised by a mutex.
//
// An entry lives until no credential of its session can pass without
// Stytch any more (see Revoke), and is then dropped at the next addition.
// The set is bounded: when it holds size live entries, adding one forgets
// the entry that expires first, whose session then falls back to the
// documented bounds (its JWT until exp, its opaque token for the cache TTL).
type revokedSessions struct {
	count atomic.Int64 // entries in ids, read first by has
	ids   sync.Map     // session id → time.Time: refused until then
	size  int
	now   func() time.Time

	mu       sync.Mutex // serialises add, the only writer
	earliest time.Time  // the soonest expiry among ids; zero when empty
}

func newRevokedSessions(size int, now func() time.Time) *revokedSessions {
	return &revokedSessions{size: size, now: now}
}

// has reports whether the session was revoked through this Authenticator
// and may still present a credential that verifies.
func (s *revokedSessions) has(sessionID string) bool {
	if s.count.Load() == 0 {
		return false
	}
	until, ok := s.ids.Load(sessionID)
	return ok && s.now().Before(until.(time.Time))
}

// add refuses the session until the given time (or a later one it was
// already refused until).
func (s *revokedSessions) add(sessionID string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !until.After(now) {
		return
	}
	if old, ok := s.ids.Load(sessionID); ok {
		if until.After(old.(time.Time)) {
			s.ids.Store(sessionID, until)
		}
		return
	}
	full := int(s.count.Load()) >= s.size
	if full || !s.earliest.IsZero() && !now.Before(s.earliest) {
		if first := s.sweep(now); full && int(s.count.Load()) >= s.size {
			s.delete(first)
			s.sweep(now) // recompute earliest without it
		}
	}
	s.ids.Store(sessionID, until)
	s.count.Add(1)
	if s.earliest.IsZero() || until.Before(s.earliest) {
		s.earliest = until
	}
}

// sweep drops the entries that expired by now, sets earliest, and returns
// the id of the remaining entry that expires first ("" when none). Called
// with mu held.
func (s *revokedSessions) sweep(now time.Time) (first string) {
	s.earliest = time.Time{}
	s.ids.Range(func(k, v any) bool {
		id, until := k.(string), v.(time.Time)
		if !now.Before(until) {
			s.delete(id)
			return true
		}
		if s.earliest.IsZero() || until.Before(s.earliest) {
			s.earliest, first = until, id
		}
		return true
	})
	return first
}

// delete drops one entry. Called with mu held.
func (s *revokedSessions) delete(id string) {
	if _, ok := s.ids.LoadAndDelete(id); ok {
		s.count.Add(-1)
	}
}

// len returns the number of entries, for tests.
func (s *revokedSessions) len() int { return int(s.count.Load()) }
