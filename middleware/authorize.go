package middleware

import (
	"context"
	"errors"
	"net/http"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
)

// Authorize checks, from a handler, that the request's session may perform
// action on resource: for checks that depend on the request body or on
// data the route does not name. It uses the session this Authenticator's
// Require stored earlier in the chain, or authenticates the request
// itself (without writing a refreshed cookie), as a Permission rule does: a
// session another Authenticator or NewContext stored is never trusted.
// It returns the verdict, or an *Error: ErrNoCredential, ErrInvalidToken, …
// (401), ErrForbidden (403), ErrUnavailable or ErrPolicyUnavailable (503);
// answer it with WriteError(w, r, CodeOf(err).Status(), err).
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

// requestSession returns the session that a's own Require verified
// earlier in r's chain, or authenticates r now
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
