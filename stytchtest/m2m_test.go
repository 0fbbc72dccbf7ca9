package stytchtest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// postForm posts a form to a public OAuth endpoint of srv, without
// credentials.
func postForm(t *testing.T, srv *Server, path string, form url.Values) rawResponse {
	t.Helper()
	res, err := srv.HTTPClient().PostForm(srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{status: res.StatusCode, header: res.Header, body: data}
}

// wantOAuthError checks an answer is exactly the OAuth error shape.
func wantOAuthError(t *testing.T, r rawResponse, status int, oauthErr string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d (body %s), want %d", r.status, r.body, status)
	}
	m := r.object(t)
	keys := objectKeys(t, r.body)
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"error", "error_description", "error_uri", "request_id", "status_code"}) ||
		m["error"] != oauthErr || m["status_code"] != float64(status) || m["error_description"] == "" {
		t.Fatalf("body = %s, want the OAuth error %s", r.body, oauthErr)
	}
}

// bothKinds runs f on a consumer and on a B2B emulator.
func bothKinds(t *testing.T, f func(t *testing.T, srv *Server)) {
	for _, b2b := range []bool{false, true} {
		name := map[bool]string{false: "consumer", true: "b2b"}[b2b]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, newTestServer(t, Config{Now: fixedNow, B2B: b2b}))
		})
	}
}

func TestM2MClientsAndTokens(t *testing.T) {
	t.Parallel()
	bothKinds(t, func(t *testing.T, srv *Server) {
		var created struct {
			M2MClient M2MClient `json:"m2m_client"`
		}
		r := call(t, srv, http.MethodPost, "/v1/m2m/clients", map[string]any{"scopes": []string{"read:users", "write:users"},
			"client_name": "billing", "client_description": "Bills.", "trusted_metadata": map[string]any{"team": "ops"}}, true)
		r.decodeOK(t, &created)
		c := created.M2MClient
		if !strings.HasPrefix(c.ClientID, "m2m-client-test-") || len(c.ClientSecret) < 32 || c.Status != "active" ||
			c.ClientSecretLastFour != c.ClientSecret[len(c.ClientSecret)-4:] || c.ClientName != "billing" ||
			!slices.Equal(c.Scopes, []string{"read:users", "write:users"}) || c.TrustedMetadata["team"] != "ops" {
			t.Errorf("created client = %s", r.body)
		}
		r = call(t, srv, http.MethodGet, "/v1/m2m/clients/"+c.ClientID, nil, true)
		if r.status != 200 || strings.Contains(string(r.body), "client_secret\"") || !strings.Contains(string(r.body), c.ClientSecretLastFour) {
			t.Errorf("get client = %s, want it without its secret", r.body)
		}
		wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/m2m/clients/m2m-client-test-x", nil, true), 404, errM2MClientNotFound)
		wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/m2m/clients", map[string]any{"scopes": []string{"a b"}}, true), 400, client.ErrBadRequest)

		tokenPath := "/v1/public/" + srv.ProjectID + "/oauth2/token"
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
		}
		postForm(t, srv, tokenPath, form).decodeOK(t, &tok)
		if tok.TokenType != "bearer" || tok.ExpiresIn != 3600 {
			t.Errorf("token answer = %+v", tok)
		}
		if keys := objectKeys(t, jwtSegment(t, tok.AccessToken, 0)); !slices.Equal(keys, []string{"alg", "kid", "typ"}) {
			t.Errorf("header keys = %v", keys)
		}
		claims := verifyJWX(t, srv, tok.AccessToken)
		if claims["sub"] != c.ClientID || claims["scope"] != "read:users write:users" || claims["iat"] != float64(fixedNow.Unix()) ||
			claims["nbf"] != claims["iat"] || claims["exp"] != float64(fixedNow.Add(time.Hour).Unix()) || claims[SessionClaim] != nil {
			t.Errorf("access token claims = %v", claims)
		}
		sub := url.Values{"scope": {"read:users"}}
		for k, v := range form {
			sub[k] = v
		}
		postForm(t, srv, tokenPath, sub).decodeOK(t, &tok)
		if got := jwtClaims(t, tok.AccessToken)["scope"]; got != "read:users" {
			t.Errorf("scope of a narrowed token = %v", got)
		}
		if m2mTok, err := srv.CreateM2MToken(context.Background(), c.ClientID, nil); err != nil ||
			jwtClaims(t, m2mTok)["scope"] != "read:users write:users" {
			t.Errorf("CreateM2MToken = %v", err)
		}

		// An access token is not a session.
		authPath := "/v1/sessions/authenticate"
		if srv.b2b {
			authPath = "/v1/b2b/sessions/authenticate"
		}
		r = call(t, srv, http.MethodPost, authPath, map[string]any{"session_jwt": tok.AccessToken}, true)
		if r.status < 400 || r.status > 499 {
			t.Errorf("an access token as session_jwt: %d %s, want 4xx", r.status, r.body)
		}

		with := func(k, v string) url.Values {
			out := url.Values{}
			for key, val := range form {
				out[key] = val
			}
			out.Set(k, v)
			return out
		}
		for name, tt := range map[string]struct {
			path   string
			form   url.Values
			status int
			want   string
		}{
			"wrong secret":    {tokenPath, with("client_secret", c.ClientSecret+"x"), 401, "invalid_client"},
			"unknown client":  {tokenPath, with("client_id", "m2m-client-test-x"), 401, "invalid_client"},
			"scope not held":  {tokenPath, with("scope", "read:users admin:users"), 400, "invalid_scope"},
			"other grant":     {tokenPath, with("grant_type", "password"), 400, "unsupported_grant_type"},
			"no secret":       {tokenPath, with("client_secret", ""), 400, "invalid_request"},
			"another project": {"/v1/public/project-test-other/oauth2/token", form, 404, "invalid_request"},
		} {
			t.Run(name, func(t *testing.T) {
				wantOAuthError(t, postForm(t, srv, tt.path, tt.form), tt.status, tt.want)
			})
		}
		r = call(t, srv, http.MethodPost, tokenPath, map[string]any{"grant_type": "client_credentials"}, false)
		wantOAuthError(t, r, 400, "invalid_request")

		mustInject(t, srv, EndpointM2MToken, Fault{Status: http.StatusServiceUnavailable, Count: 1})
		wantOAuthError(t, postForm(t, srv, tokenPath, form), 503, string(client.ErrServerUnavailable))
		if n := srv.Requests(EndpointM2MToken); n != 10 {
			t.Errorf("Requests(EndpointM2MToken) = %d, want 10", n)
		}
	})
}

