package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/stytchmw/stytchmw/policy"
)

// Require returns the middleware that enforces rule in front of a handler;
// it is the one way to put a Rule on a handler or a chi route:
//
//	mux.Handle("GET /me", auth.Require(middleware.Authenticated())(me))
//	r.With(auth.Require(middleware.Permission("documents", "delete"))).Delete("/documents/{id}", del)
//
// A request that passes goes on with its session in its context (read it
// with FromContext); one that does not is answered through the
// ErrorHandler, logged and observed. See each rule's constructor for what
// it asks and answers.
//
// A Permission rule reuses the session that this Authenticator verified
// earlier in the chain, and otherwise authenticates the request itself, so
// it cannot be mis-ordered: used alone it is a complete guard. A session
// stored by another Authenticator (another project) or by NewContext is
// never trusted. Its verdict goes into the Auth record (Auth.Verdict); with
// several Permission rules in a chain, the last one's. The policy is
// Config.Policy, or a cache the Authenticator creates now, on the first
// Permission rule (it may wait up to Tuning.RemoteTimeout for Stytch); a
// rule naming a resource or action the loaded policy does not define is
// logged as a warning now, and every check of it is denied.
//
// Require of the zero Rule refuses every request with 403
// route_has_no_rule, before any authentication. Require of an invalid rule
// (a Permission without a resource or an action) refuses every request the
// same way, failing closed, and logs the mistake now, at Error; the route
// tables refuse such a rule when they are made.
func (a *Authenticator) Require(rule Rule) func(http.Handler) http.Handler {
	if rule.kind == kindNone {
		return func(http.Handler) http.Handler { return a.refuseAll(errNoRule) }
	}
	if err := rule.checkFor(a); err != nil {
		a.logger.Error("stytchmw: Require of an invalid rule; every request will be refused",
			slog.String("rule", rule.String()), slog.String("reason", err.Error()))
		return func(http.Handler) http.Handler { return a.refuseAll(err) }
	}
	switch rule.kind {
	case kindPublic:
		return func(next http.Handler) http.Handler { return next }
	case kindPermission:
		a.warnUndefined(rule)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.serve(w, r, next, rule)
		})
	}
}

// warnUndefined loads the policy for a Permission rule when it is put on a
// route (see Require) and warns about a resource or action the policy does
// not define.
func (a *Authenticator) warnUndefined(rule Rule) {
	if err := a.validatePolicy(rule.resource, rule.action); err != nil && !errors.Is(err, policy.ErrUnavailable) {
		a.logger.Warn("stytchmw: a Permission rule names something the RBAC policy does not define; every check will be denied",
			slog.String("resource", rule.resource), slog.String("action", rule.action), slog.String("reason", err.Error()))
	}
}

// refuseAll refuses every request with ErrNoRule, before any
// authentication.
func (a *Authenticator) refuseAll(cause error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.refuse(w, r, a.startTimer(), attempt{}, newError(ErrNoRule, cause))
	})
}

// serve enforces a valid rule other than Public on a request, through
// enforce; the request's own parts are its credential (authenticateRequest),
// its path values (a tenant-scoped rule's organization), the refreshed
// cookie and the ErrorHandler's answer.
func (a *Authenticator) serve(w http.ResponseWriter, r *http.Request, next http.Handler, rule Rule) {
	at, fresh, anonymous, err := a.enforce(r.Context(), rule, r,
		func(acc callers) (attempt, error) { return a.authenticateRequest(r, acc) })
	if fresh && at.refreshed && a.cookie.appliesTo(at.source) {
		a.cookie.write(w, at.auth.JWT, at.auth.expiresAt())
	}
	switch {
	case err != nil:
		a.errorHandler(w, a.withResourceMetadata(r), CodeOf(err).Status(), err)
	case anonymous:
		next.ServeHTTP(w, r) // Optional, without a credential
	default:
		next.ServeHTTP(w, r.WithContext(a.withAuth(r.Context(), at.auth)))
	}
}

// authenticateRequest finds the request's credential and establishes its
// caller, of a kind acc holds. An attempt with a nil source and no error
// means no credential.
func (a *Authenticator) authenticateRequest(r *http.Request, acc callers) (attempt, error) {
	if err := a.checkOpen(); err != nil {
		return attempt{}, err
	}
	cred, err := a.extract(r)
	if err != nil || cred.source == nil {
		return attempt{source: cred.source}, err
	}
	if err := a.checkCrossOrigin(r, cred.source); err != nil {
		return attempt{source: cred.source, token: cred.token}, err
	}
	at, err := a.authenticateCredential(r.Context(), cred.source.Kind, cred.token, a.maxAge, acc)
	at.source, at.token = cred.source, cred.token
	at.auth.Source = cred.source.Name
	return at, err
}

// observeAccepted observes an established session.
func (a *Authenticator) observeAccepted(ctx context.Context, start time.Time, at *attempt) {
	a.observe(ctx, start, Observation{
		Outcome:      OutcomeAuthenticated,
		Verification: at.auth.Verified,
		Source:       at.auth.Source,
		Cached:       at.cached,
	})
}

// refuse logs, observes and answers a refused request.
func (a *Authenticator) refuse(w http.ResponseWriter, r *http.Request, start time.Time, at attempt, err error) {
	a.refused(r.Context(), start, at, err)
	a.errorHandler(w, a.withResourceMetadata(r), CodeOf(err).Status(), err)
}

// refused logs and observes a refusal.
func (a *Authenticator) refused(ctx context.Context, start time.Time, at attempt, err error) {
	source := at.sourceName()
	a.logRefusal(ctx, err, source, at.token)
	a.observe(ctx, start, Observation{
		Outcome:      outcomeOf(err),
		Code:         CodeOf(err),
		Verification: at.auth.Verified,
		Source:       source,
		Cached:       at.cached,
	})
}
