package middleware

import (
	"context"
	"errors"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
)

// Enforcing a rule
//
// A rule is enforced in two steps that know nothing of HTTP, so that every
// transport shares them: authenticateCredential establishes the caller of
// one credential, taking only the kinds of caller the rule accepts, and
// authorize applies the rule's check to that caller. Only the organization
// of a tenant-scoped rule comes from the request, through PathValues.

// PathValues gives a tenant-scoped rule the request's path parameters:
// *http.Request is one.
type PathValues interface {
	PathValue(name string) string
}

// enforce enforces a valid rule other than Public on one request or call:
// it establishes the caller — the one this Authenticator verified earlier in
// ctx, for a Permission or Scope rule that accepts it, or the credential
// authenticate finds (a nil source and no error: none) — and applies the
// rule's check, logging and observing each step. fresh reports a credential
// authenticated now, even when the rule's check then refused it (HTTP
// writes a refreshed cookie for it); anonymous, an Optional rule passed
// without a credential. Both transports, Require and RequireBearer, run
// on it.
func (a *Authenticator) enforce(ctx context.Context, rule Rule, pv PathValues,
	authenticate func(callers) (attempt, error)) (at attempt, fresh, anonymous bool, err error) {
	start := a.startTimer()
	checks := rule.kind == kindPermission || rule.kind == kindScope
	reused := false
	if checks {
		if err = a.checkOpen(); err == nil {
			var prior *Auth
			if prior, reused = a.verifiedHere(ctx); reused && (!rule.callers.has(prior.Caller) || !a.stillValid(prior)) {
				reused = false
			}
			if reused {
				at = attempt{auth: *prior}
			}
		}
	}
	if err == nil && !reused {
		at, err = authenticate(rule.callers)
		if err == nil && at.source == nil {
			if rule.kind == kindOptional {
				a.observe(ctx, start, Observation{Outcome: OutcomeAnonymous})
				return at, false, true, nil
			}
			err = newError(ErrNoCredential, nil)
		}
	}
	if err != nil {
		a.refused(ctx, start, at, err)
		return at, false, false, err
	}
	fresh = !reused
	if fresh {
		a.observeAccepted(ctx, start, &at)
	}
	if checks {
		start = a.startTimer()
		verdict, err := a.authorize(ctx, &at.auth, rule, pv)
		if err != nil {
			a.refused(ctx, start, at, err)
			return at, fresh, false, err
		}
		a.observe(ctx, start, Observation{Outcome: OutcomeAuthorized, Verification: at.auth.Verified, Source: at.auth.Source})
		if verdict != nil {
			at.auth.Verdict = verdict
		}
	}
	return at, fresh, false, nil
}

// stillValid reports whether a caller verified earlier in a context may
// be reused now: its session neither revoked nor logged out since (Revoke,
// RevokeUser, the fleet's revocations) nor expired. A context can outlive
// the request that verified it (a stream, a WebSocket whose messages are
// checked with RequireBearer); a caller that is no longer valid is
// authenticated again from the credential at hand, which refuses it.
func (a *Authenticator) stillValid(prior *Auth) bool {
	if a.checkNotRevoked(prior) != nil {
		return false
	}
	exp := prior.expiresAt()
	if prior.AccessToken != nil {
		exp = prior.AccessToken.ExpiresAt
	}
	return exp.IsZero() || a.now().Before(exp)
}

// has reports whether the set takes the caller.
func (c callers) has(k Caller) bool {
	switch k {
	case CallerUser, CallerMember:
		return c&acceptSessions != 0
	case CallerMachine:
		return c&acceptMachines != 0
	}
	return false
}

// errWrongCaller is the cause of refusing a caller of the wrong kind that
// was established before (by another rule earlier in the chain).
var errWrongCaller = errors.New("the rule does not accept this kind of caller")

