package peers

import (
	"context"
	"fmt"
	"net/http"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
)

// newStytchMW sets up stytchmw's middleware with its defaults: a client for
// the API, and Authenticator.Handler, which requires a session.
func newStytchMW(ctx context.Context, env Env) (*Subject, error) {
	c, err := client.New(client.Config{
		ProjectID: env.Issuer.ProjectID,
		Secret:    "secret-test-benchmark-not-a-secret",
		BaseURL:   env.APIURL,
	})
	if err != nil {
		return nil, fmt.Errorf("stytchmw: %w", err)
	}
	auth, err := middleware.New(ctx, middleware.Config{Client: c})
	if err != nil {
		return nil, fmt.Errorf("stytchmw: %w", err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := middleware.FromContext(r.Context())
		if !ok {
			reply(w, "", "")
			return
		}
		reply(w, a.Session.UserID, firstOf(a.Session.Roles))
	})
	return &Subject{Name: "stytchmw", Handler: auth.Require(middleware.Authenticated())(next), close: auth.Close}, nil
}
