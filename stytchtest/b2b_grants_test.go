package stytchtest

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/stytchmw/stytchmw/client"
)

// checkMemberGrant checks a B2B grant answer made through the client: the
// member, its organization, and a session whose token and JWT authenticate.
func checkMemberGrant(t *testing.T, srv *Server, resp *client.B2BSessionGrantResponse, m Member) client.MemberSession {
	t.Helper()
	if resp.StatusCode != 200 || resp.MemberID != m.MemberID || resp.Member.MemberID != m.MemberID ||
		resp.Organization.OrganizationID != m.OrganizationID || resp.MemberSession == nil ||
		resp.MemberSession.MemberID != m.MemberID || resp.MemberSession.OrganizationID != m.OrganizationID ||
		!sessionTokenForm.MatchString(resp.SessionToken) {
		t.Fatalf("grant = %+v", resp)
	}
	claims := verifyJWX(t, srv, resp.SessionJWT)
	if claims["sub"] != m.MemberID || claims[OrganizationClaim].(map[string]any)["organization_id"] != m.OrganizationID {
		t.Errorf("JWT claims = %v", claims)
	}
	for _, req := range []client.B2BAuthenticateRequest{{SessionToken: resp.SessionToken}, {SessionJWT: resp.SessionJWT}} {
		got, err := srv.Client().B2B().Authenticate(context.Background(), req)
		if err != nil {
			t.Fatalf("the granted member session does not authenticate: %v", err)
		}
		if got.MemberSession.MemberSessionID != resp.MemberSession.MemberSessionID {
			t.Errorf("authenticate found session %s, want %s", got.MemberSession.MemberSessionID, resp.MemberSession.MemberSessionID)
		}
	}
	return *resp.MemberSession
}

// twoOrgs is a B2B emulator with organizations acme and globex, each with a
// member of the same email address.
func twoOrgs(t *testing.T) (srv *Server, acme, globex Member) {
	t.Helper()
	srv = b2bServer(t)
	email := uniqueEmail("ada")
	acme = mustMember(t, srv, mustOrg(t, srv, "acme").OrganizationID, email, "editor")
	globex = mustMember(t, srv, mustOrg(t, srv, "globex").OrganizationID, email)
	return srv, acme, globex
}

func TestB2BExchangeAccessToken(t *testing.T) {
	t.Parallel()
	srv, acme, _ := twoOrgs(t)
	ctx := context.Background()
	b2b := srv.Client().B2B()
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointExchangeAccessToken, Token: "at-1", UserID: acme.MemberID,
		Scopes: []string{"openid", "full_access"}, ClientID: "connected-app-test-docs"})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointExchangeAccessToken, Token: "at-narrow", UserID: acme.MemberID, Scopes: []string{"openid"}})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointExchangeAccessToken, Token: "at-old", UserID: acme.MemberID, Scopes: []string{"full_access"}})

	resp, err := b2b.ExchangeAccessToken(ctx, client.B2BExchangeAccessTokenRequest{AccessToken: "at-1",
		SessionDurationMinutes: 30, SessionCustomClaims: client.CustomClaims{"via": "app"}})
	if err != nil {
		t.Fatal(err)
	}
	s := checkMemberGrant(t, srv, resp, acme)
	if !s.ExpiresAt.Equal(fixedNow.Add(30*time.Minute)) || s.CustomClaims["via"] != "app" ||
		!slices.Equal(s.Roles, []string{"stytch_member", "editor"}) || s.OrganizationSlug != "acme" {
		t.Errorf("member session = %+v", s)
	}
	if f := s.AuthenticationFactors; len(f) != 1 || f[0].DeliveryMethod != "oauth_access_token_exchange" ||
		f[0].OAuthAccessTokenExchangeFactor == nil || f[0].OAuthAccessTokenExchangeFactor.ClientID != "connected-app-test-docs" {
		t.Errorf("factors = %+v", f)
	}

	_, err = b2b.ExchangeAccessToken(ctx, client.B2BExchangeAccessTokenRequest{AccessToken: "at-1"})
	wantAPIError(t, err, 400, client.ErrAccessTokenInvalidGrant)
	_, err = b2b.ExchangeAccessToken(ctx, client.B2BExchangeAccessTokenRequest{AccessToken: "at-narrow"})
	wantAPIError(t, err, 400, client.ErrAccessTokenMissingFullAccess)
	srv.Advance(5*time.Minute + time.Second)
	_, err = b2b.ExchangeAccessToken(ctx, client.B2BExchangeAccessTokenRequest{AccessToken: "at-old"})
	wantAPIError(t, err, 400, client.ErrAccessTokenTooOld)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/sessions/exchange_access_token", map[string]any{}, true), 400, client.ErrInvalidToken)

	// B2B registration names members: by id (an access token's request
	// names no organization, so an email alone is refused).
	for name, et := range map[string]ExternalToken{
		"email only":     {Endpoint: EndpointExchangeAccessToken, Token: "at-x", Email: acme.EmailAddress, Scopes: []string{"full_access"}},
		"unknown member": {Endpoint: EndpointExchangeAccessToken, Token: "at-y", UserID: "member-test-nobody", Scopes: []string{"full_access"}},
		"a user id":      {Endpoint: EndpointAttest, Token: "at-z", ProfileID: "p", UserID: "user-test-x"},
	} {
		if err := srv.RegisterExternalToken(et); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
}

