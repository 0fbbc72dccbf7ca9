package mcpauth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

type env struct {
	srv  *stytchtest.Server
	auth *middleware.Authenticator
	user string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(srv.Close)
	a, err := middleware.New(t.Context(), middleware.Config{Client: srv.Client(), HTTPClient: srv.HTTPClient(), Now: srv.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	u, err := srv.CreateUser(t.Context(), stytchtest.UserParams{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, auth: a, user: u.UserID}
}

// TestVerifier: the TokenInfo of each kind of caller, and the errors the
// SDK maps to statuses.
func TestVerifier(t *testing.T) {
	e := newEnv(t)
	verify := Verifier(e.auth, middleware.Authenticated().OrMachine())
	tok, err := e.srv.CreateAccessToken(t.Context(), stytchtest.AccessTokenParams{Subject: e.user, Scopes: []string{"read:documents"}})
	if err != nil {
		t.Fatal(err)
	}
	ti, err := verify(t.Context(), tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	caller, ok := AuthFrom(ti)
	if !ok || caller.Caller != middleware.CallerMachine || ti.UserID != e.user || len(ti.Scopes) != 1 ||
		!ti.Expiration.Equal(e.srv.Now().Add(stytchtest.AccessTokenLifetime).Truncate(time.Second)) {
		t.Fatalf("TokenInfo %+v", ti)
	}

	grant, err := e.srv.CreateSession(t.Context(), stytchtest.SessionParams{UserID: e.user})
	if err != nil {
		t.Fatal(err)
	}
	ti, err = verify(t.Context(), grant.SessionJWT, nil)
	if err != nil {
		t.Fatal(err)
	}
	if caller, ok := AuthFrom(ti); !ok || caller.Caller != middleware.CallerUser || ti.UserID != e.user || ti.Scopes != nil || ti.Expiration.IsZero() {
		t.Fatalf("TokenInfo %+v", ti)
	}

	if _, err := verify(t.Context(), "a.b.c", nil); !errors.Is(err, auth.ErrInvalidToken) || !errors.Is(err, middleware.ErrMalformedCredential) {
		t.Fatalf("malformed token: err = %v, want ErrInvalidToken and the code", err)
	}
	_ = e.auth.Close()
	if _, err := verify(t.Context(), tok, nil); errors.Is(err, auth.ErrInvalidToken) || !errors.Is(err, middleware.ErrUnavailable) {
		t.Fatalf("closed Authenticator: err = %v, want ErrUnavailable, not blamed on the token", err)
	}
}

// TestRequireScopes: the guard refuses calls without a verified machine
// caller holding the scopes, and invalid scopes refuse every call.
func TestRequireScopes(t *testing.T) {
	ran := false
	h := func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, string, error) {
		ran = true
		return nil, "ok", nil
	}
	machine := func(scopes ...string) *mcp.CallToolRequest {
		a := &middleware.Auth{Caller: middleware.CallerMachine, AccessToken: &middleware.AccessToken{Scopes: scopes}}
		return &mcp.CallToolRequest{Extra: &mcp.RequestExtra{TokenInfo: &auth.TokenInfo{Extra: map[string]any{extraKey: a}}}}
	}
	session := &mcp.CallToolRequest{Extra: &mcp.RequestExtra{TokenInfo: &auth.TokenInfo{Extra: map[string]any{extraKey: &middleware.Auth{Caller: middleware.CallerUser}}}}}
	for _, tc := range []struct {
		name   string
		scopes []string
		req    *mcp.CallToolRequest
		want   error
	}{
		{"exact scope", []string{"read:documents"}, machine("read:documents"), nil},
		{"resource wildcard", []string{"read:documents"}, machine("read:*"), nil},
		{"action wildcard", []string{"read:documents"}, machine("*:documents"), middleware.ErrInsufficientScope},
		{"missing one of two", []string{"read:documents", "write:documents"}, machine("read:documents"), middleware.ErrInsufficientScope},
		{"a session", []string{"read:documents"}, session, middleware.ErrInsufficientScope},
		{"no token info", []string{"read:documents"}, &mcp.CallToolRequest{Extra: &mcp.RequestExtra{}}, ErrNoCaller},
		{"no request", []string{"read:documents"}, nil, ErrNoCaller},
		{"invalid scope", []string{""}, machine("read:documents"), middleware.ErrInsufficientScope},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran = false
			_, _, err := RequireScopes(h, tc.scopes...)(t.Context(), tc.req, struct{}{})
			if tc.want == nil && err != nil || !errors.Is(err, tc.want) || ran != (tc.want == nil) {
				t.Fatalf("err = %v (ran %v), want %v", err, ran, tc.want)
			}
		})
	}
}
