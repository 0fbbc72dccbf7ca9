package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/stytchmw/stytchmw/client"
)

func ExampleNew() {
	c, err := client.New(client.Config{
		ProjectID: "project-test-00000000-0000-0000-0000-000000000000",
		Secret:    "secret-test-do-not-print-me",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.BaseURL()) // chosen from the project id
	fmt.Println(c)           // the secret is never printed

	_, err = client.New(client.Config{ProjectID: "project-test-00000000", Secret: ""})
	fmt.Println(errors.Is(err, client.ErrInvalidConfig), err)
	// Output:
	// https://test.stytch.com
	// client.Client{ProjectID:"project-test-00000000-0000-0000-0000-000000000000", BaseURL:"https://test.stytch.com"}
	// true stytch client: invalid config: Secret is required
}

// fakeStytch answers like Stytch's authenticate endpoint: a known token
// gets its session, any other token a session_not_found error.
func fakeStytch() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if string(body) != `{"session_token":"mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q","authorization_check":{"resource_id":"documents","action":"read"}}` {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"status_code":404,"request_id":"request-id-test-2","error_type":"session_not_found",
				"error_message":"Session could not be found.","error_url":"https://stytch.com/docs/api/errors/404"}`)
			return
		}
		_, _ = io.WriteString(w, `{"request_id":"request-id-test-1","status_code":200,
			"session":{"session_id":"session-test-1","user_id":"user-test-1","authentication_factors":[],
			  "roles":["stytch_user","editor"],"expires_at":"2025-11-12T11:40:02Z"},
			"session_jwt":"eyJ...","session_token":"mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
			"user":{"user_id":"user-test-1","status":"active"},
			"verdict":{"authorized":true,"granting_roles":["editor"]}}`)
	}))
}

func ExampleClient_Authenticate() {
	stytch := fakeStytch() // stands in for https://test.stytch.com
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
	check := &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}

	resp, err := c.Authenticate(context.Background(), client.AuthenticateRequest{
		SessionToken:       "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
		AuthorizationCheck: check,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Session.UserID, resp.Session.Roles, resp.Session.ExpiresAt)
	fmt.Println("granted by", resp.Verdict.GrantingRoles)

	_, err = c.Authenticate(context.Background(), client.AuthenticateRequest{
		SessionToken:       "revoked-token",
		AuthorizationCheck: check,
	})
	if errors.Is(err, client.ErrSessionNotFound) {
		fmt.Println("signed out:", err)
	}

	_, err = c.Authenticate(context.Background(), client.AuthenticateRequest{})
	var se *client.StytchError
	if errors.As(err, &se) && se.Local {
		fmt.Println("refused before sending:", string(se.ErrorType))
	}
	// Output:
	// user-test-1 [stytch_user editor] 2025-11-12 11:40:02 +0000 UTC
	// granted by [editor]
	// signed out: stytch api: 404 session_not_found: Session could not be found. (request_id request-id-test-2)
	// refused before sending: no_session_arguments
}
