package stytchtest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stytchmw/stytchmw/client"
)

func TestSplitName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		full string
		want *client.Name
	}{
		{"", nil},
		{"   ", nil},
		{"Ada", &client.Name{FirstName: "Ada"}},
		{"Ada Lovelace", &client.Name{FirstName: "Ada", LastName: "Lovelace"}},
		{" Augusta  Ada King Lovelace ", &client.Name{FirstName: "Augusta", MiddleName: "Ada King", LastName: "Lovelace"}},
	}
	for _, tt := range tests {
		got := splitName(tt.full)
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("splitName(%q) = %+v, want %+v", tt.full, got, tt.want)
		}
	}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	ctx := context.Background()
	u, err := srv.CreateUser(ctx, UserParams{Email: "ada@example.com", Name: "Ada Lovelace", Roles: []string{"admin", "admin", "stytch_user", "reader"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.Roles, []string{"stytch_user", "admin", "reader"}) {
		t.Errorf("roles = %v, want stytch_user first, then the given roles once each", u.Roles)
	}
	if u.Emails == nil || u.PhoneNumbers == nil || u.Providers == nil || u.TOTPs == nil || u.CryptoWallets == nil ||
		u.WebAuthnRegistrations == nil || u.BiometricRegistrations == nil {
		t.Errorf("user lists must be empty rather than null: %+v", u)
	}
	u.Roles[0] = "changed"
	_, g := userSessionFor(t, srv, u.UserID)
	if g.Session.Roles[0] != "stytch_user" {
		t.Error("CreateUser returns the stored user's slices")
	}

	noEmail, err := srv.CreateUser(ctx, UserParams{})
	if err != nil || len(noEmail.Emails) != 0 || noEmail.Name != nil || !slices.Equal(noEmail.Roles, []string{"stytch_user"}) {
		t.Errorf("a bare user = %+v, %v", noEmail, err)
	}
	if _, err := srv.CreateUser(ctx, UserParams{Email: "ADA@example.com"}); !errors.Is(err, errDuplicateEmail) {
		t.Errorf("duplicate email: %v", err)
	}
	for _, email := range []string{"ada", "@example.com", "ada@", "a da@example.com", "a@b@c", strings.Repeat("a", 250) + "@b.co"} {
		if _, err := srv.CreateUser(ctx, UserParams{Email: email}); !errors.Is(err, errInvalidEmail) {
			t.Errorf("email %q: %v", email, err)
		}
	}
	tooMany := make([]string, maxRoles+1)
	for i := range tooMany {
		tooMany[i] = "r" + strings.Repeat("x", i)
	}
	for name, roles := range map[string][]string{"too many": tooMany, "empty": {""}, "space": {"a b"}, "too long": {strings.Repeat("r", 300)}} {
		if _, err := srv.CreateUser(ctx, UserParams{Roles: roles}); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("roles %s: %v", name, err)
		}
	}
	if _, err := srv.CreateUser(ctx, UserParams{Name: strings.Repeat("n", 300)}); !errors.Is(err, client.ErrBadRequest) {
		t.Errorf("a 300-byte name: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := srv.CreateUser(cancelled, UserParams{}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context: %v", err)
	}
}

func userSessionFor(t *testing.T, srv *Server, userID string) (string, *SessionGrant) {
	t.Helper()
	return userID, mustSession(t, srv, SessionParams{UserID: userID})
}

func TestCreateSessionValidation(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	ctx := context.Background()
	u := mustUser(t, srv, "")
	tests := []struct {
		name string
		p    SessionParams
		want error
	}{
		{"no user", SessionParams{}, client.ErrInvalidUserID},
		{"unknown user", SessionParams{UserID: "user-test-x"}, client.ErrUserNotFound},
		{"negative duration", SessionParams{UserID: u.UserID, DurationMinutes: -1}, client.ErrInvalidSessionDurationMinutes},
		{"unencodable claim", SessionParams{UserID: u.UserID, CustomClaims: map[string]any{"f": func() {}}}, client.ErrUnableToRepresentCustomClaims},
		{"too many factors", SessionParams{UserID: u.UserID, AuthenticationFactors: make([]client.AuthenticationFactor, maxFactors+1)}, client.ErrBadRequest},
		{"factor without delivery", SessionParams{UserID: u.UserID, AuthenticationFactors: []client.AuthenticationFactor{{Type: "otp"}}}, client.ErrBadRequest},
	}
	for _, tt := range tests {
		if _, err := srv.CreateSession(ctx, tt.p); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
	claims := map[string]any{"nested": map[string]any{"k": "v"}}
	g, err := srv.CreateSession(ctx, SessionParams{UserID: u.UserID, CustomClaims: claims})
	if err != nil {
		t.Fatal(err)
	}
	claims["nested"].(map[string]any)["k"] = "changed"
	g.Session.CustomClaims["nested"].(map[string]any)["k"] = "changed too"
	resp, err := srv.Client().Get(ctx, client.GetRequest{UserID: u.UserID})
	if err != nil || resp.Sessions[0].CustomClaims["nested"].(map[string]any)["k"] != "v" {
		t.Errorf("the stored claims follow the caller's maps: %+v, %v", resp, err)
	}
}
