package stytchtest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

func mustRegister(t *testing.T, srv *Server, et ExternalToken) {
	t.Helper()
	if err := srv.RegisterExternalToken(et); err != nil {
		t.Fatalf("RegisterExternalToken(%+v): %v", et, err)
	}
}

// checkGrant checks a grant answer: envelope, user, and a session whose
// credentials authenticate.
func checkGrant(t *testing.T, srv *Server, resp *client.SessionGrantResponse, userID string) client.Session {
	t.Helper()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.RequestID, "request-id-test-") || resp.UserID != userID ||
		resp.User.UserID != userID || resp.Session == nil || resp.Session.UserID != userID ||
		!sessionTokenForm.MatchString(resp.SessionToken) {
		t.Fatalf("grant = %+v", resp)
	}
	verifyJWX(t, srv, resp.SessionJWT)
	for _, req := range []client.AuthenticateRequest{{SessionToken: resp.SessionToken}, {SessionJWT: resp.SessionJWT}} {
		if _, err := srv.Client().Authenticate(context.Background(), req); err != nil {
			t.Fatalf("the granted session does not authenticate: %v", err)
		}
	}
	return *resp.Session
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	ctx := context.Background()
	known := mustUser(t, srv, "Known@Example.com", "editor")
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointMigrate, Token: "idp-known", Email: "known@example.com"})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointMigrate, Token: "idp-by-id", UserID: known.UserID})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointMigrate, Token: "idp-new", Email: "new@example.com"})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointMigrate, Token: "idp-no-email"})

	t.Run("existing user by email", func(t *testing.T) {
		resp, err := srv.Client().Migrate(ctx, client.MigrateRequest{SessionToken: "idp-known",
			SessionDurationMinutes: 30, SessionCustomClaims: client.CustomClaims{"from": "idp", "gone": nil}})
		if err != nil {
			t.Fatal(err)
		}
		s := checkGrant(t, srv, resp, known.UserID)
		if !s.ExpiresAt.Equal(fixedNow.Add(30*time.Minute)) || mustJSON(t, s.CustomClaims) != `{"from":"idp"}` ||
			!slices.Equal(s.Roles, []string{"stytch_user", "editor"}) {
			t.Errorf("session = %+v", s)
		}
		if f := s.AuthenticationFactors; len(f) != 1 || f[0].EmailFactor == nil || f[0].EmailFactor.EmailAddress != "Known@Example.com" {
			t.Errorf("factors = %+v", f)
		}
	})
	t.Run("reusable and by user id, default duration", func(t *testing.T) {
		for _, token := range []string{"idp-known", "idp-by-id"} {
			resp, err := srv.Client().Migrate(ctx, client.MigrateRequest{SessionToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if s := checkGrant(t, srv, resp, known.UserID); !s.ExpiresAt.Equal(fixedNow.Add(time.Hour)) {
				t.Errorf("expires_at = %v, want an hour", s.ExpiresAt)
			}
		}
	})
	t.Run("new user created", func(t *testing.T) {
		resp, err := srv.Client().Migrate(ctx, client.MigrateRequest{SessionToken: "idp-new"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.UserID == known.UserID || len(resp.User.Emails) != 1 || resp.User.Emails[0].Email != "new@example.com" {
			t.Fatalf("user = %+v", resp.User)
		}
		checkGrant(t, srv, resp, resp.UserID)
		again, err := srv.Client().Migrate(ctx, client.MigrateRequest{SessionToken: "idp-new"})
		if err != nil || again.UserID != resp.UserID {
			t.Errorf("a second migrate created another user: %v, %v", again, err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		_, err := srv.Client().Migrate(ctx, client.MigrateRequest{SessionToken: "idp-no-email"})
		wantAPIError(t, err, http.StatusBadRequest, client.ErrMigrateEmailDoesNotExist)
		_, err = srv.Client().Migrate(ctx, client.MigrateRequest{SessionToken: "unknown"})
		wantAPIError(t, err, http.StatusUnauthorized, client.ErrInvalidSessionToken)
		wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/migrate", map[string]any{}, true),
			http.StatusBadRequest, client.ErrInvalidSessionToken)
		wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/migrate",
			map[string]any{"session_token": "idp-known", "session_duration_minutes": 1}, true),
			http.StatusBadRequest, client.ErrInvalidSessionDurationMinutes)
	})
}

func TestExchangeAccessToken(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	ctx := context.Background()
	u := mustUser(t, srv, "ada@example.com", "reader")
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointExchangeAccessToken, Token: "at-ok", UserID: u.UserID,
		Scopes: []string{"openid", "full_access"}, ClientID: "connected-app-test-1"})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointExchangeAccessToken, Token: "at-email", Email: "ada@example.com",
		Scopes: []string{"full_access"}})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointExchangeAccessToken, Token: "at-narrow", UserID: u.UserID,
		Scopes: []string{"openid"}})

	resp, err := srv.Client().ExchangeAccessToken(ctx, client.ExchangeAccessTokenRequest{AccessToken: "at-ok",
		SessionCustomClaims: client.CustomClaims{"via": "app"}})
	if err != nil {
		t.Fatal(err)
	}
	s := checkGrant(t, srv, resp, u.UserID)
	f := s.AuthenticationFactors
	if len(f) != 1 || f[0].DeliveryMethod != "oauth_access_token_exchange" || f[0].OAuthAccessTokenExchangeFactor == nil ||
		f[0].OAuthAccessTokenExchangeFactor.ClientID != "connected-app-test-1" || s.CustomClaims["via"] != "app" {
		t.Errorf("session = %+v", s)
	}

	_, err = srv.Client().ExchangeAccessToken(ctx, client.ExchangeAccessTokenRequest{AccessToken: "at-ok"})
	wantAPIError(t, err, http.StatusBadRequest, client.ErrAccessTokenInvalidGrant) // single use
	_, err = srv.Client().ExchangeAccessToken(ctx, client.ExchangeAccessTokenRequest{AccessToken: "at-narrow"})
	wantAPIError(t, err, http.StatusBadRequest, client.ErrAccessTokenMissingFullAccess)
	_, err = srv.Client().ExchangeAccessToken(ctx, client.ExchangeAccessTokenRequest{AccessToken: "unknown"})
	wantAPIError(t, err, http.StatusBadRequest, client.ErrAccessTokenInvalidGrant)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/exchange_access_token", map[string]any{}, true),
		http.StatusBadRequest, client.ErrInvalidToken)

	srv.Advance(5*time.Minute + time.Second)
	_, err = srv.Client().ExchangeAccessToken(ctx, client.ExchangeAccessTokenRequest{AccessToken: "at-email"})
	wantAPIError(t, err, http.StatusBadRequest, client.ErrAccessTokenTooOld)

	mustRegister(t, srv, ExternalToken{Endpoint: EndpointExchangeAccessToken, Token: "at-fresh", Email: "ada@example.com",
		Scopes: []string{"full_access"}})
	srv.Advance(5 * time.Minute)
	resp, err = srv.Client().ExchangeAccessToken(ctx, client.ExchangeAccessTokenRequest{AccessToken: "at-fresh"})
	if err != nil {
		t.Fatalf("a token exactly 5 minutes old was refused: %v", err)
	}
	if id := resp.Session.AuthenticationFactors[0].OAuthAccessTokenExchangeFactor.ClientID; !strings.HasPrefix(id, "connected-app-test-") {
		t.Errorf("generated client_id = %q", id)
	}
}

