package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/refresh"
)

// orgCache holds organizations' custom roles, each fetched on first need
// and refreshed when used after it grew stale (stale-while-revalidate: the
// roles in force answer at once while a fetch runs in the background). No
// goroutine runs per organization: a goroutine lives only for one fetch,
// and Close cancels and waits for them.
//
// At most max organizations are held. When a new one is needed and the
// cache is full, one is forgotten by the CLOCK algorithm (an approximation
// of least recently used: an entry used since the hand last passed gets a
// second chance). A forgotten organization is fetched again on its next
// check, which waits for that fetch. Only organizations that passed the
// tenancy check — a verified session's own — are ever looked up, so a
// caller cannot fill the cache with organizations of its choosing.
type orgCache struct {
	client   *client.B2BClient
	interval time.Duration
	max      int
	log      *slog.Logger
	now      func() time.Time

	life   context.Context // cancelled by close; every fetch runs under it
	cancel context.CancelFunc
	wg     sync.WaitGroup
	full   atomic.Bool // the cache filled up once (logged once)

	mu      sync.RWMutex
	closed  bool
	entries map[string]*orgEntry
	ring    []*orgEntry // the CLOCK's circle, in slot order
	hand    int
}

// orgEntry is one organization's custom roles and its fetch state.
type orgEntry struct {
	id string
	// used is the CLOCK's reference bit: set by checks, cleared by the
	// hand.
	used atomic.Bool
	// state is the roles in force: nil until the first fetch succeeds.
	state atomic.Pointer[orgState]
	// busy is true while a fetch runs, and retryAt (Unix ns) is the end of
	// the backoff after a failure: a check reads both before it takes mu,
	// so that a stale entry costs no lock while a fetch runs or waits.
	busy    atomic.Bool
	retryAt atomic.Int64
	// failed says why no roles are in force, while none are.
	failed atomic.Pointer[unavailableError]

	mu       sync.Mutex
	inflight *orgFetch
	failures int // in a row
}

// orgState is an organization's compiled custom roles and when they are
// to be fetched again.
type orgState struct {
	roles   *orgRoles
	staleAt time.Time
}

// orgFetch is one fetch of an organization's custom roles, shared by every
// check waiting for it.
type orgFetch struct {
	done chan struct{}
	err  error // written before done is closed
}

// maxOrganizationIDBytes bounds an organization id used as a key: Stytch's
// are about 60 bytes.
const maxOrganizationIDBytes = 256

// errOrgCacheClosed is the cause of a check of an organization not held
// once the cache is closed.
var errOrgCacheClosed = errors.New("policy: the B2B cache is closed")

func newOrgCache(ctx context.Context, c *client.B2BClient, interval time.Duration, max int, log *slog.Logger) *orgCache {
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &orgCache{client: c, interval: interval, max: max, log: log, now: time.Now,
		life: life, cancel: cancel, entries: make(map[string]*orgEntry)}
}

