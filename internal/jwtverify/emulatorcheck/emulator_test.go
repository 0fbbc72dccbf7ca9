// Package emulatorcheck_test cross-checks local verification against the
// stytchtest emulator. It is a package of its own so that the verifier's
// own tests do not depend on the emulator.
package emulatorcheck_test

import (
	"reflect"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/jwks"
	"github.com/stytchmw/stytchmw/internal/jwtverify"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// TestEmulatorJWTMapsToTheSessionTheEmulatorAnswers checks the claims
// mapping against the stytchtest emulator, over real HTTP: the session a
// JWT it issues maps to is the session it answers for the same login, and
// after a key rotation the new kid is fetched once.
func TestEmulatorJWTMapsToTheSessionTheEmulatorAnswers(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()
	ctx := t.Context()
	keys, err := jwks.New(ctx, jwks.Config{URL: srv.URL + "/v1/sessions/jwks/" + srv.ProjectID, MinRefreshInterval: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	v, err := jwtverify.New(jwtverify.Config{ProjectID: srv.ProjectID, Issuers: []string{"stytch.com/" + srv.ProjectID}, Keys: keys, Now: srv.Now})
	if err != nil {
		t.Fatal(err)
	}
	user, err := srv.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Name: "Ada Lovelace", Roles: []string{"editor"}})
	if err != nil {
		t.Fatal(err)
	}
	login := func() *stytchtest.SessionGrant {
		g, err := srv.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID,
			CustomClaims: map[string]any{"plan": "pro", "seats": 3, "tags": []any{"a", "b"}}})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	check := func(g *stytchtest.SessionGrant) {
		t.Helper()
		res, err := v.Verify(ctx, g.SessionJWT)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		want := g.Session
		// The JWT's factors carry no created_at/updated_at (spec §2.3).
		want.AuthenticationFactors = append([]client.AuthenticationFactor(nil), want.AuthenticationFactors...)
		for i := range want.AuthenticationFactors {
			want.AuthenticationFactors[i].CreatedAt, want.AuthenticationFactors[i].UpdatedAt = time.Time{}, time.Time{}
		}
		if !reflect.DeepEqual(*res.Session, want) {
			t.Fatalf("local Session  %+v\nemulator's     %+v", *res.Session, want)
		}
	}
	check(login())
	srv.RotateKeys()
	check(login())
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
