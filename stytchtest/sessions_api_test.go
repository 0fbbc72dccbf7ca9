package stytchtest

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

var sessionTokenForm = regexp.MustCompile(`^[A-Za-z0-9_-]{44}$`)

func TestAuthenticateByTokenAndByJWT(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	u, g := userSession(t, srv, "editor")
	if !sessionTokenForm.MatchString(g.SessionToken) {
		t.Errorf("session token %q is not 44 URL-safe base64 characters", g.SessionToken)
	}
	srv.Advance(time.Minute)
	for _, req := range []client.AuthenticateRequest{{SessionToken: g.SessionToken}, {SessionJWT: g.SessionJWT}} {
		resp, err := srv.Client().Authenticate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.RequestID, "request-id-test-") {
			t.Errorf("envelope = %d %q", resp.StatusCode, resp.RequestID)
		}
		if resp.SessionToken != g.SessionToken {
			t.Errorf("session_token = %q, want the session's own token", resp.SessionToken)
		}
		if resp.SessionJWT == g.SessionJWT {
			t.Error("authenticate answered the JWT it was given, not a fresh one")
		}
		claims := verifyJWX(t, srv, resp.SessionJWT)
		if claims["iat"] != float64(fixedNow.Add(time.Minute).Unix()) {
			t.Errorf("fresh JWT iat = %v, want the emulator's now", claims["iat"])
		}
		s := resp.Session
		if s.SessionID != g.Session.SessionID || s.UserID != u.UserID || !slices.Equal(s.Roles, []string{"stytch_user", "editor"}) ||
			!s.StartedAt.Equal(fixedNow) || !s.LastAccessedAt.Equal(fixedNow.Add(time.Minute)) ||
			!s.ExpiresAt.Equal(fixedNow.Add(time.Hour)) || s.Attributes == nil {
			t.Errorf("session = %+v", s)
		}
		if resp.User.UserID != u.UserID || !slices.Equal(resp.User.Roles, u.Roles) || resp.Verdict != nil {
			t.Errorf("user = %+v, verdict = %+v", resp.User, resp.Verdict)
		}
	}
}

func TestAuthenticateAnswersCustomClaimsAsAnObject(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	_, g := userSession(t, srv)
	r := call(t, srv, http.MethodPost, "/v1/sessions/authenticate", map[string]any{"session_token": g.SessionToken}, true)
	session := r.object(t)["session"].(map[string]any)
	if claims, isObject := session["custom_claims"].(map[string]any); !isObject || len(claims) != 0 {
		t.Errorf("custom_claims = %#v, want {}", session["custom_claims"])
	}
}

func TestAuthenticateAcceptsAnExpiredJWTOfAnActiveSession(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	_, g := userSession(t, srv)
	srv.Advance(JWTLifetime + time.Minute)
	resp, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionJWT: g.SessionJWT})
	if err != nil {
		t.Fatalf("an expired but authentic JWT of an active session was refused: %v", err)
	}
	verifyJWX(t, srv, resp.SessionJWT) // valid now
	if claims := jwtClaims(t, resp.SessionJWT); claims["exp"] != float64(srv.Now().Add(JWTLifetime).Unix()) {
		t.Errorf("fresh JWT exp = %v", claims["exp"])
	}
}

func TestAuthenticateExtendsTheSession(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	_, g := userSession(t, srv)
	srv.Advance(10 * time.Minute)
	resp, err := srv.Client().Authenticate(context.Background(),
		client.AuthenticateRequest{SessionToken: g.SessionToken, SessionDurationMinutes: 600})
	if err != nil {
		t.Fatal(err)
	}
	want := fixedNow.Add(10*time.Minute + 600*time.Minute)
	if !resp.Session.ExpiresAt.Equal(want) {
		t.Errorf("expires_at = %v, want %v", resp.Session.ExpiresAt, want)
	}
	claims := jwtClaims(t, resp.SessionJWT)
	if got := claims[SessionClaim].(map[string]any)["expires_at"]; got != want.Format(time.RFC3339) {
		t.Errorf("JWT expires_at = %v, want %v", got, want.Format(time.RFC3339))
	}
	// Without a duration the lifetime stays.
	resp, err = srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: g.SessionToken})
	if err != nil || !resp.Session.ExpiresAt.Equal(want) {
		t.Errorf("authenticate without a duration changed expires_at to %v (%v)", resp.Session.ExpiresAt, err)
	}
}

