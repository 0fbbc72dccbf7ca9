package refresh

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrClosed is the error of a fetch asked for after Close, and Loop.Err's
// answer once the loop is closed.
var ErrClosed = errors.New("refresh: closed")

// Config is the schedule of a Loop. Interval, RetryInterval and
// MaxRetryInterval must be positive; the users validate their own
// configuration and fill in their defaults before they start a Loop.
type Config struct {
	// Interval is the period from a successful fetch to the next, drawn by
	// Jitter with IntervalSpread.
	Interval time.Duration
	// RetryInterval is the nominal wait after the first failure in a row;
	// it doubles after each further failure, up to MaxRetryInterval, and
	// each wait is drawn by Jitter with BackoffSpread.
	RetryInterval time.Duration
	// MaxRetryInterval caps the nominal backoff (it may be below
	// RetryInterval: then every wait is at most MaxRetryInterval).
	MaxRetryInterval time.Duration
	// MinInterval is the least time from a successful fetch to a fetch that
	// Trigger starts early. Zero: no such bound (only the backoff applies).
	MinInterval time.Duration
	// OnFailure, when set, is called after each failed fetch (but not one
	// cut short by Close), before those waiting for the fetch see its end,
	// with the error, the failures in a row and the wait before the next
	// attempt: the place to log it.
	OnFailure func(err error, failures int, retryIn time.Duration)
	// Now is the clock of Trigger's rate limit and backoff decisions
	// (default time.Now). The background schedule runs on the runtime's
	// clock (timers set when a fetch ends), which testing/synctest fakes.
	Now func() time.Time
}

// Loop refreshes a value in the background until Close. It is safe for
// concurrent use.
type Loop struct {
	cfg   Config
	fetch func(context.Context) error

	ctx    context.Context // the loop's lifetime, cancelled by Close; every fetch runs under it
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // a fetch ended: the loop recomputes its timer

	mu          sync.Mutex
	closed      bool
	inflight    *Fetch    // the fetch under way, nil when none
	loaded      bool      // a fetch has succeeded
	lastSuccess time.Time // end of the latest successful fetch
	lastErr     error     // error of the latest fetch, nil if it succeeded
	failures    int       // consecutive failed fetches
	notBefore   time.Time // no fetch by Trigger before this (the backoff after a failure)
	// due is when the loop fetches next, on the runtime's clock (not Now):
	// the schedule is a timer set when a fetch ends, so moving a test's
	// Now forward can never make the loop fetch in its stead.
	due time.Time
}

// Fetch is one run of the fetch function, shared by every caller that
// waits for it.
type Fetch struct {
	done chan struct{}
	err  error // written before done is closed
}

// Done is closed when the fetch has ended.
func (f *Fetch) Done() <-chan struct{} { return f.done }

// Err is the fetch's error once Done is closed: nil when it succeeded.
func (f *Fetch) Err() error {
	<-f.done
	return f.err
}

// Start starts the loop and its first fetch at once, and returns both
// without waiting (the caller waits for first.Done() as long as it likes).
// Fetches run under a context that keeps ctx's values but not its
// cancellation, and is cancelled by Close.
func Start(ctx context.Context, cfg Config, fetch func(context.Context) error) (l *Loop, first *Fetch) {
	if cfg.Interval <= 0 || cfg.RetryInterval <= 0 || cfg.MaxRetryInterval <= 0 || cfg.MinInterval < 0 {
		panic("refresh: Config needs positive intervals") // a bug in this module, not an input
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l = &Loop{cfg: cfg, fetch: fetch, ctx: life, cancel: cancel, wake: make(chan struct{}, 1)}
	l.mu.Lock()
	first = l.startLocked()
	l.mu.Unlock()
	l.wg.Add(1)
	go l.run()
	return l, first
}

// Trigger asks for an early fetch: it returns the fetch under way, or
// starts one when the rate limit allows (at least MinInterval since the
// latest success, and the backoff after a failure elapsed), and returns
// false otherwise or once the loop is closed. Only successful fetches spend
// the MinInterval budget, so an outage does not lock out the fetch that
// follows it; failed ones are spaced by the backoff instead.
func (l *Loop) Trigger() (*Fetch, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, false
	}
	if l.inflight != nil {
		return l.inflight, true
	}
	now := l.cfg.Now()
	if l.loaded && now.Sub(l.lastSuccess) < l.cfg.MinInterval || now.Before(l.notBefore) {
		return nil, false
	}
	return l.startLocked(), true
}

