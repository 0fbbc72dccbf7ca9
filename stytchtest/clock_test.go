package stytchtest

import (
	"context"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

func TestFrozenClockMovesOnlyWithAdvance(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	if !srv.Now().Equal(fixedNow) {
		t.Fatalf("Now = %v, want %v", srv.Now(), fixedNow)
	}
	srv.Advance(90 * time.Second)
	srv.Advance(-30 * time.Second)
	if want := fixedNow.Add(time.Minute); !srv.Now().Equal(want) {
		t.Fatalf("Now = %v, want %v", srv.Now(), want)
	}
	_, g := userSession(t, srv)
	claims := verifyJWX(t, srv, g.SessionJWT)
	if claims["iat"] != float64(fixedNow.Add(time.Minute).Unix()) {
		t.Errorf("iat = %v, want the emulator's clock", claims["iat"])
	}
	if !g.Session.StartedAt.Equal(fixedNow.Add(time.Minute)) {
		t.Errorf("started_at = %v", g.Session.StartedAt)
	}
}

func TestRealClockFollowsTimeAndAdvance(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	before := time.Now()
	now := srv.Now()
	if now.Before(before.Add(-time.Second)) || now.After(before.Add(time.Minute)) || now.Location() != time.UTC {
		t.Fatalf("Now = %v, want about %v in UTC", now, before)
	}
	srv.Advance(24 * time.Hour)
	if got := srv.Now(); got.Sub(now) < 24*time.Hour {
		t.Fatalf("after Advance(24h) Now = %v, started %v", got, now)
	}
}

func TestAdvanceExpiresJWTsAndSessions(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	u := mustUser(t, srv, "")
	g := mustSession(t, srv, SessionParams{UserID: u.UserID, DurationMinutes: 10})
	srv.Advance(JWTLifetime)
	// jwx, on the emulator's clock, now refuses the JWT as expired.
	if _, err := parseJWX(t, srv, g.SessionJWT); err == nil {
		t.Error("jwx accepted a JWT at its exp on the emulator's clock")
	}
	srv.Advance(5 * time.Minute)
	resp, err := srv.Client().Get(context.Background(), client.GetRequest{UserID: u.UserID})
	if err != nil || len(resp.Sessions) != 0 {
		t.Errorf("after 10 minutes the 10-minute session is still listed: %+v, %v", resp, err)
	}
}
