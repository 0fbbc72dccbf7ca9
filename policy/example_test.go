package policy_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// A Cache keeps the project's policy and answers checks locally. Here a
// stytchtest emulator stands in for Stytch; in production the client is
// built with client.New from the project's id and secret.
func ExampleNew() {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()

	cache, err := policy.New(context.Background(), policy.Config{Client: srv.Client()})
	if err != nil {
		panic(err) // only a bad Config fails: Stytch being down does not
	}
	defer cache.Close()

	// At start-up, check that every rule names what the policy defines.
	fmt.Println(cache.Validate("documents", "update"))
	fmt.Println(errors.Is(cache.Validate("documents", "publish"), policy.ErrUnknownAction))

	// Per request, with the session's roles (e.g. from its JWT).
	roles := []string{"stytch_user", "editor"}
	v, err := cache.Authorize(roles, "documents", "create")
	fmt.Println(v.Authorized(), v.GrantingRoles(), err)
	_, err = cache.Authorize(roles, "documents", "delete")
	fmt.Println(errors.Is(err, policy.ErrDenied), err)
	// Output:
	// <nil>
	// true
	// true [editor] <nil>
	// true policy: permission denied: no role of the session grants "delete" on "documents"
}

// An Index evaluates checks against a policy document without a Cache:
// for tests, or for route tables checked before a server starts.
func ExampleIndex_Authorize() {
	idx, err := policy.Compile(&client.Policy{
		Resources: []client.PolicyResource{{ResourceID: "invoices", Actions: []string{"read", "pay"}}},
		Roles: []client.PolicyRole{
			{RoleID: "stytch_user"},
			{RoleID: "accountant", Permissions: []client.Permission{{ResourceID: "invoices", Actions: []string{"*"}}}},
			{RoleID: "viewer", Permissions: []client.Permission{{ResourceID: "invoices", Actions: []string{"read"}}}},
		},
	})
	if err != nil {
		panic(err)
	}
	session := []string{"stytch_user", "viewer", "accountant"}

	v, err := idx.Authorize(session, "invoices", "read")
	fmt.Println(v.Authorized(), v.GrantingRoles(), err)

	v, err = idx.Authorize(session, "invoices", "pay")
	fmt.Println(v.Authorized(), v.GrantingRoles(), err)

	// A typo is denied, as Stytch denies it, and says what it is.
	_, err = idx.Authorize([]string{"viewer"}, "invoice", "read")
	fmt.Println(errors.Is(err, policy.ErrDenied), errors.Is(err, policy.ErrUnknownResource))
	fmt.Println(err)
	// Output:
	// true [viewer accountant] <nil>
	// true [accountant] <nil>
	// true true
	// policy: permission denied: resource "invoice" is not defined in the RBAC policy (action "read")
}

// A B2BCache answers the checks of a B2B project's member sessions: the
// tenancy rule first, then the project's roles and the organization's
// custom roles (fetched on the organization's first check, then cached).
func ExampleB2BCache_AuthorizeMember() {
	ctx := context.Background()
	srv := stytchtest.NewServer(stytchtest.Config{B2B: true})
	defer srv.Close()
	acme, _ := srv.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: "Acme", Slug: "acme"})
	globex, _ := srv.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: "Globex", Slug: "globex"})
	_ = srv.SetOrgPolicy(acme.OrganizationID, []client.PolicyRole{{RoleID: "archivist",
		Permissions: []client.Permission{{ResourceID: "documents", Actions: []string{"delete"}}}}})

	cache, err := policy.NewB2B(ctx, policy.B2BConfig{Client: srv.Client()})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	// The member's organization and roles come from its session; the
	// check's organization from the route (/orgs/{organization_id}/…).
	check := policy.MemberCheck{
		OrganizationID:        acme.OrganizationID,
		SessionOrganizationID: acme.OrganizationID,
		Roles:                 []string{"stytch_member", "archivist"},
		ResourceID:            "documents",
		Action:                "delete",
	}
	v, err := cache.AuthorizeMember(ctx, check)
	fmt.Println(v.GrantingRoles(), err)

	check.OrganizationID = globex.OrganizationID // another tenant
	_, err = cache.AuthorizeMember(ctx, check)
	fmt.Println(errors.Is(err, policy.ErrTenancy))
	// Output:
	// [archivist] <nil>
	// true
}

// A ScopeRequirement is what a route asks of a machine caller's access
// token, with Stytch's action:resource reading of scopes.
func ExampleRequireScopes() {
	required, err := policy.RequireScopes("read:users")
	if err != nil {
		panic(err) // a scope that cannot be required, such as "*:users"
	}
	fmt.Println(required.Check([]string{"read:*"}))
	err = required.Check([]string{"*:users", "write:users"})
	var missing *policy.ScopeError
	fmt.Println(errors.As(err, &missing), missing.Required)
	// Output:
	// <nil>
	// true read:users
}
