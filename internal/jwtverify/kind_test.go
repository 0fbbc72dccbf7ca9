package jwtverify

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

func TestMemberSessionMapping(t *testing.T) {
	f := newFixture(t, b2b)
	res, err := f.v.Verify(t.Context(), signClaims(memberClaims(t0), func(c map[string]any) { c["tier"] = "gold" }))
	if err != nil {
		t.Fatal(err)
	}
	remote := `{
		"member_session_id": "member-session-test-a1b2c3d4-0000-4000-8000-000000000001",
		"member_id": "` + memberID + `",
		"started_at": "2025-11-12T09:35:49Z",
		"last_accessed_at": "2025-11-12T10:35:49Z",
		"expires_at": "2025-11-12T13:35:49Z",
		"authentication_factors": [{"type": "magic_link", "delivery_method": "email",
			"last_authenticated_at": "2025-11-12T09:35:49Z",
			"email_factor": {"email_id": "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953",
				"email_address": "sandbox@stytch.com"}}],
		"organization_id": "` + orgID + `",
		"organization_slug": "acme",
		"roles": ["stytch_member", "editor"],
		"custom_claims": {"tier": "gold"}
	}`
	var want client.MemberSession
	if err := json.Unmarshal([]byte(remote), &want); err != nil {
		t.Fatal(err)
	}
	if res.Kind != KindMemberSession || res.Session != nil || res.AccessToken != nil || !reflect.DeepEqual(*res.MemberSession, want) {
		t.Fatalf("Result %+v\nMemberSession %+v\nwant          %+v", res, res.MemberSession, want)
	}
}

func TestAccessTokenMapping(t *testing.T) {
	for _, tc := range []struct {
		name string
		b2b  bool
		edit func(c map[string]any)
		want AccessToken
	}{
		{"m2m", false, nil, AccessToken{Subject: m2mClientID, ClientID: m2mClientID,
			Scopes: []string{"read:documents", "write:documents"}, CustomClaims: map[string]any{}}},
		{"m2m with custom claims", false, func(c map[string]any) { c["team"] = "billing"; c["jti"] = "x" }, AccessToken{Subject: m2mClientID,
			ClientID: m2mClientID, Scopes: []string{"read:documents", "write:documents"}, CustomClaims: map[string]any{"team": "billing"}}},
		{"connected app of a member", true, func(c map[string]any) {
			c["sub"], c["client_id"], c["scope"] = memberID, appClientID, "openid"
			c[orgClaimName] = map[string]any{"organization_id": orgID, "slug": orgSlug}
		}, AccessToken{Subject: memberID, ClientID: appClientID, ConnectedApp: true, Scopes: []string{"openid"},
			OrganizationID: orgID, OrganizationSlug: orgSlug, CustomClaims: map[string]any{}}},
		{"b2b m2m: no organization", true, nil, AccessToken{Subject: m2mClientID, ClientID: m2mClientID,
			Scopes: []string{"read:documents", "write:documents"}, CustomClaims: map[string]any{}}},
		{"empty scope", false, func(c map[string]any) { c["scope"] = " " }, AccessToken{Subject: m2mClientID,
			ClientID: m2mClientID, Scopes: []string{}, CustomClaims: map[string]any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.B2B = tc.b2b })
			res, err := f.v.VerifyAccessToken(t.Context(), signClaims(accessClaims(t0), tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.ExpiresAt = t0.Add(time.Hour).UTC()
			if res.Kind != KindAccessToken || res.Session != nil || res.MemberSession != nil || !reflect.DeepEqual(*res.AccessToken, tc.want) {
				t.Fatalf("Result %+v\nAccessToken %+v\nwant        %+v", res, res.AccessToken, tc.want)
			}
		})
	}
}

// TestRawOrganizationClaims covers what a map of claims cannot say: names
// twice at the top level, escapes.
func TestRawOrganizationClaims(t *testing.T) {
	base := mustJSON(memberClaims(t0))
	org := `"https://stytch.com/organization":{"organization_id":"` + orgID + `","slug":"acme"}`
	if !strings.Contains(base, org) {
		t.Fatalf("the payload lacks %s", org)
	}
	for _, tc := range []struct {
		name, payload string
		want          error
	}{
		{"organization claim twice", strings.Replace(base, org, org+`,`+org, 1), ErrMalformed},
		{"organization claim twice, the second of another organization", strings.Replace(base, org,
			org+`,"https://stytch.com/organization":{"organization_id":"organization-test-other","slug":"globex"}`, 1), ErrMalformed},
		{"organization_id twice", strings.Replace(base, `"slug":"acme"`, `"slug":"acme","organization_id":"organization-test-other"`, 1), ErrMalformed},
		{"organization_id escaped: the same name", strings.Replace(base, `"organization_id"`, `"organization\u005fid"`, 1), nil},
		{"organization_id escaped, in another case", strings.Replace(base, `"organization_id"`, `"Organization\u005fid"`, 1), ErrOrganization},
		{"claim name escaped: the same claim", strings.Replace(base, `"https://stytch.com/organization"`, `"https:\/\/stytch.com\/organization"`, 1), nil},
		{"slug with a long s, which folds to s", strings.Replace(base, `"slug"`, `"\u017flug"`, 1), ErrOrganization},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, b2b)
			_, err := f.v.Verify(t.Context(), rawToken(keyA, mustJSON(stytchHeader(kidA)), tc.payload))
			if tc.want == nil && err != nil || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if f.keys.lookups.Load() != 0 && tc.want != nil {
				t.Errorf("refused after a key lookup: the organization claim is checked before the signature")
			}
		})
	}
}