func TestB2BAttest(t *testing.T) {
	t.Parallel()
	srv, acme, globex := twoOrgs(t)
	ctx := context.Background()
	b2b := srv.Client().B2B()
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointAttest, Token: "tat-email", ProfileID: "profile-1", Email: acme.EmailAddress})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointAttest, Token: "tat-acme", ProfileID: "profile-1", UserID: acme.MemberID})
	loner := mustMember(t, srv, acme.OrganizationID, uniqueEmail("loner"))
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointAttest, Token: "tat-loner", ProfileID: "profile-1", UserID: loner.MemberID})

	cases := []struct {
		name  string
		req   client.B2BAttestRequest
		want  Member
		fails client.ErrorType
	}{
		{name: "by email in globex", req: client.B2BAttestRequest{Token: "tat-email", OrganizationID: globex.OrganizationID}, want: globex},
		{name: "by member id, its own organization", req: client.B2BAttestRequest{Token: "tat-acme"}, want: acme},
		{name: "by member id, the same email in globex", req: client.B2BAttestRequest{Token: "tat-acme", OrganizationID: globex.OrganizationID}, want: globex},
		{name: "by email without an organization", req: client.B2BAttestRequest{Token: "tat-email"}, fails: client.ErrInvalidOrganizationID},
		{name: "no member of that email in globex", req: client.B2BAttestRequest{Token: "tat-loner", OrganizationID: globex.OrganizationID}, fails: client.ErrMemberNotFound},
		{name: "unknown organization", req: client.B2BAttestRequest{Token: "tat-email", OrganizationID: "organization-test-x"}, fails: client.ErrOrganizationNotFound},
		{name: "unknown token", req: client.B2BAttestRequest{Token: "tat-unknown"}, fails: client.ErrInvalidTrustedAuthToken},
		{name: "unknown profile", req: client.B2BAttestRequest{Token: "tat-acme", ProfileID: "profile-x"}, fails: client.ErrTrustedTokenProfileNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.req.ProfileID == "" {
				tc.req.ProfileID = "profile-1"
			}
			resp, err := b2b.Attest(ctx, tc.req)
			if tc.fails != "" {
				status := map[client.ErrorType]int{client.ErrInvalidOrganizationID: 400, client.ErrInvalidTrustedAuthToken: 401}[tc.fails]
				if status == 0 {
					status = 404
				}
				wantAPIError(t, err, status, tc.fails)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := checkMemberGrant(t, srv, resp, tc.want)
			if f := s.AuthenticationFactors; len(f) != 1 || f[0].Type != "trusted_auth_token" || f[0].TrustedAuthTokenFactor == nil {
				t.Errorf("factors = %+v", f)
			}
		})
	}

	t.Run("adds the factor to a session", func(t *testing.T) {
		g := mustMemberSession(t, srv, MemberSessionParams{OrganizationID: acme.OrganizationID, MemberID: acme.MemberID})
		resp, err := b2b.Attest(ctx, client.B2BAttestRequest{ProfileID: "profile-1", Token: "tat-email", SessionJWT: g.SessionJWT,
			SessionDurationMinutes: 90, SessionCustomClaims: client.CustomClaims{"attested": true}})
		if err != nil {
			t.Fatal(err)
		}
		s := checkMemberGrant(t, srv, resp, acme)
		if s.MemberSessionID != g.MemberSession.MemberSessionID || len(s.AuthenticationFactors) != 2 ||
			s.AuthenticationFactors[1].Type != "trusted_auth_token" || s.CustomClaims["attested"] != true ||
			!s.ExpiresAt.Equal(fixedNow.Add(90*time.Minute)) {
			t.Errorf("session = %+v", s)
		}
		// The token names globex's member: not the session's.
		_, err = b2b.Attest(ctx, client.B2BAttestRequest{ProfileID: "profile-1", Token: "tat-acme", SessionToken: g.SessionToken,
			OrganizationID: globex.OrganizationID})
		wantAPIError(t, err, 400, client.ErrInvalidTrustedAuthToken)
		_, err = b2b.Attest(ctx, client.B2BAttestRequest{ProfileID: "profile-1", Token: "tat-acme", SessionToken: "no-such-session"})
		wantAPIError(t, err, 404, client.ErrSessionNotFound)
	})
}

