package middleware

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"
	"time"

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
	// memberSession, member and organization are a B2B project's answer,
	// instead of session and user.
	memberSession *client.MemberSession
	member        *client.Member
	organization  *client.Organization
	jwt           string
}

// authenticateRemote asks Stytch about a credential, through the cache (for
// opaque tokens), the fleet's shared answers (in fleet mode) and the
// coalescing group. cached reports an answer from a cache, local or
// shared. age is the MaxTokenAge in force, which bounds how long an answer
// for a JWT may be shared.
func (a *Authenticator) authenticateRemote(ctx context.Context, kind CredentialKind, token string, age tokenAge) (rs *remoteSession, cached bool, err error) {
	sum := sha256.Sum256([]byte(token))
	if kind == SessionToken && a.tokens != nil && !a.askStytchForAll(ctx) {
		if rs, ok := a.tokens.get(sum); ok {
			return rs, true, nil
		}
	}
	key := remoteKey(kind, sum)
	if kind == SessionJWT && a.fleet != nil {
		// A JWT's MaxTokenAge bounds the reuse of a shared answer
		// (answerDeadline): calls under different ages are not coalesced,
		// so that none is given an answer older than its own age allows.
		key += strconv.FormatInt(int64(age), 36)
	}
	ch := a.remote.DoChan(key, func() (any, error) {
		return a.callAuthenticate(ctx, kind, token, sum, age)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, false, res.Err
		}
		r := res.Val.(remoteResult)
		return r.rs, r.shared, nil
	case <-ctx.Done():
		return nil, false, newError(ErrUnavailable, ctx.Err())
	}
}

// remoteResult is what a coalesced call yields: the answer, and whether it
// came from the fleet rather than from Stytch.
type remoteResult struct {
	rs     *remoteSession
	shared bool
}

// remoteKey identifies a credential without holding it: its kind and the
// SHA-256 of its bytes.
func remoteKey(kind CredentialKind, sum [sha256.Size]byte) string {
	var key [1 + sha256.Size]byte
	key[0] = byte(kind)
	copy(key[1:], sum[:])
	return string(key[:])
}

var errNoSessionInAnswer = errors.New("stytch answered without a session")

// errTooManyRemote is the cause of refusing a credential because
// MaxConcurrentRemote calls are in flight.
var errTooManyRemote = errors.New("too many remote authentications in flight (Config.Tuning.MaxConcurrentRemote)")

// callAuthenticate makes the one upstream call of a coalesced group.
// ctx is the first waiting request's: its values (trace ids) travel with
// the call, its cancellation does not.
//
// In fleet mode it first asks the fleet for an answer another replica
// shared (bounded by the store's timeout, before taking one of the
// MaxConcurrentRemote slots), and shares Stytch's answer after.
func (a *Authenticator) callAuthenticate(ctx context.Context, kind CredentialKind, token string, sum [sha256.Size]byte, age tokenAge) (remoteResult, error) {
	if !a.enter() {
		return remoteResult{}, newError(ErrUnavailable, errClosed)
	}
	defer a.inflight.Done()
	key := remoteKey(kind, sum)
	if !a.askStytchForAll(ctx) {
		if rs, until, ok := a.fetchShared(ctx, kind, age, key); ok {
			if kind == SessionToken && a.tokens != nil {
				a.tokens.putUntil(sum, rs, until)
			}
			return remoteResult{rs: rs, shared: true}, nil
		}
	}
	rs, err := a.askStytch(ctx, kind, token)
	if err != nil {
		return remoteResult{}, err
	}
	at := a.now()
	if kind == SessionToken && a.tokens != nil {
		a.tokens.put(sum, rs)
	}
	a.share(ctx, kind, age, key, rs, at)
	return remoteResult{rs: rs}, nil
}

// askStytch makes the call to sessions/authenticate, within
// MaxConcurrentRemote and RemoteTimeout.
func (a *Authenticator) askStytch(ctx context.Context, kind CredentialKind, token string) (rs *remoteSession, err error) {
	err = a.withinRemoteBounds(ctx, func(ctx context.Context) error {
		rs, err = a.postAuthenticate(ctx, kind, token)
		return err
	})
	return rs, err
}

// withinRemoteBounds makes one call to Stytch within MaxConcurrentRemote
// (refused with 503 at once beyond it) and RemoteTimeout; the call keeps
// ctx's values, not its cancellation, and is cancelled by Close.
func (a *Authenticator) withinRemoteBounds(ctx context.Context, call func(context.Context) error) error {
	if a.remoteInFlight.Add(1) > a.maxRemote {
		a.remoteInFlight.Add(-1)
		return newError(ErrUnavailable, errTooManyRemote)
	}
	defer a.remoteInFlight.Add(-1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.remoteTimeout)
	defer cancel()
	stop := context.AfterFunc(a.base, cancel)
	defer stop()
	return call(ctx)
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

// postAuthenticate authenticates a credential with the project's endpoint:
// sessions/authenticate, or b2b/sessions/authenticate in a B2B project.
// An answer without a session is Stytch's fault (503), never a pass.
func (a *Authenticator) postAuthenticate(ctx context.Context, kind CredentialKind, token string) (*remoteSession, error) {
	if a.b2b {
		req := client.B2BAuthenticateRequest{SessionJWT: token}
		if kind == SessionToken {
			req = client.B2BAuthenticateRequest{SessionToken: token}
		}
		resp, err := a.client.B2B().Authenticate(ctx, req)
		if err != nil {
			return nil, remoteError(err)
		}
		ms := &resp.MemberSession
		if ms.MemberSessionID == "" || ms.MemberID == "" || ms.OrganizationID == "" {
			return nil, newError(ErrUnavailable, errNoSessionInAnswer)
		}
		return &remoteSession{memberSession: ms, member: &resp.Member, organization: &resp.Organization, jwt: resp.SessionJWT}, nil
	}
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
	return &remoteSession{session: &resp.Session, user: &resp.User, jwt: resp.SessionJWT}, nil
}

// sessionID is the id of the session Stytch answered with.
func (rs *remoteSession) sessionID() string {
	if rs.memberSession != nil {
		return rs.memberSession.MemberSessionID
	}
	return rs.session.SessionID
}

// expiresAt is when the session Stytch answered with expires.
func (rs *remoteSession) expiresAt() time.Time {
	if rs.memberSession != nil {
		return rs.memberSession.ExpiresAt
	}
	return rs.session.ExpiresAt
}
