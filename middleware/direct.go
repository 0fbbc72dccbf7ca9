package middleware

import (
	"context"
	"errors"
	"log/slog"
)

// bearerSource is the source of the credentials RequireBearer checks: its
// Kind is what a Bearer credential is taken for, its Name goes into
// Auth.Source, logs and observations ("bearer", as over HTTP).
var bearerSource = BearerSource()

// errNotForCalls is the cause of refusing every call under a rule that has
// no meaning outside an HTTP request.
var errNotForCalls = errors.New("the rule cannot be enforced outside an HTTP request")

// RequireBearer returns the check that enforces rule on a call that is not
// an HTTP request: a gRPC call (package stytchgrpc builds its interceptors
// on it), a message on a WebSocket, a job from a queue. It is Require for
// such calls, and, like Require, it is made once per rule, at start-up,
// not once per call: a Permission rule loads the policy and warns about an
// undefined resource or action here, and a mistaken rule is logged once,
// here.
//
// The call's credential is a Bearer session JWT: authorization holds the
// values of its authorization field (for gRPC, metadata.MD.Get
// ("authorization")), read as BearerSource reads the Authorization header.
// "Bearer <jwt>", the scheme case-insensitive; no value, or another scheme,
// is no credential; a Bearer value without a usable token is refused
// (ErrMalformedCredential), and so are several values
// (ErrMultipleCredentials). The token then gets what a request's gets: the
// size and character checks, local verification or Stytch's answer with
// the same caches and limits, the revocation check, the authorization
// check, the Logger and the Observer (Observation.Source "bearer"). Cross-
// origin protection does not apply: no browser attaches this credential on
// its own. A JWT Stytch refreshed is not sent back anywhere; it is
// Auth.JWT, for the handler to return.
//
// The check returns ctx carrying the session, which FromContext reads (ctx
// itself for Public, and for Optional without a credential), or ctx and
// the refusal, an *Error whose CodeOf and Code.Status say what a client
// should be told: 401, 403 or 503. A Permission rule reuses the session
// that this Authenticator verified earlier in ctx, as Require does.
//
// Like Require, the zero Rule and an invalid rule refuse every call with
// 403 route_has_no_rule before any authentication, and so does a rule that
// only an HTTP request can satisfy.
func (a *Authenticator) RequireBearer(rule Rule) func(ctx context.Context, authorization []string) (context.Context, error) {
	if rule.kind == kindNone {
		return a.refuseAllCalls(errNoRule)
	}
	if err := rule.checkFor(a); err != nil {
		a.logger.Error("stytchmw: RequireBearer of an invalid rule; every call will be refused",
			slog.String("rule", rule.String()), slog.String("reason", err.Error()))
		return a.refuseAllCalls(err)
	}
	if rule.org.param != "" {
		// A call has no path to take an organization from.
		a.logger.Error("stytchmw: RequireBearer of a rule it cannot enforce outside HTTP; every call will be refused",
			slog.String("rule", rule.String()))
		return a.refuseAllCalls(errNotForCalls)
	}
	switch rule.kind {
	case kindPublic:
		return func(ctx context.Context, _ []string) (context.Context, error) { return ctx, nil }
	case kindPermission:
		a.warnUndefined(rule)
	}
	return func(ctx context.Context, authorization []string) (context.Context, error) {
		at, _, anonymous, err := a.enforce(ctx, rule, nil,
			func(acc callers) (attempt, error) { return a.authenticateBearer(ctx, authorization, acc) })
		if err != nil || anonymous {
			return ctx, err
		}
		return a.withAuth(ctx, at.auth), nil
	}
}

// refuseAllCalls refuses every call with ErrNoRule, before any
// authentication.
func (a *Authenticator) refuseAllCalls(cause error) func(context.Context, []string) (context.Context, error) {
	return func(ctx context.Context, _ []string) (context.Context, error) {
		err := newError(ErrNoRule, cause)
		a.refused(ctx, a.startTimer(), attempt{}, err)
		return ctx, err
	}
}

// authenticateBearer finds a call's Bearer credential and establishes its
// caller, of a kind acc holds, as authenticateRequest does a request's. An
// attempt with a nil source and no error means no credential.
func (a *Authenticator) authenticateBearer(ctx context.Context, authorization []string, acc callers) (attempt, error) {
	if err := a.checkOpen(); err != nil {
		return attempt{}, err
	}
	token, err := parseBearer(authorization)
	if err == nil && token != "" {
		err = a.checkCredential(bearerSource.Kind, token)
	}
	switch {
	case err != nil:
		return attempt{source: &bearerSource}, err
	case token == "":
		return attempt{}, nil
	}
	at, err := a.authenticateCredential(ctx, bearerSource.Kind, token, a.maxAge, acc)
	at.source, at.token = &bearerSource, token
	at.auth.Source = bearerSource.Name
	return at, err
}
