package client

import (
	"context"
	"errors"
	"net/http"
)

// OrgPolicy is an organization's own RBAC policy: custom roles that add to
// the project policy's roles for that organization's members only.
type OrgPolicy struct {
	Roles []PolicyRole `json:"roles"`
}

// OrgPolicyRequest names the organization whose policy GetOrgPolicy reads.
type OrgPolicyRequest struct {
	OrganizationID string `json:"-"`
}

// SetOrgPolicyRequest replaces an organization's custom roles.
type SetOrgPolicyRequest struct {
	// OrganizationID names the organization (it goes in the path).
	OrganizationID string    `json:"-"`
	OrgPolicy      OrgPolicy `json:"org_policy"`
}

// OrgPolicyResponse is the answer to GetOrgPolicy and SetOrgPolicy.
type OrgPolicyResponse struct {
	RequestID  string    `json:"request_id"`
	OrgPolicy  OrgPolicy `json:"org_policy"`
	StatusCode int       `json:"status_code"`
}

// GetPolicy fetches the B2B project's RBAC policy: its roles, resources and
// Connected Apps scopes. Every member holds the reserved role
// stytch_member; stytch_admin is the other reserved role.
func (b *B2BClient) GetPolicy(ctx context.Context) (*GetPolicyResponse, error) {
	var resp GetPolicyResponse
	if err := b.c.do(ctx, http.MethodGet, "/v1/b2b/rbac/policy", nil, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// GetOrgPolicy fetches an organization's custom roles. An organization
// without any has an OrgPolicy with no roles.
func (b *B2BClient) GetOrgPolicy(ctx context.Context, req OrgPolicyRequest) (*OrgPolicyResponse, error) {
	segment, err := pathSegment(req.OrganizationID, ErrInvalidOrganizationID, "organization_id")
	if err != nil {
		return nil, err
	}
	var resp OrgPolicyResponse
	if err := b.c.do(ctx, http.MethodGet, "/v1/b2b/rbac/organizations/"+segment, nil, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// SetOrgPolicy replaces an organization's custom roles (PUT, so it is not
// retried) and returns them as stored.
func (b *B2BClient) SetOrgPolicy(ctx context.Context, req SetOrgPolicyRequest) (*OrgPolicyResponse, error) {
	segment, err := pathSegment(req.OrganizationID, ErrInvalidOrganizationID, "organization_id")
	if err != nil {
		return nil, err
	}
	for _, r := range req.OrgPolicy.Roles {
		if r.RoleID == "" {
			return nil, localError(ErrBadRequest, "every role of org_policy needs a role_id.")
		}
	}
	if req.OrgPolicy.Roles == nil {
		req.OrgPolicy.Roles = []PolicyRole{} // "no custom roles", not null
	}
	var resp OrgPolicyResponse
	if err := b.c.do(ctx, http.MethodPut, "/v1/b2b/rbac/organizations/"+segment, nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// check rejects an answer without org_policy: the middleware caches it as
// the organization's roles, and a missing policy must not pass for "no
// custom roles".
func (r *OrgPolicyResponse) check() error {
	if r.OrgPolicy.Roles == nil {
		return errors.New("answer lacks org_policy.roles")
	}
	return nil
}
