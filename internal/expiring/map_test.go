package expiring

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is the Map's clock in tests: moved by hand.
type clock struct{ now atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.now.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time               { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Advance(d time.Duration)      { c.now.Add(int64(d)) }
func (c *clock) In(d time.Duration) time.Time { return c.Now().Add(d) }

func TestEntriesExpireOnTheMapsClock(t *testing.T) {
	c := newClock()
	m := New[string, int](10, RejectNew, c.Now)
	if _, ok := m.Get("a"); ok {
		t.Fatal("empty map has a")
	}
	for _, e := range []struct {
		key string
		ttl time.Duration
	}{{"a", time.Second}, {"b", time.Minute}, {"past", 0}, {"gone", -time.Second}} {
		if err := m.Set(e.key, len(e.key), c.In(e.ttl)); err != nil {
			t.Fatalf("Set(%s): %v", e.key, err)
		}
	}
	if m.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (an already expired entry is not stored)", m.Len())
	}
	if v, ok := m.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %v, %v", v, ok)
	}
	c.Advance(time.Second)
	if _, ok := m.Get("a"); ok {
		t.Fatal("a is returned at its expiry")
	}
	if _, ok := m.Get("b"); !ok {
		t.Fatal("b expired early")
	}
	// Set replaces, and an expiry in the past deletes.
	_ = m.Set("b", 7, c.In(time.Hour))
	if v, _ := m.Get("b"); v != 7 {
		t.Fatalf("Get(b) after Set = %d, want 7", v)
	}
	_ = m.Set("b", 8, c.Now())
	if _, ok := m.Get("b"); ok {
		t.Fatal("Set with an expiry of now kept b")
	}
}

func TestAddActsOncePerKeyAndLife(t *testing.T) {
	c := newClock()
	m := New[string, struct{}](10, RejectNew, c.Now)
	var added atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			switch err := m.Add("pair", struct{}{}, c.In(time.Hour)); {
			case err == nil:
				added.Add(1)
			case !errors.Is(err, ErrExists):
				t.Errorf("Add: %v", err)
			}
		})
	}
	wg.Wait()
	if added.Load() != 1 {
		t.Fatalf("%d concurrent Adds succeeded, want 1", added.Load())
	}
	c.Advance(time.Hour)
	if err := m.Add("pair", struct{}{}, c.In(time.Hour)); err != nil {
		t.Fatalf("Add after expiry: %v", err)
	}
	m.Clear()
	if err := m.Add("pair", struct{}{}, c.In(time.Hour)); err != nil || m.Len() != 1 {
		t.Fatalf("Add after Clear: %v, Len %d", err, m.Len())
	}
}

// TestOpaqueTokenAnswers is the middleware's cache of opaque session token
// answers: keyed by the token's SHA-256, each kept for the TTL but never
// past its session's expiry; when full of live answers, a new one is not
// cached until some expire (the answers in use stay); a revocation drops
// every answer of its session.
func TestOpaqueTokenAnswers(t *testing.T) {
	type answer struct{ sessionID string }
	const ttl, size = 5 * time.Minute, 3
	c := newClock()
	m := New[[32]byte, answer](size, RejectNew, c.Now)
	put := func(token, session string, expiresAt time.Time) error {
		until := c.In(ttl)
		if expiresAt.Before(until) {
			until = expiresAt
		}
		return m.Set(sha256.Sum256([]byte(token)), answer{session}, until)
	}
	get := func(token string) (string, bool) {
		a, ok := m.Get(sha256.Sum256([]byte(token)))
		return a.sessionID, ok
	}

	far := c.In(24 * time.Hour)
	for i, session := range []string{"s1", "s1", "s2"} {
		if err := put(fmt.Sprint("token-", i), session, far); err != nil {
			t.Fatal(err)
		}
	}
	if err := put("token-3", "s3", far); !errors.Is(err, ErrFull) {
		t.Fatalf("put into a full cache: %v, want ErrFull", err)
	}
	if s, ok := get("token-0"); !ok || s != "s1" {
		t.Fatalf("an answer in use was pushed out: %q, %v", s, ok)
	}
	if _, ok := get("token-3"); ok {
		t.Fatal("the refused answer is cached")
	}

	// A session ending before the TTL bounds its answer.
	m.DeleteFunc(func(_ [32]byte, a answer) bool { return a.sessionID == "s2" })
	if err := put("short", "s4", c.In(time.Minute)); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if _, ok := get("short"); ok {
		t.Fatal("an answer outlived its session's expiry")
	}
	// Its room is taken back by the next write (no janitor).
	if err := put("token-3", "s3", far); err != nil {
		t.Fatalf("put once an entry expired: %v", err)
	}

	// A revocation drops every answer of the session.
	m.DeleteFunc(func(_ [32]byte, a answer) bool { return a.sessionID == "s1" })
	for _, tok := range []string{"token-0", "token-1"} {
		if _, ok := get(tok); ok {
			t.Fatalf("%s's answer survived its session's revocation", tok)
		}
	}
	if _, ok := get("token-3"); !ok || m.Len() != 1 {
		t.Fatalf("DeleteFunc dropped another session's answer (Len %d)", m.Len())
	}

	// After the TTL every answer is asked for again.
	c.Advance(ttl)
	if _, ok := get("token-3"); ok {
		t.Fatal("an answer outlived the TTL")
	}
}

