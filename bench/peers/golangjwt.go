package peers

import (
	"context"
	"fmt"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
)

// golangJWTClaims are the registered claims plus Stytch's session claim.
type golangJWTClaims struct {
	jwt.RegisteredClaims
	Session fixture.SessionClaim `json:"https://stytch.com/session"`
}

// newGolangJWT sets up golang-jwt v5 with keyfunc v3, which fetches the
// JWKS when it is created and refreshes it in the background: one parser
// built once, RS256 only, issuer, audience and exp required.
func newGolangJWT(ctx context.Context, env Env) (*Subject, error) {
	ctx, cancel := context.WithCancel(ctx)
	kf, err := keyfunc.NewDefaultCtx(ctx, []string{env.JWKSURL()})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("keyfunc: %w", err)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(env.Issuer.Issuer()),
		jwt.WithAudience(env.Issuer.ProjectID),
		jwt.WithExpirationRequired(),
	)
	return &Subject{
		Name: "golang-jwt+keyfunc",
		Handler: bearer(
			func(_ context.Context, token string) (*golangJWTClaims, error) {
				claims := new(golangJWTClaims)
				if _, err := parser.ParseWithClaims(token, claims, kf.Keyfunc); err != nil {
					return nil, err
				}
				return claims, nil
			},
			func(c *golangJWTClaims) (string, string) { return c.Subject, firstOf(c.Session.Roles) },
		),
		close: func() error { cancel(); return nil },
	}, nil
}
