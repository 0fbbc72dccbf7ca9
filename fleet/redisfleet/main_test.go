package redisfleet

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/fleetseal"
	"github.com/stytchmw/stytchmw/internal/redistest"
)

// TestMain fails the package's tests if any goroutine outlives them:
// every Store must stop its goroutine and its client's on Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testSecret = []byte("secret-test-fleet-0123456789abcdef")

// clock is a Config.Now the test can move forward.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// newStore makes a Store on srv with its own Redis client, short
// intervals so that tests see reconnections quickly, and a Timeout that a
// loaded test machine meets; it is closed when the test ends.
func newStore(t testing.TB, srv *redistest.Server, edit ...func(*Config)) *Store {
	t.Helper()
	cfg := Config{Redis: srv.Options(), Secret: testSecret, SyncInterval: 100 * time.Millisecond, Timeout: time.Second}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// ready waits for s to load the fleet's revocations.
func ready(t testing.TB, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sink records what a Store delivers, as the middleware's set would.
type sink struct {
	mu  sync.Mutex
	got map[heldKey]fleet.Revocation
}

func subscribe(t testing.TB, s *Store) *sink {
	k := &sink{got: make(map[heldKey]fleet.Revocation)}
	t.Cleanup(s.Subscribe(k.add))
	return k
}

func (k *sink) add(r fleet.Revocation) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key := heldKey{r.Kind, r.ID()}
	if old, ok := k.got[key]; ok {
		r = old.Merge(r)
	}
	k.got[key] = r
}

func (k *sink) has(r fleet.Revocation) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	got, ok := k.got[heldKey{r.Kind, r.ID()}]
	return ok && !got.Until.Before(r.Until) && !got.NotBefore.Before(r.NotBefore)
}

func (k *sink) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.got)
}

func sessionRevoked(id string) fleet.Revocation {
	return fleet.Revocation{Kind: fleet.SessionRevoked, SessionID: id, Until: time.Now().Add(5 * time.Minute).Truncate(time.Millisecond)}
}

func userLoggedOut(id string) fleet.Revocation {
	now := time.Now().Truncate(time.Millisecond)
	return fleet.Revocation{Kind: fleet.UserLoggedOut, UserID: id, NotBefore: now, Until: now.Add(5 * time.Minute)}
}

func publish(t testing.TB, s *Store, r fleet.Revocation) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Publish(ctx, r); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

// statusLog records the Status changes a Store reports.
type statusLog struct {
	mu  sync.Mutex
	got []bool
}

func (l *statusLog) record(st fleet.Status) {
	l.mu.Lock()
	l.got = append(l.got, st.Connected)
	l.mu.Unlock()
}

// saw reports whether the Store reported a disconnection followed by a
// connection.
func (l *statusLog) saw() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := slices.Index(l.got, false)
	return i >= 0 && slices.Contains(l.got[i:], true)
}

// twoStores starts a server and two ready Stores on it, each with a
// subscriber; the second Store is known to the test by its subscriber.
func twoStores(t testing.TB) (srv *redistest.Server, a *Store, atA, atB *sink) {
	t.Helper()
	srv = redistest.Start(t)
	a, b := newStore(t, srv), newStore(t, srv)
	ready(t, a)
	ready(t, b)
	return srv, a, subscribe(t, a), subscribe(t, b)
}

// attackerKeys seal entries as someone without the fleet's secret would.
func attackerKeys(t testing.TB) *fleetseal.Keys {
	k, err := fleetseal.New([]byte("the-attacker-guessed-this-secret"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func isUnavailable(err error) bool { return errors.Is(err, fleet.ErrUnavailable) }
