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

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	r := call(t, srv, http.MethodPost, "/emulator/users",
		map[string]any{"email": "ada@example.com", "name": "Ada King Lovelace", "roles": []string{"editor", "stytch_user", "reader"}}, true)
	var body struct {
		RequestID  string      `json:"request_id"`
		StatusCode int         `json:"status_code"`
		UserID     string      `json:"user_id"`
		User       client.User `json:"user"`
	}
	r.decodeOK(t, &body)
	u := body.User
	if body.StatusCode != 200 || !strings.HasPrefix(body.RequestID, "request-id-test-") || body.UserID != u.UserID ||
		!strings.HasPrefix(u.UserID, "user-test-") || u.Status != "active" ||
		*u.Name != (client.Name{FirstName: "Ada", MiddleName: "King", LastName: "Lovelace"}) ||
		!slices.Equal(u.Roles, []string{"stytch_user", "editor", "reader"}) ||
		len(u.Emails) != 1 || u.Emails[0].Email != "ada@example.com" || !strings.HasPrefix(u.Emails[0].EmailID, "email-test-") ||
		!u.CreatedAt.Equal(fixedNow) {
		t.Errorf("user = %s", r.body)
	}

	r = call(t, srv, http.MethodPost, "/emulator/users",
		map[string]any{"email": "grace@example.com", "name": map[string]string{"first_name": "Grace", "last_name": "Hopper"}}, true)
	if r.status != 200 || !strings.Contains(string(r.body), `"name":{"first_name":"Grace","middle_name":"","last_name":"Hopper"}`) {
		t.Errorf("name object: %d %s", r.status, r.body)
	}

	for name, tt := range map[string]struct {
		body any
		want client.ErrorType
	}{
		"duplicate email":    {map[string]any{"email": "ADA@example.com"}, errDuplicateEmail},
		"bad email":          {map[string]any{"email": "ada"}, errInvalidEmail},
		"unknown field":      {map[string]any{"email": "x@example.com", "admin": true}, client.ErrBadRequest},
		"unknown name field": {map[string]any{"name": map[string]string{"nick": "x"}}, client.ErrBadRequest},
		"name of wrong type": {map[string]any{"name": 3}, client.ErrBadRequest},
		"empty role":         {map[string]any{"roles": []string{""}}, client.ErrBadRequest},
		"not JSON":           {"email=x", client.ErrBadRequest},
		"bad external id":    {map[string]any{"external_id": "a b"}, client.ErrBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/users", tt.body, true), http.StatusBadRequest, tt.want)
		})
	}
}

func TestAdminSessions(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	u := mustUser(t, srv, "ada@example.com", "admin")
	r := call(t, srv, http.MethodPost, "/emulator/sessions", map[string]any{"user_id": u.UserID}, true)
	var body struct {
		RequestID    string         `json:"request_id"`
		StatusCode   int            `json:"status_code"`
		SessionToken string         `json:"session_token"`
		SessionJWT   string         `json:"session_jwt"`
		Session      client.Session `json:"session"`
	}
	r.decodeOK(t, &body)
	s := body.Session
	if body.StatusCode != 200 || !sessionTokenForm.MatchString(body.SessionToken) || !s.ExpiresAt.Equal(fixedNow.Add(time.Hour)) ||
		len(s.AuthenticationFactors) != 1 || s.AuthenticationFactors[0].Type != "magic_link" ||
		!strings.Contains(string(r.body), `"custom_claims":{}`) {
		t.Errorf("session answer = %s", r.body)
	}
	verifyJWX(t, srv, body.SessionJWT)

	r = call(t, srv, http.MethodPost, "/emulator/sessions", map[string]any{
		"user_id": u.UserID, "session_duration_minutes": 1, "session_custom_claims": map[string]any{"k": "v"},
		"authentication_factors": []map[string]any{{"type": "oauth", "delivery_method": "oauth_google",
			"google_oauth_factor": map[string]string{"id": "oauth-user-test-1", "provider_subject": "123"}}},
	}, true)
	r.decodeOK(t, &body)
	f := body.Session.AuthenticationFactors
	if !body.Session.ExpiresAt.Equal(fixedNow.Add(time.Minute)) || body.Session.CustomClaims["k"] != "v" ||
		len(f) != 1 || f[0].GoogleOAuthFactor == nil || f[0].GoogleOAuthFactor.ProviderSubject != "123" || !f[0].LastAuthenticatedAt.Equal(fixedNow) {
		t.Errorf("session answer = %s", r.body)
	}
	srv.Advance(time.Minute)
	_, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: body.SessionToken})
	wantAPIError(t, err, http.StatusNotFound, client.ErrSessionNotFound)

	for name, tt := range map[string]struct {
		body   map[string]any
		status int
		want   client.ErrorType
	}{
		"no user":          {map[string]any{}, 400, client.ErrInvalidUserID},
		"unknown user":     {map[string]any{"user_id": "user-test-x"}, 404, client.ErrUserNotFound},
		"too long":         {map[string]any{"user_id": u.UserID, "session_duration_minutes": 527041}, 400, client.ErrInvalidSessionDurationMinutes},
		"negative":         {map[string]any{"user_id": u.UserID, "session_duration_minutes": -1}, 400, client.ErrInvalidSessionDurationMinutes},
		"explicit zero":    {map[string]any{"user_id": u.UserID, "session_duration_minutes": 0}, 400, client.ErrInvalidSessionDurationMinutes},
		"factor w/o type":  {map[string]any{"user_id": u.UserID, "authentication_factors": []map[string]any{{"delivery_method": "email"}}}, 400, client.ErrBadRequest},
		"claims too large": {map[string]any{"user_id": u.UserID, "session_custom_claims": map[string]any{"x": strings.Repeat("x", 5000)}}, 400, client.ErrCustomClaimsTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/sessions", tt.body, true), tt.status, tt.want)
		})
	}
}

