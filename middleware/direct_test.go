package middleware

import (
	"context"
	"testing"
)

// TestRequireBearer: a call outside HTTP gets the rules, checks and codes
// of a request, its session stored for FromContext.
func TestRequireBearer(t *testing.T) {
	e := newEnv(t, envOptions{})
	jwt := e.grant.SessionJWT
	a := e.auth
	tests := []struct {
		name          string
		rule          Rule
		authorization []string
		want          Code // "" for a pass
		session       bool // a pass carries the session
	}{
		{"public without a credential", Public(), nil, "", false},
		{"public ignores a broken credential", Public(), []string{"Bearer x y"}, "", false},
		{"optional without a credential", Optional(), nil, "", false},
		{"optional with a JWT", Optional(), []string{"Bearer " + jwt}, "", true},
		{"optional with a forged JWT", Optional(), []string{"Bearer " + jwt[:len(jwt)-4] + "AAAA"}, ErrInvalidToken, false},
		{"authenticated without a credential", Authenticated(), nil, ErrNoCredential, false},
		{"authenticated, another scheme", Authenticated(), []string{"Basic dXNlcjpwYXNz"}, ErrNoCredential, false},
		{"authenticated with a JWT", Authenticated(), []string{"bearer  " + jwt}, "", true},
		{"authenticated, Bearer without a token", Authenticated(), []string{"Bearer "}, ErrMalformedCredential, false},
		{"authenticated, two values", Authenticated(), []string{"Bearer " + jwt, "Bearer " + jwt}, ErrMultipleCredentials, false},
		{"authenticated, too large", Authenticated(), []string{"Bearer " + jwt + string(make([]byte, 9000))}, ErrCredentialTooLarge, false},
		{"permission granted", Permission("documents", "read"), []string{"Bearer " + jwt}, "", true},
		{"permission denied", Permission("documents", "delete"), []string{"Bearer " + jwt}, ErrForbidden, false},
		{"permission without a credential", Permission("documents", "read"), nil, ErrNoCredential, false},
		{"the zero Rule", Rule{}, []string{"Bearer " + jwt}, ErrNoRule, false},
		{"an invalid rule", Permission("documents", ""), []string{"Bearer " + jwt}, ErrNoRule, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, err := a.RequireBearer(tt.rule)(t.Context(), tt.authorization)
			if CodeOf(err) != tt.want {
				t.Fatalf("error %v, want code %q", err, tt.want)
			}
			if ctx == nil {
				t.Fatal("nil context")
			}
			auth, ok := FromContext(ctx)
			if ok != tt.session {
				t.Fatalf("session in context: %v, want %v", ok, tt.session)
			}
			if ok && (auth.Session.UserID != e.user.UserID || auth.Source != "bearer" || auth.JWT != jwt) {
				t.Fatalf("auth %+v", auth)
			}
		})
	}
	if e.count("authenticate") != 0 {
		t.Fatal("nothing here needed Stytch")
	}
}

// TestRequireBearerReusesSession: a Permission check after an
// Authenticated one on the same context reuses the session this
// Authenticator verified, and trusts none that NewContext stored.
func TestRequireBearerReusesSession(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.MaxTokenAge = alwaysRemote }})
	a := e.auth
	ctx, err := a.RequireBearer(Authenticated())(t.Context(), []string{"Bearer " + e.grant.SessionJWT})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RequireBearer(Permission("documents", "read"))(ctx, nil); err != nil {
		t.Fatalf("permission after authentication: %v", err)
	}
	if n := e.count("authenticate"); n != 1 {
		t.Fatalf("%d calls to Stytch, want 1: the second check reuses the session", n)
	}
	auth, _ := FromContext(ctx)
	planted := NewContext(context.Background(), auth)
	if _, err := a.RequireBearer(Permission("documents", "read"))(planted, nil); CodeOf(err) != ErrNoCredential {
		t.Fatalf("a NewContext session granted %v, want ErrNoCredential", err)
	}
}

// TestRequireBearerClosed: a closed Authenticator refuses every call that
// needs it with 503.
func TestRequireBearerClosed(t *testing.T) {
	e := newEnv(t, envOptions{})
	check := e.auth.RequireBearer(Authenticated())
	if err := e.auth.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := check(t.Context(), []string{"Bearer " + e.grant.SessionJWT}); CodeOf(err) != ErrUnavailable || CodeOf(err).Status() != 503 {
		t.Fatalf("after Close: %v, want ErrUnavailable", err)
	}
}
