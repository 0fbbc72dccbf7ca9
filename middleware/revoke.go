package middleware

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/jwtverify"
)

// Logging a session out
//
// Revoking a session with the client alone (client.Revoke) leaves a gap:
// the session's JWTs keep verifying locally until their exp, and an opaque
// token's cached answer keeps passing for SessionTokenCacheTTL. Revoke
// closes it for the Authenticator it is called on: after Stytch confirmed,
// the session is refused at once, whatever credential of it a request
// carries. Other Authenticators (other processes, or other instances in
// this one) learn of the revocation only from Stytch, so for them the
// documented bounds still hold, unless they share a fleet (Config.Fleet):
// then Revoke publishes the revocation and every replica refuses the
// session as soon as it receives it (see fleet.go).

// sessionJWTLifetime is how long Stytch's session JWTs are valid after they
// are issued (Stytch: "JWTs have a set lifetime of 5 minutes").
const sessionJWTLifetime = 5 * time.Minute

// errRevokedHere is the cause of refusing a session revoked through this
// Authenticator.
var errRevokedHere = errors.New("the session was revoked through this Authenticator")

// Revoke logs a session out: it revokes the session with Stytch
// (sessions/revoke by session id, or b2b/sessions/revoke by member session
// id) and, once Stytch has confirmed (or
// answered that the session does not exist any more), makes this
// Authenticator refuse the session at once: every later request carrying
// one of its JWTs or opaque tokens gets 401 session_not_found, and the
// cached answers for its opaque tokens are dropped.
//
// auth is the request's record (FromContext) or the result of
// AuthenticateJWT: the session to revoke is the one a credential proved,
// never an id taken from the request. A nil auth, or one without a
// session, is an ErrInvalidParams error.
//
// The call to Stytch is bounded by RemoteTimeout and completes even if ctx
// is cancelled (a client that stopped waiting for its logout is still
// logged out); Close cuts it short. When Stytch fails or cannot be reached
// the session is not revoked, here or there: the error is an *Error with
// Code ErrUnavailable (503) wrapping the client's error, and the caller
// may try again.
//
// In fleet mode (Config.Fleet) the revocation is then published, and
// every replica refuses the session as soon as it receives it; when the
// fleet cannot be reached, Revoke still succeeds (the session is refused
// here), logs it, and the store sends the revocation when the fleet is
// back.
//
// Without a fleet the refusal is local to this Authenticator. Another one
// (another process behind the same load balancer) sees the revocation only
// when it asks Stytch: for a JWT when it expires (5 minutes after it was issued,
// plus ClockTolerance) or reaches MaxTokenAge, for an opaque token when its
// cached answer (SessionTokenCacheTTL) expires. The Authenticator
// remembers a revoked session for as long as a credential of it could
// still pass here without Stytch, in a set bounded by
// Config.Tuning.RevokedSessionsSize.
func (a *Authenticator) Revoke(ctx context.Context, auth *Auth) error {
	if auth == nil || auth.sessionID() == "" {
		return fmt.Errorf("%w: Revoke needs the Auth of an authenticated session", ErrInvalidParams)
	}
	sessionID := auth.sessionID()
	if !a.enter() {
		return newError(ErrUnavailable, errClosed)
	}
	defer a.inflight.Done()
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.remoteTimeout)
	defer cancel()
	stop := context.AfterFunc(a.base, cancel)
	defer stop()

	var err error
	if auth.MemberSession != nil {
		_, err = a.client.B2B().Revoke(callCtx, client.B2BRevokeRequest{MemberSessionID: sessionID})
	} else {
		_, err = a.client.Revoke(callCtx, client.RevokeRequest{SessionID: sessionID})
	}
	if err != nil && !errors.Is(err, client.ErrSessionNotFound) {
		return newError(ErrUnavailable, fmt.Errorf("revoke: %w", err))
	}
	r := fleet.Revocation{Kind: fleet.SessionRevoked, SessionID: sessionID, Until: a.revokedUntil(callCtx, auth)}
	a.applyRevocation(r)
	a.publish(ctx, r)
	return nil
}

// errUserLoggedOut is the cause of refusing a session of a user logged
// out everywhere.
var errUserLoggedOut = errors.New("the user was logged out everywhere after the session started")

