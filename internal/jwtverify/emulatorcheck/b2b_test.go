package emulatorcheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/jwks"
	"github.com/stytchmw/stytchmw/internal/jwtverify"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// b2bProject is a B2B emulator with an organization, a member and a
// session, and two verifiers over its key set (fetched from the B2B JWKS
// path, as a B2B project's must be): one configured for B2B, and one
// wrongly configured for a consumer project.
type b2bProject struct {
	srv          *stytchtest.Server
	org          stytchtest.Organization
	member       stytchtest.Member
	grant        *stytchtest.MemberSessionGrant
	b2b, consumr *jwtverify.Verifier
}

func newB2BProject(t *testing.T) *b2bProject {
	t.Helper()
	srv := stytchtest.NewServer(stytchtest.Config{B2B: true})
	t.Cleanup(srv.Close)
	ctx := t.Context()
	keys, err := jwks.New(ctx, jwks.Config{URL: srv.URL + "/v1/b2b/sessions/jwks/" + srv.ProjectID, MinRefreshInterval: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = keys.Close() })
	p := &b2bProject{srv: srv}
	for _, b2b := range []bool{true, false} {
		v, err := jwtverify.New(jwtverify.Config{ProjectID: srv.ProjectID, Issuers: []string{srv.Issuer()}, Keys: keys, Now: srv.Now, B2B: b2b})
		if err != nil {
			t.Fatal(err)
		}
		if b2b {
			p.b2b = v
		} else {
			p.consumr = v
		}
	}
	if p.org, err = srv.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: "Acme", Slug: "acme"}); err != nil {
		t.Fatal(err)
	}
	if p.member, err = srv.CreateMember(ctx, stytchtest.MemberParams{OrganizationID: p.org.OrganizationID,
		Email: "ada@acme.example", Name: "Ada", Roles: []string{"editor"}}); err != nil {
		t.Fatal(err)
	}
	p.grant = p.login(t)
	return p
}

