package middleware

import (
	"context"
	"fmt"
	"net/http"

	"github.com/stytchmw/stytchmw/client"
)

// AuthorizeIn is Authorize about a given organization of a B2B project:
// for handlers that learn the organization from the request body or their
// own data rather than from the route. The tenancy rule applies first: a
// session of any other organization (or an empty organizationID) is
// refused with ErrTenancy (403 session_authorization_tenancy_error)
// before any role is looked at; then the member's roles, the project
// policy's and the organization's custom roles, must grant action on
// resource (ErrMemberForbidden otherwise). Errors are those of Authorize.
// On a consumer Authenticator, which has no organizations, it returns an
// ErrInvalidParams error and checks nothing.
func (a *Authenticator) AuthorizeIn(r *http.Request, organizationID, resource, action string) (*client.AuthorizationVerdict, error) {
	rule := Permission(resource, action).InOrganization(PathValue(fixedOrgParam))
	if err := rule.checkFor(a); err != nil {
		return nil, fmt.Errorf("%w: AuthorizeIn: %w", ErrInvalidParams, err)
	}
	at, _, _, err := a.enforce(r.Context(), rule, fixedOrg(organizationID),
		func(acc callers) (attempt, error) { return a.authenticateRequest(r, acc) })
	if err != nil {
		return nil, err
	}
	return at.auth.Verdict, nil
}

// fixedOrgParam is the parameter name AuthorizeIn's rule reads its
// organization from; fixedOrg answers it.
const fixedOrgParam = "organization_id"

// fixedOrg is a PathValues whose organization is given rather than taken
// from a path: AuthorizeIn's and AuthenticateJWT's checks of a named
// organization go through the rules' own tenancy code.
type fixedOrg string

// PathValue returns the organization id, whatever the name.
func (o fixedOrg) PathValue(string) string { return string(o) }

// orgCheckRule is the rule of a programmatic authorization check about the
// organization organizationID of a B2B project, and why it cannot be made
// (an ErrInvalidParams error): checked before any credential is.
func (a *Authenticator) orgCheckRule(check *client.AuthorizationCheck, organizationID string) (Rule, error) {
	if check == nil {
		return Rule{}, fmt.Errorf("%w: OrganizationID needs an AuthorizationCheck", ErrInvalidParams)
	}
	rule := Permission(check.ResourceID, check.Action).InOrganization(PathValue(fixedOrgParam))
	if err := rule.checkFor(a); err != nil {
		return Rule{}, fmt.Errorf("%w: OrganizationID: %w", ErrInvalidParams, err)
	}
	return rule, nil
}

// checkAuthorizationIn is checkAuthorization about the organization
// organizationID of a B2B project ("" for the session's own).
func (a *Authenticator) checkAuthorizationIn(ctx context.Context, auth *Auth, check *client.AuthorizationCheck, organizationID string) (*Auth, error) {
	if organizationID == "" {
		return a.checkAuthorization(ctx, auth, check)
	}
	rule, err := a.orgCheckRule(check, organizationID)
	if err != nil {
		return nil, err
	}
	verdict, err := a.authorize(ctx, auth, rule, fixedOrg(organizationID))
	if err != nil {
		return nil, err
	}
	auth.Verdict = verdict
	return auth, nil
}

// checkOrgParams refuses, before any credential is looked at, an
// OrganizationID the call cannot check.
func (a *Authenticator) checkOrgParams(check *client.AuthorizationCheck, organizationID string) error {
	if organizationID == "" {
		return nil
	}
	_, err := a.orgCheckRule(check, organizationID)
	return err
}
