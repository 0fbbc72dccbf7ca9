package middleware

import (
	"context"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/jwtverify"
)

// Caller says what kind of caller a request's credential proved.
type Caller uint8

const (
	// CallerNone: no caller (the zero value).
	CallerNone Caller = iota
	// CallerUser: a consumer project's user session (Auth.Session).
	CallerUser
	// CallerMember: a B2B project's member session (Auth.MemberSession).
	CallerMember
	// CallerMachine: an M2M or Connected Apps access token
	// (Auth.AccessToken). Only rules that accept machines let one through.
	CallerMachine
)

// String names the caller for logs and metrics.
func (c Caller) String() string {
	switch c {
	case CallerUser:
		return "user"
	case CallerMember:
		return "member"
	case CallerMachine:
		return "machine"
	}
	return "none"
}

// AccessToken is what a verified M2M or Connected Apps access token says:
// Subject (the M2M client, or the user or member a Connected App acts
// for), ClientID (the client holding the token), ConnectedApp, Scopes (in
// the token's order), OrganizationID and OrganizationSlug (a B2B
// project's Connected Apps token acting for a member) and CustomClaims.
// It is shared with the verified-token cache: read-only.
type AccessToken = jwtverify.AccessToken

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

// Auth is what the middleware learnt about a request's caller. Caller says
// which one of Session, MemberSession and AccessToken is set. It is
// shared, read-only: do not modify it or what it points to (a verified
// token's Session may be cached and handed to later requests).
type Auth struct {
	// Caller is the kind of caller: CallerUser, CallerMember or
	// CallerMachine.
	Caller Caller
	// Session is a consumer project's session (CallerUser).
	Session *client.Session
	// MemberSession is a B2B project's member session (CallerMember): its
	// MemberID, MemberSessionID, OrganizationID, OrganizationSlug and
	// Roles.
	MemberSession *client.MemberSession
	// AccessToken is a machine caller's token (CallerMachine): its
	// ClientID, Scopes and CustomClaims.
	AccessToken *AccessToken
	// JWT is the JWT in force: the request's own, or the fresh session JWT
	// Stytch answered with after a remote authentication (so a handler can
	// hand it back to a Bearer client). Empty only when Stytch sent none.
	JWT string
	// User is the session's user when Stytch answered (VerifiedRemote); nil
	// after local verification, which does not see the user.
	User *client.User
	// Member and Organization are the member session's member and
	// organization when Stytch answered (VerifiedRemote); nil after local
	// verification.
	Member       *client.Member
	Organization *client.Organization
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
	if c == nil || c.by != a || c.auth.Caller == CallerNone {
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

// sessionID is the id of the caller's session ("" for a machine).
func (auth *Auth) sessionID() string {
	switch {
	case auth.Session != nil:
		return auth.Session.SessionID
	case auth.MemberSession != nil:
		return auth.MemberSession.MemberSessionID
	}
	return ""
}

// subject is the user or member whose session the caller holds, and when
// that session started ("" for a machine): what a per-user not-before
// ("log out everywhere") is compared with.
func (auth *Auth) subject() (id string, startedAt time.Time) {
	switch {
	case auth.Session != nil:
		return auth.Session.UserID, auth.Session.StartedAt
	case auth.MemberSession != nil:
		return auth.MemberSession.MemberID, auth.MemberSession.StartedAt
	}
	return "", time.Time{}
}

// expiresAt is when the caller's session expires (zero for a machine).
func (auth *Auth) expiresAt() time.Time {
	switch {
	case auth.Session != nil:
		return auth.Session.ExpiresAt
	case auth.MemberSession != nil:
		return auth.MemberSession.ExpiresAt
	}
	return time.Time{}
}
