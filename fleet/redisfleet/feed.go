package redisfleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stytchmw/stytchmw/fleet"
)

// Backoff between reconnection attempts.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// loadPage is how many revocations one read of the set returns.
const loadPage = 1000

// run keeps a subscription to the feed until Close, reconnecting with a
// backoff.
func (s *Store) run() {
	defer s.wg.Done()
	backoff := minBackoff
	for s.ctx.Err() == nil {
		synced, err := s.subscription()
		if s.ctx.Err() != nil {
			return
		}
		s.setStatus(false, err)
		if synced {
			backoff = minBackoff
		}
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

var errNoPong = errors.New("redisfleet: Redis did not answer PING on the subscription")

// subscription lives one subscription: it syncs after the subscription is
// confirmed, delivers what the feed carries, pings when it is quiet, and
// reads the epoch every interval (see epochTimeout). It returns when the connection fails,
// and reports whether it had synced.
func (s *Store) subscription() (synced bool, err error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.syncTimeout)
	ps := s.rdb.Subscribe(ctx, s.feedKey)
	cancel()
	s.psMu.Lock()
	if s.closed.Load() { // Close ran before ps was visible to it
		s.psMu.Unlock()
		_ = ps.Close()
		return false, fleet.ErrClosed
	}
	s.ps = ps
	s.psMu.Unlock()
	defer func() {
		s.psMu.Lock()
		s.ps = nil
		s.psMu.Unlock()
		_ = ps.Close()
	}()

	var (
		needSync   bool      // the subscription is (re)confirmed, or a sync was asked for
		nextSync   time.Time // a failed or recent sync delays the next one
		nextCheck  time.Time // the next epoch check
		pinged     bool      // a PING is unanswered
		syncFailed = minBackoff
	)
	for {
		msg, err := ps.ReceiveTimeout(s.ctx, s.interval)
		if s.ctx.Err() != nil {
			return synced, nil
		}
		switch {
		case isTimeout(err):
			if pinged {
				return synced, errNoPong
			}
			pctx, cancel := context.WithTimeout(s.ctx, s.interval)
			err = ps.Ping(pctx)
			cancel()
			if err != nil {
				return synced, err
			}
			pinged = true
		case err != nil:
			return synced, err
		default:
			switch m := msg.(type) {
			case *redis.Subscription:
				if m.Kind == "subscribe" && m.Channel == s.feedKey {
					needSync = true
				}
			case *redis.Message:
				if m.Channel == s.feedKey {
					s.receive(m.Payload)
				}
			case *redis.Pong:
				pinged = false
			}
		}

		if s.dirty.Swap(false) {
			needSync = true
		}
		now := time.Now()
		if synced && !needSync && !now.Before(nextCheck) {
			nextCheck = now.Add(s.interval)
			ctx, cancel := context.WithTimeout(s.ctx, s.epochTimeout())
			changed, err := s.checkEpoch(ctx)
			cancel()
			if err != nil {
				return synced, err
			}
			needSync = changed
		}
		if needSync && !now.Before(nextSync) {
			if err := s.sync(); err != nil {
				s.setStatus(false, err)
				nextSync = now.Add(syncFailed)
				syncFailed = min(2*syncFailed, maxBackoff)
				continue
			}
			synced, needSync = true, false
			syncFailed = minBackoff
			nextSync = now.Add(s.interval / 2) // a flood of reload requests costs one sync per half interval
			nextCheck = now.Add(s.interval)
			s.setStatus(true, nil)
			s.loadOnce.Do(func() { close(s.loaded) })
		}
	}
}

// epochTimeout bounds the periodic epoch check: long enough that one
// slow answer of a busy Redis does not count as an outage (1 s at least),
// short enough that the loop is not stuck behind it while Redis hangs
// (the PING, sent on the same loop, notices that).
func (s *Store) epochTimeout() time.Duration {
	return min(max(s.interval, time.Second), s.syncTimeout)
}

// checkEpoch reads the epoch, creating it when Redis has none, and
// reports whether it differs from the last one read: Redis lost its data
// (a restart without persistence, a flush) since.
func (s *Store) checkEpoch(ctx context.Context) (changed bool, err error) {
	epoch, err := s.rdb.Get(ctx, s.epochKey).Result()
	if isWrongType(err) {
		s.refuse("epoch", fmt.Errorf("%w: the epoch's key holds another type", fleet.ErrCorrupt))
		if err := s.rdb.Del(ctx, s.epochKey).Err(); err != nil {
			return false, err
		}
		err = redis.Nil
	}
	if errors.Is(err, redis.Nil) {
		if err := s.rdb.SetNX(ctx, s.epochKey, randomEpoch(), 0).Err(); err != nil {
			return false, err
		}
		epoch, err = s.rdb.Get(ctx, s.epochKey).Result()
	}
	if err != nil {
		return false, fmt.Errorf("read epoch: %w", err)
	}
	changed = s.epoch != "" && epoch != s.epoch
	if changed {
		s.logger.Warn("fleet: Redis lost its data (a restart without persistence, or a flush); writing back the revocations held here")
	}
	s.epoch = epoch
	return changed, nil
}

// sync loads the fleet's revocations in full and writes back the ones
// held here that Redis lacks; when it had lacked some, it asks the other
// replicas to reload.
func (s *Store) sync() error {
	ctx, cancel := context.WithTimeout(s.ctx, s.syncTimeout)
	defer cancel()
	if _, err := s.checkEpoch(ctx); err != nil {
		return err
	}
	if err := s.load(ctx); err != nil {
		return fmt.Errorf("load revocations: %w", err)
	}
	added, err := s.writeBack(ctx)
	if err != nil {
		return fmt.Errorf("write back revocations: %w", err)
	}
	if added > 0 {
		s.logger.Info("fleet: wrote back revocations Redis had lost", "count", added)
		reload := s.keys.SealRevocation(reloadMarker)
		if err := s.rdb.Publish(ctx, s.feedKey, reload).Err(); err != nil {
			return fmt.Errorf("ask for a reload: %w", err)
		}
	}
	return nil
}

// reloadMarker is the sealed request to reload; its fields are fixed so
// that it seals the same each time.
var reloadMarker = fleet.Revocation{Kind: reloadKind, SessionID: "reload", Until: time.Unix(0, 1)}

// load reads every live revocation in the set and delivers it. Members
// that do not open are refused and removed; a set of the wrong type is
// refused and deleted (the write-back that follows refills it).
func (s *Store) load(ctx context.Context) error {
	now := s.now()
	from := "(" + strconv.FormatInt(now.UnixMilli(), 10)
	for offset := int64(0); offset < int64(s.maxRevocations); offset += loadPage {
		members, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key: s.setKey, Start: from, Stop: "+inf", ByScore: true, Offset: offset, Count: loadPage,
		}).Result()
		if isWrongType(err) {
			s.refuse("revocations", fmt.Errorf("%w: the revocations' key holds another type", fleet.ErrCorrupt))
			return s.rdb.Del(ctx, s.setKey).Err()
		}
		if err != nil {
			return err
		}
		var bad []any
		for _, m := range members {
			r, _, err := s.openRevocation(m)
			if err == nil && r.Kind == reloadKind {
				err = fmt.Errorf("%w: a reload request in the set", fleet.ErrCorrupt)
			}
			if err != nil {
				s.refuse("revocation", err)
				bad = append(bad, m)
				continue
			}
			s.deliver(r, now)
		}
		if len(bad) > 0 {
			if err := s.rdb.ZRem(ctx, s.setKey, bad...).Err(); err != nil {
				return err
			}
			offset -= int64(len(bad))
		}
		if len(members) < loadPage {
			return nil
		}
	}
	return nil
}

// writeBack adds what this replica holds to the set (adding a member
// already there changes nothing: the same revocation seals the same) and
// trims it. It returns how many members Redis lacked.
func (s *Store) writeBack(ctx context.Context) (added int64, err error) {
	now := s.now()
	held := s.snapshot(now)
	for start := 0; start < len(held); start += loadPage {
		chunk := held[start:min(start+loadPage, len(held))]
		members := make([]redis.Z, len(chunk))
		for i, r := range chunk {
			members[i] = redis.Z{Score: score(r.Until), Member: s.keys.SealRevocation(r)}
		}
		n, err := s.rdb.ZAdd(ctx, s.setKey, members...).Result()
		if err != nil {
			return added, err
		}
		added += n
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.trim(ctx, p, now)
		return nil
	})
	return added, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isWrongType reports Redis's refusal to apply a command to a key of
// another type: an entry someone else wrote.
func isWrongType(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE")
}
