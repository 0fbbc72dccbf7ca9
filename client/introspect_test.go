package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestIntrospectToken(t *testing.T) {
	const active = `{"active":true,"aud":AUD,"client_id":"connected-app-test-1","exp":1762948802,"iat":1762945202,
		"iss":"stytch.com/` + testProjectID + `","nbf":1762945202,"scope":"openid read:documents","sub":"` + b2bMemberID + `",
		"token_type":"access_token","https://stytch.com/organization":{"organization_id":"` + b2bOrgID + `","slug":"acme"},
		"plan":"pro","request_id":"request-id-test-5","status_code":200}`
	want := &IntrospectTokenResponse{
		Active: true, Subject: b2bMemberID, Scope: "openid read:documents", Audience: []string{testProjectID},
		ExpiresAt: 1762948802, IssuedAt: 1762945202, NotBefore: 1762945202, Issuer: "stytch.com/" + testProjectID,
		ClientID: "connected-app-test-1", TokenType: "access_token",
		Organization: &OrganizationClaim{OrganizationID: b2bOrgID, Slug: "acme"},
		CustomClaims: map[string]any{"plan": "pro"}, RequestID: "request-id-test-5", StatusCode: 200,
	}
	for _, aud := range []string{`"` + testProjectID + `"`, `["` + testProjectID + `"]`} {
		t.Run("aud "+aud, func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(http.StatusOK, strings.Replace(active, "AUD", aud, 1)))
			c, _ := newTestClient(t, api.URL, nil)
			got, err := c.IntrospectToken(context.Background(), IntrospectTokenRequest{
				Token: m2mAccessToken, ClientID: "connected-app-test-1", ClientSecret: m2mSecret, TokenTypeHint: "access_token",
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
			r := api.requests()[0]
			assertPublicRequest(t, r, "/v1/public/"+testProjectID+"/oauth2/introspect")
			formEqual(t, r.Body, url.Values{"token": {m2mAccessToken}, "client_id": {"connected-app-test-1"},
				"client_secret": {m2mSecret}, "token_type_hint": {"access_token"}})
		})
	}
}

func TestIntrospectTokenPublicClient(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, `{"active":true,"sub":"user-test-1","scope":"openid"}`))
	c, _ := newTestClient(t, api.URL, nil)
	got, err := c.IntrospectToken(context.Background(), IntrospectTokenRequest{Token: "t", ClientID: "connected-app-test-2"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Organization != nil || got.Audience != nil || len(got.CustomClaims) != 0 {
		t.Fatalf("got %+v", got)
	}
	formEqual(t, api.requests()[0].Body, url.Values{"token": {"t"}, "client_id": {"connected-app-test-2"}})
}

func TestIntrospectInactiveAndMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		inactive     bool
	}{
		{"inactive", `{"active":false,"request_id":"request-id-test-6","status_code":200}`, true},
		{"without active", `{"sub":"user-test-1","scope":"openid"}`, false},
		{"active without subject or client", `{"active":true,"scope":"openid"}`, false},
		{"aud neither string nor array", `{"active":true,"sub":"s","aud":7}`, false},
		{"active not a boolean", `{"active":"true","sub":"s"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(http.StatusOK, tc.answer))
			c, _ := newTestClient(t, api.URL, nil)
			got, err := c.IntrospectToken(context.Background(), IntrospectTokenRequest{Token: "t", ClientID: "c"})
			if got != nil {
				t.Fatalf("answer %+v for %s", got, tc.answer)
			}
			var re *RequestError
			switch {
			case tc.inactive && (!errors.Is(err, ErrTokenInactive) || !strings.Contains(err.Error(), "request-id-test-6")):
				t.Fatalf("error %v, want ErrTokenInactive with the request id", err)
			case !tc.inactive && (errors.Is(err, ErrTokenInactive) || !errors.As(err, &re)):
				t.Fatalf("error %v, want a decode RequestError", err)
			}
		})
	}
}