// TestKindIsKeptInTheCache: a token verified (and cached) as one kind is
// refused as another straight from the cache, without a key lookup or an
// allocation, and VerifyAny hands out the cached Result.
func TestKindIsKeptInTheCache(t *testing.T) {
	f := newFixture(t, b2b)
	ctx := t.Context()
	member, access := signClaims(memberClaims(t0), nil), signClaims(accessClaims(t0), nil)
	for _, tc := range []struct {
		name       string
		token      string
		right      func() (*Result, error)
		wrong      func() (*Result, error)
		wrongError error
	}{
		{"member session", member, func() (*Result, error) { return f.v.Verify(ctx, member) },
			func() (*Result, error) { return f.v.VerifyAccessToken(ctx, member) }, ErrNotAccessToken},
		{"access token", access, func() (*Result, error) { return f.v.VerifyAccessToken(ctx, access) },
			func() (*Result, error) { return f.v.Verify(ctx, access) }, ErrNotSession},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.wrong(); !errors.Is(err, tc.wrongError) {
				t.Fatalf("first sight as the wrong kind: %v", err)
			}
			if _, err := tc.right(); err != nil {
				t.Fatal(err)
			}
			cached, err := tc.right() // cached on its second verification
			if err != nil {
				t.Fatal(err)
			}
			lookups := f.keys.lookups.Load()
			if _, err := tc.wrong(); !errors.Is(err, tc.wrongError) {
				t.Fatalf("cached, as the wrong kind: %v", err)
			}
			any, err := f.v.VerifyAny(ctx, tc.token)
			if err != nil || any != cached {
				t.Fatalf("VerifyAny = %p, %v; want the cached %p", any, err, cached)
			}
			if n := f.keys.lookups.Load(); n != lookups {
				t.Errorf("%d key lookups on hits", n-lookups)
			}
			if n := testing.AllocsPerRun(50, func() { _, _ = tc.wrong() }); n != 0 {
				t.Errorf("a cached refusal of the wrong kind allocates %v times", n)
			}
			if n := testing.AllocsPerRun(50, func() { _, _ = tc.right() }); n != 0 {
				t.Errorf("a hit allocates %v times", n)
			}
		})
	}
}

// TestProjectKindMismatch: a consumer project's verifier
// refuses the organization claim in any kind of token, and a B2B verifier
// refuses a session without one.
func TestProjectKindMismatch(t *testing.T) {
	consumer, b2bV := newFixture(t, nil), newFixture(t, b2b)
	ctx := t.Context()
	appOfMember := signClaims(accessClaims(t0), func(c map[string]any) {
		c["client_id"] = appClientID
		c[orgClaimName] = map[string]any{"organization_id": orgID, "slug": orgSlug}
	})
	for _, tc := range []struct {
		name  string
		v     *Verifier
		token string
		want  error
	}{
		{"member JWT on consumer", consumer.v, signClaims(memberClaims(t0), nil), ErrOrganizationClaim},
		{"member JWT with an empty organization on consumer", consumer.v, signClaims(memberClaims(t0), func(c map[string]any) { c[orgClaimName] = map[string]any{} }), ErrOrganizationClaim},
		{"member-like JWT of an organization null on consumer", consumer.v, signClaims(memberClaims(t0), func(c map[string]any) { c[orgClaimName] = nil }), ErrOrganizationClaim},
		{"connected app token of a member on consumer", consumer.v, appOfMember, ErrOrganizationClaim},
		{"consumer JWT on B2B", b2bV.v, makeToken(keyA, kidA, nil), ErrNoOrganization},
		{"connected app token of a member on B2B", b2bV.v, appOfMember, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.v.VerifyAny(ctx, tc.token)
			if tc.want == nil && err != nil || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
