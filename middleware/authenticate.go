package middleware

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/jwtverify"
)

// attempt is the result of authenticating one credential.
type attempt struct {
	auth Auth
	// source is the credential's source; nil when the request had none.
	source *Source
	// token is the credential, for the log's fingerprint only.
	token string
	// refreshed: Stytch answered with a JWT other than the one sent.
	refreshed bool
	// cached: the remote answer came from the session-token cache.
	cached bool
}

// sourceName is the Name of the credential's source, "" when none.
func (at *attempt) sourceName() string {
	if at.source == nil {
		return at.auth.Source
	}
	return at.source.Name
}

// authenticateCredential establishes the caller of a credential, taking
// only the kinds of caller acc holds: locally when the JWT allows it,
// remotely when it must (see remote.go). An access token is verified
// locally, then introspected when Config.Introspection asks for it (see
// introspect.go); it is never sent to sessions/authenticate.
func (a *Authenticator) authenticateCredential(ctx context.Context, kind CredentialKind, token string, age tokenAge, acc callers) (attempt, error) {
	if kind == SessionToken && acc&acceptSessions == 0 {
		return attempt{}, newError(ErrInvalidToken, errOpaqueNotMachine)
	}
	if kind == SessionJWT {
		res, err := a.verifyJWT(ctx, token, acc)
		switch {
		case err == nil && res.Kind == jwtverify.KindAccessToken:
			if err := a.checkActive(ctx, token, res.AccessToken); err != nil {
				return attempt{}, err
			}
			return attempt{auth: Auth{Caller: CallerMachine, AccessToken: res.AccessToken, JWT: token, Verified: VerifiedLocal}}, nil
		case err == nil:
			// In fleet mode with FleetOutageRemote, while the fleet's feed
			// is down, Stytch is asked about every JWT (see fleet.go).
			if !age.tooOld(a.now(), res.IssuedAt) && !a.askStytchForAll(ctx) {
				auth := localAuth(res, token)
				if err := a.checkNotRevoked(&auth); err != nil {
					return attempt{}, err
				}
				return attempt{auth: auth}, nil
			}
		case errors.Is(err, jwtverify.ErrExpired) && res != nil && res.Kind != jwtverify.KindAccessToken:
			// Authentic but expired: Stytch refreshes it while the session lives.
		default:
			return attempt{}, localError(err)
		}
	}
	rs, cached, err := a.authenticateRemote(ctx, kind, token, age)
	if err != nil {
		return attempt{}, err
	}
	jwt := rs.jwt
	if jwt == "" && kind == SessionJWT {
		jwt = token
	}
	auth := Auth{Caller: CallerUser, Session: rs.session, User: rs.user, JWT: jwt, Verified: VerifiedRemote}
	if rs.memberSession != nil {
		auth = Auth{Caller: CallerMember, MemberSession: rs.memberSession, Member: rs.member, Organization: rs.organization, JWT: jwt, Verified: VerifiedRemote}
	}
	if err := a.checkNotRevoked(&auth); err != nil {
		return attempt{}, err
	}
	return attempt{
		auth:      auth,
		refreshed: kind == SessionJWT && rs.jwt != "" && rs.jwt != token,
		cached:    cached,
	}, nil
}

// errOpaqueNotMachine is the cause of refusing an opaque session token on
// a route that accepts machines only: it is never sent to Stytch.
var errOpaqueNotMachine = errors.New("an opaque session token is not an access token")

// verifyJWT verifies a JWT of the kinds acc holds: the project's session
// JWTs, access tokens, or either.
func (a *Authenticator) verifyJWT(ctx context.Context, token string, acc callers) (*jwtverify.Result, error) {
	switch acc {
	case acceptMachines:
		return a.verifier.VerifyAccessToken(ctx, token)
	case acceptSessions | acceptMachines:
		return a.verifier.VerifyAny(ctx, token)
	}
	return a.verifier.Verify(ctx, token)
}

