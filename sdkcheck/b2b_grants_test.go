package sdkcheck

import (
	"context"
	"testing"

	"github.com/stytchauth/stytch-go/v18/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v18/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v18/stytch/b2b/sessions"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// TestB2BGrants drives the B2B sessions' exchange_access_token, attest and
// migrate with stytch-go's B2B client, on tokens registered as an outside
// party would accept them.
func TestB2BGrants(t *testing.T) {
	srv, api := newB2B(t)
	ctx := context.Background()
	org, err := api.Organizations.Create(ctx, &organizations.CreateParams{OrganizationName: "Acme", OrganizationSlug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.Organization.OrganizationID
	m, err := api.Organizations.Members.Create(ctx, &members.CreateParams{OrganizationID: orgID, EmailAddress: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, et := range []stytchtest.ExternalToken{
		{Endpoint: stytchtest.EndpointExchangeAccessToken, Token: "at-1", UserID: m.MemberID, Scopes: []string{"full_access"}},
		{Endpoint: stytchtest.EndpointAttest, Token: "tat-1", ProfileID: "profile-1", Email: "ada@example.com"},
		{Endpoint: stytchtest.EndpointMigrate, Token: "idp-1", Email: "ada@example.com"},
	} {
		if err := srv.RegisterExternalToken(et); err != nil {
			t.Fatal(err)
		}
	}
	// check authenticates a granted member session by token with stytch-go.
	check := func(name, memberID, token string, session *sessions.MemberSession) {
		t.Helper()
		if memberID != m.MemberID || session == nil || session.MemberID != m.MemberID || session.OrganizationID != orgID {
			t.Fatalf("%s: member %q, session %+v", name, memberID, session)
		}
		got, err := api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: token})
		if err != nil || got.MemberSession.MemberSessionID != session.MemberSessionID {
			t.Fatalf("%s: the granted session does not authenticate: %+v, %v", name, got, err)
		}
	}

	ex, err := api.Sessions.ExchangeAccessToken(ctx, &sessions.ExchangeAccessTokenParams{AccessToken: "at-1", SessionDurationMinutes: 30})
	if err != nil {
		t.Fatalf("ExchangeAccessToken: %v", err)
	}
	check("exchange_access_token", ex.MemberID, ex.SessionToken, ex.MemberSession)
	_, err = api.Sessions.ExchangeAccessToken(ctx, &sessions.ExchangeAccessTokenParams{AccessToken: "at-1"})
	wantStytchError(t, err, 400, "oauth_access_token_exchange_token_invalid_grant")

	at, err := api.Sessions.Attest(ctx, &sessions.AttestParams{ProfileID: "profile-1", Token: "tat-1", OrganizationID: orgID})
	if err != nil {
		t.Fatalf("Attest: %v", err)
	}
	check("attest", at.MemberID, at.SessionToken, &at.MemberSession)
	added, err := api.Sessions.Attest(ctx, &sessions.AttestParams{ProfileID: "profile-1", Token: "tat-1", SessionToken: at.SessionToken})
	if err != nil || added.MemberSession.MemberSessionID != at.MemberSession.MemberSessionID || len(added.MemberSession.AuthenticationFactors) != 2 {
		t.Fatalf("Attest with a session = %+v, %v", added, err)
	}

	mi, err := api.Sessions.Migrate(ctx, &sessions.MigrateParams{SessionToken: "idp-1", OrganizationID: orgID})
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	check("migrate", mi.MemberID, mi.SessionToken, mi.MemberSession)
	_, err = api.Sessions.Migrate(ctx, &sessions.MigrateParams{SessionToken: "idp-unknown", OrganizationID: orgID})
	wantStytchError(t, err, 401, "invalid_session_token")
}
