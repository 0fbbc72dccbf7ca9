package stytchtest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/stytchmw/stytchmw/client"
)

// Bounds on a policy.
const (
	maxPolicyEntries = 1000
	maxActions       = 100
)

// DefaultPolicy is the policy of a new emulator: the resource "documents"
// with the actions read, create, update and delete, and the roles
// "stytch_user" (no permissions), "reader" (read), "editor" (read, create)
// and "admin" (every action, "*").
func DefaultPolicy() client.Policy {
	return client.Policy{
		Roles: []client.PolicyRole{
			{RoleID: DefaultRole, Description: "Granted to every user.", Permissions: []client.Permission{}},
			{RoleID: "reader", Description: "Reads documents.",
				Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read"}}}},
			{RoleID: "editor", Description: "Reads and creates documents.",
				Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read", "create"}}}},
			{RoleID: "admin", Description: "Does everything to documents.",
				Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"*"}}}},
		},
		Resources: []client.PolicyResource{
			{ResourceID: "documents", Description: "Documents.", Actions: []string{"read", "create", "update", "delete"}},
		},
		Scopes: []client.PolicyScope{},
	}
}

// DefaultB2BPolicy is the policy of a new B2B emulator: DefaultPolicy's
// resource and roles with "stytch_member" (granted to every member, no
// permissions) in place of "stytch_user", and the scopes "read:documents"
// (read) and "write:documents" (create, update, delete) for access tokens.
func DefaultB2BPolicy() client.Policy {
	p := DefaultPolicy()
	p.Roles[0] = client.PolicyRole{RoleID: DefaultMemberRole, Description: "Granted to every member.", Permissions: []client.Permission{}}
	p.Scopes = []client.PolicyScope{
		{Scope: "read:documents", Description: "Reads documents.",
			Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"read"}}}},
		{Scope: "write:documents", Description: "Writes documents.",
			Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"create", "update", "delete"}}}},
	}
	return p
}

// SetPolicy validates p and makes it the policy the emulator serves and
// checks authorization against. A policy is refused when an id is empty,
// repeated or too long, a resource id starts with "stytch", or a role or
// scope grants an action on a resource the policy does not define (or an
// action the resource does not define, "*" aside).
func (s *Server) SetPolicy(p client.Policy) error {
	if err := validatePolicy(p); err != nil {
		return err
	}
	p = clonePolicy(p)
	s.mu.Lock()
	s.policy = p
	s.mu.Unlock()
	return nil
}

// Policy returns a copy of the policy the emulator serves.
func (s *Server) Policy() client.Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clonePolicy(s.policy)
}

// clonePolicy deep-copies p, with every nil list made empty so that the
// JSON has [] rather than null.
func clonePolicy(p client.Policy) client.Policy {
	perms := func(in []client.Permission) []client.Permission {
		out := make([]client.Permission, len(in))
		for i, perm := range in {
			out[i] = client.Permission{ResourceID: perm.ResourceID, Actions: append([]string{}, perm.Actions...)}
		}
		return out
	}
	out := client.Policy{
		Roles:     make([]client.PolicyRole, len(p.Roles)),
		Resources: make([]client.PolicyResource, len(p.Resources)),
		Scopes:    make([]client.PolicyScope, len(p.Scopes)),
	}
	for i, r := range p.Roles {
		out.Roles[i] = client.PolicyRole{RoleID: r.RoleID, Description: r.Description, Permissions: perms(r.Permissions)}
	}
	for i, r := range p.Resources {
		out.Resources[i] = client.PolicyResource{ResourceID: r.ResourceID, Description: r.Description, Actions: append([]string{}, r.Actions...)}
	}
	for i, sc := range p.Scopes {
		out.Scopes[i] = client.PolicyScope{Scope: sc.Scope, Description: sc.Description, Permissions: perms(sc.Permissions)}
	}
	return out
}

func policyError(format string, args ...any) *client.StytchError {
	return badRequest(client.ErrBadRequest, "Invalid policy: "+format, args...)
}

// validID reports whether id is a usable policy id.
func validID(id string) bool {
	return id != "" && len(id) <= maxFieldBytes &&
		!strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

func validatePolicy(p client.Policy) error {
	if len(p.Roles) > maxPolicyEntries || len(p.Resources) > maxPolicyEntries || len(p.Scopes) > maxPolicyEntries {
		return policyError("at most %d roles, resources and scopes each.", maxPolicyEntries)
	}
	actions := make(map[string][]string, len(p.Resources))
	for _, r := range p.Resources {
		switch {
		case !validID(r.ResourceID):
			return policyError("a resource_id must be 1 to %d printable bytes without spaces.", maxFieldBytes)
		case strings.HasPrefix(r.ResourceID, "stytch"):
			return policyError("resource_id %q starts with the reserved prefix \"stytch\".", r.ResourceID)
		case actions[r.ResourceID] != nil:
			return policyError("resource_id %q is defined twice.", r.ResourceID)
		case len(r.Actions) == 0 || len(r.Actions) > maxActions:
			return policyError("resource %q needs 1 to %d actions.", r.ResourceID, maxActions)
		}
		for i, a := range r.Actions {
			if !validID(a) || a == "*" || slices.Contains(r.Actions[:i], a) {
				return policyError("resource %q has an empty, repeated, \"*\" or unprintable action.", r.ResourceID)
			}
		}
		actions[r.ResourceID] = r.Actions
	}
	checkPermissions := func(owner string, perms []client.Permission) error {
		if len(perms) > maxPolicyEntries {
			return policyError("%s has more than %d permissions.", owner, maxPolicyEntries)
		}
		for _, perm := range perms {
			defined, found := actions[perm.ResourceID]
			if !found {
				return policyError("%s grants actions on resource %q, which the policy does not define.", owner, perm.ResourceID)
			}
			if len(perm.Actions) == 0 {
				return policyError("%s grants no action on resource %q.", owner, perm.ResourceID)
			}
			for _, a := range perm.Actions {
				if a != "*" && !slices.Contains(defined, a) {
					return policyError("%s grants action %q, which resource %q does not define.", owner, a, perm.ResourceID)
				}
			}
		}
		return nil
	}
	roles := make(map[string]bool, len(p.Roles))
	for _, r := range p.Roles {
		if !validID(r.RoleID) || roles[r.RoleID] {
			return policyError("role_id %q is empty, repeated or unprintable.", r.RoleID)
		}
		roles[r.RoleID] = true
		if err := checkPermissions("role "+r.RoleID, r.Permissions); err != nil {
			return err
		}
	}
	scopes := make(map[string]bool, len(p.Scopes))
	for _, sc := range p.Scopes {
		if !validID(sc.Scope) || scopes[sc.Scope] {
			return policyError("scope %q is empty, repeated or unprintable.", sc.Scope)
		}
		scopes[sc.Scope] = true
		if err := checkPermissions("scope "+sc.Scope, sc.Permissions); err != nil {
			return err
		}
	}
	return nil
}

// handlePolicy serves GET /v1/rbac/policy.
func (s *Server) handlePolicy(_ http.ResponseWriter, _ *http.Request, requestID string) (any, *client.StytchError) {
	p := s.Policy()
	return client.GetPolicyResponse{RequestID: requestID, StatusCode: http.StatusOK, Policy: &p}, nil
}
