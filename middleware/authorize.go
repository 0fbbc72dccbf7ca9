package middleware

import (
	"context"
	"net/http"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
)

// Authorize checks, from a handler, that the request's session may perform
// action on resource (in a B2B project: in the session's own
// organization): for checks that depend on the request body or on
// data the route does not name. It uses the session this Authenticator's
// Require stored earlier in the chain, or authenticates the request
// itself (without writing a refreshed cookie), as a Permission rule does: a
// session another Authenticator or NewContext stored is never trusted.
// It returns the verdict, or an *Error: ErrNoCredential, ErrInvalidToken, …
// (401), ErrForbidden (403), ErrUnavailable or ErrPolicyUnavailable (503);
// answer it with WriteError(w, r, CodeOf(err).Status(), err).
func (a *Authenticator) Authorize(r *http.Request, resource, action string) (*client.AuthorizationVerdict, error) {
	at, _, _, err := a.enforce(r.Context(), Permission(resource, action), nil,
		func(acc callers) (attempt, error) { return a.authenticateRequest(r, acc) })
	if err != nil {
		return nil, err
	}
	return at.auth.Verdict, nil
}

// policyCache returns Config.Policy, or the cache the Authenticator
// creates on first use and owns.
func (a *Authenticator) policyCache() (*policy.Cache, error) {
	if a.policy != nil {
		return a.policy, nil
	}
	a.createPolicy()
	if a.policyErr != nil {
		return nil, a.policyErr
	}
	return a.ownPolicy, nil
}

// b2bPolicyCache is policyCache for a B2B project.
func (a *Authenticator) b2bPolicyCache() (*policy.B2BCache, error) {
	if a.b2bPolicy != nil {
		return a.b2bPolicy, nil
	}
	a.createPolicy()
	if a.policyErr != nil {
		return nil, a.policyErr
	}
	return a.ownB2B, nil
}

// validatePolicy reports whether the policy in force defines action on
// resource, as the project's kind of policy cache does.
func (a *Authenticator) validatePolicy(resource, action string) error {
	if a.b2b {
		pc, err := a.b2bPolicyCache()
		if err != nil {
			return err
		}
		return pc.Validate(resource, action)
	}
	pc, err := a.policyCache()
	if err != nil {
		return err
	}
	return pc.Validate(resource, action)
}

// createPolicy creates, once, the policy cache of the project's kind.
func (a *Authenticator) createPolicy() {
	a.policyOnce.Do(func() {
		ctx, cancel := context.WithTimeout(a.base, a.remoteTimeout)
		defer cancel()
		var closer interface{ Close() error }
		var pc *policy.Cache
		var bc *policy.B2BCache
		var err error
		if a.b2b {
			bc, err = policy.NewB2B(ctx, policy.B2BConfig{Client: a.client, Logger: a.logger})
			closer = bc
		} else {
			pc, err = policy.New(ctx, policy.Config{Client: a.client, Logger: a.logger})
			closer = pc
		}
		if err != nil {
			a.policyErr = err
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.closed.Load() {
			a.policyErr = errClosed
			_ = closer.Close()
			return
		}
		a.ownPolicy, a.ownB2B = pc, bc
	})
}
