package client

import (
	"context"
	"net/http"
)

// Policy is a project's RBAC policy.
type Policy struct {
	Roles     []PolicyRole     `json:"roles"`
	Resources []PolicyResource `json:"resources"`
	Scopes    []PolicyScope    `json:"scopes"`
}

// PolicyRole is a role and the permissions it grants.
type PolicyRole struct {
	RoleID      string       `json:"role_id"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// Permission grants Actions on the resource ResourceID; the action "*"
// grants every action on it.
type Permission struct {
	ResourceID string   `json:"resource_id"`
	Actions    []string `json:"actions"`
}

// PolicyResource is a resource and the actions defined on it.
type PolicyResource struct {
	ResourceID  string   `json:"resource_id"`
	Description string   `json:"description"`
	Actions     []string `json:"actions"`
}

// PolicyScope is a Connected Apps scope and the permissions it grants.
type PolicyScope struct {
	Scope       string       `json:"scope"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// GetPolicyResponse is the answer to GetPolicy.
type GetPolicyResponse struct {
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
	// Policy is nil when the project has none.
	Policy *Policy `json:"policy,omitempty"`
}

// GetPolicy fetches the project's RBAC policy.
func (c *Client) GetPolicy(ctx context.Context) (*GetPolicyResponse, error) {
	var resp GetPolicyResponse
	if err := c.do(ctx, http.MethodGet, "/v1/rbac/policy", nil, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}
