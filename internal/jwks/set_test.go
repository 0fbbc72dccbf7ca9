package jwks

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestNewFetchesAndKeyReturnsTheServedKey(t *testing.T) {
	srv := newKeyServer(t)
	srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, nil), rsaJWK("kid-b", &keyB.PublicKey, nil))
	s := openSet(t, Config{URL: srv.URL}, nil)

	for kid, want := range map[string]*rsa.PublicKey{"kid-a": &keyA.PublicKey, "kid-b": &keyB.PublicKey} {
		got, err := s.Key(t.Context(), kid)
		if err != nil {
			t.Fatalf("Key(%s): %v", kid, err)
		}
		if !got.Equal(want) {
			t.Errorf("Key(%s) returned another key", kid)
		}
		again, _ := s.Key(t.Context(), kid)
		if again != got {
			t.Errorf("Key(%s) built a new *rsa.PublicKey on the second call", kid)
		}
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

// step is one lookup of a scripted scenario on a fake clock: advance the
// clock, optionally change the server's answer, ask for kid, and expect
// want (nil: a key) and the server's request count so far.
type step struct {
	name     string
	advance  time.Duration
	answer   func()
	kid      string
	want     error
	requests int64
}

func runSteps(t *testing.T, s *Set, srv *keyServer, clock *fakeClock, steps []step) {
	t.Helper()
	for _, st := range steps {
		clock.Advance(st.advance)
		if st.answer != nil {
			st.answer()
		}
		pub, err := s.Key(t.Context(), st.kid)
		if !errors.Is(err, st.want) || (st.want == nil && (err != nil || pub == nil)) {
			t.Fatalf("%s: Key(%s) = %v, want %v", st.name, st.kid, err, st.want)
		}
		if n := srv.requests.Load(); n != st.requests {
			t.Fatalf("%s: requests = %d, want %d", st.name, n, st.requests)
		}
	}
}

func TestUnknownKIDTriggersOneRefresh(t *testing.T) {
	s, srv, clock := onFakeClock(t, Config{})
	rotate := func() { srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, nil), rsaJWK("kid-b", &keyB.PublicKey, nil)) }
	runSteps(t, s, srv, clock, []step{
		{name: "a held kid", kid: "kid-a", requests: 1},
		// kid-b appears; within MinRefreshInterval of the fetch at start
		// the set is fresh: unknown, and no fetch.
		{name: "rotated in, set fresh", answer: rotate, kid: "kid-b", want: ErrUnknownKID, requests: 1},
		{name: "after MinRefreshInterval", advance: DefaultMinRefreshInterval, kid: "kid-b", requests: 2},
		// Not in the set after an allowed refresh: unknown, no new fetch.
		{name: "not in the refreshed set", kid: "kid-c", want: ErrUnknownKID, requests: 2},
		{name: "still rate limited", advance: DefaultMinRefreshInterval - time.Nanosecond, kid: "kid-c", want: ErrUnknownKID, requests: 2},
		{name: "budget back", advance: time.Nanosecond, kid: "kid-c", want: ErrUnknownKID, requests: 3},
		// Such kids are never kept: not worth a fetch.
		{name: "empty kid", advance: time.Hour, kid: "", want: ErrUnknownKID, requests: 3},
		{name: "overlong kid", kid: string(make([]byte, MaxKeyIDBytes+1)), want: ErrUnknownKID, requests: 3},
	})
}

// TestGenerationMovesWhenTheKeysChange: each fetch that changes the keys
// in force moves the generation, and Held answers from the set in force
// without fetching; a fetch that finds the same keys, or fails, leaves
// both as they were.
func TestGenerationMovesWhenTheKeysChange(t *testing.T) {
	s, srv, clock := onFakeClock(t, Config{})
	ab := func() { srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, nil), rsaJWK("kid-b", &keyB.PublicKey, nil)) }
	b := func() { srv.serve(t, rsaJWK("kid-b", &keyB.PublicKey, nil)) }
	same := func() {}
	down := func() { srv.setAnswer(http.StatusServiceUnavailable, nil) }
	refresh := func() {
		t.Helper()
		clock.Advance(time.Hour)                 // past MinRefreshInterval and the failure backoff
		_, _ = s.Key(t.Context(), "kid-unknown") // an unknown kid triggers a fetch
	}
	type held struct{ a, b bool }
	steps := []struct {
		name   string
		answer func()
		gen    uint64
		held   held
	}{
		{"first fetch", nil, 1, held{a: true}},
		{"same keys again", same, 1, held{a: true}},
		{"kid-b added", ab, 2, held{a: true, b: true}},
		{"kid-a removed", b, 3, held{b: true}},
		{"endpoint down: keys kept", down, 3, held{b: true}},
		{"kid-a back", ab, 4, held{a: true, b: true}},
	}
	for i, st := range steps {
		if i > 0 {
			st.answer()
			refresh()
		}
		if g := s.Generation(); g != st.gen {
			t.Fatalf("%s: Generation = %d, want %d", st.name, g, st.gen)
		}
		for kid, want := range map[string]bool{"kid-a": st.held.a, "kid-b": st.held.b} {
			pub, g := s.Held(kid)
			if (pub != nil) != want || g != st.gen {
				t.Fatalf("%s: Held(%s) = %v, %d; want held %v, generation %d", st.name, kid, pub != nil, g, want, st.gen)
			}
		}
	}
	if n := srv.requests.Load(); n != int64(len(steps)) {
		t.Fatalf("requests = %d, want %d (Held never fetches)", n, len(steps))
	}
}

