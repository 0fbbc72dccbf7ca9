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
		wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/m2m/clients/m2m-client-test-x", nil, true), 404, client.ErrM2MClientNotFound)
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

func TestM2MClientWithOwnCredentials(t *testing.T) {
	t.Parallel()
	bothKinds(t, func(t *testing.T, srv *Server) {
		ctx := context.Background()
		const secret = "imported-secret-0123456789"
		resp, err := srv.Client().CreateM2MClient(ctx, client.CreateM2MClientRequest{ClientID: "billing-service.v2",
			ClientSecret: secret, Scopes: []string{"read:invoices"}, ClientName: "billing"})
		if err != nil {
			t.Fatal(err)
		}
		c := resp.M2MClient
		if c.ClientID != "billing-service.v2" || c.ClientSecret != secret || c.ClientSecretLastFour != "6789" || c.Status != "active" {
			t.Errorf("created client = %+v", c)
		}
		got, err := srv.Client().GetM2MClient(ctx, client.GetM2MClientRequest{ClientID: c.ClientID})
		if err != nil || got.M2MClient.ClientName != "billing" {
			t.Fatalf("GetM2MClient = %+v, %v", got, err)
		}
		tok, err := srv.Client().M2MToken(ctx, client.M2MTokenRequest{ClientID: c.ClientID, ClientSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		if claims := verifyJWX(t, srv, tok.AccessToken); claims["sub"] != c.ClientID || claims["scope"] != "read:invoices" {
			t.Errorf("claims = %v", claims)
		}
		tokenPath := "/v1/public/" + srv.ProjectID + "/oauth2/token"
		wantOAuthError(t, postForm(t, srv, tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID},
			"client_secret": {secret + "x"}}), 401, "invalid_client")

		// A generated id with an imported secret, and the reverse.
		r := call(t, srv, http.MethodPost, "/v1/m2m/clients", map[string]any{"scopes": []string{}, "client_secret": secret}, true)
		if m := r.object(t)["m2m_client"].(map[string]any); r.status != 200 || m["client_secret"] != secret ||
			!strings.HasPrefix(m["client_id"].(string), "m2m-client-test-") {
			t.Errorf("client with a secret of its own = %d %s", r.status, r.body)
		}
		r = call(t, srv, http.MethodPost, "/v1/m2m/clients", map[string]any{"scopes": []string{}, "client_id": "own-id"}, true)
		if m := r.object(t)["m2m_client"].(map[string]any); r.status != 200 || m["client_id"] != "own-id" || len(m["client_secret"].(string)) != 43 {
			t.Errorf("client with an id of its own = %d %s", r.status, r.body)
		}

		for name, tc := range map[string]struct {
			body    map[string]any
			errType client.ErrorType
		}{
			"id taken":            {map[string]any{"client_id": "billing-service.v2"}, errDuplicateClientID},
			"id with a slash":     {map[string]any{"client_id": "a/b"}, client.ErrBadRequest},
			"id with a space":     {map[string]any{"client_id": "a b"}, client.ErrBadRequest},
			"id too long":         {map[string]any{"client_id": strings.Repeat("a", 129)}, client.ErrBadRequest},
			"secret too short":    {map[string]any{"client_secret": "7-bytes"}, client.ErrBadRequest},
			"secret too long":     {map[string]any{"client_secret": strings.Repeat("s", 257)}, client.ErrBadRequest},
			"secret with a space": {map[string]any{"client_secret": "sixteen bytes and more"}, client.ErrBadRequest},
			"secret not ASCII":    {map[string]any{"client_secret": "sixteen-bytes-and-é"}, client.ErrBadRequest},
		} {
			tc.body["scopes"] = []string{}
			r := call(t, srv, http.MethodPost, "/v1/m2m/clients", tc.body, true)
			if r.status != 400 {
				t.Errorf("%s: status %d %s", name, r.status, r.body)
				continue
			}
			wantErrorBody(t, r, 400, tc.errType)
		}
		// The refused secrets created nothing: the imported client keeps its own.
		if _, err := srv.Client().M2MToken(ctx, client.M2MTokenRequest{ClientID: c.ClientID, ClientSecret: secret}); err != nil {
			t.Errorf("the imported client no longer gets tokens: %v", err)
		}
	})
}

func TestAdminAccessTokens(t *testing.T) {
	t.Parallel()
	bothKinds(t, func(t *testing.T, srv *Server) {
		subject := ""
		if srv.b2b {
			m, _ := memberSession(t, srv, mustOrg(t, srv, "acme"))
			subject = m.MemberID
		} else {
			u, _ := userSession(t, srv)
			subject = u.UserID
		}
		var tok tokenBody
		call(t, srv, http.MethodPost, "/emulator/access-tokens", map[string]any{"subject": subject, "client_id": "connected-app-test-1",
			"scopes": []string{"openid", "read:docs"}}, true).decodeOK(t, &tok)
		claims := verifyJWX(t, srv, tok.AccessToken)
		if tok.TokenType != "bearer" || tok.ExpiresIn != 3600 || claims["sub"] != subject || claims["client_id"] != "connected-app-test-1" ||
			claims["scope"] != "openid read:docs" {
			t.Errorf("token %+v, claims %v", tok, claims)
		}
		wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/access-tokens", map[string]any{"subject": subject, "client_id": "a b"}, true),
			400, client.ErrBadRequest)
		wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/access-tokens", map[string]any{"subject": subject, "scope": "x"}, true),
			400, client.ErrBadRequest) // strict: an unknown field
		if r := call(t, srv, http.MethodPost, "/emulator/access-tokens", map[string]any{"subject": "nobody"}, true); r.status != 404 {
			t.Errorf("a token for nobody: %d %s", r.status, r.body)
		}
		if r := call(t, srv, http.MethodPost, "/emulator/access-tokens", map[string]any{"subject": subject}, false); r.status != 401 {
			t.Errorf("without credentials: %d %s", r.status, r.body)
		}
	})
}
