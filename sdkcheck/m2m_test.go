package sdkcheck

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v18/stytch/consumer/m2m"
	"github.com/stytchauth/stytch-go/v18/stytch/consumer/m2m/clients"
	"github.com/stytchauth/stytch-go/v18/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v18/stytch/stytcherror"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// m2mAPI is what the consumer and B2B SDK clients' M2M share.
type m2mAPI interface {
	Token(context.Context, *m2m.TokenParams) (*m2m.TokenResponse, error)
	AuthenticateToken(context.Context, *m2m.AuthenticateTokenParams) (*m2m.AuthenticateTokenResponse, error)
}

func TestM2MClient(t *testing.T) {
	t.Run("consumer", func(t *testing.T) {
		srv := stytchtest.NewServer(stytchtest.Config{})
		t.Cleanup(srv.Close)
		api, err := stytchapi.NewClient(srv.ProjectID, srv.Secret, stytchapi.WithHTTPClient(srv.HTTPClient()), stytchapi.WithBaseURI(srv.URL))
		if err != nil {
			t.Fatalf("stytchapi.NewClient: %v", err)
		}
		t.Cleanup(api.M2M.JWKS.EndBackground)
		checkM2M(t, api.M2M.Clients, api.M2M)
	})
	t.Run("b2b", func(t *testing.T) {
		_, api := newB2B(t)
		checkM2M(t, api.M2M.Clients, api.M2M)
	})
}

// clientsAPI is the SDK's M2M clients API.
type clientsAPI interface {
	Create(context.Context, *clients.CreateParams) (*clients.CreateResponse, error)
	Get(context.Context, *clients.GetParams) (*clients.GetResponse, error)
}

func checkM2M(t *testing.T, cl clientsAPI, api m2mAPI) {
	t.Helper()
	ctx := context.Background()
	created, err := cl.Create(ctx, &clients.CreateParams{Scopes: []string{"read:users", "write:users"}, ClientName: "billing"})
	if err != nil {
		t.Fatalf("Clients.Create: %v", err)
	}
	c := created.M2MClient
	if c.ClientSecret == "" || c.ClientSecretLastFour != c.ClientSecret[len(c.ClientSecret)-4:] || c.Status != "active" {
		t.Errorf("client = %+v", c)
	}
	got, err := cl.Get(ctx, &clients.GetParams{ClientID: c.ClientID})
	if err != nil || got.M2MClient.ClientID != c.ClientID || !slices.Equal(got.M2MClient.Scopes, c.Scopes) {
		t.Fatalf("Clients.Get = %+v, %v", got, err)
	}

	tok, err := api.Token(ctx, &m2m.TokenParams{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Scopes: []string{"read:users"}})
	if err != nil || tok.TokenType != "bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("Token = %+v, %v", tok, err)
	}
	auth, err := api.AuthenticateToken(ctx, &m2m.AuthenticateTokenParams{AccessToken: tok.AccessToken,
		RequiredScopes: []string{"read:users"}, MaxTokenAge: time.Minute})
	if err != nil || auth.ClientID != c.ClientID || !slices.Equal(auth.Scopes, []string{"read:users"}) {
		t.Fatalf("AuthenticateToken = %+v, %v", auth, err)
	}
	if _, err := api.AuthenticateToken(ctx, &m2m.AuthenticateTokenParams{AccessToken: tok.AccessToken,
		RequiredScopes: []string{"write:users"}}); err == nil {
		t.Error("AuthenticateToken granted a scope the token lacks")
	}
	_, err = api.Token(ctx, &m2m.TokenParams{ClientID: c.ClientID, ClientSecret: c.ClientSecret + "x"})
	var oauthErr stytcherror.OAuth2Error
	if !errors.As(err, &oauthErr) || oauthErr.ErrorType != "invalid_client" {
		t.Errorf("a wrong secret: %v (%T)", err, err)
	}
	_, err = api.Token(ctx, &m2m.TokenParams{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Scopes: []string{"admin:users"}})
	if !errors.As(err, &oauthErr) || oauthErr.ErrorType != "invalid_scope" {
		t.Errorf("a scope the client lacks: %v", err)
	}

	// An imported client: its own id and secret.
	imported, err := cl.Create(ctx, &clients.CreateParams{ClientID: "billing-v1", ClientSecret: "imported-secret-1", Scopes: []string{"read:users"}})
	if err != nil || imported.M2MClient.ClientID != "billing-v1" || imported.M2MClient.ClientSecretLastFour != "et-1" {
		t.Fatalf("Clients.Create with an id and a secret = %+v, %v", imported, err)
	}
	tok, err = api.Token(ctx, &m2m.TokenParams{ClientID: "billing-v1", ClientSecret: "imported-secret-1"})
	if err != nil {
		t.Fatalf("Token for the imported client: %v", err)
	}
	if auth, err := api.AuthenticateToken(ctx, &m2m.AuthenticateTokenParams{AccessToken: tok.AccessToken}); err != nil || auth.ClientID != "billing-v1" {
		t.Errorf("AuthenticateToken of the imported client's token = %+v, %v", auth, err)
	}
	if _, err := cl.Create(ctx, &clients.CreateParams{ClientID: "billing-v1", Scopes: []string{"read:users"}}); err == nil {
		t.Error("a second client with the same client_id was created")
	}
}
