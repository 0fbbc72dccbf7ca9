package redisfleet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/redistest"
)

// credentialKey is a key as the middleware makes it: a kind byte and the
// SHA-256 of the token.
func credentialKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "\x02" + string(sum[:])
}

const answerPayload = `{"session":{"session_id":"session-test-1","user_id":"user-test-1"},"user":{"emails":[{"email":"ada@example.com"}]}}`

func setAnswer(t testing.TB, s *Store, key string, payload []byte, deadline time.Time) {
	t.Helper()
	if err := s.SetAnswer(context.Background(), key, payload, deadline); err != nil {
		t.Fatalf("SetAnswer: %v", err)
	}
}

// TestAnswerShared: an answer one Store sets, another reads, until its
// deadline; Redis holds neither the token, nor its hash, nor the payload.
func TestAnswerShared(t *testing.T) {
	srv := redistest.Start(t)
	var clk clock
	a, b := newStore(t, srv), newStore(t, srv, func(c *Config) { c.Now = clk.now })
	ready(t, a)
	ready(t, b)
	const token = "opaque-session-token-0123456789"
	key := credentialKey(token)
	deadline := time.Now().Add(30 * time.Second)
	setAnswer(t, a, key, []byte(answerPayload), deadline)

	got, gotDeadline, err := b.GetAnswer(context.Background(), key)
	if err != nil || string(got) != answerPayload || !gotDeadline.Equal(deadline) {
		t.Fatalf("GetAnswer = %q, %v, %v", got, gotDeadline, err)
	}
	if _, _, err := b.GetAnswer(context.Background(), credentialKey("another token")); !errors.Is(err, fleet.ErrNotFound) {
		t.Fatalf("GetAnswer of an unknown key = %v, want ErrNotFound", err)
	}

	// What Redis sees.
	admin := srv.Client()
	keys, err := admin.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var dump []byte
	for _, k := range keys {
		dump = append(dump, k...)
		if v, err := admin.Get(context.Background(), k).Bytes(); err == nil {
			dump = append(dump, v...)
		}
		if ttl := admin.PTTL(context.Background(), k).Val(); strings.Contains(k, ":a:") && (ttl <= 0 || ttl > 30*time.Second) {
			t.Fatalf("answer %s has Redis expiry %v, want at most 30 s", k, ttl)
		}
	}
	sum := sha256.Sum256([]byte(token))
	for _, secret := range []string{token, key[1:], hex.EncodeToString(sum[:]), "session-test-1", "user-test-1", "ada@example.com"} {
		if bytes.Contains(dump, []byte(secret)) {
			t.Fatalf("Redis holds %q in clear", secret)
		}
	}

	// Past its deadline on the reader's clock, it is no answer, whatever
	// Redis still holds.
	clk.advance(31 * time.Second)
	if _, _, err := b.GetAnswer(context.Background(), key); !errors.Is(err, fleet.ErrNotFound) {
		t.Fatalf("GetAnswer after the deadline = %v, want ErrNotFound", err)
	}
}

func TestSetAnswerRefusesInvalid(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, func(c *Config) { c.MaxAnswerBytes = 16 })
	ready(t, s)
	ctx, later := context.Background(), time.Now().Add(time.Minute)
	for name, err := range map[string]error{
		"too large":    s.SetAnswer(ctx, "k", make([]byte, 17), later),
		"past":         s.SetAnswer(ctx, "k", nil, time.Now().Add(-time.Second)),
		"empty key":    s.SetAnswer(ctx, "", nil, later),
		"key too long": s.SetAnswer(ctx, strings.Repeat("k", maxKeyBytes+1), nil, later),
	} {
		if !errors.Is(err, fleet.ErrInvalid) {
			t.Errorf("%s: SetAnswer = %v, want ErrInvalid", name, err)
		}
	}
}

// TestAnswerGarbage: whatever someone with write access to Redis (and
// without the secret) puts in an answer's place is refused as ErrCorrupt
// and counted, never returned.
func TestAnswerGarbage(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, func(c *Config) { c.MaxAnswerBytes = 1024 })
	ready(t, s)
	admin := srv.Client()
	ctx := context.Background()
	key, other := credentialKey("victim token"), credentialKey("attacker's own token")
	name := s.keys.Name(key)
	deadline := time.Now().Add(time.Minute)

	// A genuine answer for the attacker's own credential, to move.
	setAnswer(t, s, other, []byte(answerPayload), deadline)
	genuine, err := admin.Get(ctx, s.answerPrefix+s.keys.Name(other)).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(genuine)
	flipped[len(flipped)/2] ^= 1
	attacker := attackerKeys(t)

	cases := []struct {
		name  string
		write func() error
	}{
		{"wrong type", func() error { return admin.LPush(ctx, s.answerPrefix+name, "x").Err() }},
		{"moved from another credential", func() error { return admin.Set(ctx, s.answerPrefix+name, genuine, time.Minute).Err() }},
		{"bad MAC", func() error {
			return admin.Set(ctx, s.answerPrefix+name, flipped, time.Minute).Err()
		}},
		{"sealed without the key", func() error {
			return admin.Set(ctx, s.answerPrefix+name, attacker.SealAnswer(name, deadline, []byte(answerPayload)), time.Minute).Err()
		}},
		{"unknown version", func() error {
			return admin.Set(ctx, s.answerPrefix+name, append([]byte{9}, genuine[1:]...), time.Minute).Err()
		}},
		{"oversized", func() error {
			return admin.Set(ctx, s.answerPrefix+name, bytes.Repeat([]byte{1}, 10<<20), time.Minute).Err()
		}},
		{"plain JSON", func() error { return admin.Set(ctx, s.answerPrefix+name, answerPayload, time.Minute).Err() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := admin.Del(ctx, s.answerPrefix+name).Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.write(); err != nil {
				t.Fatal(err)
			}
			before := s.Status().Refused
			payload, _, err := s.GetAnswer(ctx, key)
			if !errors.Is(err, fleet.ErrCorrupt) || payload != nil {
				t.Fatalf("GetAnswer = %q, %v; want ErrCorrupt", payload, err)
			}
			if s.Status().Refused != before+1 {
				t.Fatal("the refusal was not counted")
			}
		})
	}
	// The genuine answer still opens where it belongs.
	if got, _, err := s.GetAnswer(ctx, other); err != nil || string(got) != answerPayload {
		t.Fatalf("GetAnswer of the genuine entry = %q, %v", got, err)
	}
}