// RevokeUser logs a user out everywhere: it revokes every session of the
// user with Stytch (sessions/get by user_id, then sessions/revoke for each;
// in a B2B project userID is a member id, and one b2b/sessions/revoke by
// member_id does it)
// and refuses, on this Authenticator and in fleet mode on every replica,
// every session of the user that started before now (a not-before):
// 401 session_not_found, whatever credential of it a request carries.
// Sessions the user starts afterwards pass.
//
// userID is the caller's decision (auth.Session.UserID for "log me out
// everywhere", or an administrator's), never an id taken from an
// unauthenticated request. An empty one, or one longer than
// fleet.MaxIDBytes, is an ErrInvalidParams error.
//
// Each call to Stytch is bounded by RemoteTimeout and completes even if
// ctx is cancelled; Close cuts it short. When Stytch cannot list the
// user's sessions nothing is done: an ErrUnavailable (503) error, and the
// caller may try again. When it lists them but fails to revoke some, the
// not-before is applied anyway (it refuses them here and in the fleet
// until Until) and the error says how many failed: try again, so that
// Stytch revokes them for good. The not-before is refused for as long as
// a credential of a session started before it could pass without Stytch,
// as Revoke's revocations are.
func (a *Authenticator) RevokeUser(ctx context.Context, userID string) error {
	if userID == "" || len(userID) > fleet.MaxIDBytes {
		return fmt.Errorf("%w: RevokeUser needs a user id of 1 to %d bytes", ErrInvalidParams, fleet.MaxIDBytes)
	}
	if !a.enter() {
		return newError(ErrUnavailable, errClosed)
	}
	defer a.inflight.Done()
	call := func(f func(context.Context) error) error {
		callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.remoteTimeout)
		defer cancel()
		stop := context.AfterFunc(a.base, cancel)
		defer stop()
		return f(callCtx)
	}
	if a.b2b {
		return a.revokeMember(ctx, userID, call)
	}
	var sessions []client.Session
	err := call(func(ctx context.Context) error {
		resp, err := a.client.Get(ctx, client.GetRequest{UserID: userID})
		if resp != nil {
			sessions = resp.Sessions
		}
		return err
	})
	if err != nil {
		return newError(ErrUnavailable, fmt.Errorf("list the user's sessions: %w", err))
	}
	// The not-before follows every session Stytch listed, even one whose
	// started_at is ahead of this clock.
	notBefore := a.now()
	var failed []error
	for _, s := range sessions {
		if !s.StartedAt.Before(notBefore) {
			notBefore = s.StartedAt.Add(time.Nanosecond)
		}
		err := call(func(ctx context.Context) error {
			_, err := a.client.Revoke(ctx, client.RevokeRequest{SessionID: s.SessionID})
			return err
		})
		if err != nil && !errors.Is(err, client.ErrSessionNotFound) {
			failed = append(failed, err)
		}
	}
	r := fleet.Revocation{Kind: fleet.UserLoggedOut, UserID: userID, NotBefore: notBefore, Until: a.revokedUntil(ctx, &Auth{})}
	a.applyRevocation(r)
	a.publish(ctx, r)
	if len(failed) > 0 {
		return newError(ErrUnavailable, fmt.Errorf("revoke: %d of the user's %d sessions were not revoked by Stytch (refused by the middleware until %s): %w",
			len(failed), len(sessions), r.Until.Format(time.RFC3339), errors.Join(failed...)))
	}
	return nil
}

// revokeMember is RevokeUser in a B2B project, where userID is a member
// id: one b2b/sessions/revoke by member_id revokes every session of the
// member, and the not-before is this clock's now. Only a failed revoke
// leaves the fleet untouched (ErrUnavailable: nothing was done).
func (a *Authenticator) revokeMember(ctx context.Context, memberID string, call func(func(context.Context) error) error) error {
	err := call(func(ctx context.Context) error {
		_, err := a.client.B2B().Revoke(ctx, client.B2BRevokeRequest{MemberID: memberID})
		return err
	})
	if err != nil && !errors.Is(err, client.ErrSessionNotFound) {
		return newError(ErrUnavailable, fmt.Errorf("revoke the member's sessions: %w", err))
	}
	r := fleet.Revocation{Kind: fleet.UserLoggedOut, UserID: memberID, NotBefore: a.now(), Until: a.revokedUntil(ctx, &Auth{})}
	a.applyRevocation(r)
	a.publish(ctx, r)
	return nil
}

// revokedUntil is how long a session revoked now must be refused here: as
// long as any credential of it could still pass without Stytch. That is a
// JWT issued just before the revocation, valid for sessionJWTLifetime plus
// ClockTolerance, or longer when the JWT at hand says so; and an opaque
// token's answer that was on its way when the session was revoked, cached
// for the TTL after it arrived, at most RemoteTimeout later.
func (a *Authenticator) revokedUntil(ctx context.Context, auth *Auth) time.Time {
	now := a.now()
	until := now.Add(sessionJWTLifetime + a.clockTolerance)
	if a.tokens != nil {
		until = later(until, now.Add(a.remoteTimeout+a.tokens.ttl))
	}
	if auth.JWT != "" {
		// The verified-token cache usually holds it: a lookup, no RSA check.
		res, err := a.verifier.Verify(ctx, auth.JWT)
		if res != nil && (err == nil || errors.Is(err, jwtverify.ErrExpired)) {
			until = later(until, res.ExpiresAt.Add(a.clockTolerance))
		}
	}
	return until
}

func later(t, u time.Time) time.Time {
	if u.After(t) {
		return u
	}
	return t
}

// checkNotRevoked refuses a session revoked through this Authenticator (or
// a replica of its fleet), and a session of a user or member logged out
// everywhere before it started. A machine has no session: nothing to refuse.
func (a *Authenticator) checkNotRevoked(auth *Auth) error {
	subject, startedAt := auth.subject()
	if subject == "" {
		return nil
	}
	if a.revoked.has(auth.sessionID()) {
		return newError(ErrSessionNotFound, errRevokedHere)
	}
	if a.users.refuses(subject, startedAt) {
		return newError(ErrSessionNotFound, errUserLoggedOut)
	}
	return nil
}
