package peers

import (
	"context"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
)

// newJWX sets up lestrrat-go/jwx v2 alone, as its documentation suggests:
// a jwk.Cache that keeps the JWKS fresh in the background, read through
// jwk.NewCachedSet, and jwt.ParseString with WithKeySet and validation of
// issuer and audience (exp and nbf are validated by default).
func newJWX(ctx context.Context, env Env) (*Subject, error) {
	ctx, cancel := context.WithCancel(ctx)
	cache := jwk.NewCache(ctx)
	url := env.JWKSURL()
	if err := cache.Register(url); err != nil {
		cancel()
		return nil, fmt.Errorf("jwx: %w", err)
	}
	if _, err := cache.Refresh(ctx, url); err != nil {
		cancel()
		return nil, fmt.Errorf("jwx: JWKS: %w", err)
	}
	set := jwk.NewCachedSet(cache, url)
	issuer, audience := env.Issuer.Issuer(), env.Issuer.ProjectID
	return &Subject{
		Name: "jwx-v2",
		Handler: bearer(
			func(_ context.Context, token string) (jwt.Token, error) {
				return jwt.ParseString(token, jwt.WithKeySet(set), jwt.WithValidate(true),
					jwt.WithIssuer(issuer), jwt.WithAudience(audience))
			},
			jwxSession,
		),
		close: func() error { cancel(); return nil },
	}, nil
}

// jwxSession reads the user id and first role of a parsed token: jwx keeps
// private claims as generic JSON values.
func jwxSession(t jwt.Token) (userID, firstRole string) {
	v, ok := t.Get(fixture.SessionClaimName)
	if !ok {
		return "", ""
	}
	session, _ := v.(map[string]any)
	roles, _ := session["roles"].([]any)
	if len(roles) == 0 {
		return t.Subject(), ""
	}
	role, _ := roles[0].(string)
	return t.Subject(), role
}
