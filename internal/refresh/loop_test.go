package refresh

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var errDown = errors.New("upstream down")

// upstream is the fetch function of the tests: it records when it was
// called and answers with the error its script holds at that moment.
type upstream struct {
	mu    sync.Mutex
	err   error
	calls []time.Time
	hold  chan struct{} // when set, fetches wait for it to close (or for ctx)
}

func (u *upstream) fetch(ctx context.Context) error {
	u.mu.Lock()
	u.calls = append(u.calls, time.Now())
	err, hold := u.err, u.hold
	u.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (u *upstream) set(err error) {
	u.mu.Lock()
	u.err = err
	u.mu.Unlock()
}

// holdFetches makes fetches wait until release is called.
func (u *upstream) holdFetches() (release func()) {
	hold := make(chan struct{})
	u.mu.Lock()
	u.hold = hold
	u.mu.Unlock()
	return func() {
		u.mu.Lock()
		if u.hold == hold {
			u.hold = nil
		}
		u.mu.Unlock()
		close(hold)
	}
}

func (u *upstream) n() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.calls)
}

// gaps returns the time between consecutive calls.
func (u *upstream) gaps() []time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	var d []time.Duration
	for i := 1; i < len(u.calls); i++ {
		d = append(d, u.calls[i].Sub(u.calls[i-1]))
	}
	return d
}

var testConfig = Config{Interval: time.Hour, RetryInterval: time.Second, MaxRetryInterval: 30 * time.Second, MinInterval: 30 * time.Second}

func start(t *testing.T, u *upstream, cfg Config) *Loop {
	t.Helper()
	l, first := Start(t.Context(), cfg, u.fetch)
	t.Cleanup(l.Close)
	<-first.Done()
	return l
}

func within(d, nominal time.Duration, spread int) bool {
	return d >= nominal-nominal/time.Duration(spread) && d <= nominal
}

func TestPeriodicRefreshWithinTheInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{}
		start(t, u, testConfig)
		time.Sleep(5*time.Hour + time.Second)
		if n := u.n(); n != 6 {
			t.Fatalf("fetches in 5 h = %d, want 6 (start + one per hour)", n)
		}
		for i, d := range u.gaps() {
			if !within(d, time.Hour, IntervalSpread) {
				t.Errorf("gap %d = %s, want within [54m, 1h]", i, d)
			}
		}
	})
}

// TestStartDegradedRetriesWithBackoff: a loop whose first fetch fails
// retries from RetryInterval, doubling up to MaxRetryInterval, each wait
// jittered into [d/2, d]; a success goes back to the interval, and the next
// failure starts the backoff over.
func TestStartDegradedRetriesWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{err: errDown}
		var mu sync.Mutex
		var reported []int
		cfg := testConfig
		cfg.OnFailure = func(err error, failures int, retryIn time.Duration) {
			if !errors.Is(err, errDown) || !within(retryIn, Backoff(time.Second, 30*time.Second, failures), BackoffSpread) {
				t.Errorf("OnFailure(%v, %d, %s)", err, failures, retryIn)
			}
			mu.Lock()
			reported = append(reported, failures)
			mu.Unlock()
		}
		l := start(t, u, cfg)
		if !errors.Is(l.Err(), errDown) {
			t.Fatalf("Err() = %v, want the fetch error", l.Err())
		}
		time.Sleep(2 * time.Minute)
		u.set(nil)
		time.Sleep(30 * time.Second) // the retry in force lands
		calls := u.n()
		nominal := []time.Duration{1, 2, 4, 8, 16, 30, 30}
		for i, d := range u.gaps()[:len(nominal)] {
			if !within(d, nominal[i]*time.Second, BackoffSpread) {
				t.Errorf("retry %d after %s, want within [%s, %s]", i+1, d, nominal[i]*time.Second/2, nominal[i]*time.Second)
			}
		}
		if l.Err() != nil {
			t.Fatalf("Err() after recovery = %v", l.Err())
		}
		time.Sleep(30 * time.Minute)
		if u.n() != calls {
			t.Fatalf("%d fetches within the interval after a success", u.n()-calls)
		}
		u.set(errDown)
		time.Sleep(31 * time.Minute) // the periodic fetch fails, then the retries
		gaps := u.gaps()
		i := len(gaps) - 1
		for i > 0 && gaps[i] < 50*time.Minute {
			i--
		}
		if i+1 >= len(gaps) || !within(gaps[i+1], time.Second, BackoffSpread) {
			t.Errorf("after a new failure the retries came %v apart, want the backoff started over at 1 s", gaps[i:])
		}
		mu.Lock()
		defer mu.Unlock()
		if k := slices.Index(reported[1:], 1) + 1; k == 0 || reported[0] != 1 || reported[k+1] != 2 {
			t.Errorf("OnFailure saw failures %v, want 1, 2, … then 1, 2 again", reported)
		}
	})
}

