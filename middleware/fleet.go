package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/fleet"
)

// Fleet mode
//
// With Config.Fleet set, the replicas of one API share two things through
// the fleet's store (Redis, with fleet/redisfleet):
//
//   - Revocations. Revoke and RevokeUser publish what they refused; the
//     store delivers every replica's revocations to applyRevocation, which
//     adds them to the same in-memory sets that Revoke fills locally. The
//     request path reads those sets only: no round trip to the store per
//     request.
//   - Stytch's answers. On a miss of the local session-token cache (and for
//     a JWT that must be authenticated remotely), the replica asks the
//     store before Stytch, and shares Stytch's answer after, with the same
//     deadlines as the local cache: K credentials cost about K calls to
//     Stytch however many replicas see them.
//
// The store bounds every call a request makes by its own small timeout,
// and fails at once while its feed is not live; any error of the store
// means "ask Stytch", so a broken store never lets through what the
// single-process mode would refuse, nor fails what it would serve.
//
// While the feed is not live (never connected yet, cut off, Redis down)
// this replica does not see the revocations published elsewhere;
// Config.FleetOutage says what it does meanwhile.

// FleetOutage says what an Authenticator in fleet mode does while the
// fleet's feed of revocations is not live.
type FleetOutage uint8

const (
	// FleetOutageLocal (the default) keeps serving as the single-process
	// mode does: what this replica revoked, and what it received from the
	// fleet before the feed went down, is refused at once; a revocation
	// made on another replica meanwhile is seen within the single-process
	// bounds (a JWT until its exp or MaxTokenAge, an opaque token for
	// SessionTokenCacheTTL), or as soon as the feed is back (it then
	// reloads every revocation). The outage is logged and observed
	// (Observation.FleetDown), and costs no extra call to Stytch.
	FleetOutageLocal FleetOutage = iota
	// FleetOutageRemote authenticates every credential with Stytch while
	// the feed is not live, as MaxTokenAge below one second does (the
	// local session-token cache is not read either), so a session revoked
	// anywhere is refused as soon as Stytch knows. It costs one Stytch call
	// per request (identical concurrent ones shared), bounded by
	// Tuning.MaxConcurrentRemote: beyond it, requests get 503.
	FleetOutageRemote
)

// String names the option, for logs.
func (o FleetOutage) String() string {
	switch o {
	case FleetOutageLocal:
		return "local"
	case FleetOutageRemote:
		return "remote"
	}
	return fmt.Sprintf("FleetOutage(%d)", uint8(o))
}

// startFleet subscribes to the fleet's revocations and waits for the
// store to load them, at most as long as ctx allows: New does not fail
// because the store is unreachable (Status().Ready() says when it is
// loaded).
func (a *Authenticator) startFleet(ctx context.Context) {
	if a.fleet == nil {
		return
	}
	a.unsubscribe = a.fleet.Subscribe(a.applyRevocation)
	if err := a.fleet.Ready(ctx); err != nil {
		a.logger.Warn("stytchmw: the fleet's revocations are not loaded yet; sessions revoked on other replicas are refused once they are",
			"fleet_outage", a.fleetOutage.String(), "err", err)
	}
}

// applyRevocation is the fleet's sink: it refuses what r describes until
// r.Until. It is idempotent and fast (called from the store's goroutine).
func (a *Authenticator) applyRevocation(r fleet.Revocation) {
	switch r.Kind {
	case fleet.SessionRevoked:
		a.revoked.add(r.SessionID, r.Until)
		if a.tokens != nil {
			a.tokens.dropSession(r.SessionID)
		}
	case fleet.UserLoggedOut:
		// Cached answers stay: checkNotRevoked refuses them after the cache.
		a.users.add(r.UserID, r.NotBefore, r.Until)
	}
}

// publish tells the fleet about a revocation this Authenticator has
// already applied. A store that cannot reach the fleet holds it and sends
// it when it can: the logout succeeded here, and is logged as late
// elsewhere.
func (a *Authenticator) publish(ctx context.Context, r fleet.Revocation) {
	if a.fleet == nil {
		return
	}
	if err := a.fleet.Publish(ctx, r); err != nil {
		a.logger.Warn("stytchmw: the revocation is refused here but did not reach the fleet yet; it is sent when the fleet is reachable",
			"kind", r.Kind.String(), "err", err)
	}
}

// fleetDown reports whether the Authenticator is in fleet mode with its
// feed not live, and logs when that changes (on the first decision after
// the change).
func (a *Authenticator) fleetDown(ctx context.Context) bool {
	if a.fleet == nil {
		return false
	}
	st := a.fleet.Status()
	down := !st.Connected
	if a.fleetWasDown.Swap(down) != down {
		if down {
			a.logger.LogAttrs(ctx, slog.LevelWarn, "stytchmw: the fleet's feed is down; revocations made on other replicas are not seen until it is back",
				slog.String("fleet_outage", a.fleetOutage.String()), slog.Any("err", st.Err))
		} else {
			a.logger.LogAttrs(ctx, slog.LevelInfo, "stytchmw: the fleet's feed is live; revocations reloaded")
		}
	}
	return down
}

// askStytchForAll reports whether, in fleet mode with FleetOutageRemote,
// the feed is down: every credential is then authenticated with Stytch.
func (a *Authenticator) askStytchForAll(ctx context.Context) bool {
	return a.fleetOutage == FleetOutageRemote && a.fleetDown(ctx)
}

