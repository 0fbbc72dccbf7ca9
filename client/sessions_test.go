package client

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// jsonEqual fails unless got and want hold the same JSON value (so a field
// sent that should have been omitted, or a null that went missing, fails).
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("request body\n got %s\nwant %s", got, want)
	}
}

func TestMethodsSendExactRequestAndParseAnswer(t *testing.T) {
	const userID = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6"
	authzCheck := &AuthorizationCheck{ResourceID: "documents", Action: "read"}
	cases := []struct {
		name       string
		call       func(context.Context, *Client) (any, error)
		answer     string
		wantMethod string
		wantURI    string
		wantBody   string // "" means no body
		want       func(*testing.T) any
	}{
		{
			name:       "Get",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Get(ctx, GetRequest{UserID: userID}) },
			answer:     getJSON,
			wantMethod: http.MethodGet,
			wantURI:    "/v1/sessions?user_id=" + userID,
			want: func(t *testing.T) any {
				return &GetResponse{
					RequestID: "request-id-test-00000000-0000-0000-0000-000000000003", Sessions: []Session{wantSession(t)}, StatusCode: 200,
				}
			},
		},
		{
			name: "Get by external id is query-escaped",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Get(ctx, GetRequest{UserID: "ext id/ü&user_id=x#y"})
			},
			answer:     `{"request_id":"r","sessions":[],"status_code":200}`,
			wantMethod: http.MethodGet,
			wantURI:    "/v1/sessions?user_id=ext+id%2F%C3%BC%26user_id%3Dx%23y",
			want: func(*testing.T) any {
				return &GetResponse{RequestID: "r", Sessions: []Session{}, StatusCode: 200}
			},
		},
		{
			name: "Authenticate JWT with duration, claims and authorization check",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Authenticate(ctx, AuthenticateRequest{
					SessionJWT:             fixtureJWT,
					SessionDurationMinutes: 60,
					// nil deletes "stale"; reserved names are ignored by
					// Stytch, so they are not sent.
					SessionCustomClaims: CustomClaims{"plan": "pro", "stale": nil, "iss": "evil", "https://stytch.com/session": "x"},
					AuthorizationCheck:  authzCheck,
				})
			},
			answer:     authenticateJSON,
			wantMethod: http.MethodPost,
			wantURI:    "/v1/sessions/authenticate",
			wantBody: `{"session_jwt":"` + fixtureJWT + `","session_duration_minutes":60,
				"session_custom_claims":{"plan":"pro","stale":null},
				"authorization_check":{"resource_id":"documents","action":"read"}}`,
			want: func(t *testing.T) any {
				return &AuthenticateResponse{
					RequestID:    "request-id-test-00000000-0000-0000-0000-000000000001",
					Session:      wantSession(t),
					SessionToken: fixtureToken,
					SessionJWT:   fixtureJWT,
					User:         wantUser(t),
					StatusCode:   200,
					Verdict:      &AuthorizationVerdict{Authorized: true, GrantingRoles: []string{"admin"}},
				}
			},
		},
		{
			name: "Authenticate token only omits every optional field",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Authenticate(ctx, AuthenticateRequest{SessionToken: fixtureToken, SessionCustomClaims: CustomClaims{"exp": 1}})
			},
			answer:     authenticateJSON,
			wantMethod: http.MethodPost,
			wantURI:    "/v1/sessions/authenticate",
			wantBody:   `{"session_token":"` + fixtureToken + `"}`,
			want: func(t *testing.T) any {
				r := &AuthenticateResponse{
					RequestID: "request-id-test-00000000-0000-0000-0000-000000000001", Session: wantSession(t),
					SessionToken: fixtureToken, SessionJWT: fixtureJWT, User: wantUser(t), StatusCode: 200,
					Verdict: &AuthorizationVerdict{Authorized: true, GrantingRoles: []string{"admin"}},
				}
				return r
			},
		},
		{
			name: "Revoke by session id",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Revoke(ctx, RevokeRequest{SessionID: "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509"})
			},
			answer: revokeJSON, wantMethod: http.MethodPost, wantURI: "/v1/sessions/revoke",
			wantBody: `{"session_id":"session-test-fe6c042b-6286-479f-8a4f-b046a6c46509"}`,
			want: func(*testing.T) any {
				return &RevokeResponse{RequestID: "request-id-test-00000000-0000-0000-0000-000000000004", StatusCode: 200}
			},
		},
		{
			name: "Revoke by session token",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Revoke(ctx, RevokeRequest{SessionToken: fixtureToken})
			},
			answer: revokeJSON, wantMethod: http.MethodPost, wantURI: "/v1/sessions/revoke",
			wantBody: `{"session_token":"` + fixtureToken + `"}`,
			want: func(*testing.T) any {
				return &RevokeResponse{RequestID: "request-id-test-00000000-0000-0000-0000-000000000004", StatusCode: 200}
			},
		},
		{
			name: "Revoke by session JWT",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Revoke(ctx, RevokeRequest{SessionJWT: fixtureJWT})
			},
			answer: revokeJSON, wantMethod: http.MethodPost, wantURI: "/v1/sessions/revoke",
			wantBody: `{"session_jwt":"` + fixtureJWT + `"}`,
			want: func(*testing.T) any {
				return &RevokeResponse{RequestID: "request-id-test-00000000-0000-0000-0000-000000000004", StatusCode: 200}
			},
		},
		{
			name: "Migrate with every field",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Migrate(ctx, MigrateRequest{
					SessionToken: "external-idp-token", SessionDurationMinutes: 5,
					SessionCustomClaims: CustomClaims{"org": map[string]any{"id": "o1"}}, TelemetryID: "telemetry-1",
				})
			},
			answer: grantJSON, wantMethod: http.MethodPost, wantURI: "/v1/sessions/migrate",
			wantBody: `{"session_token":"external-idp-token","session_duration_minutes":5,
				"session_custom_claims":{"org":{"id":"o1"}},"telemetry_id":"telemetry-1"}`,
			want: func(t *testing.T) any { g := wantGrant(t); return &g },
		},
		{
			name: "Migrate minimal",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Migrate(ctx, MigrateRequest{SessionToken: "external-idp-token"})
			},
			answer:     `{"request_id":"r","session_jwt":"","session_token":"","status_code":200,"user":{"user_id":"u"},"user_id":"u","session":null,"user_device":null}`,
			wantMethod: http.MethodPost, wantURI: "/v1/sessions/migrate",
			wantBody: `{"session_token":"external-idp-token"}`,
			want: func(*testing.T) any {
				return &SessionGrantResponse{RequestID: "r", UserID: "u", User: User{UserID: "u"}, StatusCode: 200}
			},
		},
		{
			name: "ExchangeAccessToken",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExchangeAccessToken(ctx, ExchangeAccessTokenRequest{
					AccessToken: "eyJ.access.token", SessionDurationMinutes: MaxSessionDurationMinutes,
					SessionCustomClaims: CustomClaims{"gone": nil}, TelemetryID: "telemetry-2",
				})
			},
			answer: grantJSON, wantMethod: http.MethodPost, wantURI: "/v1/sessions/exchange_access_token",
			wantBody: `{"access_token":"eyJ.access.token","session_duration_minutes":527040,
				"session_custom_claims":{"gone":null},"telemetry_id":"telemetry-2"}`,
			want: func(t *testing.T) any { g := wantGrant(t); return &g },
		},
		{
			name: "Attest with every field",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Attest(ctx, AttestRequest{
					ProfileID: "trusted-auth-token-profile-test-1", Token: "idp-token", SessionDurationMinutes: 30,
					SessionCustomClaims: CustomClaims{"k": "v"}, SessionJWT: fixtureJWT, TelemetryID: "telemetry-3",
				})
			},
			answer: grantJSON, wantMethod: http.MethodPost, wantURI: "/v1/sessions/attest",
			wantBody: `{"profile_id":"trusted-auth-token-profile-test-1","token":"idp-token","session_duration_minutes":30,
				"session_custom_claims":{"k":"v"},"session_jwt":"` + fixtureJWT + `","telemetry_id":"telemetry-3"}`,
			want: func(t *testing.T) any { g := wantGrant(t); return &g },
		},
		{
			name: "Attest with a session token",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Attest(ctx, AttestRequest{ProfileID: "p", Token: "t", SessionToken: fixtureToken})
			},
			answer: grantJSON, wantMethod: http.MethodPost, wantURI: "/v1/sessions/attest",
			wantBody: `{"profile_id":"p","token":"t","session_token":"` + fixtureToken + `"}`,
			want:     func(t *testing.T) any { g := wantGrant(t); return &g },
		},
		{
			name: "GetJWKS",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetJWKS(ctx, GetJWKSRequest{ProjectID: c.ProjectID()})
			},
			answer: jwksJSON, wantMethod: http.MethodGet, wantURI: "/v1/sessions/jwks/" + testProjectID,
			want: func(*testing.T) any {
				var want GetJWKSResponse
				if err := json.Unmarshal([]byte(jwksJSON), &want); err != nil {
					t.Fatal(err)
				}
				return &want
			},
		},
		{
			name: "GetJWKS path-escapes the project id",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetJWKS(ctx, GetJWKSRequest{ProjectID: "project-test-a/../b c?d%"})
			},
			answer: `{"keys":[],"request_id":"r","status_code":200}`, wantMethod: http.MethodGet,
			wantURI: "/v1/sessions/jwks/project-test-a%2F..%2Fb%20c%3Fd%25",
			want: func(*testing.T) any {
				return &GetJWKSResponse{Keys: []JWK{}, RequestID: "r", StatusCode: 200}
			},
		},
		{
			name:   "GetPolicy",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetPolicy(ctx) },
			answer: policyJSON, wantMethod: http.MethodGet, wantURI: "/v1/rbac/policy",
			want: func(*testing.T) any {
				return &GetPolicyResponse{
					RequestID: "request-id-test-00000000-0000-0000-0000-000000000006", StatusCode: 200,
					Policy: &Policy{
						Roles: []PolicyRole{
							{RoleID: "stytch_user", Description: "Every user", Permissions: []Permission{}},
							{RoleID: "editor", Description: "Edits documents", Permissions: []Permission{
								{ResourceID: "documents", Actions: []string{"read", "write"}},
								{ResourceID: "images", Actions: []string{"*"}},
							}},
						},
						Resources: []PolicyResource{{
							ResourceID: "documents", Description: "Shared documents", Actions: []string{"create", "read", "write", "delete"},
						}},
						Scopes: []PolicyScope{{
							Scope: "read:data", Description: "Read data",
							Permissions: []Permission{{ResourceID: "documents", Actions: []string{"read"}}},
						}},
					},
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(http.StatusOK, tc.answer))
			c, _ := newTestClient(t, api.URL, nil)
			got, err := tc.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if want := tc.want(t); !reflect.DeepEqual(got, want) {
				t.Errorf("answer\n got %#v\nwant %#v", got, want)
			}
			reqs := api.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.wantMethod || r.RequestURI != tc.wantURI {
				t.Errorf("request %s %s, want %s %s", r.Method, r.RequestURI, tc.wantMethod, tc.wantURI)
			}
			req := http.Request{Header: r.Header}
			if user, pass, ok := req.BasicAuth(); !ok || user != testProjectID || pass != testSecret {
				t.Errorf("basic auth %q/%q (ok %v), want the project id and secret", user, pass, ok)
			}
			for name, want := range map[string]string{
				"Content-Type": "application/json", "Accept": "application/json", "User-Agent": testUserAgent,
			} {
				if got := r.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if tc.wantBody == "" {
				if len(r.Body) != 0 {
					t.Errorf("body %q, want none", r.Body)
				}
			} else {
				jsonEqual(t, r.Body, tc.wantBody)
			}
		})
	}
}

