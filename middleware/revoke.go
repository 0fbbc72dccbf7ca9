package middleware

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stytchmw/stytchmw/client"
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
// documented bounds still hold.

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
// The refusal is local to this Authenticator. Another one (another
// process behind the same load balancer) sees the revocation only when it
// asks Stytch: for a JWT when it expires (5 minutes after it was issued,
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
	a.revoked.add(sessionID, a.revokedUntil(callCtx, auth))
	if a.tokens != nil {
		a.tokens.dropSession(sessionID)
	}
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

// checkNotRevoked refuses a session revoked through this Authenticator.
func (a *Authenticator) checkNotRevoked(sessionID string) error {
	if sessionID != "" && a.revoked.has(sessionID) {
		return newError(ErrSessionNotFound, errRevokedHere)
	}
	return nil
}
