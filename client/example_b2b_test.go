package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/stytchmw/stytchmw/client"
)

// fakeStytchB2B answers like Stytch's B2B authenticate endpoint: the known
// token is a member session of organization-test-acme, whose editors may
// read documents; a check in another organization is a tenancy error.
func fakeStytchB2B() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req client.B2BAuthenticateRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		if req.AuthorizationCheck != nil && req.AuthorizationCheck.OrganizationID != "organization-test-acme" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"status_code":403,"request_id":"request-id-test-2","error_type":"session_authorization_tenancy_error",
				"error_message":"OrganizationID in AuthorizationCheck request does not match session's Organization ID"}`)
			return
		}
		_, _ = io.WriteString(w, `{"request_id":"request-id-test-1","status_code":200,
			"member_session":{"member_session_id":"member-session-test-1","member_id":"member-test-1",
			  "organization_id":"organization-test-acme","organization_slug":"acme","roles":["stytch_member","editor"],
			  "authentication_factors":[],"expires_at":"2025-11-12T11:40:02Z"},
			"session_jwt":"eyJ...","session_token":"mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
			"member":{"member_id":"member-test-1","organization_id":"organization-test-acme","email_address":"ada@acme.example"},
			"organization":{"organization_id":"organization-test-acme","organization_slug":"acme","organization_name":"Acme"},
			"verdict":{"authorized":true,"granting_roles":["editor"]}}`)
	}))
}

func ExampleB2BClient_Authenticate() {
	stytch := fakeStytchB2B() // stands in for https://test.stytch.com
	defer stytch.Close()

	c, err := client.New(client.Config{
		ProjectID: "project-test-00000000-0000-0000-0000-000000000000",
		Secret:    "secret-test-do-not-print-me",
		BaseURL:   stytch.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	b2b := c.B2B()

	resp, err := b2b.Authenticate(context.Background(), client.B2BAuthenticateRequest{
		SessionToken: "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
		AuthorizationCheck: &client.B2BAuthorizationCheck{
			OrganizationID: "organization-test-acme", ResourceID: "documents", Action: "read",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := resp.MemberSession
	fmt.Println(s.MemberID, s.OrganizationSlug, s.Roles, "granted by", resp.Verdict.GrantingRoles)

	// The same member asking about another organization is refused before
	// any role is looked at.
	_, err = b2b.Authenticate(context.Background(), client.B2BAuthenticateRequest{
		SessionToken: "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
		AuthorizationCheck: &client.B2BAuthorizationCheck{
			OrganizationID: "organization-test-globex", ResourceID: "documents", Action: "read",
		},
	})
	fmt.Println(errors.Is(err, client.ErrSessionAuthorizationTenancy))
	// Output:
	// member-test-1 acme [stytch_member editor] granted by [editor]
	// true
}
