package jwks

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Set is a project's key set. It is safe for concurrent use; Close stops
// its background work.
type Set struct {
	cfg     Config
	log     *slog.Logger
	fetcher *fetcher
	now     func() time.Time // the clock of every rate and backoff decision
	ownHTTP bool             // the HTTP client is the Set's own: Close closes its idle connections

	// keys is nil until the first successful fetch, then the key set in
	// force, immutable, replaced as a whole by each successful fetch that
	// changes it: Key reads it without a lock.
	keys atomic.Pointer[keyring]

	ctx    context.Context // the Set's lifetime: cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // tells the loop that a fetch finished

	mu          sync.Mutex
	closed      bool
	inflight    *flight   // the fetch under way, nil when none
	lastSuccess time.Time // end of the latest successful fetch
	lastErr     error     // error of the latest fetch, nil if it succeeded
	failures    int       // consecutive failed fetches
	nextAttempt time.Time // no fetch before this after a failure (backoff)
	nextRefresh time.Time // when the background refresh comes due
}

// keyring is one published key set: the keys by kid and the generation
// that tells it from the sets published before it. It is never modified
// once published.
type keyring struct {
	keys map[string]*rsa.PublicKey
	gen  uint64 // 1 for the first set, one more for each set that differs
}

// errClosed is the cause of ErrUnavailable after Close.
var errClosed = errors.New("key set closed")

// New returns a Set for cfg.URL. It tries one fetch, waiting for it no longer
// than ctx allows, and never fails because the endpoint is down: the Set then
// starts empty (Key answers ErrUnavailable) and keeps retrying in the
// background. It fails only for an unusable Config.
func New(ctx context.Context, cfg Config) (*Set, error) {
	return newSet(ctx, cfg, time.Now)
}

// newSet is New with the clock that rate limit and backoff decisions use
// (the background loop's timers run on real time).
func newSet(ctx context.Context, cfg Config, now func() time.Time) (*Set, error) {
	ownHTTP := cfg.HTTPClient == nil
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	life, cancel := context.WithCancel(context.Background())
	s := &Set{
		cfg:     cfg,
		log:     cfg.Logger,
		fetcher: newFetcher(cfg),
		now:     now,
		ownHTTP: ownHTTP,
		ctx:     life,
		cancel:  cancel,
		wake:    make(chan struct{}, 1),
	}
	s.mu.Lock()
	first := s.startFetchLocked()
	s.mu.Unlock()
	s.wg.Add(1)
	go s.run()

	select {
	case <-first.done:
		if first.err != nil {
			s.log.Warn("jwks: starting without keys; retrying in the background", "url", cfg.URL, "error", first.err)
		}
	case <-ctx.Done():
		s.log.Warn("jwks: starting before the first fetch ended; it goes on in the background", "url", cfg.URL)
	}
	return s, nil
}

// Key returns the public key whose kid is kid.
//
// A kid that is held costs one atomic load and a map lookup. A kid that is
// not held makes Key join the fetch under way, or start one when the rate
// limit allows, and wait for it as long as ctx allows; the fetch itself is
// not bound to ctx. Errors: ErrUnknownKID (the held set is fresh and lacks
// kid) or ErrUnavailable (no set, or the latest fetch failed, or ctx ended
// first, or the Set is closed).
func (s *Set) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if ring := s.keys.Load(); ring != nil {
		if pub := ring.keys[kid]; pub != nil {
			return pub, nil
		}
	}
	return s.keyAfterRefresh(ctx, kid)
}

// Generation identifies the key set in force: 0 before the first
// successful fetch, then a number that grows each time a fetch changes the
// set (a key added, removed or replaced; a fetch that finds the same keys
// leaves it as it is). It costs one atomic load, so that a verdict reached
// under a key can be reused while the generation has not moved, and checked
// again with Held when it has.
func (s *Set) Generation() uint64 {
	if ring := s.keys.Load(); ring != nil {
		return ring.gen
	}
	return 0
}

// Held returns the key the set in force holds for kid (nil when none),
// never fetching, and the generation of that set.
func (s *Set) Held(kid string) (*rsa.PublicKey, uint64) {
	if ring := s.keys.Load(); ring != nil {
		return ring.keys[kid], ring.gen
	}
	return nil, 0
}

// lookup returns the key held for kid, or nil.
func (s *Set) lookup(kid string) *rsa.PublicKey {
	pub, _ := s.Held(kid)
	return pub
}

func (s *Set) keyAfterRefresh(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	s.mu.Lock()
	if s.closed || len(kid) == 0 || len(kid) > MaxKeyIDBytes {
		// Such a kid is never kept: not worth a fetch.
		err := s.missErrorLocked()
		s.mu.Unlock()
		return nil, err
	}
	if pub := s.lookup(kid); pub != nil { // a fetch landed meanwhile
		s.mu.Unlock()
		return pub, nil
	}
	f := s.inflight
	if f == nil {
		if !s.mayFetchLocked(s.now()) {
			err := s.missErrorLocked()
			s.mu.Unlock()
			return nil, err
		}
		f = s.startFetchLocked()
	}
	s.mu.Unlock()

	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: stopped waiting for the key set refresh: %w", ErrUnavailable, ctx.Err())
	}
	if pub := s.lookup(kid); pub != nil {
		return pub, nil
	}
	if f.err != nil {
		return nil, unavailable(f.err)
	}
	return nil, ErrUnknownKID
}

// mayFetchLocked reports whether a fetch for an unknown kid may start now:
// not within MinRefreshInterval of a successful fetch (the set is fresh),
// and not before the backoff after a failed one has elapsed.
func (s *Set) mayFetchLocked(now time.Time) bool {
	held := s.keys.Load() != nil
	if held && now.Sub(s.lastSuccess) < s.cfg.MinRefreshInterval {
		return false
	}
	return !now.Before(s.nextAttempt)
}

// missErrorLocked is the error for a kid not held when no fetch is made
// for it: unavailable when no set is held or the latest fetch failed (the kid
// may belong to a key rotated in meanwhile), unknown otherwise.
func (s *Set) missErrorLocked() error {
	switch {
	case s.closed:
		return unavailable(errClosed)
	case s.lastErr != nil:
		return unavailable(s.lastErr)
	case s.keys.Load() == nil:
		return ErrUnavailable
	}
	return ErrUnknownKID
}

// Close stops the background refresh and any fetch under way, and waits for
// them. Afterwards Key still answers from the keys held but
// never fetches: a kid not held gets ErrUnavailable. Close is idempotent.
func (s *Set) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	if s.ownHTTP {
		s.cfg.HTTPClient.CloseIdleConnections()
	}
	return nil
}