// TestRevokedSessions is the middleware's set of sessions revoked through
// the Authenticator: each refused until its credentials cannot pass any
// more; a later revocation of the same session never shortens it; when
// full, a new revocation is kept and the one that expires first forgotten.
func TestRevokedSessions(t *testing.T) {
	c := newClock()
	m := New[string, struct{}](3, EvictSoonest, c.Now)
	revoke := func(id string, d time.Duration) {
		t.Helper()
		if err := m.Extend(id, struct{}{}, c.In(d)); err != nil {
			t.Fatalf("Extend(%s): %v", id, err)
		}
	}
	has := func(id string) bool { _, ok := m.Get(id); return ok }

	revoke("s1", 5*time.Minute)
	revoke("s2", time.Minute)
	revoke("s3", 10*time.Minute)
	revoke("s1", time.Second) // never shortened
	revoke("s4", 2*time.Minute)
	if has("s2") {
		t.Fatal("full: the revocation that expires first was kept")
	}
	for _, id := range []string{"s1", "s3", "s4"} {
		if !has(id) {
			t.Fatalf("%s was forgotten", id)
		}
	}
	c.Advance(2 * time.Minute)
	if has("s4") || !has("s1") {
		t.Fatal("s4 outlived its expiry, or s1 was shortened")
	}
	revoke("s3", 20*time.Minute) // lengthened
	c.Advance(15 * time.Minute)
	if !has("s3") || has("s1") {
		t.Fatal("s3 was not lengthened, or s1 outlived its expiry")
	}
	c.Advance(5 * time.Minute)
	if has("s3") {
		t.Fatal("s3 outlived its lengthened expiry")
	}
}

func TestSizeZeroAdmitsNothing(t *testing.T) {
	for _, whenFull := range []WhenFull{RejectNew, EvictSoonest} {
		m := New[string, int](0, whenFull, nil)
		if err := m.Set("a", 1, time.Now().Add(time.Hour)); !errors.Is(err, ErrFull) || m.Len() != 0 {
			t.Errorf("whenFull %d: Set = %v, Len %d; want ErrFull and nothing held", whenFull, err, m.Len())
		}
	}
}

// TestEvictionOrderUnderChurn checks the heap against a plain scan: after
// any mix of writes and deletes, the entry evicted is the one that expires
// first.
func TestEvictionOrderUnderChurn(t *testing.T) {
	c := newClock()
	const size = 50
	m := New[int, int](size, EvictSoonest, c.Now)
	for i := range 2000 {
		k := (i * 7919) % 97
		switch i % 5 {
		case 3:
			m.Delete(k)
			continue
		case 4:
			c.Advance(time.Second)
		}
		// The victim, if the write must evict: the map is full of live
		// entries and k holds none.
		soonest, victimUntil, live := -1, time.Time{}, 0
		for key, e := range m.entries {
			if c.Now().Before(e.until) {
				live++
				if key != k && (soonest < 0 || e.until.Before(victimUntil)) {
					soonest, victimUntil = key, e.until
				}
			}
		}
		if e, held := m.entries[k]; live < size || held && c.Now().Before(e.until) {
			soonest = -1
		}
		_ = m.Set(k, i, c.In(time.Duration((i*31)%600)*time.Second+time.Second))
		if soonest >= 0 {
			if _, ok := m.entries[soonest]; ok {
				t.Fatalf("step %d: the soonest-expiring key %d was not evicted", i, soonest)
			}
		}
		if m.Len() > size {
			t.Fatalf("step %d: Len %d above the bound", i, m.Len())
		}
	}
}

// BenchmarkGet is the request path's read: a hit in a map of 10 000
// SHA-256 keys, from every core.
func BenchmarkGet(b *testing.B) {
	m := New[[32]byte, int](10_000, RejectNew, nil)
	keys := make([][32]byte, 10_000)
	for i := range keys {
		keys[i] = sha256.Sum256([]byte(fmt.Sprint(i)))
		_ = m.Set(keys[i], i, time.Now().Add(time.Hour))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := m.Get(keys[i%len(keys)]); !ok {
				b.Error("miss")
				return
			}
			i++
		}
	})
}

// BenchmarkGetEmpty is the revoked-sessions check while no session was
// revoked: one atomic load.
func BenchmarkGetEmpty(b *testing.B) {
	m := New[string, struct{}](10_000, EvictSoonest, nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok := m.Get("session-test-1"); ok {
				b.Error("hit")
				return
			}
		}
	})
}