// localAuth is the Auth of a locally verified session JWT.
func localAuth(res *jwtverify.Result, token string) Auth {
	if res.MemberSession != nil {
		return Auth{Caller: CallerMember, MemberSession: res.MemberSession, JWT: token, Verified: VerifiedLocal}
	}
	return Auth{Caller: CallerUser, Session: res.Session, JWT: token, Verified: VerifiedLocal}
}

// localError maps a local verification failure to a refusal. Only a JWKS
// that cannot be fetched at all is Stytch's fault (503); everything else is
// the token's (401).
func localError(err error) *Error {
	switch {
	case errors.Is(err, jwtverify.ErrKeysUnavailable):
		return newError(ErrUnavailable, err)
	case errors.Is(err, jwtverify.ErrTooLarge):
		return newError(ErrCredentialTooLarge, err)
	case errors.Is(err, jwtverify.ErrMalformed):
		return newError(ErrMalformedCredential, err)
	case errors.Is(err, jwtverify.ErrExpired):
		return newError(ErrTokenExpired, err)
	}
	return newError(ErrInvalidToken, err)
}

// checkCredential applies the checks every credential gets before it is
// parsed: present, within MaxCredentialBytes, and for an opaque token (which
// only Stytch can check) made of token68 characters. A JWT's characters are
// checked by its strict base64url decoding, so the request path does not
// scan it twice.
func (a *Authenticator) checkCredential(kind CredentialKind, token string) error {
	switch {
	case token == "":
		return newError(ErrNoCredential, nil)
	case len(token) > a.maxCredentialBytes:
		return newError(ErrCredentialTooLarge, nil)
	case kind == SessionToken && !isToken68(token):
		return newError(ErrMalformedCredential, errCredentialChars)
	}
	return nil
}

// AuthenticateJWTParams are the parameters of AuthenticateJWT, those of the
// seed SDK's authenticateJwt.
type AuthenticateJWTParams struct {
	// SessionJWT is the JWT to authenticate; it may be expired by its exp,
	// in which case Stytch refreshes it while the session lives.
	SessionJWT string
	// AuthorizationCheck, when set, is checked against the RBAC policy; a
	// denial is an ErrForbidden error, a success fills Auth.Verdict.
	AuthorizationCheck *client.AuthorizationCheck
	// OrganizationID, in a B2B project, names the organization the
	// AuthorizationCheck is about, as Stytch's B2B authorization_check
	// does: the tenancy rule applies first (ErrTenancy for any other than
	// the session's). Empty: the session's own organization. It needs an
	// AuthorizationCheck and a B2B Authenticator (ErrInvalidParams).
	OrganizationID string
	// MaxTokenAge, when set, overrides Config.MaxTokenAge for this call,
	// with the same meaning: 0 for no limit, d > 0 for remote once
	// now − iat ≥ d (every JWT when d is below one second).
	MaxTokenAge *time.Duration
}

// AuthenticateJWT authenticates a session JWT as the middleware does,
// without HTTP: locally when it is valid and young enough, else with Stytch.
// The returned Auth holds the session, the JWT in force (fresh after a
// refresh) and how it was verified. Errors are *Error values whose Code
// errors.Is matches: ErrInvalidToken, ErrSessionNotFound, ErrForbidden,
// ErrUnavailable, ….
//
// Unlike Stytch's SDKs, a local failure is not retried remotely: a forged
// or malformed token is refused without an upstream call, and a local
// authorization denial is final.
func (a *Authenticator) AuthenticateJWT(ctx context.Context, p AuthenticateJWTParams) (*Auth, error) {
	if err := a.checkOpen(); err != nil {
		return nil, err
	}
	age, err := a.checkParams(p.SessionJWT, p.MaxTokenAge)
	if err != nil {
		return nil, err
	}
	if err := a.checkOrgParams(p.AuthorizationCheck, p.OrganizationID); err != nil {
		return nil, err
	}
	at, err := a.authenticateCredential(ctx, SessionJWT, p.SessionJWT, age, acceptSessions)
	if err != nil {
		return nil, err
	}
	return a.checkAuthorizationIn(ctx, &at.auth, p.AuthorizationCheck, p.OrganizationID)
}

