package middleware

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stytchmw/stytchmw/internal/routeguard"
	"github.com/stytchmw/stytchmw/policy"
)

// ruleKind says what a Rule asks of a request. The zero value is "no rule",
// so a Rule left unset refuses rather than reads as public.
type ruleKind uint8

const (
	kindNone ruleKind = iota
	kindPublic
	kindOptional
	kindAuthenticated
	kindPermission
	kindScope
)

// callers is the set of caller kinds a rule accepts.
type callers uint8

const (
	acceptSessions callers = 1 << iota // user or member sessions
	acceptMachines                     // access tokens
)

// Rule is what a route asks of a request, router-neutral: the same value
// goes on a handler with Authenticator.Require and into the route tables of
// packages stytchchi and nethttp. Make one with Public, Optional,
// Authenticated, Permission or Scope, and refine it with InOrganization
// and OrMachine. The zero Rule is "no rule": it refuses every request with
// 403 route_has_no_rule (ErrNoRule) before any authentication, which is
// also how the route tables refuse a route they have no rule for. Rules
// are comparable values.
//
// Which callers a rule accepts: Optional, Authenticated and Permission
// accept sessions (users, or members in a B2B project) and no machine;
// Scope accepts machines (M2M and Connected Apps access tokens) and no
// session; OrMachine makes Authenticated or Permission accept both. A
// machine token is never taken for a session, nor a session for a machine
// token: either is refused with 401 invalid_token where it is not
// accepted.
type Rule struct {
	kind     ruleKind
	callers  callers
	resource string
	action   string
	org      OrgSource
	// scopes is Scope's requirement (nil otherwise), scopesErr why it
	// could not be made.
	scopes    *policy.ScopeRequirement
	scopesErr error
	// invalid says why a refinement does not apply to the rule.
	invalid string
}

// OrgSource says where a tenant-scoped rule of a B2B Authenticator
// finds the organization its check is about. The zero OrgSource is the
// session's own organization (a route that is not tenant-scoped).
type OrgSource struct {
	param  string
	bySlug bool
}

// PathValue is the organization whose id is the request's path parameter
// name (http.Request.PathValue: a ServeMux wildcard, or a chi URL
// parameter, which chi v5.5 and later set there too).
func PathValue(name string) OrgSource { return OrgSource{param: name} }

// PathSlug is the organization whose slug is the request's path parameter
// name. Since a member may only ever act in its own organization, the
// slug is compared with the session's organization slug: no lookup is
// made, and any other slug is refused by the tenancy rule.
func PathSlug(name string) OrgSource { return OrgSource{param: name, bySlug: true} }

// Public serves the route without looking at credentials at all, so that a
// stale cookie cannot lock a user out of, say, the login page or a health
// check.
func Public() Rule { return Rule{kind: kindPublic} }

// Optional lets a request without any credential through anonymously (no
// Auth in its context) and authenticates one that carries a credential: a
// credential that is present but invalid is still refused with 401, so a
// client's broken token is reported rather than silently ignored.
func Optional() Rule { return Rule{kind: kindOptional, callers: acceptSessions} }

// Authenticated asks for a valid session and checks no permission: 401
// without a valid credential, 403 for a cross-origin request with a cookie
// credential, 503 when Stytch had to be asked and could not be.
func Authenticated() Rule { return Rule{kind: kindAuthenticated, callers: acceptSessions} }

// Permission asks for a valid session whose roles grant action on resource
// under the project's RBAC policy, evaluated locally with Stytch's rules:
// as Authenticated, and 403 when the roles do not grant the action
// (consumer_session_authorization_error in a consumer project,
// session_authorization_error in a B2B one); 503 policy_unavailable while
// no policy was ever loaded.
//
// In a B2B project the check is about an organization: the session's own,
// or the one InOrganization names. A member of another organization is
// refused with 403 session_authorization_tenancy_error before any role is
// looked at.
func Permission(resource, action string) Rule {
	return Rule{kind: kindPermission, callers: acceptSessions, resource: resource, action: action}
}

// Scope asks for a machine caller (an M2M or Connected Apps access token)
// holding every one of scopes, with Stytch's action:resource semantics
// ("read:*" satisfies "read:documents"; see policy.RequireScopes). It
// accepts no session. A token lacking one is refused with 403
// insufficient_scope and, for a Bearer caller, the RFC 6750 challenge
// naming the scopes required.
func Scope(scopes ...string) Rule {
	req, err := policy.RequireScopes(scopes...)
	return Rule{kind: kindScope, callers: acceptMachines, scopes: req, scopesErr: err}
}