func TestAttest(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	ctx := context.Background()
	u := mustUser(t, srv, "")
	other := mustUser(t, srv, "")
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointAttest, Token: "tat-1", UserID: u.UserID, ProfileID: "profile-1"})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointAttest, Token: "tat-other", UserID: other.UserID, ProfileID: "profile-1"})

	resp, err := srv.Client().Attest(ctx, client.AttestRequest{ProfileID: "profile-1", Token: "tat-1", SessionDurationMinutes: 15})
	if err != nil {
		t.Fatal(err)
	}
	s := checkGrant(t, srv, resp, u.UserID)
	f := s.AuthenticationFactors
	if len(f) != 1 || f[0].Type != "trusted_auth_token" || f[0].DeliveryMethod != "trusted_token_exchange" ||
		f[0].TrustedAuthTokenFactor == nil || !strings.HasPrefix(f[0].TrustedAuthTokenFactor.TokenID, "trusted-auth-token-test-") ||
		!s.ExpiresAt.Equal(fixedNow.Add(15*time.Minute)) {
		t.Errorf("session = %+v", s)
	}

	existing := mustSession(t, srv, SessionParams{UserID: u.UserID, CustomClaims: map[string]any{"a": 1}})
	srv.Advance(time.Minute)
	for i, ref := range []client.AttestRequest{{SessionToken: existing.SessionToken}, {SessionJWT: existing.SessionJWT}} {
		ref.ProfileID, ref.Token = "profile-1", "tat-1"
		ref.SessionCustomClaims = client.CustomClaims{"b": i}
		resp, err := srv.Client().Attest(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		s := checkGrant(t, srv, resp, u.UserID)
		if s.SessionID != existing.Session.SessionID || len(s.AuthenticationFactors) != 2+i ||
			s.AuthenticationFactors[1+i].Type != "trusted_auth_token" || !s.LastAccessedAt.Equal(fixedNow.Add(time.Minute)) ||
			!s.ExpiresAt.Equal(existing.Session.ExpiresAt) || mustJSON(t, s.CustomClaims) != `{"a":1,"b":`+string(rune('0'+i))+`}` {
			t.Errorf("attest on an existing session = %+v", s)
		}
		if resp.SessionToken != existing.SessionToken {
			t.Error("attest on an existing session answered another session token")
		}
	}

	tests := []struct {
		name   string
		req    client.AttestRequest
		status int
		want   client.ErrorType
	}{
		{"unknown profile", client.AttestRequest{ProfileID: "profile-x", Token: "tat-1"}, 404, client.ErrTrustedTokenProfileNotFound},
		{"unknown token", client.AttestRequest{ProfileID: "profile-1", Token: "tat-x"}, 401, client.ErrInvalidTrustedAuthToken},
		{"another user's session", client.AttestRequest{ProfileID: "profile-1", Token: "tat-other", SessionToken: existing.SessionToken}, 400, client.ErrInvalidTrustedAuthToken},
		{"unknown session", client.AttestRequest{ProfileID: "profile-1", Token: "tat-1", SessionToken: "nope"}, 404, client.ErrSessionNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := srv.Client().Attest(ctx, tt.req)
			wantAPIError(t, err, tt.status, tt.want)
		})
	}
	for name, body := range map[string]map[string]any{
		string(client.ErrTrustedTokenProfileNotFound): {"token": "tat-1"},
		string(client.ErrInvalidTrustedAuthToken):     {"profile_id": "profile-1"},
		string(client.ErrTooManySessionArguments):     {"profile_id": "profile-1", "token": "tat-1", "session_token": "a", "session_jwt": "b"},
	} {
		wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/attest", body, true), http.StatusBadRequest, client.ErrorType(name))
	}
}