func TestConnectedAppsTokensAndIntrospection(t *testing.T) {
	t.Parallel()
	bothKinds(t, func(t *testing.T, srv *Server) {
		ctx := context.Background()
		var subject, orgID string
		var sessionJWT string
		if srv.b2b {
			org := mustOrg(t, srv, "acme")
			m, g := memberSession(t, srv, org)
			subject, orgID, sessionJWT = m.MemberID, org.OrganizationID, g.SessionJWT
		} else {
			u, g := userSession(t, srv)
			subject, sessionJWT = u.UserID, g.SessionJWT
		}
		token, err := srv.CreateAccessToken(ctx, AccessTokenParams{Subject: subject, ClientID: "connected-app-test-1", Scopes: []string{"openid", "read:documents"}})
		if err != nil {
			t.Fatal(err)
		}
		claims := verifyJWX(t, srv, token)
		want := []string{"aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"}
		if srv.b2b {
			want = slices.Insert(want, 3, OrganizationClaim)
		}
		if keys := objectKeys(t, jwtSegment(t, token, 1)); !slices.Equal(keys, want) {
			t.Errorf("claims = %v, want %v", keys, want)
		}
		if claims["sub"] != subject || claims["scope"] != "openid read:documents" || claims["client_id"] != "connected-app-test-1" ||
			claims["exp"] != float64(fixedNow.Add(time.Hour).Unix()) {
			t.Errorf("claims = %v", claims)
		}
		if srv.b2b && claims[OrganizationClaim].(map[string]any)["organization_id"] != orgID {
			t.Errorf("organization claim = %v", claims[OrganizationClaim])
		}
		if _, err := srv.CreateAccessToken(ctx, AccessTokenParams{Subject: "nobody"}); err == nil {
			t.Error("an access token for nobody was issued")
		}

		path := "/v1/public/" + srv.ProjectID + "/oauth2/introspect"
		introspect := func(token string) map[string]any {
			t.Helper()
			r := postForm(t, srv, path, url.Values{"token": {token}, "client_id": {"connected-app-test-1"}})
			if r.status != 200 {
				t.Fatalf("introspect: %d %s", r.status, r.body)
			}
			return r.object(t)
		}
		got := introspect(token)
		if got["active"] != true || got["sub"] != subject || got["scope"] != "openid read:documents" || got["client_id"] != "connected-app-test-1" ||
			got["token_type"] != "access_token" || got["iss"] != srv.Issuer() || got["exp"] != claims["exp"] {
			t.Errorf("introspection = %v", got)
		}
		if srv.b2b && got[OrganizationClaim].(map[string]any)["slug"] != "acme" {
			t.Errorf("introspection's organization = %v", got[OrganizationClaim])
		}
		for name, tok := range map[string]string{"garbage": "not.a.jwt", "a session JWT": sessionJWT, "empty-ish": "x"} {
			if got := introspect(tok); got["active"] != false || len(got) != 3 {
				t.Errorf("introspecting %s = %v, want {active: false}", name, got)
			}
		}
		other, err := srv.CreateAccessToken(ctx, AccessTokenParams{Subject: subject, Scopes: []string{"openid"}})
		if err != nil {
			t.Fatal(err)
		}
		if !srv.RevokeAccessToken(token) || srv.RevokeAccessToken("not.a.jwt") {
			t.Error("RevokeAccessToken reports wrongly")
		}
		if introspect(token)["active"] != false || introspect(other)["active"] != true {
			t.Error("revoking one token did not make it (and only it) inactive")
		}
		srv.Advance(time.Hour)
		if introspect(other)["active"] != false {
			t.Error("an expired token is active")
		}
		wantOAuthError(t, postForm(t, srv, path, url.Values{"token": {other}}), 400, "invalid_request")

		c, err := srv.CreateM2MClient(ctx, M2MClientParams{Scopes: []string{"read:users"}})
		if err != nil {
			t.Fatal(err)
		}
		m2mTok, err := srv.CreateM2MToken(ctx, c.ClientID, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := postForm(t, srv, path, url.Values{"token": {m2mTok}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}})
		if m := r.object(t); r.status != 200 || m["active"] != true || m["client_id"] != c.ClientID || m["sub"] != c.ClientID {
			t.Errorf("introspecting an M2M token = %s", r.body)
		}
		wantOAuthError(t, postForm(t, srv, path, url.Values{"token": {m2mTok}, "client_id": {c.ClientID}}), 401, "invalid_client")
	})
}
