package redisfleet

import (
	"context"
	"fmt"
	"time"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/fleetseal"
)

// GetAnswer implements fleet.Store. It reads at most the largest sealed
// answer allowed plus one byte (GETRANGE), so an oversized entry costs no
// more than a legitimate one.
func (s *Store) GetAnswer(ctx context.Context, key string) ([]byte, time.Time, error) {
	if err := s.answerCall(key); err != nil {
		return nil, time.Time{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	name := s.keys.Name(key)
	limit := fleetseal.Overhead + s.maxAnswer
	sealed, err := s.rdb.GetRange(ctx, s.answerPrefix+name, 0, int64(limit)).Bytes()
	switch {
	case isWrongType(err):
		err = fmt.Errorf("%w: the answer's key holds another type", fleet.ErrCorrupt)
		s.refuse("answer", err)
		return nil, time.Time{}, err
	case err != nil:
		return nil, time.Time{}, fmt.Errorf("%w: get answer: %w", fleet.ErrUnavailable, err)
	case len(sealed) == 0:
		return nil, time.Time{}, fleet.ErrNotFound
	case len(sealed) > limit:
		err = fmt.Errorf("%w: the answer is larger than %d bytes", fleet.ErrCorrupt, limit)
		s.refuse("answer", err)
		return nil, time.Time{}, err
	}
	payload, deadline, err := s.keys.OpenAnswer(name, sealed)
	if err != nil {
		s.refuse("answer", err)
		return nil, time.Time{}, err
	}
	if !deadline.After(s.now()) {
		// Redis keeps it a little longer than its deadline on the
		// writer's clock, or it was replayed: either way, no answer.
		return nil, time.Time{}, fleet.ErrNotFound
	}
	return payload, deadline, nil
}

// SetAnswer implements fleet.Store. The entry expires in Redis at the
// deadline, and is refused by readers after it.
func (s *Store) SetAnswer(ctx context.Context, key string, payload []byte, deadline time.Time) error {
	if err := s.answerCall(key); err != nil {
		return err
	}
	if len(payload) > s.maxAnswer {
		return fmt.Errorf("%w: the answer has %d bytes, more than MaxAnswerBytes (%d)", fleet.ErrInvalid, len(payload), s.maxAnswer)
	}
	ttl := deadline.Sub(s.now())
	if ttl < time.Millisecond {
		return fmt.Errorf("%w: the answer's deadline has passed", fleet.ErrInvalid)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	name := s.keys.Name(key)
	if err := s.rdb.Set(ctx, s.answerPrefix+name, s.keys.SealAnswer(name, deadline, payload), ttl).Err(); err != nil {
		return fmt.Errorf("%w: set answer: %w", fleet.ErrUnavailable, err)
	}
	return nil
}

// answerCall checks what every answer call needs: an open, connected
// Store (a disconnected one fails at once, so an outage costs requests
// nothing) and a key within bounds.
func (s *Store) answerCall(key string) error {
	if err := s.enter(); err != nil {
		return err
	}
	if key == "" || len(key) > maxKeyBytes {
		return fmt.Errorf("%w: the key must have 1 to %d bytes", fleet.ErrInvalid, maxKeyBytes)
	}
	if st := s.status.Load(); !st.Connected {
		return fmt.Errorf("%w: %v", fleet.ErrUnavailable, st.Err)
	}
	return nil
}