func TestRandomKIDStormIsBoundedToOneFetchPerMinRefreshInterval(t *testing.T) {
	s, srv, clock := onFakeClock(t, Config{})

	storm := func() {
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				for range 50 {
					kid := fmt.Sprintf("jwk-test-%016x", rand.Uint64())
					_, err := s.Key(t.Context(), kid)
					if !errors.Is(err, ErrUnknownKID) {
						t.Errorf("Key(random kid): %v, want ErrUnknownKID", err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	for round, want := range []int64{1, 2, 3} {
		storm()
		if n := srv.requests.Load(); n != want {
			t.Fatalf("round %d: requests = %d, want %d", round, n, want)
		}
		clock.Advance(DefaultMinRefreshInterval)
	}
	if _, err := s.Key(t.Context(), "kid-a"); err != nil {
		t.Fatalf("Key(kid-a) after the storm: %v", err)
	}
}

func TestRefreshIsSharedAndDetachedFromACancelledCaller(t *testing.T) {
	s, srv, clock := onFakeClock(t, Config{})
	<-srv.arrived
	clock.Advance(DefaultMinRefreshInterval)

	release := srv.holdRequests()
	defer release()
	srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, nil), rsaJWK("kid-b", &keyB.PublicKey, nil))

	// The first caller starts the fetch, then gives up.
	ctx, cancel := context.WithCancel(t.Context())
	firstErr := make(chan error, 1)
	go func() {
		_, err := s.Key(ctx, "kid-b")
		firstErr <- err
	}()
	<-srv.arrived // the fetch is under way

	// Others join it.
	const joiners = 20
	results := make(chan error, joiners)
	for range joiners {
		go func() {
			pub, err := s.Key(t.Context(), "kid-b")
			if err == nil && !pub.Equal(&keyB.PublicKey) {
				err = errors.New("wrong key")
			}
			results <- err
		}()
	}

	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("cancelled caller: %v, want ErrUnavailable wrapping context.Canceled", err)
	}
	release()
	for range joiners {
		if err := <-results; err != nil {
			t.Errorf("joiner: %v", err)
		}
	}
	if n := srv.requests.Load(); n != 2 {
		t.Fatalf("requests = %d, want 2 (start + one shared refresh)", n)
	}
}

func TestOnlySuccessfulRefreshesSpendTheBudget(t *testing.T) {
	s, srv, clock := onFakeClock(t, Config{RetryInterval: time.Minute, MinRefreshInterval: time.Hour, RefreshInterval: 10 * time.Hour})
	outage := func() {
		srv.setAnswer(http.StatusServiceUnavailable, []byte(`{"error_type":"server_unavailable"}`))
	}
	recovery := func() {
		srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, nil), rsaJWK("kid-b", &keyB.PublicKey, nil))
	}
	runSteps(t, s, srv, clock, []step{
		// The refresh for kid-b fails. The kid may be a rotated-in key, so
		// this is "unavailable", not "unknown".
		{name: "outage", advance: time.Hour, answer: outage, kid: "kid-b", want: ErrUnavailable, requests: 2},
		{name: "held keys stay in force", kid: "kid-a", requests: 2},
		{name: "within the failure backoff", kid: "kid-b", want: ErrUnavailable, requests: 2},
		// Once the backoff (at most RetryInterval) has passed, the refresh
		// happens although MinRefreshInterval has not.
		{name: "recovery with the rotated key", advance: time.Minute, answer: recovery, kid: "kid-b", requests: 3},
		{name: "that success spent the budget", kid: "kid-c", want: ErrUnknownKID, requests: 3},
	})
}