// sharedAnswer is a remote answer as the fleet's store keeps it (sealed by
// the store: Redis sees neither the session nor the user).
type sharedAnswer struct {
	Version int             `json:"v"`
	At      time.Time       `json:"at"` // when Stytch answered
	Session *client.Session `json:"session,omitempty"`
	User    *client.User    `json:"user,omitempty"`
	// MemberSession, Member and Organization replace Session and User in a
	// B2B project.
	MemberSession *client.MemberSession `json:"member_session,omitempty"`
	Member        *client.Member        `json:"member,omitempty"`
	Organization  *client.Organization  `json:"organization,omitempty"`
	JWT           string                `json:"jwt,omitempty"`
}

// remoteSession is the answer as this Authenticator holds it, or nil when
// it is not an answer of this Authenticator's kind of project.
func (sa *sharedAnswer) remoteSession(b2b bool) *remoteSession {
	if b2b {
		ms := sa.MemberSession
		if sa.Session != nil || ms == nil || ms.MemberSessionID == "" || ms.MemberID == "" || ms.OrganizationID == "" ||
			sa.Member == nil || sa.Organization == nil {
			return nil
		}
		return &remoteSession{memberSession: ms, member: sa.Member, organization: sa.Organization, jwt: sa.JWT}
	}
	if sa.MemberSession != nil || sa.Session == nil || sa.Session.SessionID == "" || sa.Session.UserID == "" || sa.User == nil {
		return nil
	}
	return &remoteSession{session: sa.Session, user: sa.User, jwt: sa.JWT}
}

const sharedAnswerVersion = 1

var errBadSharedAnswer = errors.New("a shared answer without a session of this project's kind")

// answerDeadline is how long an answer Stytch gave at `at` may be reused
// for a credential of kind checked under age, and whether it may be at
// all: the local cache's TTL (none when the cache is off), never past the
// session's expiry, and for a JWT never past MaxTokenAge (which promises
// that Stytch vouched for the session within it; below one second it
// promises a call per request, so nothing is reused).
func (a *Authenticator) answerDeadline(kind CredentialKind, age tokenAge, at, expiresAt time.Time) (time.Time, bool) {
	if a.answerTTL <= 0 {
		return time.Time{}, false
	}
	ttl := a.answerTTL
	if kind == SessionJWT && age > 0 {
		if age < tokenAge(time.Second) {
			return time.Time{}, false
		}
		ttl = min(ttl, time.Duration(age))
	}
	until := at.Add(ttl)
	if !expiresAt.IsZero() && expiresAt.Before(until) {
		until = expiresAt
	}
	return until, until.After(a.now())
}

// fetchShared returns the fleet's answer for a credential, if a replica
// shared one that may still be reused here. Every failure of the store
// (miss, outage, an entry it refused) means: ask Stytch.
func (a *Authenticator) fetchShared(ctx context.Context, kind CredentialKind, age tokenAge, key string) (*remoteSession, time.Time, bool) {
	if a.fleet == nil || a.answerTTL <= 0 {
		return nil, time.Time{}, false
	}
	payload, _, err := a.fleet.GetAnswer(ctx, key)
	if err != nil {
		if errors.Is(err, fleet.ErrCorrupt) {
			a.logger.Warn("stytchmw: refused an answer of the fleet's store", "err", err)
		}
		return nil, time.Time{}, false
	}
	var sa sharedAnswer
	err = json.Unmarshal(payload, &sa)
	var rs *remoteSession
	if err == nil && sa.Version == sharedAnswerVersion {
		rs = sa.remoteSession(a.b2b)
	}
	if rs == nil {
		a.logger.Warn("stytchmw: refused an answer of the fleet's store", "err", errors.Join(errBadSharedAnswer, err))
		return nil, time.Time{}, false
	}
	// The deadline is recomputed with this replica's rules (its TTL, the
	// call's MaxTokenAge), never taken from the store alone.
	until, ok := a.answerDeadline(kind, age, sa.At, rs.expiresAt())
	if !ok {
		return nil, time.Time{}, false
	}
	return rs, until, true
}

// share stores Stytch's answer in the fleet, in the background: the
// request that asked does not wait for the store. Close waits for it.
func (a *Authenticator) share(ctx context.Context, kind CredentialKind, age tokenAge, key string, rs *remoteSession, at time.Time) {
	if a.fleet == nil {
		return
	}
	until, ok := a.answerDeadline(kind, age, at, rs.expiresAt())
	if !ok {
		return
	}
	payload, err := json.Marshal(sharedAnswer{Version: sharedAnswerVersion, At: at, Session: rs.session, User: rs.user,
		MemberSession: rs.memberSession, Member: rs.member, Organization: rs.organization, JWT: rs.jwt})
	if err != nil || !a.enter() {
		return
	}
	go func() {
		defer a.inflight.Done()
		ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		stop := context.AfterFunc(a.base, cancel)
		defer stop()
		if err := a.fleet.SetAnswer(ctx, key, payload, until); err != nil && !errors.Is(err, fleet.ErrUnavailable) {
			a.logger.Warn("stytchmw: could not share Stytch's answer with the fleet", "err", err)
		}
	}()
}