func TestAdminPolicy(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	p := client.Policy{
		Roles: []client.PolicyRole{{RoleID: "viewer", Description: "Views.",
			Permissions: []client.Permission{{ResourceID: "images", Actions: []string{"view"}}}}},
		Resources: []client.PolicyResource{{ResourceID: "images", Description: "Images.", Actions: []string{"view", "edit"}}},
	}
	r := call(t, srv, http.MethodPut, "/emulator/policy", p, true)
	if r.status != 200 || !strings.Contains(string(r.body), `"policy":{"roles":[{"role_id":"viewer"`) ||
		!strings.Contains(string(r.body), `"scopes":[]`) {
		t.Fatalf("PUT policy = %d %s", r.status, r.body)
	}
	resp, err := srv.Client().GetPolicy(context.Background())
	if err != nil || resp.Policy == nil || len(resp.Policy.Roles) != 1 || resp.Policy.Roles[0].RoleID != "viewer" {
		t.Fatalf("served policy = %+v, %v", resp, err)
	}
	_, g := userSession(t, srv, "viewer")
	verdict, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: g.SessionToken,
		AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "images", Action: "view"}})
	if err != nil || !slices.Equal(verdict.Verdict.GrantingRoles, []string{"viewer"}) {
		t.Errorf("check under the new policy = %+v, %v", verdict, err)
	}

	bad := p
	bad.Roles = []client.PolicyRole{{RoleID: "viewer", Permissions: []client.Permission{{ResourceID: "videos", Actions: []string{"view"}}}}}
	wantErrorBody(t, call(t, srv, http.MethodPut, "/emulator/policy", bad, true), http.StatusBadRequest, client.ErrBadRequest)
	wantErrorBody(t, call(t, srv, http.MethodPut, "/emulator/policy", map[string]any{"policy": p}, true), http.StatusBadRequest, client.ErrBadRequest)
	if got := srv.Policy(); got.Roles[0].Permissions[0].ResourceID != "images" {
		t.Errorf("a refused policy replaced the policy: %+v", got)
	}
}

func TestAdminKeysAndClock(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	first := srv.JWKS()[0].Kid
	var keys struct {
		StatusCode int      `json:"status_code"`
		Kid        string   `json:"kid"`
		Kids       []string `json:"kids"`
	}
	r := call(t, srv, http.MethodPost, "/emulator/keys/rotate", nil, true)
	r.decodeOK(t, &keys)
	if keys.StatusCode != 200 || keys.Kid == first ||
		!slices.Equal(keys.Kids, []string{first, keys.Kid}) {
		t.Fatalf("rotate = %d %s", r.status, r.body)
	}
	second := keys.Kid
	r = call(t, srv, http.MethodPost, "/emulator/keys/drop-old", nil, true)
	r.decodeOK(t, &keys)
	if keys.Kid != second || !slices.Equal(keys.Kids, []string{second}) {
		t.Fatalf("drop-old = %d %s", r.status, r.body)
	}

	var clock struct {
		StatusCode int    `json:"status_code"`
		Now        string `json:"now"`
		NowUnix    int64  `json:"now_unix"`
	}
	r = call(t, srv, http.MethodPost, "/emulator/clock/advance", map[string]any{"seconds": 90}, true)
	want := fixedNow.Add(90 * time.Second)
	r.decodeOK(t, &clock)
	if clock.StatusCode != 200 || clock.NowUnix != want.Unix() ||
		clock.Now != want.Format(time.RFC3339Nano) || !srv.Now().Equal(want) {
		t.Fatalf("advance = %d %s", r.status, r.body)
	}
	for _, body := range []any{map[string]any{}, map[string]any{"seconds": 1e12}, map[string]any{"seconds": "1"}} {
		wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/clock/advance", body, true), http.StatusBadRequest, client.ErrBadRequest)
	}
}

func TestAdminExternalTokens(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	u := mustUser(t, srv, "ada@example.com")
	r := call(t, srv, http.MethodPost, "/emulator/external-tokens", map[string]any{
		"endpoint": "exchange_access_token", "token": "at-1", "user_id": u.UserID, "scopes": []string{"full_access"}, "client_id": "app-1"}, true)
	if r.status != 200 || r.object(t)["status_code"] != float64(200) {
		t.Fatalf("register = %d %s", r.status, r.body)
	}
	resp, err := srv.Client().ExchangeAccessToken(context.Background(), client.ExchangeAccessTokenRequest{AccessToken: "at-1"})
	if err != nil || resp.UserID != u.UserID {
		t.Fatalf("exchange = %+v, %v", resp, err)
	}
	wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/external-tokens",
		map[string]any{"endpoint": "revoke", "token": "x", "user_id": u.UserID}, true), http.StatusBadRequest, client.ErrBadRequest)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/emulator/external-tokens",
		map[string]any{"endpoint": "attest", "token": "x", "user_id": "user-test-x", "profile_id": "p"}, true), http.StatusNotFound, client.ErrUserNotFound)
}

func TestAdminNeedsCredentials(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	for _, rt := range srv.routeTable() {
		if rt.endpoint != "" {
			continue
		}
		wantErrorBody(t, call(t, srv, rt.method, rt.pattern, map[string]any{}, false), http.StatusUnauthorized, client.ErrUnauthorizedCredentials)
	}
	if got := srv.JWKS(); len(got) != 1 {
		t.Errorf("an unauthenticated admin request changed the keys: %d served", len(got))
	}
}
