// Package redisfleet is a fleet.Store on Redis, with go-redis.
//
// Layout, under "<Prefix>:<namespace>:" where the namespace is derived
// from the secret (so fleets with different secrets can share a Redis):
//
//	epoch        a random value, set once: when it vanishes or changes,
//	             Redis lost its data and every replica writes back what it
//	             holds
//	revocations  a sorted set: each member a sealed revocation, its score
//	             the revocation's Until (Unix ms); members past it are
//	             trimmed on every write, and the set is bounded by
//	             MaxRevocations (the ones that expire first go)
//	feed         the pub/sub channel on which Publish announces a
//	             revocation (the same sealed bytes), and a replica that
//	             wrote back revocations the set had lost asks the others to
//	             reload
//	a:<name>     a sealed answer, name = HMAC of the caller's key, with a
//	             Redis expiry at its deadline
//
// See package fleetseal for what is sealed and how, and SECURITY.md for
// what Redis sees.
//
// One goroutine per Store holds a subscription to the feed. After every
// (re)subscription it loads the set in full, writes back what this
// replica holds, and only then reports Connected; it pings the
// subscription and reads the epoch every SyncInterval, so a dead
// connection, a restarted or flushed Redis is noticed within about two
// intervals. Requests never wait on that goroutine: GetAnswer, SetAnswer
// and Publish make one round trip bounded by Timeout, and fail at once
// while the feed is not Connected.
package redisfleet

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/internal/fleetseal"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultTimeout bounds each call a request makes (GetAnswer,
	// SetAnswer, Publish).
	DefaultTimeout = 100 * time.Millisecond
	// DefaultSyncTimeout bounds a full load, a write-back, an epoch check.
	DefaultSyncTimeout = 5 * time.Second
	// DefaultSyncInterval is how often the subscription is pinged and the
	// epoch read.
	DefaultSyncInterval = time.Second
	// DefaultMaxRevocations bounds the revocations held, here and in Redis.
	DefaultMaxRevocations = 100_000
	// DefaultMaxAnswerBytes bounds an answer's payload. Stytch's answer for
	// a user with one email is about 4 KB.
	DefaultMaxAnswerBytes = 64 << 10
	// DefaultPrefix starts every key.
	DefaultPrefix = "stytchmw"
)

// maxKeyBytes bounds the caller's key for an answer (the middleware's is
// 33 bytes).
const maxKeyBytes = 256

// Config configures a Store. Redis and Secret are required.
type Config struct {
	// Redis says how to reach Redis (redis.ParseURL turns a redis:// URL
	// into one). The Store makes its own client from a copy, with
	// ContextTimeoutEnabled so that its timeouts bound every call, and
	// closes it on Close.
	Redis *redis.Options
	// Secret is shared by the replicas and never by Redis: every key that
	// names, encrypts and authenticates an entry is derived from it. The
	// project's Stytch secret will do; at least 16 bytes.
	Secret []byte
	// Prefix starts every key (default DefaultPrefix).
	Prefix string

	// Timeout bounds each call a request makes (default DefaultTimeout).
	Timeout time.Duration
	// SyncTimeout bounds the background work: a full load, a write-back
	// (default DefaultSyncTimeout).
	SyncTimeout time.Duration
	// SyncInterval is how often the subscription is pinged and the epoch
	// read (default DefaultSyncInterval). A lost connection or a Redis that
	// lost its data is noticed within about two intervals.
	SyncInterval time.Duration
	// MaxRevocations bounds the revocations held, here and in Redis
	// (default DefaultMaxRevocations). When full, the one that expires
	// first is forgotten early.
	MaxRevocations int
	// MaxAnswerBytes bounds an answer's payload (default
	// DefaultMaxAnswerBytes); a larger entry in Redis is refused unread
	// past the bound.
	MaxAnswerBytes int

	// Now is the clock of revocations and deadlines (default time.Now):
	// the middleware's Config.Now.
	Now func() time.Time
	// Logger receives connection changes and refused entries (default:
	// none).
	Logger *slog.Logger
	// OnStatus, when set, is called with the new Status whenever Connected
	// changes, from the Store's goroutine; it must be fast.
	OnStatus func(fleet.Status)
}

// Store is a fleet.Store on Redis. Create it with New and Close it.
type Store struct {
	rdb      *redis.Client
	keys     *fleetseal.Keys
	now      func() time.Time
	logger   *slog.Logger
	onStatus func(fleet.Status)

	timeout, syncTimeout, interval time.Duration
	maxRevocations, maxAnswer      int

	epochKey, setKey, feedKey, answerPrefix string

	mu      sync.Mutex // guards held and sinks; serialises deliveries
	held    map[heldKey]fleet.Revocation
	sinks   map[int]func(fleet.Revocation)
	sinkSeq int

	status     atomic.Pointer[fleet.Status]
	refused    atomic.Uint64
	lastReport atomic.Int64 // wall-clock ns of the last refusal logged
	loaded     chan struct{}
	loadOnce   sync.Once
	// dirty asks the feed's goroutine for a sync: a Publish failed to reach
	// Redis, or another replica wrote back revocations.
	dirty atomic.Bool
	epoch string // the last epoch read; the feed's goroutine's alone

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	psMu   sync.Mutex
	ps     *redis.PubSub // the current subscription, closed by Close
	closed atomic.Bool
}