// TestStartWhileDownRetriesThenRefreshesHourly: with the default schedule,
// a Set started while the endpoint is down retries from 1 s, doubling up
// to MinRefreshInterval, loads the set on its own once the endpoint is
// back, and then refreshes every RefreshInterval; failed refreshes keep
// the keys in force, and a later one picks up a rotation.
func TestStartWhileDownRetriesThenRefreshesHourly(t *testing.T) {
	srv := newKeyServer(t)
	srv.setAnswer(http.StatusBadGateway, nil)
	synctest.Test(t, func(t *testing.T) {
		s := openSet(t, Config{URL: srv.URL, HTTPClient: noIdleConnections()}, nil)
		if _, err := s.Key(t.Context(), "kid-a"); !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrUnknownKID) {
			t.Fatalf("Key before any fetch succeeded: %v, want ErrUnavailable", err)
		}
		// Retries come within [d/2, d] of the previous one, d = 1 s, 2 s,
		// 4 s, … 30 s: exactly one by 1 s, none more before 1.5 s, at least
		// 7 in all by 1+2+4+8+16+30+30 s.
		for _, c := range []struct {
			at       time.Duration
			requests int64
		}{{400 * time.Millisecond, 1}, {1010 * time.Millisecond, 2}, {1490 * time.Millisecond, 2}} {
			sleepUntil(c.at)
			if n := srv.requests.Load(); n != c.requests {
				t.Fatalf("at %s: %d requests, want %d", c.at, n, c.requests)
			}
		}
		sleepUntil(91 * time.Second)
		if n := srv.requests.Load(); n < 8 || n > 9 {
			t.Fatalf("after 91 s: %d requests, want 8 or 9 (retries capped at 30 s)", n)
		}

		// Back up: the next retry, within 30 s, loads the set without any
		// caller asking.
		srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, nil))
		time.Sleep(DefaultMinRefreshInterval)
		if s.lookup("kid-a") == nil {
			t.Fatal("no key set 30 s after the endpoint came back")
		}
		loaded := srv.requests.Load()
		time.Sleep(DefaultRefreshInterval - DefaultRefreshInterval/10 - time.Second)
		if n := srv.requests.Load(); n != loaded {
			t.Fatalf("%d fetches within the refresh interval", n-loaded)
		}

		// Failing refreshes keep kid-a in force.
		srv.setAnswer(http.StatusInternalServerError, nil)
		time.Sleep(DefaultRefreshInterval/10 + time.Minute)
		if _, err := s.Key(t.Context(), "kid-a"); err != nil || srv.requests.Load() < loaded+3 {
			t.Fatalf("Key(kid-a) after %d failed refreshes: %v", srv.requests.Load()-loaded, err)
		}

		// A later refresh picks up the rotation on its own.
		srv.serve(t, rsaJWK("kid-b", &keyB.PublicKey, nil))
		time.Sleep(DefaultMinRefreshInterval)
		if s.lookup("kid-b") == nil {
			t.Fatal("kid-b did not appear within 30 s of the endpoint's recovery")
		}
		if _, err := s.Key(t.Context(), "kid-a"); !errors.Is(err, ErrUnknownKID) {
			t.Fatalf("Key(kid-a) after it was rotated out: %v, want ErrUnknownKID", err)
		}
	})
}

func TestCloseStopsAFetchUnderWayAndEveryGoroutine(t *testing.T) {
	srv := newKeyServer(t)
	release := srv.holdRequests()
	defer release()
	srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, nil))

	ctx, cancel := context.WithCancel(t.Context())
	cancel() // New does not wait for the first fetch
	s, err := New(ctx, Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	<-srv.arrived
	waiting := make(chan error, 1)
	go func() {
		_, err := s.Key(t.Context(), "kid-a")
		waiting <- err
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Key waiting across Close: %v, want ErrUnavailable", err)
	}
	if _, err := s.Key(t.Context(), "kid-a"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Key after Close: %v, want ErrUnavailable", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	release()
	srv.Close()
	goleak.VerifyNone(t)
}

func TestNewRejectsAnUnusableConfig(t *testing.T) {
	const u = "https://example.com/jwks"
	for _, c := range []struct {
		cfg  Config
		says string
	}{
		{Config{}, "URL"},
		{Config{URL: "stytch.com/v1/sessions/jwks/x"}, "URL"},
		{Config{URL: "ftp://example.com/jwks"}, "URL"},
		{Config{URL: u, Timeout: -1}, "Timeout"},
		{Config{URL: u, RefreshInterval: -time.Hour}, "RefreshInterval"},
		{Config{URL: u, MinRefreshInterval: -time.Second}, "MinRefreshInterval"},
		{Config{URL: u, RetryInterval: -time.Second}, "RetryInterval"},
	} {
		_, err := New(t.Context(), c.cfg)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("New(%+v): %v, want ErrInvalidConfig naming %s", c.cfg, err, c.says)
		}
	}
}

// BenchmarkKey is the request path for a kid that is held: one atomic load
// and a map lookup, no lock and no allocation.
func BenchmarkKey(b *testing.B) {
	srv := newKeyServer(b)
	srv.serve(b, rsaJWK("kid-a", &keyA.PublicKey, nil), rsaJWK("kid-b", &keyB.PublicKey, nil))
	s, err := New(context.Background(), Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Key(context.Background(), "kid-b"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