// authorize applies rule's check to an established caller: nothing for
// Optional and Authenticated, the policy for Permission, the scopes for
// Scope, each after the tenancy rule when the rule is tenant-scoped. It
// returns the verdict of a Permission check (nil for the others).
func (a *Authenticator) authorize(ctx context.Context, auth *Auth, rule Rule, pv PathValues) (*client.AuthorizationVerdict, error) {
	if !rule.callers.has(auth.Caller) {
		return nil, newError(ErrInvalidToken, errWrongCaller)
	}
	if rule.kind != kindPermission && rule.kind != kindScope {
		return nil, nil
	}
	org, subjectOrg, err := a.organizationOf(auth, rule.org, pv)
	if err != nil {
		return nil, err
	}
	if rule.kind == kindScope {
		if a.b2b && rule.org.param != "" && (org == "" || org != subjectOrg) {
			return nil, newError(ErrTenancy, policy.ErrTenancy)
		}
		if err := rule.scopes.Check(auth.AccessToken.Scopes); err != nil {
			return nil, newError(ErrInsufficientScope, err)
		}
		return nil, nil
	}
	v, err := a.evaluate(ctx, auth, org, subjectOrg, rule.resource, rule.action)
	if err == nil && !v.Authorized() {
		err = policy.ErrDenied
	}
	if err != nil {
		return nil, a.denial(auth.Caller, err)
	}
	return v.AuthorizationVerdict(), nil
}

// organizationOf returns the organization a check is about and the
// caller's own, in a B2B project (both empty in a consumer one). A rule
// that is not tenant-scoped is about the caller's own organization.
func (a *Authenticator) organizationOf(auth *Auth, src OrgSource, pv PathValues) (org, own string, err error) {
	if !a.b2b {
		return "", "", nil
	}
	var ownSlug string
	switch {
	case auth.MemberSession != nil:
		own, ownSlug = auth.MemberSession.OrganizationID, auth.MemberSession.OrganizationSlug
	case auth.AccessToken != nil:
		own, ownSlug = auth.AccessToken.OrganizationID, auth.AccessToken.OrganizationSlug
	}
	if src.param == "" {
		return own, own, nil
	}
	var value string
	if pv != nil {
		value = pv.PathValue(src.param)
	}
	if !src.bySlug {
		return value, own, nil
	}
	// A slug names the caller's own organization or is refused: a member
	// acts in its own organization only, so no lookup is needed.
	if value == "" || value != ownSlug {
		return "", own, newError(ErrTenancy, policy.ErrTenancy)
	}
	return own, own, nil
}

// evaluate runs one permission check against the project's policy: the
// caller's roles (a session) or scopes (a machine), and in a B2B project
// the tenancy rule first and the organization's custom roles.
func (a *Authenticator) evaluate(ctx context.Context, auth *Auth, org, own, resource, action string) (policy.Verdict, error) {
	if a.b2b {
		pc, err := a.b2bPolicyCache()
		if err != nil {
			return policy.Verdict{}, err
		}
		if auth.Caller == CallerMachine {
			return pc.AuthorizeScopes(policy.ScopeCheck{
				OrganizationID: org, TokenOrganizationID: own,
				Scopes: auth.AccessToken.Scopes, ResourceID: resource, Action: action,
			})
		}
		return pc.AuthorizeMember(ctx, policy.MemberCheck{
			OrganizationID: org, SessionOrganizationID: own,
			Roles: auth.MemberSession.Roles, ResourceID: resource, Action: action,
		})
	}
	pc, err := a.policyCache()
	if err != nil {
		return policy.Verdict{}, err
	}
	if auth.Caller == CallerMachine {
		return pc.AuthorizeScopes(auth.AccessToken.Scopes, resource, action)
	}
	return pc.Authorize(auth.Session.Roles, resource, action)
}

// denial maps a failed check to its refusal. ErrTenancy also matches
// ErrDenied, so it is tested first; a machine that is denied lacks scopes.
func (a *Authenticator) denial(caller Caller, err error) *Error {
	var se *policy.ScopeError
	switch {
	case errors.Is(err, policy.ErrTenancy):
		return newError(ErrTenancy, err)
	case errors.As(err, &se):
		return newError(ErrInsufficientScope, err)
	case errors.Is(err, policy.ErrDenied) && caller == CallerMachine:
		return newError(ErrInsufficientScope, err)
	case errors.Is(err, policy.ErrDenied) && a.b2b:
		return newError(ErrMemberForbidden, err)
	case errors.Is(err, policy.ErrDenied):
		return newError(ErrForbidden, err)
	}
	return newError(ErrPolicyUnavailable, err)
}
