package peers

import (
	"context"
	"fmt"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
)

// stytchGoMaxTokenAge is the max token age given to stytch-go, which
// requires one: long enough that no benchmark token is too old, as the
// other subjects check exp only.
const stytchGoMaxTokenAge = 24 * time.Hour

// newStytchGo sets up Stytch's Go SDK, whose client fetches the JWKS from
// the API's /v1/sessions/jwks/<project_id> when it is created, and verifies
// with Sessions.AuthenticateJWTLocal (local only: no fallback to the API).
func newStytchGo(ctx context.Context, env Env) (*Subject, error) {
	api, err := stytchapi.NewClient(env.Issuer.ProjectID, "secret-test-benchmark-not-a-secret",
		stytchapi.WithBaseURI(env.APIURL), stytchapi.WithInitializationContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("stytch-go: %w", err)
	}
	return &Subject{
		Name: "stytch-go",
		Handler: bearer(
			func(_ context.Context, token string) (*sessions.Session, error) {
				return api.Sessions.AuthenticateJWTLocal(token, stytchGoMaxTokenAge)
			},
			func(s *sessions.Session) (string, string) { return s.UserID, firstOf(s.Roles) },
		),
		close: func() error {
			api.Sessions.JWKS.EndBackground()
			return nil
		},
	}, nil
}
