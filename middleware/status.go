package middleware

import (
	"cmp"
	"time"

	"github.com/stytchmw/stytchmw/fleet"
)

// Status is an Authenticator's state, for readiness probes and metrics.
// It is a snapshot; Status allocates, so call it from a probe or a metrics
// collector, not on every request.
type Status struct {
	// Closed: Close was called; every request is refused.
	Closed bool
	// KeysFetchedAt is when the JWKS in force was fetched (zero: none yet;
	// see KeysLoaded).
	KeysFetchedAt time.Time
	// PolicyFetchedAt is when the RBAC policy in force was fetched (zero:
	// none loaded yet, or no Permission rule has needed one).
	PolicyFetchedAt time.Time
	// Fleet is the fleet's state; nil without Config.Fleet.
	Fleet *fleet.Status
	// FleetOutage is Config.FleetOutage (meaningful with a fleet only).
	FleetOutage FleetOutage
}

// KeysLoaded reports whether the project's JWKS was fetched at least once,
// so that JWTs can be verified locally.
func (s Status) KeysLoaded() bool { return !s.KeysFetchedAt.IsZero() }

// Ready reports whether the Authenticator should receive traffic: it is
// not closed and, in fleet mode, it has loaded the fleet's revocations
// once, so that it refuses every session revoked before it started. (It
// does not wait for the JWKS: without Stytch, requests get 503 and the
// Authenticator keeps fetching, as in single-process mode.)
func (s Status) Ready() bool {
	return !s.Closed && (s.Fleet == nil || s.Fleet.Loaded)
}

// Status returns the Authenticator's state.
func (a *Authenticator) Status() Status {
	st := Status{Closed: a.closed.Load(), KeysFetchedAt: a.keys.FetchedAt(), FleetOutage: a.fleetOutage}
	a.mu.Lock()
	pc, bc := cmp.Or(a.policy, a.ownPolicy), cmp.Or(a.b2bPolicy, a.ownB2B)
	a.mu.Unlock()
	switch {
	case pc != nil:
		st.PolicyFetchedAt = pc.FetchedAt()
	case bc != nil:
		st.PolicyFetchedAt = bc.FetchedAt()
	}
	if a.fleet != nil {
		fs := a.fleet.Status()
		st.Fleet = &fs
	}
	return st
}
