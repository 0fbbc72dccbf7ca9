package peers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/jwks"
	"github.com/auth0/go-jwt-middleware/v2/validator"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
)

// auth0Claims are the custom claims auth0's validator decodes: Stytch's
// session claim.
type auth0Claims struct {
	Session fixture.SessionClaim `json:"https://stytch.com/session"`
}

// Validate implements validator.CustomClaims: a session claim must be there.
func (c *auth0Claims) Validate(context.Context) error {
	if c.Session.ID == "" {
		return errors.New("no session claim")
	}
	return nil
}

// newAuth0 sets up auth0/go-jwt-middleware v2: its CheckJWT middleware,
// its validator (RS256, issuer, audience, the session claim as custom
// claims) and its caching JWKS provider, pointed at the JWKS URL (Stytch
// has no OpenID discovery document) and kept for an hour.
func newAuth0(ctx context.Context, env Env) (*Subject, error) {
	base, err := url.Parse(env.APIURL)
	if err != nil {
		return nil, fmt.Errorf("auth0: %w", err)
	}
	jwksURL, err := url.Parse(env.JWKSURL())
	if err != nil {
		return nil, fmt.Errorf("auth0: %w", err)
	}
	provider := jwks.NewCachingProvider(base, time.Hour, jwks.WithCustomJWKSURI(jwksURL))
	v, err := validator.New(provider.KeyFunc, validator.RS256, env.Issuer.Issuer(),
		[]string{env.Issuer.ProjectID},
		validator.WithCustomClaims(func() validator.CustomClaims { return new(auth0Claims) }))
	if err != nil {
		return nil, fmt.Errorf("auth0: %w", err)
	}
	// The provider fetches on first use: do it now, not in the first request.
	if _, err := provider.KeyFunc(ctx); err != nil {
		return nil, fmt.Errorf("auth0: JWKS: %w", err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := r.Context().Value(jwtmiddleware.ContextKey{}).(*validator.ValidatedClaims)
		if !ok {
			reply(w, "", "")
			return
		}
		session, _ := claims.CustomClaims.(*auth0Claims)
		if session == nil {
			reply(w, "", "")
			return
		}
		reply(w, claims.RegisteredClaims.Subject, firstOf(session.Session.Roles))
	})
	return &Subject{
		Name:    "auth0-v2",
		Handler: jwtmiddleware.New(v.ValidateToken).CheckJWT(next),
	}, nil
}
