package redisfleet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/redistest"
)

// TestPublishReachesEveryStore: a revocation published on one Store (its
// own Redis client) is delivered to another, and to the publisher's own
// subscribers at once.
func TestPublishReachesEveryStore(t *testing.T) {
	_, a, atA, atB := twoStores(t)
	for _, r := range []fleet.Revocation{sessionRevoked("session-test-1"), userLoggedOut("user-test-1")} {
		publish(t, a, r)
		if !atA.has(r) {
			t.Fatalf("%v: not delivered to the publisher's own subscriber when Publish returned", r.Kind)
		}
		eventually(t, "the other Store receives the "+r.Kind.String()+" revocation", func() bool { return atB.has(r) })
	}
}

// TestLoadAtStart: a Store started after a revocation delivers it by the
// time Ready returns.
func TestLoadAtStart(t *testing.T) {
	srv, _, r, u := storeWithRevocations(t)

	late := newStore(t, srv)
	got := subscribe(t, late)
	ready(t, late)
	if !got.has(r) || !got.has(u) {
		t.Fatal("a Store started after the revocations does not hold them once Ready")
	}
	// A subscriber that comes after Ready gets them at once, too.
	if again := subscribe(t, late); !again.has(r) || !again.has(u) {
		t.Fatal("a late subscriber was not given what the Store holds")
	}
}

// storeWithRevocations starts a server and a Store that published a
// session revocation r and a user logout u.
func storeWithRevocations(t *testing.T) (srv *redistest.Server, a *Store, r, u fleet.Revocation) {
	t.Helper()
	srv = redistest.Start(t)
	a = newStore(t, srv)
	ready(t, a)
	r, u = sessionRevoked("session-test-1"), userLoggedOut("user-test-1")
	publish(t, a, r)
	publish(t, a, u)
	return srv, a, r, u
}

// TestReadyWithoutRedis: Ready does not return nil before the set is
// loaded; it fails with ErrUnavailable when ctx ends.
func TestReadyWithoutRedis(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	s := newStore(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Ready(ctx); !isUnavailable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ready without Redis = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if st := s.Status(); st.Connected || st.Loaded || st.Err == nil {
		t.Fatalf("Status without Redis = %+v", st)
	}
}

// TestReconnectReloads: a revocation the feed did not carry to a Store
// (it was cut off when it was published) is delivered once its
// connection is killed and comes back: a reconnection reloads in full.
func TestReconnectReloads(t *testing.T) {
	srv := redistest.Start(t)
	var log statusLog
	s := newStore(t, srv, func(c *Config) { c.OnStatus = log.record })
	ready(t, s)
	got := subscribe(t, s)

	// Written to the set without being announced: what a replica cut off
	// from the feed misses.
	missed := sessionRevoked("session-test-missed")
	admin := srv.Client()
	if err := admin.ZAdd(context.Background(), s.setKey, redis.Z{Score: score(missed.Until), Member: s.keys.SealRevocation(missed)}).Err(); err != nil {
		t.Fatal(err)
	}
	if got.has(missed) {
		t.Fatal("delivered before any reload: the test proves nothing")
	}
	if n := srv.KillClients(); n == 0 {
		t.Fatal("CLIENT KILL closed no connection")
	}
	eventually(t, "the Store reloads after CLIENT KILL", func() bool { return got.has(missed) })
	eventually(t, "the Store reports the disconnection and the reconnection", log.saw)
	if st := s.Status(); !st.Connected || st.Err != nil {
		t.Fatalf("Status after reconnecting = %+v", st)
	}
}

// TestDataLossWriteBack: after Redis lost its data (a restart without
// persistence, or a flush), the replicas write back what they hold, so
// that a replica started afterwards still refuses the sessions.
func TestDataLossWriteBack(t *testing.T) {
	for _, c := range []struct {
		name string
		lose func(*redistest.Server)
	}{
		{"restart", (*redistest.Server).Restart},
		{"flushall", func(srv *redistest.Server) {
			if _, err := srv.Do("FLUSHALL"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, a, r, u := storeWithRevocations(t)

			c.lose(srv)
			admin := srv.Client()
			eventually(t, "the revocations are written back", func() bool {
				n, err := admin.ZCard(context.Background(), a.setKey).Result()
				return err == nil && n == 2
			})
			late := newStore(t, srv)
			got := subscribe(t, late)
			ready(t, late)
			eventually(t, "a Store started after the loss holds the revocations", func() bool { return got.has(r) && got.has(u) })
		})
	}
}

// TestPublishWhileDisconnected: a revocation published while Redis is
// down is refused here at once (delivered to the local subscribers),
// reported as ErrUnavailable, and reaches the fleet when Redis is back.
func TestPublishWhileDisconnected(t *testing.T) {
	srv, a, atA, atB := twoStores(t)

	srv.Stop()
	eventually(t, "the Store notices Redis is gone", func() bool { return !a.Status().Connected })
	r := sessionRevoked("session-test-offline")
	if err := a.Publish(context.Background(), r); !isUnavailable(err) {
		t.Fatalf("Publish while Redis is down = %v, want ErrUnavailable", err)
	}
	if !atA.has(r) {
		t.Fatal("the revocation was not delivered locally while Redis was down")
	}
	srv.Restart()
	eventually(t, "the revocation reaches the other Store after Redis is back", func() bool { return atB.has(r) })
}

// TestRevocationsBounded: the set held and the set in Redis keep at most
// MaxRevocations, dropping those that expire first.
func TestRevocationsBounded(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, func(c *Config) { c.MaxRevocations = 3 })
	ready(t, s)
	for i := range 5 {
		r := sessionRevoked("session-test-" + string(rune('a'+i)))
		r.Until = r.Until.Add(time.Duration(i) * time.Second)
		publish(t, s, r)
	}
	if n := len(s.snapshot(time.Now())); n != 3 {
		t.Fatalf("held %d revocations, want 3", n)
	}
	n, err := srv.Client().ZCard(context.Background(), s.setKey).Result()
	if err != nil || n != 3 {
		t.Fatalf("Redis holds %d revocations (%v), want 3", n, err)
	}
	if !subscribe(t, s).has(sessionRevoked("session-test-e")) {
		t.Fatal("the revocation that expires last was dropped")
	}
}

func TestPublishRefusesInvalid(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv)
	past := sessionRevoked("s")
	past.Until = time.Now().Add(-time.Second)
	for _, r := range []fleet.Revocation{{}, past, {Kind: fleet.SessionRevoked, SessionID: "s"}} {
		if err := s.Publish(context.Background(), r); !errors.Is(err, fleet.ErrInvalid) {
			t.Fatalf("Publish(%+v) = %v, want ErrInvalid", r, err)
		}
	}
}