func TestAuthenticateUpdatesCustomClaims(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	u := mustUser(t, srv, "")
	g := mustSession(t, srv, SessionParams{UserID: u.UserID, CustomClaims: map[string]any{"keep": "k", "drop": "d", "change": 1}})
	resp, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{
		SessionJWT:          g.SessionJWT,
		SessionCustomClaims: client.CustomClaims{"drop": nil, "change": 2, "new": []any{"x"}, "sub": "reserved", "https://stytch.com/session": "reserved"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"change":2,"keep":"k","new":["x"]}`
	if got := mustJSON(t, resp.Session.CustomClaims); got != want {
		t.Errorf("custom_claims = %s, want %s", got, want)
	}
	claims := verifyJWX(t, srv, resp.SessionJWT)
	if claims["change"] != float64(2) || claims["keep"] != "k" || claims["drop"] != nil || claims["sub"] != u.UserID {
		t.Errorf("JWT claims = %v", claims)
	}

	// A raw request may send what the client would refuse: the emulator
	// checks the same rules.
	big := strings.Repeat("x", client.MaxCustomClaimsBytes)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/authenticate",
		map[string]any{"session_token": g.SessionToken, "session_custom_claims": map[string]any{"big": big}}, true),
		http.StatusBadRequest, client.ErrCustomClaimsTooLarge)
	// Each update fits, but the sum does not.
	half := strings.Repeat("y", client.MaxCustomClaimsBytes/2)
	if _, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{
		SessionToken: g.SessionToken, SessionCustomClaims: client.CustomClaims{"a": half}}); err != nil {
		t.Fatal(err)
	}
	_, err = srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{
		SessionToken: g.SessionToken, SessionCustomClaims: client.CustomClaims{"b": half}})
	wantAPIError(t, err, http.StatusBadRequest, client.ErrCustomClaimsTooLarge)
}

func TestAuthenticateAuthorizationCheck(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	// Session roles: stytch_user, reader, ghost (not in the policy), admin, editor.
	_, g := userSession(t, srv, "reader", "ghost", "admin", "editor")
	tests := []struct {
		resource, action string
		granting         []string // nil: denied
	}{
		{"documents", "read", []string{"reader", "admin", "editor"}},
		{"documents", "create", []string{"admin", "editor"}},
		{"documents", "delete", []string{"admin"}},
		{"documents", "undefined-action", []string{"admin"}}, // "*" grants every action, as in Stytch's rule
		{"images", "read", nil},                              // unknown resource: a plain denial
		{"Documents", "read", nil},                           // resource ids match exactly
	}
	for _, tt := range tests {
		t.Run(tt.resource+"/"+tt.action, func(t *testing.T) {
			resp, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{
				SessionToken: g.SessionToken, AuthorizationCheck: &client.AuthorizationCheck{ResourceID: tt.resource, Action: tt.action}})
			if tt.granting == nil {
				se := wantAPIError(t, err, http.StatusForbidden, client.ErrConsumerSessionAuthorization)
				if se.ErrorMessage != msgNotAuthorized {
					t.Errorf("message = %q", se.ErrorMessage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Verdict == nil || !resp.Verdict.Authorized || !slices.Equal(resp.Verdict.GrantingRoles, tt.granting) {
				t.Errorf("verdict = %+v, want granting %v", resp.Verdict, tt.granting)
			}
		})
	}

	_, plain := userSession(t, srv)
	_, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{
		SessionJWT: plain.SessionJWT, AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}})
	wantAPIError(t, err, http.StatusForbidden, client.ErrConsumerSessionAuthorization)
}

func TestAuthenticateDenialChangesNothing(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	_, g := userSession(t, srv)
	srv.Advance(time.Minute)
	_, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{
		SessionToken: g.SessionToken, SessionDurationMinutes: 30, SessionCustomClaims: client.CustomClaims{"x": 1},
		AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}})
	wantAPIError(t, err, http.StatusForbidden, client.ErrConsumerSessionAuthorization)
	resp, err := srv.Client().Get(context.Background(), client.GetRequest{UserID: g.Session.UserID})
	if err != nil {
		t.Fatal(err)
	}
	s := resp.Sessions[0]
	if !s.LastAccessedAt.Equal(fixedNow) || !s.ExpiresAt.Equal(fixedNow.Add(time.Hour)) || len(s.CustomClaims) != 0 {
		t.Errorf("a denied authenticate changed the session: %+v", s)
	}
}

// TestAuthenticateValidation sends raw requests: the client would refuse
// them itself, and the emulator must answer as Stytch does.
func TestAuthenticateValidation(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	_, g := userSession(t, srv)
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   client.ErrorType
	}{
		{"both token and JWT", map[string]any{"session_token": g.SessionToken, "session_jwt": g.SessionJWT}, 400, client.ErrTooManySessionArguments},
		{"neither", map[string]any{}, 400, client.ErrNoSessionArguments},
		{"duration 4", map[string]any{"session_token": g.SessionToken, "session_duration_minutes": 4}, 400, client.ErrInvalidSessionDurationMinutes},
		{"duration too long", map[string]any{"session_token": g.SessionToken, "session_duration_minutes": 527041}, 400, client.ErrInvalidSessionDurationMinutes},
		{"negative duration", map[string]any{"session_token": g.SessionToken, "session_duration_minutes": -5}, 400, client.ErrInvalidSessionDurationMinutes},
		{"duration not a number", map[string]any{"session_token": g.SessionToken, "session_duration_minutes": "60"}, 400, client.ErrBadRequest},
		{"check without action", map[string]any{"session_token": g.SessionToken, "authorization_check": map[string]any{"resource_id": "documents"}}, 400, client.ErrBadRequest},
		{"unknown token", map[string]any{"session_token": "x"}, 404, client.ErrSessionNotFound},
		{"huge token", map[string]any{"session_token": strings.Repeat("x", 2000)}, 404, client.ErrSessionNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/authenticate", tt.body, true), tt.status, tt.want)
		})
	}
	for _, minutes := range []int{5, 527040} {
		if _, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{
			SessionToken: g.SessionToken, SessionDurationMinutes: minutes}); err != nil {
			t.Errorf("duration %d refused: %v", minutes, err)
		}
	}
}

func TestRevokedAndExpiredSessionsAreNotFound(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	u := mustUser(t, srv, "")
	short := mustSession(t, srv, SessionParams{UserID: u.UserID, DurationMinutes: 1})
	revoked := mustSession(t, srv, SessionParams{UserID: u.UserID})
	if _, err := srv.Client().Revoke(context.Background(), client.RevokeRequest{SessionID: revoked.Session.SessionID}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Minute)
	for name, g := range map[string]*SessionGrant{"expired": short, "revoked": revoked} {
		for _, req := range []client.AuthenticateRequest{{SessionToken: g.SessionToken}, {SessionJWT: g.SessionJWT}} {
			_, err := srv.Client().Authenticate(context.Background(), req)
			se := wantAPIError(t, err, http.StatusNotFound, client.ErrSessionNotFound)
			if se.ErrorMessage != msgSessionNotFound {
				t.Errorf("%s: message %q", name, se.ErrorMessage)
			}
		}
	}
}

func TestGetListsActiveSessions(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	u := mustUser(t, srv, "")
	first := mustSession(t, srv, SessionParams{UserID: u.UserID, CustomClaims: map[string]any{"n": 1}})
	short := mustSession(t, srv, SessionParams{UserID: u.UserID, DurationMinutes: 1})
	revoked := mustSession(t, srv, SessionParams{UserID: u.UserID})
	last := mustSession(t, srv, SessionParams{UserID: u.UserID})
	_, otherUser := userSession(t, srv)
	if _, err := srv.Client().Revoke(context.Background(), client.RevokeRequest{SessionToken: revoked.SessionToken}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Minute)
	resp, err := srv.Client().Get(context.Background(), client.GetRequest{UserID: u.UserID})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range resp.Sessions {
		ids = append(ids, s.SessionID)
	}
	if want := []string{first.Session.SessionID, last.Session.SessionID}; !slices.Equal(ids, want) {
		t.Errorf("sessions = %v, want %v (not %s, expired, nor %s, revoked, nor another user's %s)", ids, want,
			short.Session.SessionID, revoked.Session.SessionID, otherUser.Session.SessionID)
	}
	if resp.Sessions[0].CustomClaims["n"] != float64(1) || resp.StatusCode != 200 || resp.RequestID == "" {
		t.Errorf("answer = %+v", resp)
	}

	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/sessions", nil, true), http.StatusBadRequest, client.ErrInvalidUserID)
	_, err = srv.Client().Get(context.Background(), client.GetRequest{UserID: "user-test-unknown"})
	wantAPIError(t, err, http.StatusNotFound, client.ErrUserNotFound)

	ext, err := srv.CreateUser(context.Background(), UserParams{ExternalID: "crm-" + newUUID()})
	if err != nil {
		t.Fatal(err)
	}
	extSession := mustSession(t, srv, SessionParams{UserID: ext.UserID})
	for _, id := range []string{ext.UserID, ext.ExternalID} {
		resp, err = srv.Client().Get(context.Background(), client.GetRequest{UserID: id})
		if err != nil || len(resp.Sessions) != 1 || resp.Sessions[0].SessionID != extSession.Session.SessionID ||
			resp.Sessions[0].UserID != ext.UserID {
			t.Errorf("Get(%q) = %+v, %v; want the session of %s", id, resp, err, ext.UserID)
		}
	}
	if _, err := srv.CreateUser(context.Background(), UserParams{ExternalID: ext.ExternalID}); !errors.Is(err, errDuplicateExternalID) {
		t.Errorf("a second user with external_id %q: %v", ext.ExternalID, err)
	}

	none := mustUser(t, srv, "")
	r := call(t, srv, http.MethodGet, "/v1/sessions?user_id="+none.UserID, nil, true)
	if r.status != 200 || !strings.Contains(string(r.body), `"sessions":[]`) {
		t.Errorf("a user without sessions: %s, want sessions []", r.body)
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	u := mustUser(t, srv, "")
	refs := map[string]func(*SessionGrant) client.RevokeRequest{
		"id": func(g *SessionGrant) client.RevokeRequest {
			return client.RevokeRequest{SessionID: g.Session.SessionID}
		},
		"token": func(g *SessionGrant) client.RevokeRequest { return client.RevokeRequest{SessionToken: g.SessionToken} },
		"jwt":   func(g *SessionGrant) client.RevokeRequest { return client.RevokeRequest{SessionJWT: g.SessionJWT} },
	}
	for name, ref := range refs {
		t.Run(name, func(t *testing.T) {
			g := mustSession(t, srv, SessionParams{UserID: u.UserID})
			resp, err := srv.Client().Revoke(context.Background(), ref(g))
			if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.RequestID, "request-id-test-") {
				t.Fatalf("revoke = %+v, %v", resp, err)
			}
			_, err = srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: g.SessionToken})
			wantAPIError(t, err, http.StatusNotFound, client.ErrSessionNotFound)
			_, err = srv.Client().Revoke(context.Background(), ref(g))
			wantAPIError(t, err, http.StatusNotFound, client.ErrSessionNotFound)
		})
	}
	g := mustSession(t, srv, SessionParams{UserID: u.UserID})
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/revoke",
		map[string]any{"session_id": g.Session.SessionID, "session_token": g.SessionToken}, true),
		http.StatusBadRequest, client.ErrTooManySessionRevokeArguments)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/revoke", map[string]any{}, true),
		http.StatusBadRequest, client.ErrNoSessionRevokeArguments)
	_, err := srv.Client().Revoke(context.Background(), client.RevokeRequest{SessionID: "session-test-unknown"})
	wantAPIError(t, err, http.StatusNotFound, client.ErrSessionNotFound)
	_, err = srv.Client().Revoke(context.Background(), client.RevokeRequest{SessionJWT: "not.a.jwt"})
	wantAPIError(t, err, http.StatusBadRequest, client.ErrUnableToParseSessionJWT)
}

// TestConcurrentUse runs the endpoints side by side, for the race detector.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	u := mustUser(t, srv, "", "admin")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			g, err := srv.CreateSession(ctx, SessionParams{UserID: u.UserID})
			if err != nil {
				t.Error(err)
				return
			}
			for range 5 {
				_, err := srv.Client().Authenticate(ctx, client.AuthenticateRequest{SessionJWT: g.SessionJWT,
					SessionCustomClaims: client.CustomClaims{"i": i},
					AuthorizationCheck:  &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}})
				if err != nil {
					t.Error(err)
				}
			}
			if i%2 == 0 {
				srv.RotateKeys()
			}
			if _, err := srv.Client().Get(ctx, client.GetRequest{UserID: u.UserID}); err != nil {
				t.Error(err)
			}
			if _, err := srv.Client().Revoke(ctx, client.RevokeRequest{SessionToken: g.SessionToken}); err != nil {
				t.Error(err)
			}
			srv.Advance(time.Second)
		}()
	}
	wg.Wait()
	if got := srv.Requests(EndpointAuthenticate); got != 40 {
		t.Errorf("authenticate requests = %d, want 40", got)
	}
}
