package middleware

import (
	"context"
	"testing"

	"github.com/stytchmw/stytchmw/client"
)

func TestFromContextWithoutAuth(t *testing.T) {
	ctx := context.Background()
	if _, ok := FromContext(ctx); ok {
		t.Fatal("FromContext found an Auth in an empty context")
	}
	if NewContext(ctx, nil) != ctx {
		t.Fatal("NewContext(nil) must return the context unchanged")
	}
}

type otherKey struct{}

func TestNewContextForHandlerTests(t *testing.T) {
	session := &client.Session{SessionID: "session-test-1", UserID: "user-test-1", Roles: []string{"stytch_user", "editor"}}
	verdict := &client.AuthorizationVerdict{Authorized: true, GrantingRoles: []string{"editor"}}
	parent := context.WithValue(context.Background(), otherKey{}, "kept")
	ctx := NewContext(parent, &Auth{Session: session, JWT: "jwt", Verified: VerifiedRemote, Source: "bearer", Verdict: verdict})

	a, ok := FromContext(ctx)
	if !ok || a.Session != session || a.Source != "bearer" || a.JWT != "jwt" || a.Verdict != verdict || a.Verified != VerifiedRemote {
		t.Fatalf("FromContext = %+v, %v", a, ok)
	}
	if ctx.Value(otherKey{}) != "kept" {
		t.Fatal("the parent's values must stay visible")
	}
	// Cancellation flows through the Auth context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	<-cctx.Done()
	if a, ok := FromContext(cctx); !ok || a.Session.UserID != "user-test-1" {
		t.Fatal("a derived context must still carry the Auth")
	}
}

func TestVerificationAndOutcomeNames(t *testing.T) {
	for v, want := range map[Verification]string{VerifiedNone: "none", VerifiedLocal: "local", VerifiedRemote: "remote"} {
		if v.String() != want {
			t.Errorf("%d: %q, want %q", v, v.String(), want)
		}
	}
	for o, want := range map[Outcome]string{
		OutcomeAuthenticated: "authenticated", OutcomeAnonymous: "anonymous", OutcomeRejected: "rejected",
		OutcomeUnavailable: "unavailable", OutcomeAuthorized: "authorized", OutcomeDenied: "denied", 0: "unknown",
	} {
		if o.String() != want {
			t.Errorf("%d: %q, want %q", o, o.String(), want)
		}
	}
	if SessionJWT.String() != "session_jwt" || SessionToken.String() != "session_token" || CredentialKind(0).String() != "unknown" {
		t.Error("credential kind names")
	}
}
