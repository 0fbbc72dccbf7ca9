package jwks

import (
	"crypto/rsa"
	"math/rand/v2"
	"time"
)

// flight is one fetch under way, shared by every caller that waits for it.
type flight struct {
	done chan struct{}
	err  error // written before done is closed
}

// startFetchLocked starts a fetch in a goroutine of its own, bound to the
// Set's lifetime rather than to any caller, and records it as the one under
// way. s.mu must be held and the Set open.
func (s *Set) startFetchLocked() *flight {
	f := &flight{done: make(chan struct{})}
	s.inflight = f
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		keys, skipped, err := s.fetcher.fetch(s.ctx)
		s.finish(f, keys, skipped, err)
	}()
	return f
}

// finish records the outcome of a fetch: a success replaces the keys and
// spends the unknown-kid refresh budget; a failure keeps the keys in force
// and sets the backoff before the next attempt.
func (s *Set) finish(f *flight, keys map[string]*rsa.PublicKey, skipped []skippedKey, err error) {
	now := s.now()
	s.mu.Lock()
	s.inflight = nil
	if err == nil {
		s.publishLocked(keys)
		s.lastSuccess, s.lastErr, s.failures, s.nextAttempt = now, nil, 0, time.Time{}
		s.nextRefresh = now.Add(jitterBelow(s.cfg.RefreshInterval))
	} else {
		s.lastErr = err
		s.failures++
		s.nextAttempt = now.Add(s.retryDelay(s.failures))
	}
	held := s.keys.Load() != nil
	retry := s.nextAttempt.Sub(now)
	s.mu.Unlock()

	f.err = err
	close(f.done)
	select {
	case s.wake <- struct{}{}:
	default:
	}

	for _, k := range skipped {
		s.log.Info("jwks: key skipped", "kid", k.kid, "reason", k.reason)
	}
	switch {
	case err == nil:
		s.log.Debug("jwks: key set fetched", "kids", keyIDs(keys))
	case s.ctx.Err() != nil:
		// Closing: not worth a warning.
	default:
		s.log.Warn("jwks: fetch failed; keys in force kept", "url", s.cfg.URL, "error", err,
			"holding_keys", held, "retry_in", retry)
	}
}

// publishLocked puts keys in force under the next generation, unless they
// are the keys already in force (the fetcher hands back the same keys for an
// unchanged body). s.mu must be held.
func (s *Set) publishLocked(keys map[string]*rsa.PublicKey) {
	cur := s.keys.Load()
	if cur == nil {
		s.keys.Store(&keyring{keys: keys, gen: 1})
		return
	}
	if !sameKeys(cur.keys, keys) {
		s.keys.Store(&keyring{keys: keys, gen: cur.gen + 1})
	}
}

// sameKeys reports whether a and b hold the same *rsa.PublicKey under the
// same kids.
func sameKeys(a, b map[string]*rsa.PublicKey) bool {
	if len(a) != len(b) {
		return false
	}
	for kid, pub := range a {
		if b[kid] != pub {
			return false
		}
	}
	return true
}

// retryDelay is the backoff after the n-th consecutive failure: RetryInterval
// doubling up to MinRefreshInterval, drawn from its upper half so that many
// instances do not retry in step.
func (s *Set) retryDelay(n int) time.Duration {
	ceiling := max(s.cfg.RetryInterval, s.cfg.MinRefreshInterval)
	d := s.cfg.RetryInterval
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + rand.N(d/2+1)
}

// jitterBelow returns d shortened by up to a tenth, at random.
func jitterBelow(d time.Duration) time.Duration {
	return d - rand.N(d/10+1)
}

// run is the background loop: it retries while no fetch has succeeded or
// the latest one failed, and refreshes every RefreshInterval otherwise.
func (s *Set) run() {
	defer s.wg.Done()
	timer := time.NewTimer(s.untilDue())
	defer timer.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
			s.mu.Lock()
			if !s.closed && s.inflight == nil && !s.now().Before(s.dueLocked()) {
				s.startFetchLocked()
			}
			s.mu.Unlock()
		}
		timer.Reset(s.untilDue())
	}
}

// dueLocked is when the loop should fetch next.
func (s *Set) dueLocked() time.Time {
	if s.keys.Load() == nil || s.lastErr != nil {
		return s.nextAttempt
	}
	return s.nextRefresh
}

// untilDue is how long the loop sleeps; while a fetch is under way it waits
// for the wake-up that the fetch's end sends.
func (s *Set) untilDue() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight != nil {
		return s.cfg.RefreshInterval
	}
	return max(0, s.dueLocked().Sub(s.now()))
}
