package stytchtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// A test starts an emulator, creates a user and a session, and checks the
// session through the client package, as the code under test would.
func ExampleNewServer() {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()
	ctx := context.Background()

	user, err := srv.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Name: "Ada Lovelace", Roles: []string{"editor"}})
	if err != nil {
		panic(err)
	}
	grant, err := srv.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		panic(err)
	}

	resp, err := srv.Client().Authenticate(ctx, client.AuthenticateRequest{
		SessionJWT:         grant.SessionJWT,
		AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "create"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Session.Roles, resp.Verdict.GrantingRoles)

	_, err = srv.Client().Authenticate(ctx, client.AuthenticateRequest{
		SessionToken:       grant.SessionToken,
		AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "delete"},
	})
	fmt.Println(errors.Is(err, client.ErrConsumerSessionAuthorization))
	// Output:
	// [stytch_user editor] [editor]
	// true
}