func TestRegisterExternalTokenValidation(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	email := uniqueEmail("register")
	u := mustUser(t, srv, email)
	taken := "taken-" + newUUID()
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointMigrate, Token: taken, Email: uniqueEmail("register-x")})
	tests := []struct {
		name string
		et   ExternalToken
	}{
		{"unknown endpoint", ExternalToken{Endpoint: EndpointAuthenticate, Token: "t", UserID: u.UserID}},
		{"no token", ExternalToken{Endpoint: EndpointMigrate, Email: "a@example.com"}},
		{"user and email", ExternalToken{Endpoint: EndpointMigrate, Token: "t", UserID: u.UserID, Email: email}},
		{"exchange without user", ExternalToken{Endpoint: EndpointExchangeAccessToken, Token: "t", Scopes: []string{"full_access"}}},
		{"attest without profile", ExternalToken{Endpoint: EndpointAttest, Token: "t", UserID: u.UserID}},
		{"profile off attest", ExternalToken{Endpoint: EndpointMigrate, Token: "t", UserID: u.UserID, ProfileID: "p"}},
		{"scopes off exchange", ExternalToken{Endpoint: EndpointAttest, Token: "t", UserID: u.UserID, ProfileID: "p", Scopes: []string{"x"}}},
		{"unknown user", ExternalToken{Endpoint: EndpointAttest, Token: "t", UserID: "user-test-x", ProfileID: "p"}},
		{"unknown email", ExternalToken{Endpoint: EndpointAttest, Token: "t", Email: "nobody@example.com", ProfileID: "p"}},
		{"bad email", ExternalToken{Endpoint: EndpointMigrate, Token: "t", Email: "not an email"}},
		{"duplicate", ExternalToken{Endpoint: EndpointMigrate, Token: taken, Email: "y@example.com"}},
	}
	for _, tt := range tests {
		if err := srv.RegisterExternalToken(tt.et); err == nil {
			t.Errorf("%s: registered %+v", tt.name, tt.et)
		}
	}
	// The same token may serve two endpoints.
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointAttest, Token: taken, UserID: u.UserID, ProfileID: "p"})
}
