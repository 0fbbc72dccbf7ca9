package middleware

import (
	"errors"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func TestAuthenticateJWT(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"reader"}})
	ctx := t.Context()
	jwt := e.grant.SessionJWT

	auth, err := e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt})
	if err != nil || auth.Verified != VerifiedLocal || auth.Session.UserID != e.user.UserID || auth.JWT != jwt {
		t.Fatalf("%+v %v", auth, err)
	}
	auth, err = e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt, MaxTokenAge: new(time.Duration(0))})
	if err != nil || auth.Verified != VerifiedRemote || auth.JWT == "" || auth.User == nil || e.count("authenticate") != 1 {
		t.Fatalf("MaxTokenAge 0: %+v %v", auth, err)
	}
	check := &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}
	auth, err = e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt, AuthorizationCheck: check})
	if err != nil || auth.Verdict == nil || auth.Verdict.GrantingRoles[0] != "reader" {
		t.Fatalf("authorized: %+v %v", auth, err)
	}
	calls := e.count("authenticate")
	_, err = e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt,
		AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "delete"}})
	if !errors.Is(err, ErrForbidden) || !errors.Is(err, client.ErrConsumerSessionAuthorization) {
		t.Fatalf("denied: %v", err)
	}
	if e.count("authenticate") != calls {
		t.Fatal("a local denial was retried remotely")
	}

	e.srv.Advance(stytchtest.JWTLifetime)
	auth, err = e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt})
	if err != nil || auth.Verified != VerifiedRemote || auth.JWT == jwt {
		t.Fatalf("expired: %+v %v", auth, err)
	}
	for name, tt := range map[string]struct {
		p    AuthenticateJWTParams
		code error
	}{
		"empty":     {AuthenticateJWTParams{}, ErrNoCredential},
		"malformed": {AuthenticateJWTParams{SessionJWT: "a b"}, ErrMalformedCredential},
		"garbage":   {AuthenticateJWTParams{SessionJWT: "a.b.c"}, ErrMalformedCredential},
		"negative":  {AuthenticateJWTParams{SessionJWT: jwt, MaxTokenAge: new(-time.Second)}, ErrInvalidParams},
	} {
		if _, err := e.auth.AuthenticateJWT(ctx, tt.p); !errors.Is(err, tt.code) {
			t.Errorf("%s: %v, want %v", name, err, tt.code)
		}
	}
}

func TestAuthenticateJWTLocal(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"reader"}})
	ctx := t.Context()
	jwt := e.grant.SessionJWT
	issued := e.srv.Now()

	auth, err := e.auth.AuthenticateJWTLocal(ctx, AuthenticateJWTLocalParams{SessionJWT: jwt,
		AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}})
	if err != nil || auth.Verified != VerifiedLocal || auth.Verdict == nil {
		t.Fatalf("%+v %v", auth, err)
	}
	tests := []struct {
		name string
		p    AuthenticateJWTLocalParams
		want error // nil: accepted
	}{
		{"too old", AuthenticateJWTLocalParams{MaxTokenAge: new(time.Duration(0))}, ErrTokenTooOld},
		{"young enough", AuthenticateJWTLocalParams{MaxTokenAge: new(time.Minute)}, nil},
		{"old at a later date", AuthenticateJWTLocalParams{MaxTokenAge: new(time.Minute), CurrentDate: issued.Add(time.Minute)}, ErrTokenTooOld},
		{"expired at a later date", AuthenticateJWTLocalParams{CurrentDate: issued.Add(stytchtest.JWTLifetime)}, ErrTokenExpired},
		{"expired but within tolerance", AuthenticateJWTLocalParams{CurrentDate: issued.Add(stytchtest.JWTLifetime), ClockTolerance: new(time.Second)}, nil},
		{"before nbf", AuthenticateJWTLocalParams{CurrentDate: issued.Add(-time.Second)}, ErrInvalidToken},
		{"before nbf within tolerance", AuthenticateJWTLocalParams{CurrentDate: issued.Add(-time.Second), ClockTolerance: new(time.Second)}, nil},
		{"denied", AuthenticateJWTLocalParams{AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "delete"}}, ErrForbidden},
		{"negative tolerance", AuthenticateJWTLocalParams{ClockTolerance: new(-time.Second)}, ErrInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.SessionJWT = jwt
			_, err := e.auth.AuthenticateJWTLocal(ctx, tt.p)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("%v, want %v", err, tt.want)
			}
		})
	}
	e.srv.Advance(stytchtest.JWTLifetime)
	if _, err := e.auth.AuthenticateJWTLocal(ctx, AuthenticateJWTLocalParams{SessionJWT: jwt}); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("expired on the configured clock: %v", err)
	}
	if n := e.count("authenticate"); n != 0 {
		t.Fatalf("AuthenticateJWTLocal made %d remote calls", n)
	}
}