// checkParams checks the JWT and MaxTokenAge of a programmatic call and
// resolves the age limit in force (the call's, else Config.MaxTokenAge).
func (a *Authenticator) checkParams(jwt string, maxAge *time.Duration) (tokenAge, error) {
	if err := a.checkCredential(SessionJWT, jwt); err != nil {
		return 0, err
	}
	if maxAge == nil {
		return a.maxAge, nil
	}
	if *maxAge < 0 {
		return 0, fmt.Errorf("%w: MaxTokenAge must not be negative", ErrInvalidParams)
	}
	return tokenAge(*maxAge), nil
}

// ErrInvalidParams is wrapped by the errors AuthenticateJWT and
// AuthenticateJWTLocal return for parameters out of range.
var ErrInvalidParams = errors.New("stytchmw middleware: invalid parameters")

// AuthenticateJWTLocalParams are the parameters of AuthenticateJWTLocal,
// those of the seed SDK's authenticateJwtLocal.
type AuthenticateJWTLocalParams struct {
	// SessionJWT is the JWT to verify; it must not be expired.
	SessionJWT string
	// AuthorizationCheck, when set, is checked against the RBAC policy.
	AuthorizationCheck *client.AuthorizationCheck
	// OrganizationID is AuthenticateJWTParams.OrganizationID.
	OrganizationID string
	// MaxTokenAge, when set, overrides Config.MaxTokenAge for this call,
	// with the same meaning, except that a JWT too old is refused with
	// ErrTokenTooOld: 0 for no limit, d > 0 refuses a JWT issued d or
	// longer ago (every JWT when d is below one second).
	MaxTokenAge *time.Duration
	// ClockTolerance, when set, overrides Config.ClockTolerance.
	ClockTolerance *time.Duration
	// CurrentDate, when not zero, is the time exp, nbf and iat are compared
	// with (default Config.Now()).
	CurrentDate time.Time
}

// AuthenticateJWTLocal verifies a session JWT without asking Stytch: an
// expired JWT is ErrTokenExpired and one older than MaxTokenAge is
// ErrTokenTooOld, where AuthenticateJWT would go remote. It may fetch the
// JWKS (ErrUnavailable when it cannot), never sessions/authenticate.
func (a *Authenticator) AuthenticateJWTLocal(ctx context.Context, p AuthenticateJWTLocalParams) (*Auth, error) {
	if err := a.checkOpen(); err != nil {
		return nil, err
	}
	age, err := a.checkParams(p.SessionJWT, p.MaxTokenAge)
	if err != nil {
		return nil, err
	}
	if err := a.checkOrgParams(p.AuthorizationCheck, p.OrganizationID); err != nil {
		return nil, err
	}
	if p.ClockTolerance != nil && *p.ClockTolerance < 0 {
		return nil, fmt.Errorf("%w: ClockTolerance must not be negative", ErrInvalidParams)
	}
	now, tolerance := p.CurrentDate, a.clockTolerance
	if now.IsZero() {
		now = a.now()
	}
	if p.ClockTolerance != nil {
		tolerance = *p.ClockTolerance
	}
	res, err := a.verifier.VerifyAt(ctx, p.SessionJWT, now, tolerance)
	if err != nil {
		return nil, localError(err)
	}
	if age.tooOld(now, res.IssuedAt) {
		return nil, newError(ErrTokenTooOld, nil)
	}
	auth := localAuth(res, p.SessionJWT)
	if err := a.checkNotRevoked(&auth); err != nil {
		return nil, err
	}
	return a.checkAuthorizationIn(ctx, &auth, p.AuthorizationCheck, p.OrganizationID)
}

// checkAuthorization runs an optional authorization check for the
// programmatic API and records its verdict. In a B2B project it is about
// the session's own organization.
func (a *Authenticator) checkAuthorization(ctx context.Context, auth *Auth, check *client.AuthorizationCheck) (*Auth, error) {
	if check == nil {
		return auth, nil
	}
	verdict, err := a.authorize(ctx, auth, Permission(check.ResourceID, check.Action), nil)
	if err != nil {
		return nil, err
	}
	auth.Verdict = verdict
	return auth, nil
}