// TestBackoffBelowRetryInterval: a ceiling below RetryInterval bounds every
// wait (policy's short test intervals rely on it).
func TestBackoffBelowRetryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{err: errDown}
		start(t, u, Config{Interval: 5 * time.Millisecond, RetryInterval: time.Second, MaxRetryInterval: 5 * time.Millisecond})
		time.Sleep(time.Second)
		if n := u.n(); n < 200 {
			t.Fatalf("%d fetches in 1 s, want ≥ 200 (every 2.5–5 ms)", n)
		}
	})
}

func TestTriggerIsRateLimitedAndShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{}
		l := start(t, u, testConfig)
		if _, ok := l.Trigger(); ok {
			t.Fatal("Trigger right after a success started a fetch")
		}
		time.Sleep(testConfig.MinInterval - time.Nanosecond)
		if _, ok := l.Trigger(); ok {
			t.Fatal("Trigger within MinInterval started a fetch")
		}
		time.Sleep(time.Nanosecond)

		// One fetch, shared by every caller while it is under way.
		release := u.holdFetches()
		f, ok := l.Trigger()
		if !ok {
			t.Fatal("Trigger after MinInterval did not fetch")
		}
		for range 10 {
			if g, ok := l.Trigger(); !ok || g != f {
				t.Fatal("a Trigger during a fetch did not join it")
			}
		}
		release()
		if err := f.Err(); err != nil {
			t.Fatal(err)
		}
		if n := u.n(); n != 2 {
			t.Fatalf("fetches = %d, want 2", n)
		}
		if _, ok := l.Trigger(); ok {
			t.Fatal("the triggered success did not spend the budget")
		}
	})
}

// TestOnlySuccessSpendsTheTriggerBudget: after a failure, Trigger waits for
// the backoff only, not for MinInterval.
func TestOnlySuccessSpendsTheTriggerBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{}
		cfg := testConfig
		cfg.MinInterval = time.Hour
		cfg.Interval = 10 * time.Hour
		l := start(t, u, cfg)
		time.Sleep(time.Hour)
		u.set(errDown)
		f, ok := l.Trigger()
		if !ok || !errors.Is(f.Err(), errDown) {
			t.Fatalf("Trigger = %v, %v; want the failed fetch", f, ok)
		}
		if _, ok := l.Trigger(); ok {
			t.Fatal("Trigger within the backoff started a fetch")
		}
		u.set(nil)
		time.Sleep(time.Second) // the first backoff is at most RetryInterval; the loop's retry runs
		if n := u.n(); n != 3 {
			t.Fatalf("fetches = %d, want 3 (start, triggered failure, retry)", n)
		}
		if _, ok := l.Trigger(); ok {
			t.Fatal("the retry's success did not spend the budget")
		}
	})
}

func TestFetchNowStartsAfterTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{}
		l := start(t, u, testConfig)

		// No fetch under way: FetchNow starts one, rate limit or not.
		f, err := l.FetchNow(t.Context())
		if err != nil || f.Err() != nil || u.n() != 2 {
			t.Fatalf("FetchNow = %v, %v; fetches %d", f, err, u.n())
		}

		// A fetch under way at the call is waited out, then a new one runs.
		release := u.holdFetches()
		older, _ := l.FetchNow(t.Context())
		synctest.Wait()
		got := make(chan *Fetch, 2)
		for range 2 {
			go func() {
				f, err := l.FetchNow(t.Context())
				if err != nil {
					t.Error(err)
				}
				got <- f
			}()
		}
		synctest.Wait()
		releaseNewer := u.holdFetches()
		release()
		synctest.Wait()
		releaseNewer()
		a, b := <-got, <-got
		if a == older || a != b {
			t.Fatal("the callers did not share one fetch started after the older one")
		}
		if err := a.Err(); err != nil || u.n() != 4 {
			t.Fatalf("fetch: %v; fetches %d, want 4", err, u.n())
		}
	})
}

func TestFetchNowStopsWaitingWhenCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{}
		release := u.holdFetches()
		l, first := Start(t.Context(), testConfig, u.fetch)
		defer l.Close()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := l.FetchNow(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("FetchNow = %v, want the ctx's error", err)
		}
		release()
		if err := first.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCloseCancelsTheFetchAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{}
		u.holdFetches()
		failures := 0
		cfg := testConfig
		cfg.OnFailure = func(error, int, time.Duration) { failures++ }
		l, first := Start(t.Context(), cfg, u.fetch)
		synctest.Wait()
		l.Close()
		if !errors.Is(first.Err(), context.Canceled) {
			t.Fatalf("the fetch under way ended with %v, want context.Canceled", first.Err())
		}
		if failures != 0 {
			t.Error("a fetch cut short by Close was reported as a failure")
		}
		if _, ok := l.Trigger(); ok {
			t.Error("Trigger after Close started a fetch")
		}
		if _, err := l.FetchNow(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("FetchNow after Close = %v, want ErrClosed", err)
		}
		if !errors.Is(l.Err(), ErrClosed) {
			t.Errorf("Err after Close = %v, want ErrClosed", l.Err())
		}
		l.Close() // idempotent
		time.Sleep(24 * time.Hour)
		if n := u.n(); n != 1 {
			t.Errorf("%d fetches after Close", n-1)
		}
	})
}

func TestFetchesKeepTheCallersValuesNotItsCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type key struct{}
		ctx, cancel := context.WithCancel(context.WithValue(t.Context(), key{}, "v"))
		cancel()
		var seen any
		var ctxErr error
		l, first := Start(ctx, testConfig, func(ctx context.Context) error {
			seen, ctxErr = ctx.Value(key{}), ctx.Err()
			return nil
		})
		defer l.Close()
		if err := first.Err(); err != nil || seen != "v" || ctxErr != nil {
			t.Fatalf("fetch saw value %v and ctx error %v", seen, ctxErr)
		}
	})
}

// TestScheduleRunsOnTheRuntimesClock: Now rules Trigger's rate limit only;
// moving it forward never makes the background loop fetch (the jwks tests
// move it while the loop runs).
func TestScheduleRunsOnTheRuntimesClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		fake := time.Now()
		cfg := testConfig
		cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return fake }
		// Each failure moves Now a day on, between the moment the backoff
		// is set and the moment the loop arms its timer.
		cfg.OnFailure = func(error, int, time.Duration) { mu.Lock(); fake = fake.Add(24 * time.Hour); mu.Unlock() }
		u := &upstream{err: errDown}
		l := start(t, u, cfg)
		time.Sleep(400 * time.Millisecond) // below the least backoff, 500 ms
		if n := u.n(); n != 1 {
			t.Fatalf("fetches = %d, want 1: the loop fetched on Now's time", n)
		}
		if _, ok := l.Trigger(); !ok {
			t.Fatal("Trigger after Now passed the backoff did not fetch")
		}
		synctest.Wait()
		time.Sleep(400 * time.Millisecond)
		if n := u.n(); n != 2 {
			t.Fatalf("fetches = %d, want 2 (start, Trigger)", n)
		}
	})
}
