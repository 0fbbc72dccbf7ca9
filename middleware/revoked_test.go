package middleware

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is an injectable clock for the revoked-sessions set.
type fakeClock struct{ t atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.t.Store(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.t.Load()).UTC() }
func (c *fakeClock) advance(d time.Duration) { c.t.Add(int64(d)) }

func TestRevokedSessionsEmpty(t *testing.T) {
	s := newRevokedSessions(10, func() time.Time { panic("an empty set must not read the clock") })
	if s.has("session-test-1") || s.len() != 0 {
		t.Fatal("an empty set holds a session")
	}
}

func TestRevokedSessionsExpiry(t *testing.T) {
	clock := newFakeClock()
	s := newRevokedSessions(10, clock.now)
	s.add("a", clock.now().Add(time.Minute))
	s.add("b", clock.now().Add(2*time.Minute))
	s.add("past", clock.now()) // already over: not remembered
	if !s.has("a") || !s.has("b") || s.has("past") || s.has("c") || s.len() != 2 {
		t.Fatalf("has a=%v b=%v past=%v c=%v, len %d; want a and b only", s.has("a"), s.has("b"), s.has("past"), s.has("c"), s.len())
	}

	// Adding again never shortens an entry, and may lengthen it.
	s.add("a", clock.now().Add(30*time.Second))
	s.add("b", clock.now().Add(3*time.Minute))
	clock.advance(time.Minute)
	if s.has("a") || !s.has("b") {
		t.Fatalf("after 1 min: has a=%v b=%v, want b only", s.has("a"), s.has("b"))
	}
	s.add("c", clock.now().Add(time.Minute))
	clock.advance(5 * time.Minute)
	if s.has("b") || s.has("c") {
		t.Fatal("entries outlive their expiry")
	}
}

func TestRevokedSessionsBound(t *testing.T) {
	clock := newFakeClock()
	const size = 4
	s := newRevokedSessions(size, clock.now)
	// Entries expiring at +4, +3, +2, +1 minutes.
	for i := size; i >= 1; i-- {
		s.add(fmt.Sprint("s", i), clock.now().Add(time.Duration(i)*time.Minute))
	}
	// Full: a new entry forgets the one that expires first (s1), then s2.
	s.add("new1", clock.now().Add(10*time.Minute))
	s.add("new2", clock.now().Add(10*time.Minute))
	want := map[string]bool{"s1": false, "s2": false, "s3": true, "s4": true, "new1": true, "new2": true}
	for id, in := range want {
		if s.has(id) != in {
			t.Errorf("has(%s) = %v, want %v", id, !in, in)
		}
	}
	if s.len() != size {
		t.Fatalf("len %d, want the bound %d", s.len(), size)
	}
	// When entries have expired, a full set drops them instead.
	clock.advance(3*time.Minute + time.Second)
	s.add("new3", clock.now().Add(time.Minute))
	if !s.has("s4") || !s.has("new3") || s.has("s3") || s.len() != 4 {
		t.Fatalf("after expiry: s4=%v new3=%v s3=%v len %d; want s4, new1, new2, new3", s.has("s4"), s.has("new3"), s.has("s3"), s.len())
	}
}

func TestRevokedSessionsConcurrent(t *testing.T) {
	clock := newFakeClock()
	s := newRevokedSessions(64, clock.now)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				s.add(fmt.Sprint(w, "-", i), clock.now().Add(time.Minute))
			}
		})
		wg.Go(func() {
			for i := range 2000 {
				s.has(fmt.Sprint(w, "-", i%200))
			}
		})
	}
	wg.Wait()
	if s.len() != 64 {
		t.Fatalf("len %d, want the bound 64", s.len())
	}
}

// BenchmarkRevokedSessionsHas measures the check every authentication
// pays: on an empty set (no session was ever revoked) and on a set of
// 10,000 entries that does not hold the session.
func BenchmarkRevokedSessionsHas(b *testing.B) {
	clock := newFakeClock()
	b.Run("empty", func(b *testing.B) {
		s := newRevokedSessions(defaultRevokedSessionsSize, clock.now)
		b.ReportAllocs()
		for b.Loop() {
			if s.has("session-test-46ae1f2b-3c4d-4e5f-8a9b-000000000001") {
				b.Fatal("found")
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		s := newRevokedSessions(defaultRevokedSessionsSize, clock.now)
		for i := range defaultRevokedSessionsSize {
			s.add(fmt.Sprintf("session-test-46ae1f2b-3c4d-4e5f-8a9b-%012d", i+10), clock.now().Add(time.Minute))
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if s.has("session-test-46ae1f2b-3c4d-4e5f-8a9b-000000000001") {
					b.Fatal("found")
				}
			}
		})
	})
}

// BenchmarkRevokedSessionsEntry measures the memory one remembered
// revocation holds (B/entry, measured once), to size
// Config.Tuning.RevokedSessionsSize, and times filling a set.
func BenchmarkRevokedSessionsEntry(b *testing.B) {
	clock := newFakeClock()
	const n = 2000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("session-test-46ae1f2b-3c4d-4e5f-8a9b-%012d", i)
	}
	fill := func() *revokedSessions {
		s := newRevokedSessions(n, clock.now)
		for _, id := range ids {
			// The set keeps its own copy of an id, as it outlives the
			// request's session.
			s.add(string([]byte(id)), clock.now().Add(time.Minute))
		}
		return s
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := fill()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s.len() != n {
		b.Fatalf("%d entries, want %d", s.len(), n)
	}
	perEntry := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	b.ReportAllocs()
	for b.Loop() {
		fill()
	}
	b.ReportMetric(perEntry, "B/entry")
}
