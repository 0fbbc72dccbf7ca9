package redisfleet

import (
	"context"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/internal/redistest"
)

// TestHungRedisBoundsCalls: with Redis hung (its process stopped, its
// connections open), every call a request makes returns ErrUnavailable
// within Timeout (the ceiling asserted is far above it, so only an
// unbounded wait fails); once the Store noticed, calls fail at once; and
// Close does not hang.
func TestHungRedisBoundsCalls(t *testing.T) {
	srv := redistest.Start(t)
	const timeout = 100 * time.Millisecond
	const ceiling = 3 * time.Second // go-redis's own read timeout is 3 s or more
	s := newStore(t, srv, func(c *Config) { c.Timeout = timeout })
	ready(t, s)
	key := credentialKey("token")
	setAnswer(t, s, key, []byte("x"), time.Now().Add(time.Minute))

	srv.Pause()
	defer srv.Resume()
	calls := map[string]func(context.Context) error{
		"GetAnswer": func(ctx context.Context) error { _, _, err := s.GetAnswer(ctx, key); return err },
		"SetAnswer": func(ctx context.Context) error {
			return s.SetAnswer(ctx, key, []byte("y"), time.Now().Add(time.Minute))
		},
		"Publish": func(ctx context.Context) error { return s.Publish(ctx, sessionRevoked("session-test-hung")) },
	}
	for name, call := range calls {
		start := time.Now()
		err := call(context.Background())
		if took := time.Since(start); !isUnavailable(err) || took > ceiling {
			t.Errorf("%s on a hung Redis = %v after %v; want ErrUnavailable within about %v", name, err, took, timeout)
		}
	}
	eventually(t, "the Store notices the hung Redis", func() bool { return !s.Status().Connected })
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), ceiling)
		if err := call(ctx); !isUnavailable(err) || ctx.Err() != nil {
			t.Errorf("%s once disconnected = %v; want ErrUnavailable at once", name, err)
		}
		cancel()
	}
	srv.Resume()
	eventually(t, "the Store reconnects when Redis resumes", func() bool { return s.Status().Connected })
}

// TestCloseWhileHung: Close returns while Redis is hung and the Store's
// goroutine is waiting on it (goleak checks it ended).
func TestCloseWhileHung(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, func(c *Config) { c.SyncInterval = time.Hour })
	ready(t, s)
	srv.Pause()
	defer srv.Resume()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.GetAnswer(context.Background(), "k"); err == nil {
		t.Fatal("GetAnswer after Close succeeded")
	}
}

// TestStoppedRedis: with Redis gone, calls fail with ErrUnavailable.
func TestStoppedRedis(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv)
	ready(t, s)
	srv.Stop()
	eventually(t, "the Store notices Redis is gone", func() bool { return !s.Status().Connected })
	if _, _, err := s.GetAnswer(context.Background(), "k"); !isUnavailable(err) {
		t.Fatalf("GetAnswer = %v, want ErrUnavailable", err)
	}
}