// login starts a member session with custom claims.
func (p *b2bProject) login(t *testing.T) *stytchtest.MemberSessionGrant {
	t.Helper()
	g, err := p.srv.CreateMemberSession(t.Context(), stytchtest.MemberSessionParams{OrganizationID: p.org.OrganizationID,
		MemberID: p.member.MemberID, CustomClaims: map[string]any{"plan": "pro", "seats": 3, "scope": "not an access token"}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// memberSession is the emulator's member session as client decodes it,
// less what a JWT does not carry (factors' created_at and updated_at).
func memberSession(t *testing.T, s any) client.MemberSession {
	t.Helper()
	var m client.MemberSession
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for i := range m.AuthenticationFactors {
		m.AuthenticationFactors[i].CreatedAt, m.AuthenticationFactors[i].UpdatedAt = time.Time{}, time.Time{}
	}
	return m
}

// TestMemberJWTMapsToTheSessionTheEmulatorAnswers: the member session a
// JWT maps to locally is the one the emulator answered at login and the
// one its B2B authenticate endpoint answers for the same JWT, across a key
// rotation.
func TestMemberJWTMapsToTheSessionTheEmulatorAnswers(t *testing.T) {
	p := newB2BProject(t)
	ctx := t.Context()
	check := func(g *stytchtest.MemberSessionGrant) {
		t.Helper()
		res, err := p.b2b.Verify(ctx, g.SessionJWT)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if res.Kind != jwtverify.KindMemberSession || res.Session != nil || res.AccessToken != nil || res.MemberSession == nil {
			t.Fatalf("Result = %+v", res)
		}
		if want := memberSession(t, g.MemberSession); !reflect.DeepEqual(*res.MemberSession, want) {
			t.Fatalf("local MemberSession %+v\nemulator's login   %+v", *res.MemberSession, want)
		}
		remote, err := p.srv.Client().B2B().Authenticate(ctx, client.B2BAuthenticateRequest{SessionJWT: g.SessionJWT})
		if err != nil {
			t.Fatal(err)
		}
		want := memberSession(t, remote.MemberSession)
		// Authenticate touches the session; the JWT says when it was issued.
		if want.LastAccessedAt.Before(res.MemberSession.LastAccessedAt) {
			t.Fatalf("remote last_accessed_at %v before the JWT's %v", want.LastAccessedAt, res.MemberSession.LastAccessedAt)
		}
		want.LastAccessedAt = res.MemberSession.LastAccessedAt
		if !reflect.DeepEqual(*res.MemberSession, want) {
			t.Fatalf("local MemberSession %+v\nremote authenticate %+v", *res.MemberSession, want)
		}
		if res.MemberSession.OrganizationID != p.org.OrganizationID || res.MemberSession.OrganizationSlug != "acme" ||
			!slicesEqual(res.MemberSession.Roles, []string{"stytch_member", "editor"}) {
			t.Fatalf("MemberSession = %+v", res.MemberSession)
		}
	}
	check(p.grant)
	p.srv.RotateKeys()
	check(p.login(t))
}

func slicesEqual(a, b []string) bool { return reflect.DeepEqual(a, b) }

// TestAccessTokensMapToWhatIntrospectionAnswers: M2M and Connected Apps
// tokens verify locally to the subject, client, scopes and organization
// that the emulator's introspection endpoint answers.
func TestAccessTokensMapToWhatIntrospectionAnswers(t *testing.T) {
	p := newB2BProject(t)
	ctx := t.Context()
	m2m, err := p.srv.CreateM2MClient(ctx, stytchtest.M2MClientParams{Name: "worker", Scopes: []string{"read:documents", "write:documents", "admin"}})
	if err != nil {
		t.Fatal(err)
	}
	m2mToken, err := p.srv.CreateM2MToken(ctx, m2m.ClientID, []string{"read:documents", "admin"})
	if err != nil {
		t.Fatal(err)
	}
	appToken, err := p.srv.CreateAccessToken(ctx, stytchtest.AccessTokenParams{Subject: p.member.MemberID,
		ClientID: "connected-app-test-0001", Scopes: []string{"openid", "read:documents"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, introspectClient, secret string
		want                                  jwtverify.AccessToken
	}{
		{"m2m", m2mToken, m2m.ClientID, m2m.ClientSecret, jwtverify.AccessToken{Subject: m2m.ClientID, ClientID: m2m.ClientID,
			Scopes: []string{"read:documents", "admin"}, CustomClaims: map[string]any{}}},
		{"connected app", appToken, "connected-app-test-0001", "", jwtverify.AccessToken{Subject: p.member.MemberID,
			ClientID: "connected-app-test-0001", ConnectedApp: true, Scopes: []string{"openid", "read:documents"},
			OrganizationID: p.org.OrganizationID, OrganizationSlug: "acme", CustomClaims: map[string]any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := p.b2b.VerifyAccessToken(ctx, tc.token)
			if err != nil {
				t.Fatalf("VerifyAccessToken: %v", err)
			}
			if res.Kind != jwtverify.KindAccessToken || res.Session != nil || res.MemberSession != nil {
				t.Fatalf("Result = %+v", res)
			}
			// The token's exp is checked against introspection below; it
			// must be the Result's own.
			if !res.AccessToken.ExpiresAt.Equal(res.ExpiresAt) {
				t.Fatalf("AccessToken.ExpiresAt %v, Result.ExpiresAt %v", res.AccessToken.ExpiresAt, res.ExpiresAt)
			}
			tc.want.ExpiresAt = res.AccessToken.ExpiresAt
			if !reflect.DeepEqual(*res.AccessToken, tc.want) {
				t.Fatalf("AccessToken = %+v\nwant          %+v", *res.AccessToken, tc.want)
			}
			in, err := p.srv.Client().IntrospectToken(ctx, client.IntrospectTokenRequest{Token: tc.token, ClientID: tc.introspectClient, ClientSecret: tc.secret})
			if err != nil {
				t.Fatal(err)
			}
			a := res.AccessToken
			var org client.OrganizationClaim
			if in.Organization != nil {
				org = *in.Organization
			}
			if in.Subject != a.Subject || in.ClientID != a.ClientID || in.Scope != strings.Join(a.Scopes, " ") ||
				in.IssuedAt != res.IssuedAt.Unix() || in.ExpiresAt != res.ExpiresAt.Unix() ||
				org.OrganizationID != a.OrganizationID || org.Slug != a.OrganizationSlug {
				t.Fatalf("introspection %+v (org %+v)\nlocal         %+v %v %v", in, org, a, res.IssuedAt, res.ExpiresAt)
			}
			// VerifyAny tells the kind; the session verifier refuses it.
			if any, err := p.b2b.VerifyAny(ctx, tc.token); err != nil || any.Kind != jwtverify.KindAccessToken {
				t.Fatalf("VerifyAny: %+v, %v", any, err)
			}
			if _, err := p.b2b.Verify(ctx, tc.token); !errors.Is(err, jwtverify.ErrNotSession) {
				t.Fatalf("Verify of an access token: %v, want ErrNotSession", err)
			}
		})
	}
}

// jsonMap turns the emulator's claims (some held as its own structs) into
// plain JSON values that a test can edit.
func jsonMap(t *testing.T, claims map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHostileB2BAndMachineTokens signs hostile tokens with the emulator's
// own key, so that each is refused for what it says and not for its
// signature.
func TestHostileB2BAndMachineTokens(t *testing.T) {
	p := newB2BProject(t)
	ctx := t.Context()
	srv := p.srv
	m2m, err := srv.CreateM2MClient(ctx, stytchtest.M2MClientParams{Name: "worker", Scopes: []string{"read:documents"}})
	if err != nil {
		t.Fatal(err)
	}
	const orgClaim = stytchtest.OrganizationClaim
	memberClaims := func() map[string]any { return jsonMap(t, srv.MemberJWTClaims(p.grant.MemberSession)) }
	consumerClaims := func() map[string]any {
		c := memberClaims()
		delete(c, orgClaim)
		return c
	}
	// m2mClaims are the claims of an M2M token as the emulator issues them.
	m2mClaims := func() map[string]any {
		c := consumerClaims()
		delete(c, stytchtest.SessionClaim)
		delete(c, "plan")
		delete(c, "seats")
		c["sub"], c["scope"] = m2m.ClientID, "read:documents"
		c["exp"] = srv.Now().Add(stytchtest.AccessTokenLifetime).Unix()
		return c
	}
	org := func(c map[string]any) map[string]any { return c[orgClaim].(map[string]any) }
	sign := func(c map[string]any) string {
		tok, err := srv.SignToken(nil, c, "")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	edit := func(base func() map[string]any, fn func(c map[string]any)) string {
		c := base()
		fn(c)
		return sign(c)
	}
	session := func(v *jwtverify.Verifier) func(context.Context, string) (*jwtverify.Result, error) { return v.Verify }
	machine := func(v *jwtverify.Verifier) func(context.Context, string) (*jwtverify.Result, error) {
		return v.VerifyAccessToken
	}
	scopes := func(n int) string {
		s := make([]string, n)
		for i := range s {
			s[i] = "read:r" + strings.Repeat("x", i%7)
		}
		return strings.Join(s, " ")
	}

	for _, tc := range []struct {
		name   string
		verify func(context.Context, string) (*jwtverify.Result, error)
		token  string
		want   error // nil: accepted
	}{
		// The kind of project.
		{"member JWT on B2B", session(p.b2b), sign(memberClaims()), nil},
		{"consumer JWT on B2B", session(p.b2b), sign(consumerClaims()), jwtverify.ErrNoOrganization},
		{"member JWT on consumer", session(p.consumr), sign(memberClaims()), jwtverify.ErrOrganizationClaim},
		{"member JWT on consumer, any kind", p.consumr.VerifyAny, sign(memberClaims()), jwtverify.ErrOrganizationClaim},
		{"connected app token of a member on consumer", machine(p.consumr), edit(m2mClaims, func(c map[string]any) {
			c[orgClaim] = map[string]any{"organization_id": p.org.OrganizationID, "slug": "acme"}
		}), jwtverify.ErrOrganizationClaim},
		{"m2m token on consumer", machine(p.consumr), sign(m2mClaims()), nil},
		// The organization claim.
		{"organization null", session(p.b2b), edit(memberClaims, func(c map[string]any) { c[orgClaim] = nil }), jwtverify.ErrOrganization},
		{"organization a string", session(p.b2b), edit(memberClaims, func(c map[string]any) { c[orgClaim] = p.org.OrganizationID }), jwtverify.ErrOrganization},
		{"organization an array", session(p.b2b), edit(memberClaims, func(c map[string]any) { c[orgClaim] = []any{org(memberClaims())} }), jwtverify.ErrOrganization},
		{"organization empty", session(p.b2b), edit(memberClaims, func(c map[string]any) { c[orgClaim] = map[string]any{} }), jwtverify.ErrOrganization},
		{"organization_id missing", session(p.b2b), edit(memberClaims, func(c map[string]any) { delete(org(c), "organization_id") }), jwtverify.ErrOrganization},
		{"organization_id empty", session(p.b2b), edit(memberClaims, func(c map[string]any) { org(c)["organization_id"] = "" }), jwtverify.ErrOrganization},
		{"organization_id a number", session(p.b2b), edit(memberClaims, func(c map[string]any) { org(c)["organization_id"] = 7 }), jwtverify.ErrOrganization},
		{"organization_id with a space", session(p.b2b), edit(memberClaims, func(c map[string]any) { org(c)["organization_id"] = "org 1" }), jwtverify.ErrOrganization},
		{"organization_id with a NUL", session(p.b2b), edit(memberClaims, func(c map[string]any) { org(c)["organization_id"] = p.org.OrganizationID + "\x00" }), jwtverify.ErrOrganization},
		{"slug missing", session(p.b2b), edit(memberClaims, func(c map[string]any) { delete(org(c), "slug") }), jwtverify.ErrOrganization},
		{"slug empty", session(p.b2b), edit(memberClaims, func(c map[string]any) { org(c)["slug"] = "" }), jwtverify.ErrOrganization},
		{"slug not ASCII", session(p.b2b), edit(memberClaims, func(c map[string]any) { org(c)["slug"] = "acmé" }), jwtverify.ErrOrganization},
		{"organization_id in another case", session(p.b2b), edit(memberClaims, func(c map[string]any) {
			o := org(c)
			o["Organization_ID"] = o["organization_id"]
			delete(o, "organization_id")
		}), jwtverify.ErrOrganization},
		{"a second organization_id in another case", session(p.b2b), edit(memberClaims, func(c map[string]any) {
			org(c)["ORGANIZATION_ID"] = "organization-test-other"
		}), jwtverify.ErrOrganization},
		{"SLUG beside slug", session(p.b2b), edit(memberClaims, func(c map[string]any) { org(c)["SLUG"] = "globex" }), jwtverify.ErrOrganization},
		{"organization_id twice", session(p.b2b), edit(memberClaims, func(c map[string]any) {
			c[orgClaim] = json.RawMessage(`{"organization_id":"` + p.org.OrganizationID + `","slug":"acme","organization_id":"organization-test-other"}`)
		}), jwtverify.ErrMalformed},
		{"organization claim named in another case", session(p.b2b), edit(memberClaims, func(c map[string]any) {
			c["https://stytch.com/Organization"] = c[orgClaim]
			delete(c, orgClaim)
		}), jwtverify.ErrOrganization},
		{"a second organization claim in another case", session(p.b2b), edit(memberClaims, func(c map[string]any) {
			c["HTTPS://STYTCH.COM/ORGANIZATION"] = map[string]any{"organization_id": "organization-test-other", "slug": "globex"}
		}), jwtverify.ErrOrganization},
		{"unknown member of the organization claim ignored", session(p.b2b), edit(memberClaims, func(c map[string]any) { org(c)["name"] = "Acme" }), nil},
		// Sessions and machines are never taken for each other.
		{"member JWT as a machine token", machine(p.b2b), sign(memberClaims()), jwtverify.ErrNotAccessToken},
		{"emulator's member JWT as a machine token", machine(p.b2b), p.grant.SessionJWT, jwtverify.ErrNotAccessToken},
		{"member JWT with a scope claim as a machine token", machine(p.b2b), edit(memberClaims, func(c map[string]any) { c["scope"] = "read:documents" }), jwtverify.ErrNotAccessToken},
		{"m2m token as a session", session(p.b2b), sign(m2mClaims()), jwtverify.ErrNotSession},
		{"m2m token with an organization as a session", session(p.b2b), edit(m2mClaims, func(c map[string]any) { c[orgClaim] = org(memberClaims()) }), jwtverify.ErrNotSession},
		{"m2m token with a session claim", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c[stytchtest.SessionClaim] = memberClaims()[stytchtest.SessionClaim] }), jwtverify.ErrNotAccessToken},
		{"neither session nor scope, as a machine token", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { delete(c, "scope") }), jwtverify.ErrScope},
		{"neither session nor scope, as a session", session(p.b2b), edit(m2mClaims, func(c map[string]any) { delete(c, "scope") }), jwtverify.ErrClaims},
		// Scope strings.
		{"scope a number", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = 1 }), jwtverify.ErrScope},
		{"scope an array", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = []string{"read:documents"} }), jwtverify.ErrScope},
		{"scope null", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = nil }), jwtverify.ErrScope},
		{"scopes separated by a tab", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = "read:documents\tadmin" }), jwtverify.ErrScope},
		{"scopes separated by a newline", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = "read:documents\nadmin" }), jwtverify.ErrScope},
		{"scopes separated by a no-break space", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = "read:documents\u00a0admin" }), jwtverify.ErrScope},
		{"scope with a quote", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = `read:"documents"` }), jwtverify.ErrScope},
		{"scope with a backslash", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = `read:\documents` }), jwtverify.ErrScope},
		{"scope with a NUL", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = "read:documents\x00" }), jwtverify.ErrScope},
		{"scopes separated by commas: one scope", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = "read:documents,admin" }), nil},
		{"runs of spaces", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = "  read:documents   admin " }), nil},
		{"empty scope", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = "" }), nil},
		{"128 scopes", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = scopes(128) }), nil},
		{"129 scopes", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = scopes(129) }), jwtverify.ErrScope},
		{"a scope of 257 bytes", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = "read:" + strings.Repeat("r", 252) }), jwtverify.ErrScope},
		{"a huge scope list", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["scope"] = scopes(2000) }), jwtverify.ErrTooLarge},
		// client_id.
		{"client_id empty", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["client_id"] = "" }), jwtverify.ErrClaims},
		{"client_id a number", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["client_id"] = 1 }), jwtverify.ErrClaims},
		// Every check a session JWT gets.
		{"expired m2m token", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["exp"] = srv.Now().Add(-time.Second).Unix() }), jwtverify.ErrExpired},
		{"m2m token not yet valid", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["nbf"] = srv.Now().Add(time.Minute).Unix() }), jwtverify.ErrNotYetValid},
		{"m2m token without exp", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { delete(c, "exp") }), jwtverify.ErrClaims},
		{"m2m token without sub", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { delete(c, "sub") }), jwtverify.ErrClaims},
		{"m2m token of another audience", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["aud"] = []string{"project-test-other"} }), jwtverify.ErrAudience},
		{"m2m token of another issuer", machine(p.b2b), edit(m2mClaims, func(c map[string]any) { c["iss"] = "stytch.com/project-test-other" }), jwtverify.ErrIssuer},
		{"expired member JWT", session(p.b2b), edit(memberClaims, func(c map[string]any) { c["exp"] = srv.Now().Add(-time.Second).Unix() }), jwtverify.ErrExpired},
		{"member JWT of another audience", session(p.b2b), edit(memberClaims, func(c map[string]any) { c["aud"] = "project-test-other" }), jwtverify.ErrAudience},
		{"member JWT of another issuer", session(p.b2b), edit(memberClaims, func(c map[string]any) { c["iss"] = "https://evil.example" }), jwtverify.ErrIssuer},
		{"member JWT without its session claim", session(p.b2b), edit(memberClaims, func(c map[string]any) {
			delete(c, stytchtest.SessionClaim)
			delete(c, "scope")
		}), jwtverify.ErrClaims},
		{"member JWT without its session claim, with a custom scope claim: an access token", session(p.b2b), edit(memberClaims, func(c map[string]any) {
			delete(c, stytchtest.SessionClaim)
		}), jwtverify.ErrNotSession},
		{"session claim named in another case", session(p.b2b), edit(memberClaims, func(c map[string]any) { c["https://stytch.com/Session"] = map[string]any{} }), jwtverify.ErrClaims},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.verify(ctx, tc.token)
			if tc.want == nil {
				if err != nil || res == nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if (res != nil) != (tc.want == jwtverify.ErrExpired) {
				t.Fatalf("Result %+v with %v", res, err)
			}
		})
	}
}
