package fleet

import (
	"context"
	"errors"
	"time"
)

// Store is what the replicas of a fleet share. Implementations are safe
// for concurrent use.
type Store interface {
	// Publish makes every replica refuse what r describes until r.Until:
	// the Store delivers r to this process's subscribers at once, keeps it,
	// and sends it to the fleet. When the fleet cannot be reached the
	// error wraps ErrUnavailable; the revocation is still delivered here
	// and kept, and sent to the fleet when it can be reached again. An
	// invalid r (see Revocation.Validate) is refused with ErrInvalid.
	Publish(ctx context.Context, r Revocation) error

	// Subscribe registers sink, which receives every revocation the Store
	// knows of now and every one it learns of later: from this process's
	// Publish, from the fleet, and again after a reload. A revocation may
	// be delivered more than once, so applying it must be idempotent. sink
	// is called from the Store's goroutine or from Publish's caller, one
	// call at a time: it must be fast and must not call the Store. The
	// returned function unregisters it.
	Subscribe(sink func(Revocation)) (cancel func())

	// Ready waits until the Store has loaded the fleet's revocations in
	// full once (and delivered them to every subscriber), or ctx ends; the
	// error then wraps ErrUnavailable and ctx's error. A replica should not
	// report itself ready before.
	Ready(ctx context.Context) error

	// Status reports whether the feed of revocations is live. It is cheap
	// (an atomic load) and may be called on every request.
	Status() Status

	// GetAnswer returns the payload stored for key by SetAnswer and its
	// deadline, if it is still before the deadline. A miss is ErrNotFound;
	// an entry that is not authentic, not understood or too large is
	// ErrCorrupt (and counted in Status.Refused); a Store that cannot be
	// reached in time is ErrUnavailable. Every error means: ask Stytch.
	GetAnswer(ctx context.Context, key string) (payload []byte, deadline time.Time, err error)

	// SetAnswer stores payload for key until deadline. key identifies the
	// credential without holding it (the middleware passes its kind and
	// SHA-256); it is never stored as given. A payload larger than the
	// Store allows, or a deadline not after now, is ErrInvalid.
	SetAnswer(ctx context.Context, key string, payload []byte, deadline time.Time) error

	// Close stops every goroutine of the Store and releases its
	// connections. Calls after Close fail with ErrClosed.
	Close() error
}

// Status is the state of a Store's feed of revocations.
type Status struct {
	// Connected is true while the Store receives what the fleet publishes
	// and has reloaded the full set since it last (re)connected: a
	// revocation published by another replica reaches this one.
	Connected bool
	// Loaded is true once the full set has been loaded (Ready returned).
	Loaded bool
	// Since is when Connected last changed (wall clock).
	Since time.Time
	// LastSync is when the full set was last loaded (wall clock; zero:
	// never).
	LastSync time.Time
	// Err is why the Store is not Connected (nil when it is).
	Err error
	// Refused counts the entries the Store refused since it started:
	// revocations and answers it could not authenticate or understand.
	Refused uint64
}

// Errors of a Store. Every error a Store returns matches one of them with
// errors.Is.
var (
	// ErrNotFound: GetAnswer has no answer for the key (or it expired).
	ErrNotFound = errors.New("fleet: no answer stored")
	// ErrUnavailable: the shared store could not be reached within the
	// Store's timeout, or is known to be disconnected.
	ErrUnavailable = errors.New("fleet: shared store unavailable")
	// ErrCorrupt: an entry of the shared store was refused: of the wrong
	// type, too large, of an unknown version, or not authentic (written
	// without the replicas' key, or moved from another key).
	ErrCorrupt = errors.New("fleet: entry refused")
	// ErrInvalid: the caller passed a revocation or an answer the Store
	// does not accept.
	ErrInvalid = errors.New("fleet: invalid argument")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("fleet: store closed")
)
