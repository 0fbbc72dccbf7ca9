package jwks

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownKID means a key set is held and the kid is not in it, even
	// after the refresh the rate limit allowed (or because the set was
	// refreshed successfully less than MinRefreshInterval ago). A token with
	// such a kid can never verify: a 401-class failure.
	ErrUnknownKID = errors.New("jwks: unknown key id")

	// ErrUnavailable means the keys cannot be known right now: no key set
	// was ever fetched, or the kid is not held and the latest fetch failed
	// (so the kid may belong to a key that was rotated in during the
	// outage), or the Set is closed. It is a 503-class failure, never a
	// verdict on the token. The fetch error, when there is one, is wrapped.
	ErrUnavailable = errors.New("jwks: key set unavailable")

	// ErrInvalidConfig is returned by New for a Config it cannot use.
	ErrInvalidConfig = errors.New("jwks: invalid configuration")
)

// unavailable wraps the cause of an unavailable key set.
func unavailable(cause error) error {
	if cause == nil {
		return ErrUnavailable
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, cause)
}
