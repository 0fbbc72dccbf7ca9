package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
)

// RequireAction returns middleware that lets a request through only when
// its session's roles grant action on resource in the project's RBAC
// policy, evaluated locally with Stytch's rules:
//
//   - It reuses the session that this Authenticator's Handler, Optional
//     or RequireAction verified earlier in the chain, and otherwise
//     authenticates the request itself, so it cannot be mis-ordered: used
//     alone it is a complete guard. A session stored by another
//     Authenticator (another project) or by NewContext is never trusted:
//     the request's own credential must pass this Authenticator.
//   - No valid session: 401, as Handler. A denial: 403 with error_type
//     consumer_session_authorization_error, as Stytch answers a failed
//     authorization_check. A denial is final: no remote call is made.
//   - No RBAC policy was ever loaded (Stytch down since start): 503, failing
//     closed.
//   - Granted: the verdict is stored in the context next to the session
//     (VerdictFrom); with several RequireAction in a chain, the last one's.
//
// The policy is Config.Policy, or a cache the Authenticator creates now,
// on the first call (it may wait up to RemoteTimeout for Stytch). A rule
// naming a resource or action the loaded policy does not define is logged
// as a warning now, and every check of it is denied.
func (a *Authenticator) RequireAction(resource, action string) func(http.Handler) http.Handler {
	if pc, err := a.policyCache(); err == nil {
		if err := pc.Validate(resource, action); err != nil && !errors.Is(err, policy.ErrUnavailable) {
			a.logger.Warn("stytchmw: RequireAction names something the RBAC policy does not define; every check will be denied",
				slog.String("resource", resource), slog.String("action", action), slog.String("reason", err.Error()))
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := a.startTimer()
			at, fresh, err := a.requestSession(r)
			if err != nil {
				a.refuse(w, r, start, at, err)
				return
			}
			if fresh {
				a.accepted(w, r, start, &at)
				start = a.startTimer()
			}
			verdict, err := a.authorize(at.auth.Session.Roles, resource, action)
			if err != nil {
				a.refuse(w, r, start, at, err)
				return
			}
			a.observe(r.Context(), start, Observation{Outcome: OutcomeAuthorized, Verification: at.auth.Verified, Source: at.auth.Source})
			at.auth.Verdict = verdict
			next.ServeHTTP(w, r.WithContext(a.withAuth(r.Context(), at.auth)))
		})
	}
}

// Authorize checks, from a handler, that the request's session may perform
// action on resource: for checks that depend on the request body or on
// data the route does not name. It uses the session this Authenticator's
// Handler, Optional or RequireAction stored, or authenticates the request
// itself (without writing a refreshed cookie), as RequireAction does: a
// session another Authenticator or NewContext stored is never trusted.
// It returns the verdict, or an *Error: ErrNoCredential, ErrInvalidToken, …
// (401), ErrForbidden (403), ErrUnavailable or ErrPolicyUnavailable (503);
// answer it with StatusOf(err), or pass it to WriteError.
func (a *Authenticator) Authorize(r *http.Request, resource, action string) (*client.AuthorizationVerdict, error) {
	start := a.startTimer()
	at, _, err := a.requestSession(r)
	var verdict *client.AuthorizationVerdict
	if err == nil {
		verdict, err = a.authorize(at.auth.Session.Roles, resource, action)
	}
	if err != nil {
		a.logRefusal(r.Context(), err, at.sourceName(), at.token)
		a.observe(r.Context(), start, Observation{Outcome: outcomeOf(err), Code: CodeOf(err), Verification: at.auth.Verified, Source: at.sourceName()})
		return nil, err
	}
	a.observe(r.Context(), start, Observation{Outcome: OutcomeAuthorized, Verification: at.auth.Verified, Source: at.auth.Source})
	return verdict, nil
}

// requestSession returns the session that a's own Handler, Optional or
// RequireAction verified earlier in r's chain, or authenticates r now
// (fresh): a record another Authenticator or NewContext stored is never
// trusted (see verifiedHere).
func (a *Authenticator) requestSession(r *http.Request) (at attempt, fresh bool, err error) {
	if err := a.checkOpen(); err != nil {
		return attempt{}, false, err
	}
	if prior, ok := a.verifiedHere(r.Context()); ok {
		return attempt{auth: *prior}, false, nil
	}
	at, err = a.authenticateRequest(r)
	if err == nil && at.source == nil {
		err = newError(ErrNoCredential, nil)
	}
	return at, true, err
}

// authorize evaluates one check against the policy.
func (a *Authenticator) authorize(roles []string, resource, action string) (*client.AuthorizationVerdict, error) {
	pc, err := a.policyCache()
	if err != nil {
		return nil, newError(ErrPolicyUnavailable, err)
	}
	v, err := pc.Authorize(roles, resource, action)
	switch {
	case errors.Is(err, policy.ErrDenied):
		return nil, newError(ErrForbidden, err)
	case err != nil:
		return nil, newError(ErrPolicyUnavailable, err)
	case !v.Authorized():
		return nil, newError(ErrForbidden, policy.ErrDenied)
	}
	return v.AuthorizationVerdict(), nil
}

// policyCache returns Config.Policy, or the cache the Authenticator
// creates on first use and owns.
func (a *Authenticator) policyCache() (*policy.Cache, error) {
	if a.policy != nil {
		return a.policy, nil
	}
	a.policyOnce.Do(func() {
		ctx, cancel := context.WithTimeout(a.base, a.remoteTimeout)
		defer cancel()
		pc, err := policy.New(ctx, policy.Config{Client: a.client, Logger: a.logger})
		if err != nil {
			a.policyErr = err
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.closed.Load() {
			a.policyErr = errClosed
			_ = pc.Close()
			return
		}
		a.ownPolicy = pc
	})
	if a.policyErr != nil {
		return nil, a.policyErr
	}
	return a.ownPolicy, nil
}