// FetchNow returns a fetch that started no earlier than the call, whatever
// the rate limit: the fetch under way if it started after the call, or a
// new one, started after the one under way at the call (if any) ended, so
// that its answer is at least as new as the caller's reason to ask. It
// fails only when ctx ends first or the loop is closed.
func (l *Loop) FetchNow(ctx context.Context) (*Fetch, error) {
	l.mu.Lock()
	older := l.inflight
	for {
		switch {
		case l.closed:
			l.mu.Unlock()
			return nil, ErrClosed
		case l.inflight == nil:
			f := l.startLocked()
			l.mu.Unlock()
			return f, nil
		case l.inflight != older:
			f := l.inflight
			l.mu.Unlock()
			return f, nil
		}
		l.mu.Unlock()
		select {
		case <-older.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		l.mu.Lock()
	}
}

// Err is the error of the latest fetch that ended: nil when it succeeded or
// none has ended yet, ErrClosed once the loop is closed.
func (l *Loop) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return l.lastErr
}

// LastSuccess is when the latest successful fetch ended, on the loop's
// clock (zero before the first).
func (l *Loop) LastSuccess() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastSuccess
}

// Close stops the loop and cancels the fetch under way, and waits for
// both to end. Close is idempotent.
func (l *Loop) Close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	l.wg.Wait()
}

// startLocked starts a fetch in a goroutine of its own, bound to the loop's
// lifetime rather than to any caller, and records it as the one under way.
// l.mu must be held and the loop open.
func (l *Loop) startLocked() *Fetch {
	f := &Fetch{done: make(chan struct{})}
	l.inflight = f
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.finish(f, l.fetch(l.ctx))
	}()
	return f
}

// finish records a fetch's outcome and schedules the next one.
func (l *Loop) finish(f *Fetch, err error) {
	now := l.cfg.Now()
	l.mu.Lock()
	l.inflight = nil
	var retryIn time.Duration
	if err == nil {
		l.loaded, l.lastSuccess, l.lastErr, l.failures = true, now, nil, 0
		l.notBefore = time.Time{}
		l.due = time.Now().Add(Jitter(l.cfg.Interval, IntervalSpread))
	} else {
		l.lastErr = err
		l.failures++
		retryIn = Jitter(Backoff(l.cfg.RetryInterval, l.cfg.MaxRetryInterval, l.failures), BackoffSpread)
		l.notBefore = now.Add(retryIn)
		l.due = time.Now().Add(retryIn)
	}
	failures, closing := l.failures, l.closed
	l.mu.Unlock()

	if err != nil && !closing && l.cfg.OnFailure != nil {
		l.cfg.OnFailure(err, failures, retryIn)
	}
	f.err = err
	close(f.done)
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run fetches whenever the schedule comes due, until Close.
func (l *Loop) run() {
	defer l.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		l.mu.Lock()
		busy := l.inflight != nil
		wait := max(0, time.Until(l.due))
		l.mu.Unlock()
		timeout := timer.C
		if busy {
			timer.Stop()
			timeout = nil // the fetch's end wakes the loop
		} else {
			timer.Reset(wait)
		}
		select {
		case <-l.ctx.Done():
			return
		case <-l.wake:
		case <-timeout:
			l.mu.Lock()
			if !l.closed && l.inflight == nil && !time.Now().Before(l.due) {
				l.startLocked()
			}
			l.mu.Unlock()
		}
	}
}