// TestCustomClaimsDoNotChangeCallerMap checks that dropping reserved claims
// works on a copy: the caller's map may be shared.
func TestCustomClaimsDoNotChangeCallerMap(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, authenticateJSON))
	c, _ := newTestClient(t, api.URL, nil)
	claims := CustomClaims{"iss": "x", "plan": "pro"}
	if _, err := c.Authenticate(context.Background(), AuthenticateRequest{SessionToken: "t", SessionCustomClaims: claims}); err != nil {
		t.Fatal(err)
	}
	if len(claims) != 2 || claims["iss"] != "x" {
		t.Fatalf("caller's claims changed to %v", claims)
	}
}

func TestValidationErrorsSendNothing(t *testing.T) {
	tooBig := CustomClaims{"blob": strings.Repeat("x", MaxCustomClaimsBytes)}
	cases := []struct {
		name string
		call func(context.Context, *Client) error
		want ErrorType
	}{
		{"Get without user id", func(ctx context.Context, c *Client) error {
			_, err := c.Get(ctx, GetRequest{})
			return err
		}, ErrInvalidUserID},
		{"Authenticate without token or JWT", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionDurationMinutes: 60})
			return err
		}, ErrNoSessionArguments},
		{"Authenticate with token and JWT", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: "t", SessionJWT: "j"})
			return err
		}, ErrTooManySessionArguments},
		{"Authenticate duration below 5", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: "t", SessionDurationMinutes: 4})
			return err
		}, ErrInvalidSessionDurationMinutes},
		{"Authenticate duration above 527040", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: "t", SessionDurationMinutes: 527041})
			return err
		}, ErrInvalidSessionDurationMinutes},
		{"Authenticate negative duration", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: "t", SessionDurationMinutes: -1})
			return err
		}, ErrInvalidSessionDurationMinutes},
		{"Authenticate claims over 4 KB", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: "t", SessionCustomClaims: tooBig})
			return err
		}, ErrCustomClaimsTooLarge},
		{"Authenticate claims not representable as JSON", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: "t", SessionCustomClaims: CustomClaims{"n": math.NaN()}})
			return err
		}, ErrUnableToRepresentCustomClaims},
		{"Authenticate authorization check without action", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: "t", AuthorizationCheck: &AuthorizationCheck{ResourceID: "documents"}})
			return err
		}, ErrBadRequest},
		{"Authenticate authorization check without resource", func(ctx context.Context, c *Client) error {
			_, err := c.Authenticate(ctx, AuthenticateRequest{SessionToken: "t", AuthorizationCheck: &AuthorizationCheck{Action: "read"}})
			return err
		}, ErrBadRequest},
		{"Revoke with nothing", func(ctx context.Context, c *Client) error {
			_, err := c.Revoke(ctx, RevokeRequest{})
			return err
		}, ErrNoSessionRevokeArguments},
		{"Revoke with id and token", func(ctx context.Context, c *Client) error {
			_, err := c.Revoke(ctx, RevokeRequest{SessionID: "s", SessionToken: "t"})
			return err
		}, ErrTooManySessionRevokeArguments},
		{"Revoke with token and JWT", func(ctx context.Context, c *Client) error {
			_, err := c.Revoke(ctx, RevokeRequest{SessionToken: "t", SessionJWT: "j"})
			return err
		}, ErrTooManySessionRevokeArguments},
		{"Revoke with all three", func(ctx context.Context, c *Client) error {
			_, err := c.Revoke(ctx, RevokeRequest{SessionID: "s", SessionToken: "t", SessionJWT: "j"})
			return err
		}, ErrTooManySessionRevokeArguments},
		{"Migrate without token", func(ctx context.Context, c *Client) error {
			_, err := c.Migrate(ctx, MigrateRequest{SessionDurationMinutes: 60})
			return err
		}, ErrInvalidSessionToken},
		{"Migrate bad duration", func(ctx context.Context, c *Client) error {
			_, err := c.Migrate(ctx, MigrateRequest{SessionToken: "t", SessionDurationMinutes: 1})
			return err
		}, ErrInvalidSessionDurationMinutes},
		{"Migrate claims over 4 KB", func(ctx context.Context, c *Client) error {
			_, err := c.Migrate(ctx, MigrateRequest{SessionToken: "t", SessionCustomClaims: tooBig})
			return err
		}, ErrCustomClaimsTooLarge},
		{"ExchangeAccessToken without token", func(ctx context.Context, c *Client) error {
			_, err := c.ExchangeAccessToken(ctx, ExchangeAccessTokenRequest{})
			return err
		}, ErrInvalidToken},
		{"ExchangeAccessToken bad duration", func(ctx context.Context, c *Client) error {
			_, err := c.ExchangeAccessToken(ctx, ExchangeAccessTokenRequest{AccessToken: "a", SessionDurationMinutes: 600000})
			return err
		}, ErrInvalidSessionDurationMinutes},
		{"ExchangeAccessToken claims not representable", func(ctx context.Context, c *Client) error {
			_, err := c.ExchangeAccessToken(ctx, ExchangeAccessTokenRequest{AccessToken: "a", SessionCustomClaims: CustomClaims{"c": make(chan int)}})
			return err
		}, ErrUnableToRepresentCustomClaims},
		{"Attest without profile", func(ctx context.Context, c *Client) error {
			_, err := c.Attest(ctx, AttestRequest{Token: "t"})
			return err
		}, ErrTrustedTokenProfileNotFound},
		{"Attest without token", func(ctx context.Context, c *Client) error {
			_, err := c.Attest(ctx, AttestRequest{ProfileID: "p"})
			return err
		}, ErrInvalidTrustedAuthToken},
		{"Attest with session token and JWT", func(ctx context.Context, c *Client) error {
			_, err := c.Attest(ctx, AttestRequest{ProfileID: "p", Token: "t", SessionToken: "s", SessionJWT: "j"})
			return err
		}, ErrTooManySessionArguments},
		{"Attest bad duration", func(ctx context.Context, c *Client) error {
			_, err := c.Attest(ctx, AttestRequest{ProfileID: "p", Token: "t", SessionDurationMinutes: 2})
			return err
		}, ErrInvalidSessionDurationMinutes},
		{"GetJWKS without project", func(ctx context.Context, c *Client) error {
			_, err := c.GetJWKS(ctx, GetJWKSRequest{})
			return err
		}, ErrInvalidProjectID},
		{"GetJWKS with a dot segment", func(ctx context.Context, c *Client) error {
			_, err := c.GetJWKS(ctx, GetJWKSRequest{ProjectID: "."})
			return err
		}, ErrInvalidProjectID},
		{"GetJWKS with a dot-dot segment", func(ctx context.Context, c *Client) error {
			_, err := c.GetJWKS(ctx, GetJWKSRequest{ProjectID: ".."})
			return err
		}, ErrInvalidProjectID},
	}
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, `{}`))
	c, _ := newTestClient(t, api.URL, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(context.Background(), c)
			assertNoSecret(t, err)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want type %s", err, tc.want)
			}
			var se *StytchError
			if !errors.As(err, &se) || !se.Local || se.StatusCode != http.StatusBadRequest || se.ErrorMessage == "" {
				t.Fatalf("error %#v, want a local 400 *StytchError with a message", err)
			}
			if !strings.Contains(err.Error(), "not sent") {
				t.Errorf("error %q does not say the request was not sent", err)
			}
		})
	}
	if n := api.count(); n != 0 {
		t.Fatalf("validation errors sent %d requests", n)
	}
}

func TestDurationBoundsAreAccepted(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, authenticateJSON))
	c, _ := newTestClient(t, api.URL, nil)
	for _, m := range []int{MinSessionDurationMinutes, MaxSessionDurationMinutes} {
		if _, err := c.Authenticate(context.Background(), AuthenticateRequest{SessionToken: "t", SessionDurationMinutes: m}); err != nil {
			t.Fatalf("duration %d: %v", m, err)
		}
	}
	if n := api.count(); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}