func TestB2BMigrate(t *testing.T) {
	t.Parallel()
	srv, acme, globex := twoOrgs(t)
	ctx := context.Background()
	b2b := srv.Client().B2B()
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointMigrate, Token: "idp-ada", Email: acme.EmailAddress})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointMigrate, Token: "idp-new", Email: uniqueEmail("new")})
	mustRegister(t, srv, ExternalToken{Endpoint: EndpointMigrate, Token: "idp-no-email"})
	// The admin API registers outside parties' tokens in a B2B project too.
	if r := call(t, srv, http.MethodPost, "/emulator/external-tokens", map[string]any{"endpoint": "migrate", "token": "idp-admin",
		"user_id": globex.MemberID}, true); r.status != 200 {
		t.Fatalf("registering by the admin API: %d %s", r.status, r.body)
	}
	resp, err := b2b.Migrate(ctx, client.B2BMigrateRequest{SessionToken: "idp-admin", OrganizationID: acme.OrganizationID})
	if err != nil {
		t.Fatal(err)
	}
	checkMemberGrant(t, srv, resp, acme) // globex's member stands for its address: acme's member

	for _, m := range []Member{acme, globex} {
		resp, err := b2b.Migrate(ctx, client.B2BMigrateRequest{SessionToken: "idp-ada", OrganizationID: m.OrganizationID})
		if err != nil {
			t.Fatal(err)
		}
		s := checkMemberGrant(t, srv, resp, m)
		if f := s.AuthenticationFactors; len(f) != 1 || f[0].Type != "imported" || f[0].EmailFactor == nil ||
			f[0].EmailFactor.EmailAddress != m.EmailAddress || !s.ExpiresAt.Equal(fixedNow.Add(time.Hour)) {
			t.Errorf("session = %+v", s)
		}
	}
	_, err = b2b.Migrate(ctx, client.B2BMigrateRequest{SessionToken: "idp-new", OrganizationID: acme.OrganizationID})
	wantAPIError(t, err, 404, client.ErrMemberNotFound) // B2B migrate never creates a member
	_, err = b2b.Migrate(ctx, client.B2BMigrateRequest{SessionToken: "idp-ada", OrganizationID: "organization-test-x"})
	wantAPIError(t, err, 404, client.ErrOrganizationNotFound)
	_, err = b2b.Migrate(ctx, client.B2BMigrateRequest{SessionToken: "idp-unknown", OrganizationID: acme.OrganizationID})
	wantAPIError(t, err, 401, client.ErrInvalidSessionToken)
	_, err = b2b.Migrate(ctx, client.B2BMigrateRequest{SessionToken: "idp-no-email", OrganizationID: acme.OrganizationID})
	wantAPIError(t, err, 400, client.ErrMigrateEmailDoesNotExist)
	_, err = b2b.Migrate(ctx, client.B2BMigrateRequest{SessionToken: "idp-ada", OrganizationID: acme.OrganizationID, SessionDurationMinutes: 4})
	if err == nil {
		t.Error("a 4-minute session was migrated")
	}
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/sessions/migrate", map[string]any{"session_token": "idp-ada"}, true),
		400, client.ErrInvalidOrganizationID)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/sessions/migrate",
		map[string]any{"session_token": "idp-ada", "organization_id": acme.OrganizationID, "session_duration_minutes": 4}, true),
		400, client.ErrInvalidSessionDurationMinutes)
	if n := srv.Requests(EndpointB2BMigrate); n != 9 {
		t.Errorf("Requests(EndpointB2BMigrate) = %d, want 9", n)
	}
}

func TestPublicJWKS(t *testing.T) {
	t.Parallel()
	bothKinds(t, func(t *testing.T, srv *Server) {
		ctx := context.Background()
		path := "/v1/public/" + srv.ProjectID + "/.well-known/jwks.json"
		c, err := srv.CreateM2MClient(ctx, M2MClientParams{Scopes: []string{"read:users"}})
		if err != nil {
			t.Fatal(err)
		}
		tokens := map[string]func() (string, error){
			"an M2M token": func() (string, error) { return srv.CreateM2MToken(ctx, c.ClientID, nil) },
			"a session JWT": func() (string, error) {
				if srv.b2b {
					_, g := memberSession(t, srv, mustOrg(t, srv, "org-"+newUUID()[:8]))
					return g.SessionJWT, nil
				}
				_, g := userSession(t, srv)
				return g.SessionJWT, nil
			},
		}
		for round := range 2 {
			set := keySetAt(t, srv, path)
			if set.Len() != round+1 {
				t.Fatalf("round %d: %d keys served, want %d", round, set.Len(), round+1)
			}
			for name, mint := range tokens {
				token, err := mint()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := jwt.Parse([]byte(token), jwt.WithKeySet(set), jwt.WithValidate(true), jwt.WithClock(jwt.ClockFunc(srv.Now)),
					jwt.WithAudience(srv.ProjectID), jwt.WithIssuer(srv.Issuer())); err != nil {
					t.Errorf("round %d: %s does not verify against the public JWKS: %v", round, name, err)
				}
			}
			srv.RotateKeys()
		}
		wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/public/project-test-other/.well-known/jwks.json", nil, false), 404, client.ErrInvalidProjectID)
		if n := srv.Requests(EndpointPublicJWKS); n != 3 {
			t.Errorf("Requests(EndpointPublicJWKS) = %d, want 3", n)
		}
	})
}