// roles returns the organization's custom roles in force. An organization
// seen before answers at once (and is refreshed in the background when
// stale); one never loaded waits, as long as ctx allows, for the fetch
// that every concurrent check of it shares, and fails closed with an
// error matching ErrUnavailable when it fails. After a failure, checks of
// an organization never loaded fail at once until the backoff ends.
func (oc *orgCache) roles(ctx context.Context, id string) (*orgRoles, error) {
	e := oc.entry(id)
	if e == nil {
		return nil, &unavailableError{cause: errOrgCacheClosed}
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	if st := e.state.Load(); st != nil {
		if now := oc.now(); !now.Before(st.staleAt) {
			oc.start(e, now)
		}
		return st.roles, nil
	}
	f := oc.start(e, oc.now())
	if f == nil {
		return nil, e.unavailable()
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, &unavailableError{cause: fmt.Errorf("policy: waiting for organization %s's custom roles: %w", id, ctx.Err())}
	}
	if st := e.state.Load(); st != nil {
		return st.roles, nil
	}
	return nil, e.unavailable()
}

// refreshNow fetches an organization's custom roles now, after the fetch
// under way (if any), whatever the backoff, and waits for it as long as
// ctx allows.
func (oc *orgCache) refreshNow(ctx context.Context, id string) error {
	e := oc.entry(id)
	if e == nil {
		return errOrgCacheClosed
	}
	e.mu.Lock()
	older := e.inflight
	for older != nil && e.inflight == older {
		e.mu.Unlock()
		select {
		case <-older.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		e.mu.Lock()
	}
	f := e.inflight // one that started after the call, if any
	if f == nil {
		f = oc.startLocked(e)
	}
	e.mu.Unlock()
	if f == nil {
		return errOrgCacheClosed
	}
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// entry returns the organization's entry, adding it (and forgetting
// another when full) if it is new; nil once the cache is closed.
func (oc *orgCache) entry(id string) *orgEntry {
	oc.mu.RLock()
	e := oc.entries[id]
	oc.mu.RUnlock()
	if e != nil {
		return e
	}
	oc.mu.Lock()
	defer oc.mu.Unlock()
	if oc.closed {
		return nil
	}
	if e = oc.entries[id]; e != nil {
		return e
	}
	e = &orgEntry{id: id}
	if len(oc.ring) < oc.max {
		oc.ring = append(oc.ring, e)
	} else {
		oc.evictLocked(e)
	}
	oc.entries[id] = e
	return e
}

// evictLocked puts e in the slot of an entry the CLOCK hand finds unused
// since it last passed (after at most two turns, whatever checks do
// meanwhile), and forgets that entry. oc.mu must be held.
func (oc *orgCache) evictLocked(e *orgEntry) {
	if !oc.full.Swap(true) {
		oc.log.Warn("policy: the organization policy cache is full; organizations used least recently are forgotten and fetched again when next used",
			slog.Int("max_organizations", oc.max))
	}
	for turn := 0; ; turn++ {
		old := oc.ring[oc.hand]
		if turn >= 2*len(oc.ring) || !old.used.Swap(false) {
			delete(oc.entries, old.id)
			oc.ring[oc.hand] = e
			oc.hand = (oc.hand + 1) % len(oc.ring)
			return
		}
		oc.hand = (oc.hand + 1) % len(oc.ring)
	}
}

// start returns the fetch under way for e, or starts one unless e is in
// its backoff or the cache is closed (then nil). While e has roles in
// force and a fetch runs, it returns nil without taking a lock: nobody
// waits for a background refresh.
func (oc *orgCache) start(e *orgEntry, now time.Time) *orgFetch {
	busy := e.busy.Load()
	if busy && e.state.Load() != nil || !busy && now.UnixNano() < e.retryAt.Load() {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.inflight != nil {
		return e.inflight
	}
	if now.UnixNano() < e.retryAt.Load() {
		return nil
	}
	return oc.startLocked(e)
}

// startLocked starts a fetch for e. e.mu must be held and no fetch under
// way; nil once the cache is closed.
func (oc *orgCache) startLocked(e *orgEntry) *orgFetch {
	oc.mu.RLock()
	defer oc.mu.RUnlock()
	if oc.closed {
		return nil
	}
	oc.wg.Add(1) // under oc.mu, so never after close's Wait began
	f := &orgFetch{done: make(chan struct{})}
	e.inflight = f
	e.busy.Store(true)
	go oc.fetch(e, f)
	return f
}

// fetch fetches and compiles e's custom roles and puts them in force; on
// failure the roles in force stay, and the next fetch waits for the
// backoff (from 1 s, doubling, up to 30 s, jittered, at most the refresh
// interval).
func (oc *orgCache) fetch(e *orgEntry, f *orgFetch) {
	defer oc.wg.Done()
	resp, err := oc.client.GetOrgPolicy(oc.life, client.OrgPolicyRequest{OrganizationID: e.id})
	now := oc.now()
	e.mu.Lock()
	var prev *orgState
	if err == nil {
		prev = e.state.Swap(&orgState{roles: compileOrgRoles(resp.OrgPolicy.Roles),
			staleAt: now.Add(refresh.Jitter(oc.interval, refresh.IntervalSpread))})
		e.failures = 0
		e.retryAt.Store(0)
		e.failed.Store(nil)
	} else {
		err = fmt.Errorf("policy: fetch the custom roles of organization %s: %w", e.id, err)
		e.failures++
		retryIn := refresh.Jitter(refresh.Backoff(minRetryDelay, min(maxRetryDelay, oc.interval), e.failures), refresh.BackoffSpread)
		e.retryAt.Store(now.Add(retryIn).UnixNano())
		if e.state.Load() == nil {
			e.failed.Store(&unavailableError{cause: err})
		}
		if oc.life.Err() == nil {
			oc.logFailure(e, err, retryIn)
		}
	}
	e.inflight = nil
	e.busy.Store(false)
	e.mu.Unlock()
	if err == nil && prev == nil {
		oc.log.Debug("policy: organization custom roles loaded",
			slog.String("organization_id", e.id), slog.Int("roles", len(resp.OrgPolicy.Roles)),
			slog.String("request_id", resp.RequestID))
	}
	f.err = err
	close(f.done)
}

// logFailure reports a failed fetch: an error while the organization's
// roles were never loaded (its checks fail closed), a warning otherwise.
// e.mu is held.
func (oc *orgCache) logFailure(e *orgEntry, err error, retryIn time.Duration) {
	if e.state.Load() == nil {
		oc.log.Error("policy: cannot load an organization's custom roles; its checks fail closed until they load",
			slog.String("organization_id", e.id), slog.Any("error", err),
			slog.Int("failures", e.failures), slog.Duration("retry_in", retryIn))
		return
	}
	oc.log.Warn("policy: organization custom roles refresh failed; the last good roles stay in force",
		slog.String("organization_id", e.id), slog.Any("error", err),
		slog.Int("failures", e.failures), slog.Duration("retry_in", retryIn))
}

// unavailable is the error of a check of e while its roles never loaded.
func (e *orgEntry) unavailable() error {
	if u := e.failed.Load(); u != nil {
		return u
	}
	return ErrUnavailable
}

// held is the number of organizations held.
func (oc *orgCache) held() int {
	oc.mu.RLock()
	defer oc.mu.RUnlock()
	return len(oc.entries)
}

// close cancels the fetches under way and waits for them; the roles held
// stay usable, and no fetch starts again.
func (oc *orgCache) close() {
	oc.mu.Lock()
	oc.closed = true
	oc.mu.Unlock()
	oc.cancel()
	oc.wg.Wait()
}
