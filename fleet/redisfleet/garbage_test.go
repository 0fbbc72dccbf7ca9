package redisfleet

import (
	"bytes"
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/redistest"
)

// TestFeedGarbage: messages on the feed that are not sealed revocations
// are refused and counted; a forged revocation or logout is not
// delivered, and the feed keeps working.
func TestFeedGarbage(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv)
	ready(t, s)
	got := subscribe(t, s)
	admin := srv.Client()
	ctx := context.Background()
	attacker := attackerKeys(t)
	forged := userLoggedOut("user-victim")
	genuine := s.keys.SealRevocation(sessionRevoked("session-test-genuine"))
	garbage := map[string][]byte{
		"forged without the key": attacker.SealRevocation(forged),
		"unknown version":        append([]byte{7}, genuine[1:]...),
		"oversized":              bytes.Repeat([]byte{1}, maxRevocationBytes+1),
		"empty":                  {},
		"text":                   []byte("FLUSHALL"),
		"invalid kind":           s.keys.SealRevocation(fleet.Revocation{Kind: 9, SessionID: "s", Until: forged.Until}),
	}
	for name, msg := range garbage {
		before := s.Status().Refused
		if err := admin.Publish(ctx, s.feedKey, msg).Err(); err != nil {
			t.Fatal(err)
		}
		eventually(t, name+": refused and counted", func() bool { return s.Status().Refused > before })
	}
	r := sessionRevoked("session-test-after")
	publish(t, s, r)
	if got.has(forged) || got.len() != 1 || !s.Status().Connected {
		t.Fatalf("after garbage: delivered %d revocations (forged one: %v), connected %v", got.len(), got.has(forged), s.Status().Connected)
	}
}

// TestSetGarbage: members of the revocations' set that do not open are
// refused, counted and removed at the next load; a key of the wrong type
// where the set or the epoch belongs is refused and replaced, and the
// replica's revocations are written back into it.
func TestSetGarbage(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv)
	ready(t, s)
	got := subscribe(t, s)
	r := sessionRevoked("session-test-1")
	publish(t, s, r)
	admin := srv.Client()
	ctx := context.Background()
	attacker := attackerKeys(t)
	forged := sessionRevoked("session-test-forged")
	if err := admin.ZAdd(ctx, s.setKey,
		redis.Z{Score: score(forged.Until), Member: attacker.SealRevocation(forged)},
		redis.Z{Score: score(forged.Until), Member: "garbage"},
		redis.Z{Score: score(forged.Until), Member: s.keys.SealRevocation(reloadMarker)},
	).Err(); err != nil {
		t.Fatal(err)
	}
	before := s.Status().Refused
	srv.KillClients() // forces a reload
	eventually(t, "the garbage members are refused and removed", func() bool {
		n, err := admin.ZCard(ctx, s.setKey).Result()
		return err == nil && n == 1 && s.Status().Refused >= before+3
	})
	if got.has(forged) {
		t.Fatal("a forged revocation was delivered")
	}

	for _, key := range []string{s.setKey, s.epochKey} {
		before := s.Status().Refused
		if err := admin.Del(ctx, key).Err(); err != nil {
			t.Fatal(err)
		}
		if err := admin.HSet(ctx, key, "f", "v").Err(); err != nil {
			t.Fatal(err)
		}
		srv.KillClients()
		eventually(t, key+" of the wrong type is refused and replaced", func() bool {
			n, err := admin.ZCard(ctx, s.setKey).Result()
			return err == nil && n == 1 && s.Status().Refused > before && s.Status().Connected
		})
	}
	if !got.has(r) {
		t.Fatal("the genuine revocation was lost")
	}
}