type heldKey struct {
	kind fleet.RevocationKind
	id   string
}

var _ fleet.Store = (*Store)(nil)

// New checks cfg, and starts the Store's goroutine, which connects to
// Redis and loads the fleet's revocations in the background (Ready waits
// for that). It does not fail because Redis is unreachable.
func New(cfg Config) (*Store, error) {
	if cfg.Redis == nil {
		return nil, fmt.Errorf("%w: redisfleet: Config.Redis is required", fleet.ErrInvalid)
	}
	if cfg.Timeout < 0 || cfg.SyncTimeout < 0 || cfg.SyncInterval < 0 || cfg.MaxRevocations < 0 || cfg.MaxAnswerBytes < 0 {
		return nil, fmt.Errorf("%w: redisfleet: durations and sizes must not be negative", fleet.ErrInvalid)
	}
	keys, err := fleetseal.New(cfg.Secret)
	if err != nil {
		return nil, err
	}
	opt := *cfg.Redis
	opt.ContextTimeoutEnabled = true
	if opt.MaintNotificationsConfig == nil {
		opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	}
	prefix := cmp.Or(cfg.Prefix, DefaultPrefix) + ":" + keys.Namespace + ":"
	s := &Store{
		rdb:            redis.NewClient(&opt),
		keys:           keys,
		now:            cfg.Now,
		logger:         cfg.Logger,
		onStatus:       cfg.OnStatus,
		timeout:        cmp.Or(cfg.Timeout, DefaultTimeout),
		syncTimeout:    cmp.Or(cfg.SyncTimeout, DefaultSyncTimeout),
		interval:       cmp.Or(cfg.SyncInterval, DefaultSyncInterval),
		maxRevocations: cmp.Or(cfg.MaxRevocations, DefaultMaxRevocations),
		maxAnswer:      cmp.Or(cfg.MaxAnswerBytes, DefaultMaxAnswerBytes),
		epochKey:       prefix + "epoch",
		setKey:         prefix + "revocations",
		feedKey:        prefix + "feed",
		answerPrefix:   prefix + "a:",
		held:           make(map[heldKey]fleet.Revocation),
		sinks:          make(map[int]func(fleet.Revocation)),
		loaded:         make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.status.Store(&fleet.Status{Since: time.Now(), Err: errNotYetConnected})
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.run()
	return s, nil
}

var errNotYetConnected = errors.New("redisfleet: not connected yet")

// Close stops the Store's goroutine and closes its Redis client.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.cancel()
	s.psMu.Lock()
	if s.ps != nil {
		_ = s.ps.Close() // unblocks a receive in progress
	}
	s.psMu.Unlock()
	s.wg.Wait()
	return s.rdb.Close()
}

// Status implements fleet.Store.
func (s *Store) Status() fleet.Status {
	st := *s.status.Load()
	st.Refused = s.refused.Load()
	return st
}

// Ready implements fleet.Store.
func (s *Store) Ready(ctx context.Context) error {
	select {
	case <-s.loaded:
		return nil
	case <-s.ctx.Done():
		return fleet.ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("%w: the fleet's revocations are not loaded yet (%v): %w", fleet.ErrUnavailable, s.Status().Err, ctx.Err())
	}
}

// setStatus records whether the feed is live, and tells OnStatus and the
// log when that changed.
func (s *Store) setStatus(connected bool, err error) {
	old := s.status.Load()
	st := *old
	st.Connected, st.Err = connected, err
	if connected {
		st.Loaded, st.LastSync = true, time.Now()
	}
	if connected != old.Connected {
		st.Since = time.Now()
	}
	s.status.Store(&st)
	if connected == old.Connected {
		return
	}
	if connected {
		s.logger.Info("fleet: connected to Redis; revocations loaded")
	} else {
		s.logger.Warn("fleet: disconnected from Redis; revocations made elsewhere are not seen until it is back", "err", err)
	}
	if s.onStatus != nil {
		st.Refused = s.refused.Load()
		s.onStatus(st)
	}
}

// refuse counts an entry of Redis that was not trusted, and logs it (at
// most once a second, so that garbage cannot flood the log).
func (s *Store) refuse(what string, err error) {
	n := s.refused.Add(1)
	now := time.Now().UnixNano()
	if last := s.lastReport.Load(); now-last >= int64(time.Second) && s.lastReport.CompareAndSwap(last, now) {
		s.logger.Warn("fleet: refused an entry of Redis", "entry", what, "err", err, "refused_total", n)
	}
}

// randomEpoch is a new epoch value.
func randomEpoch() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Store) enter() error {
	if s.closed.Load() {
		return fleet.ErrClosed
	}
	return nil
}
