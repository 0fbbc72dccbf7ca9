package middleware

import (
	"context"

	"github.com/stytchmw/stytchmw/client"
)

// Verification says how a session was established.
type Verification uint8

const (
	// VerifiedNone: no session (the zero value).
	VerifiedNone Verification = iota
	// VerifiedLocal: the session JWT was verified in process, against the
	// project's JWKS, without asking Stytch.
	VerifiedLocal
	// VerifiedRemote: Stytch answered sessions/authenticate for the
	// credential, in this request or, for an opaque token, at most
	// SessionTokenCacheTTL ago.
	VerifiedRemote
)

// String names the verification for logs and metrics.
func (v Verification) String() string {
	switch v {
	case VerifiedLocal:
		return "local"
	case VerifiedRemote:
		return "remote"
	}
	return "none"
}

// Auth is what the middleware learnt about a request's session. It is
// shared, read-only: do not modify it or the Session it points to (a
// verified token's Session may be cached and handed to later requests).
type Auth struct {
	// Session is the authenticated session.
	Session *client.Session
	// JWT is the session JWT in force: the request's own, or the fresh one
	// Stytch answered with after a remote authentication (so a handler can
	// hand it back to a Bearer client). Empty only when Stytch sent none.
	JWT string
	// User is the session's user when Stytch answered (VerifiedRemote); nil
	// after local verification, which does not see the user.
	User *client.User
	// Verified says whether the session was verified locally or remotely.
	Verified Verification
	// Source is the Name of the Source the credential came from; empty for
	// AuthenticateJWT and AuthenticateJWTLocal.
	Source string
	// Verdict is the last successful authorization check of this request
	// (a Permission rule, or AuthenticateJWT with an AuthorizationCheck),
	// nil when none ran.
	Verdict *client.AuthorizationVerdict
}

// authKey is the context key of the Auth record.
type authKey struct{}

// recordKey is the context key of the innermost authContext itself, for
// Permission rules and Authorize to learn who established the record.
type recordKey struct{}

// authContext carries an Auth record. It is a context of its own rather
// than context.WithValue so that the record and the context it lives in
// are one allocation on the request path.
type authContext struct {
	context.Context
	auth Auth
	// by is the Authenticator that verified the session; nil for a record
	// NewContext stored.
	by *Authenticator
}

// Value returns the Auth record for the package's key and defers to the
// parent for every other key.
func (c *authContext) Value(key any) any {
	switch key.(type) {
	case authKey:
		return &c.auth
	case recordKey:
		return c
	}
	return c.Context.Value(key)
}

// withAuth returns ctx carrying a copy of auth, a session a verified.
func (a *Authenticator) withAuth(ctx context.Context, auth Auth) context.Context {
	return &authContext{Context: ctx, auth: auth, by: a}
}

// verifiedHere returns the Auth record of ctx when a verified its session
// itself: the innermost record, stored by a's Require. A record stored by
// another Authenticator (another project, whose sessions a does not accept)
// or by NewContext is not returned, so that a's checks never rest on a session a did not verify.
func (a *Authenticator) verifiedHere(ctx context.Context) (*Auth, bool) {
	c, _ := ctx.Value(recordKey{}).(*authContext)
	if c == nil || c.by != a || c.auth.Session == nil {
		return nil, false
	}
	return &c.auth, true
}

// NewContext returns ctx carrying auth, for tests of handlers that read
// the session with FromContext.
//
// The middleware itself never trusts such a record: Permission rules and
// Authorize rely only on a session their own Authenticator verified, and
// authenticate the request's credential otherwise, so a record put there
// grants nothing (a request without a credential gets 401). To test a
// route behind a Permission rule, send real credentials, e.g. JWTs of the
// stytchtest emulator, or call the handler behind it directly.
func NewContext(ctx context.Context, auth *Auth) context.Context {
	if auth == nil {
		return ctx
	}
	return &authContext{Context: ctx, auth: *auth}
}

// FromContext returns the request's Auth record, if the middleware (or
// NewContext) stored one: the session (Auth.Session, whose UserID and
// Roles handlers read most), the JWT in force, the user after a remote
// authentication, how it was verified and the last authorization verdict.
// Optional routes without a credential have none.
func FromContext(ctx context.Context) (*Auth, bool) {
	a, ok := ctx.Value(authKey{}).(*Auth)
	return a, ok && a != nil
}