// InOrganization makes a Permission or Scope rule of a B2B Authenticator
// tenant-scoped: its check is about the organization org names (PathValue
// or PathSlug), and a session or token of any other organization is
// refused with 403 session_authorization_tenancy_error, whatever its roles
// or scopes. An M2M token, which names no organization, is always refused.
// On other rules, or on a consumer Authenticator, the rule is invalid.
func (r Rule) InOrganization(org OrgSource) Rule {
	if r.kind != kindPermission && r.kind != kindScope {
		r.invalid = "InOrganization applies to Permission and Scope rules"
	}
	r.org = org
	return r
}

// OrMachine makes an Authenticated or Permission rule accept machine
// callers too. Under Authenticated any valid access token passes; under
// Permission the token's scopes must grant the action on the resource by
// the policy's scopes (Stytch's scope-based RBAC: the algorithm of roles
// with the token's scopes in place of roles), and a B2B token must also
// pass the tenancy rule. A machine that is denied is refused with 403
// insufficient_scope.
//
// It is a method, not a rule of its own, because the permission is the
// same for both kinds of caller; only the grant differs (roles for a
// session, scopes for a machine).
func (r Rule) OrMachine() Rule {
	if r.kind != kindAuthenticated && r.kind != kindPermission {
		r.invalid = "OrMachine applies to Authenticated and Permission rules"
	}
	r.callers |= acceptMachines
	return r
}

// String describes the rule: "public", "optional", "authenticated",
// "permission documents:read", "scope read:documents", with
// " in organization {organization_id}" and " or machine" when refined, or
// "no rule".
func (r Rule) String() string {
	var s string
	switch r.kind {
	case kindPublic:
		return "public"
	case kindOptional:
		return "optional"
	case kindAuthenticated:
		s = "authenticated"
	case kindPermission:
		s = "permission " + r.resource + ":" + r.action
	case kindScope:
		s = "scope " + r.scopes.String()
	default:
		return "no rule"
	}
	if r.org.param != "" {
		what := "organization"
		if r.org.bySlug {
			what = "organization slug"
		}
		s += " in " + what + " {" + r.org.param + "}"
	}
	if r.kind != kindScope && r.callers&acceptMachines != 0 {
		s += " or machine"
	}
	return s
}

// errNoRule is the cause of refusing a request under the zero Rule.
var errNoRule = errors.New("the zero Rule: no rule allows this route")

// check reports why the rule cannot be enforced: the zero Rule, a
// Permission without a resource or an action, a Scope without valid
// scopes, a refinement that does not apply.
func (r Rule) check() error {
	if r.invalid != "" {
		return errors.New(r.invalid)
	}
	if r.org != (OrgSource{}) && (r.org.param == "" || strings.ContainsAny(r.org.param, "{}/ ")) {
		return fmt.Errorf("InOrganization needs a path parameter name, got %q", r.org.param)
	}
	switch r.kind {
	case kindPublic, kindOptional, kindAuthenticated:
		return nil
	case kindPermission:
		if r.resource == "" || r.action == "" {
			return fmt.Errorf("Permission needs a resource and an action, got %q and %q", r.resource, r.action)
		}
		return nil
	case kindScope:
		if r.scopesErr != nil {
			return fmt.Errorf("Scope: %w", r.scopesErr)
		}
		return nil
	}
	return errors.New("the zero Rule is not a rule: use Public, Optional, Authenticated, Permission or Scope")
}

// checkFor reports why the rule cannot be enforced by a: check's reasons,
// and a tenant-scoped rule on a consumer Authenticator.
func (r Rule) checkFor(a *Authenticator) error {
	if err := r.check(); err != nil {
		return err
	}
	if r.org.param != "" && !a.b2b {
		return errors.New("InOrganization needs a B2B Authenticator (Config.B2B): consumer projects have no organizations")
	}
	return nil
}

func init() {
	routeguard.SpecOf = func(rule any) routeguard.Spec {
		r := rule.(Rule)
		return routeguard.Spec{
			Err: r.check(), Resource: r.resource, Action: r.action,
			PathParam: r.org.param, Machines: r.callers&acceptMachines != 0,
		}
	}
}
