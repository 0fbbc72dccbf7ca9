package middleware

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/stytchtest"
)

// TestStatus: without a fleet, Status has none and is ready; the key set's
// age is on the Authenticator's clock; the policy's shows once a
// Permission rule has needed it (Require loads it to check the rule);
// after Close nothing is ready.
func TestStatus(t *testing.T) {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	e := newEnv(t, envOptions{server: func(c *stytchtest.Config) { c.Now = start }})
	st := e.auth.Status()
	if st.Fleet != nil || !st.Ready() || !st.KeysLoaded() || st.Closed {
		t.Fatalf("Status = %+v, want ready, keys loaded, no fleet", st)
	}
	if !st.KeysFetchedAt.Equal(start) {
		t.Errorf("KeysFetchedAt = %v, want %v (the emulator's clock, which the Authenticator follows)", st.KeysFetchedAt, start)
	}
	if st.PolicyFetchedAt.IsZero() {
		t.Error("PolicyFetchedAt is zero although the routes' Permission rules loaded the policy")
	}

	// An Authenticator whose rules never needed a policy has none.
	b, err := New(t.Context(), Config{Client: e.srv.Client(), Now: e.srv.Now, HTTPClient: e.srv.HTTPClient(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if at := b.Status().PolicyFetchedAt; !at.IsZero() {
		t.Errorf("PolicyFetchedAt = %v before any Permission rule needed a policy, want zero", at)
	}
	b.Require(Permission("documents", "read"))
	if b.Status().PolicyFetchedAt.IsZero() {
		t.Error("PolicyFetchedAt is zero after a Permission rule loaded the policy")
	}

	_ = e.auth.Close()
	if st := e.auth.Status(); st.Ready() || !st.Closed {
		t.Fatalf("Status after Close = %+v, want closed", st)
	}
}
