package jwks

import (
	"context"
	"crypto/rsa"
	"time"
)

// fetch is the Set's fetch function for its refresh loop: it fetches the
// set and, on success, puts it in force in one atomic store. On failure it
// stores nothing, so the keys in force stay.
func (s *Set) fetch(ctx context.Context) error {
	keys, skipped, err := s.fetcher.fetch(ctx)
	for _, k := range skipped {
		s.log.Info("jwks: key skipped", "kid", k.kid, "reason", k.reason)
	}
	if err != nil {
		return err
	}
	s.publish(keys)
	s.log.Debug("jwks: key set fetched", "kids", keyIDs(keys))
	return nil
}

// logFailure reports a failed fetch (the loop does not report one that
// Close cut short).
func (s *Set) logFailure(err error, _ int, retryIn time.Duration) {
	s.log.Warn("jwks: fetch failed; keys in force kept", "url", s.cfg.URL, "error", err,
		"holding_keys", s.keys.Load() != nil, "retry_in", retryIn)
}

// publish puts keys in force under the next generation, unless they are the
// keys already in force (the fetcher hands back the same keys for an
// unchanged body). Only the refresh loop calls it, one fetch at a time.
func (s *Set) publish(keys map[string]*rsa.PublicKey) {
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
