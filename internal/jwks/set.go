package jwks

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/stytchmw/stytchmw/internal/refresh"
)

// Set is a project's key set. It is safe for concurrent use; Close stops
// its background work.
type Set struct {
	cfg     Config
	log     *slog.Logger
	fetcher *fetcher
	ownHTTP bool // the HTTP client is the Set's own: Close closes its idle connections

	// keys is nil until the first successful fetch, then the key set in
	// force, immutable, replaced as a whole by each successful fetch that
	// changes it: Key reads it without a lock.
	keys atomic.Pointer[keyring]

	// loop fetches the set at start, every RefreshInterval, sooner after
	// a failure, and early for an unknown kid (Trigger).
	loop *refresh.Loop
}

// keyring is one published key set: the keys by kid and the generation
// that tells it from the sets published before it. It is never modified
// once published.
type keyring struct {
	keys map[string]*rsa.PublicKey
	gen  uint64 // 1 for the first set, one more for each set that differs
}

// New returns a Set for cfg.URL. It tries one fetch, waiting for it no longer
// than ctx allows, and never fails because the endpoint is down: the Set then
// starts empty (Key answers ErrUnavailable) and keeps retrying in the
// background. It fails only for an unusable Config.
func New(ctx context.Context, cfg Config) (*Set, error) {
	ownHTTP := cfg.HTTPClient == nil
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Set{
		cfg:     cfg,
		log:     cfg.Logger,
		fetcher: newFetcher(cfg),
		ownHTTP: ownHTTP,
	}
	loop, first := refresh.Start(ctx, refresh.Config{
		Interval:         cfg.RefreshInterval,
		RetryInterval:    cfg.RetryInterval,
		MaxRetryInterval: max(cfg.RetryInterval, cfg.MinRefreshInterval),
		MinInterval:      cfg.MinRefreshInterval,
		OnFailure:        s.logFailure,
		Now:              cfg.Now,
	}, s.fetch)
	s.loop = loop

	select {
	case <-first.Done():
		if err := first.Err(); err != nil {
			s.log.Warn("jwks: starting without keys; retrying in the background", "url", cfg.URL, "error", err)
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

// FetchedAt is when the latest successful fetch of the key set ended
// (zero before the first): the age of the keys in force, for telemetry.
func (s *Set) FetchedAt() time.Time { return s.loop.LastSuccess() }

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
	if len(kid) == 0 || len(kid) > MaxKeyIDBytes {
		// Such a kid is never kept: not worth a fetch.
		return nil, s.missError()
	}
	// Join the fetch under way, or start one if the rate limit allows: not
	// within MinRefreshInterval of a successful fetch (the set is fresh),
	// and not before the backoff after a failed one has elapsed.
	f, ok := s.loop.Trigger()
	if !ok {
		if pub := s.lookup(kid); pub != nil { // a fetch landed meanwhile
			return pub, nil
		}
		return nil, s.missError()
	}
	select {
	case <-f.Done():
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: stopped waiting for the key set refresh: %w", ErrUnavailable, ctx.Err())
	}
	if pub := s.lookup(kid); pub != nil {
		return pub, nil
	}
	if err := f.Err(); err != nil {
		return nil, unavailable(err)
	}
	return nil, ErrUnknownKID
}

// missError is the error for a kid not held when no fetch is made for it:
// unavailable when the Set is closed, no set is held or the latest fetch
// failed (the kid may belong to a key rotated in meanwhile), unknown
// otherwise.
func (s *Set) missError() error {
	if err := s.loop.Err(); err != nil {
		return unavailable(err)
	}
	if s.keys.Load() == nil {
		return ErrUnavailable
	}
	return ErrUnknownKID
}

// Close stops the background refresh and any fetch under way, and waits for
// them. Afterwards Key still answers from the keys held but
// never fetches: a kid not held gets ErrUnavailable. Close is idempotent.
func (s *Set) Close() error {
	s.loop.Close()
	if s.ownHTTP {
		s.cfg.HTTPClient.CloseIdleConnections()
	}
	return nil
}
