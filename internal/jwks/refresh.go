package jwks

import (
	"context"
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
	s.keys.Store(&keys)
	s.log.Debug("jwks: key set fetched", "kids", keyIDs(keys))
	return nil
}

// logFailure reports a failed fetch (the loop does not report one that
// Close cut short).
func (s *Set) logFailure(err error, _ int, retryIn time.Duration) {
	s.log.Warn("jwks: fetch failed; keys in force kept", "url", s.cfg.URL, "error", err,
		"holding_keys", s.keys.Load() != nil, "retry_in", retryIn)
}
