package redisfleet

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/fleetseal"
)

// reloadKind marks the feed message by which a replica that wrote back
// revocations Redis had lost asks the others to reload. It is sealed like
// a revocation, so only a replica can send it.
const reloadKind fleet.RevocationKind = 255

// maxRevocationBytes bounds a sealed revocation read from Redis.
const maxRevocationBytes = fleetseal.Overhead + 9 + fleet.MaxIDBytes

// Publish implements fleet.Store. The revocation is delivered to this
// process's subscribers and held before Redis is asked; while the feed is
// not Connected it fails at once with ErrUnavailable, and the revocation
// reaches Redis at the next sync.
func (s *Store) Publish(ctx context.Context, r fleet.Revocation) error {
	if err := s.enter(); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	now := s.now()
	if !r.Until.After(now) {
		return fmt.Errorf("%w: the revocation's Until has passed", fleet.ErrInvalid)
	}
	s.deliver(r, now)
	if !s.status.Load().Connected {
		s.dirty.Store(true)
		return fmt.Errorf("%w: the revocation is held here and will be written when Redis is back: %v", fleet.ErrUnavailable, s.Status().Err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	sealed := s.keys.SealRevocation(r)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, s.setKey, redis.Z{Score: score(r.Until), Member: sealed})
		s.trim(ctx, p, now)
		p.Publish(ctx, s.feedKey, sealed)
		return nil
	})
	if err != nil {
		s.dirty.Store(true)
		return fmt.Errorf("%w: publish: %w (the revocation is held here and will be written at the next sync)", fleet.ErrUnavailable, err)
	}
	return nil
}

// score is a revocation's score in the sorted set: Unix milliseconds,
// exact in a float64.
func score(t time.Time) float64 { return float64(t.UnixMilli()) }

// trim drops the members that expired by now, and the ones that expire
// first beyond MaxRevocations.
func (s *Store) trim(ctx context.Context, p redis.Pipeliner, now time.Time) {
	p.ZRemRangeByScore(ctx, s.setKey, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
	p.ZRemRangeByRank(ctx, s.setKey, 0, -int64(s.maxRevocations)-1)
}

// Subscribe implements fleet.Store.
func (s *Store) Subscribe(sink func(fleet.Revocation)) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.sinkSeq
	s.sinkSeq++
	s.sinks[id] = sink
	now := s.now()
	for _, r := range s.held {
		if r.Until.After(now) {
			sink(r)
		}
	}
	return func() {
		s.mu.Lock()
		delete(s.sinks, id)
		s.mu.Unlock()
	}
}

// deliver holds r (merged with what is held for the same id) and hands
// it to every subscriber when it is new or extends what was held.
func (s *Store) deliver(r fleet.Revocation, now time.Time) {
	if !r.Until.After(now) {
		return
	}
	k := heldKey{r.Kind, r.ID()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.held[k]; ok {
		merged := old.Merge(r)
		if merged.Until.Equal(old.Until) && merged.NotBefore.Equal(old.NotBefore) {
			return
		}
		r = merged
	} else if len(s.held) >= s.maxRevocations {
		s.makeRoom(now)
	}
	s.held[k] = r
	for _, sink := range s.sinks {
		sink(r)
	}
}

// makeRoom drops the expired revocations and, if none had, the one that
// expires first. Called with mu held.
func (s *Store) makeRoom(now time.Time) {
	var first heldKey
	var firstUntil time.Time
	dropped := false
	for k, r := range s.held {
		if !r.Until.After(now) {
			delete(s.held, k)
			dropped = true
		} else if firstUntil.IsZero() || r.Until.Before(firstUntil) {
			first, firstUntil = k, r.Until
		}
	}
	if !dropped && !firstUntil.IsZero() {
		delete(s.held, first)
	}
}

// snapshot returns the live revocations held.
func (s *Store) snapshot(now time.Time) []fleet.Revocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]fleet.Revocation, 0, len(s.held))
	for _, r := range s.held {
		if r.Until.After(now) {
			out = append(out, r)
		}
	}
	return out
}

// openRevocation authenticates and checks a revocation read from Redis.
// reload reports the replicas' request to reload.
func (s *Store) openRevocation(sealed string) (r fleet.Revocation, reload bool, err error) {
	if len(sealed) > maxRevocationBytes {
		return r, false, fmt.Errorf("%w: %d bytes, more than %d", fleet.ErrCorrupt, len(sealed), maxRevocationBytes)
	}
	r, err = s.keys.OpenRevocation([]byte(sealed))
	if err != nil {
		return r, false, err
	}
	if r.Kind == reloadKind {
		return r, true, nil
	}
	if err := r.Validate(); err != nil {
		return r, false, fmt.Errorf("%w: %w", fleet.ErrCorrupt, err)
	}
	return r, false, nil
}

// receive handles a message of the feed.
func (s *Store) receive(payload string) {
	r, reload, err := s.openRevocation(payload)
	switch {
	case err != nil:
		s.refuse("feed message", err)
	case reload:
		s.dirty.Store(true)
	default:
		s.deliver(r, s.now())
	}
}
