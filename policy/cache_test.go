package policy_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
)

// newCache starts a Cache on srv that refreshes every interval (0: the
// default) and closes it at the end of the test.
func newCache(t *testing.T, srv *policyServer, interval time.Duration) (*policy.Cache, *logBuffer) {
	t.Helper()
	log, logs := newLogger()
	c, err := policy.New(t.Context(), policy.Config{Client: srv.client(t), RefreshInterval: interval, Logger: log})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, logs
}

// allowed reports whether the cache authorizes reader to delete documents,
// the permission the tests grant and revoke.
func readerMayDelete(t *testing.T, c *policy.Cache) bool {
	t.Helper()
	v, err := c.Authorize([]string{"stytch_user", "reader"}, "documents", "delete")
	if err != nil && !errors.Is(err, policy.ErrDenied) {
		t.Fatalf("Authorize: unexpected error %v", err)
	}
	return v.Authorized()
}

// withReaderDelete is testPolicy with reader also granted delete.
func withReaderDelete() *client.Policy {
	p := testPolicy()
	p.Roles[1].Permissions[0].Actions = append(p.Roles[1].Permissions[0].Actions, "delete")
	return p
}

func TestCacheEvaluatesAsTheIndex(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	c, logs := newCache(t, srv, time.Hour)
	for _, ec := range evalCases {
		t.Run(ec.name, func(t *testing.T) {
			v, err := c.Authorize(ec.roles, ec.resource, ec.action)
			checkVerdict(t, ec, v, err)
		})
	}
	got, ok := c.Policy()
	if !ok || !reflect.DeepEqual(got, testPolicy()) {
		t.Errorf("Policy() = %+v, %v; want the served policy", got, ok)
	}
	if err := c.Validate("documents", "read"); err != nil {
		t.Errorf("Validate(documents, read) = %v", err)
	}
	if err := c.Validate("documents", "reed"); !errors.Is(err, policy.ErrUnknownAction) {
		t.Errorf("Validate(documents, reed) = %v, want ErrUnknownAction", err)
	}
	out := logs.String()
	for _, want := range []string{"RBAC policy loaded", "request_id=request-id-test-ok", `role \"ghost\" has a permission on resource \"legacy\"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testSecret) {
		t.Error("the log holds the project secret")
	}
}

// TestCacheBackgroundRefreshSeesChange: a change is in force within the
// refresh interval, and not before the interval's jittered share.
func TestCacheBackgroundRefreshSeesChange(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	synctest.Test(t, func(t *testing.T) {
		c, _ := newCache(t, srv, 0)
		srv.setPolicy(withReaderDelete())
		time.Sleep(policy.DefaultRefreshInterval - policy.DefaultRefreshInterval/10 - time.Second)
		if readerMayDelete(t, c) || srv.requests.Load() != 1 {
			t.Fatalf("fetched again before the refresh came due (%d requests)", srv.requests.Load())
		}
		time.Sleep(policy.DefaultRefreshInterval/10 + time.Second)
		if !readerMayDelete(t, c) {
			t.Fatal("the granted permission is not seen within the refresh interval")
		}
		srv.setPolicy(testPolicy())
		time.Sleep(policy.DefaultRefreshInterval)
		if readerMayDelete(t, c) {
			t.Fatal("the revoked permission is not seen within the refresh interval")
		}
	})
}

func TestCacheRefreshNow(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	c, _ := newCache(t, srv, time.Hour)
	srv.setPolicy(withReaderDelete())
	if readerMayDelete(t, c) {
		t.Fatal("the policy changed without a refresh")
	}
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if !readerMayDelete(t, c) {
		t.Fatal("the refreshed policy is not in force when Refresh returns")
	}
}

// TestCacheKeepsLastGoodPolicy: whatever way a refresh fails, the policy
// in force stays, and the failure is returned or logged.
func TestCacheKeepsLastGoodPolicy(t *testing.T) {
	for _, c := range []struct {
		mode string
		want func(error) bool
	}{
		{"503", func(err error) bool { return errors.Is(err, client.ErrServerUnavailable) }},
		{"garbage", func(err error) bool { var re *client.RequestError; return errors.As(err, &re) }},
		{"drop", func(err error) bool { var re *client.RequestError; return errors.As(err, &re) }},
		{"no_policy", func(err error) bool { return errors.Is(err, policy.ErrInvalidPolicy) }},
	} {
		t.Run(c.mode, func(t *testing.T) {
			srv := newPolicyServer(t, withReaderDelete())
			cache, _ := newCache(t, srv, time.Hour)
			srv.fail(c.mode)
			err := cache.Refresh(t.Context())
			if err == nil || !c.want(err) {
				t.Fatalf("Refresh = %v, want the %s failure", err, c.mode)
			}
			if !readerMayDelete(t, cache) {
				t.Error("the last good policy was dropped after a failed refresh")
			}
			if p, ok := cache.Policy(); !ok || !reflect.DeepEqual(p, withReaderDelete()) {
				t.Errorf("Policy() = %v, %v after a failed refresh", p, ok)
			}
		})
	}
}

func TestCacheBackgroundFailureKeepsPolicyAndRecovers(t *testing.T) {
	srv := newPolicyServer(t, withReaderDelete())
	synctest.Test(t, func(t *testing.T) {
		c, logs := newCache(t, srv, 0)
		srv.fail("503")
		seen := srv.requests.Load()
		time.Sleep(policy.DefaultRefreshInterval + 2*time.Second) // the refresh and its first retry
		if n := srv.requests.Load() - seen; n < 2 {
			t.Fatalf("%d failed refreshes, want the refresh and a retry within 1 s", n)
		}
		if !readerMayDelete(t, c) {
			t.Fatal("the last good policy was dropped while the endpoint is down")
		}
		if !strings.Contains(logs.String(), "refresh failed; the last good policy stays in force") {
			t.Errorf("the failure is not logged:\n%s", logs.String())
		}
		srv.setPolicy(testPolicy())
		srv.fail("")
		time.Sleep(30 * time.Second) // the longest backoff
		if readerMayDelete(t, c) {
			t.Fatal("the new policy is not seen within 30 s of the recovery")
		}
		if out := logs.String(); !strings.Contains(out, "server_unavailable") || strings.Contains(out, testSecret) {
			t.Errorf("log should name the failure and not the secret:\n%s", out)
		}
	})
}

func TestCacheNeverLoadedFailsClosed(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	srv.fail("503")
	c, logs := newCache(t, srv, time.Hour)

	v, err := c.Authorize([]string{"admin"}, "documents", "read")
	if v.Authorized() || !errors.Is(err, policy.ErrUnavailable) || errors.Is(err, policy.ErrDenied) {
		t.Fatalf("Authorize = %v, %v; want ErrUnavailable and not a denial", v.Authorized(), err)
	}
	if !errors.Is(err, client.ErrServerUnavailable) || !strings.Contains(err.Error(), "no RBAC policy loaded") || !strings.Contains(err.Error(), "server_unavailable") {
		t.Errorf("the unavailable error %q does not carry the fetch failure", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Error("the error holds the project secret")
	}
	if err := c.Validate("documents", "read"); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("Validate = %v, want ErrUnavailable", err)
	}
	if p, ok := c.Policy(); ok || p != nil {
		t.Errorf("Policy() = %v, %v; want none", p, ok)
	}
	if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "fail closed") {
		t.Errorf("the failed first load is not logged as an error:\n%s", out)
	}

	srv.fail("")
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh after recovery: %v", err)
	}
	if _, err := c.Authorize([]string{"admin"}, "documents", "read"); err != nil {
		t.Errorf("Authorize after recovery = %v", err)
	}
}

// TestCacheNeverLoadedRetries: with no policy, the background loop retries
// from 1 s, doubling up to 30 s, jittered into [d/2, d], until it loads.
func TestCacheNeverLoadedRetries(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	srv.fail("drop")
	synctest.Test(t, func(t *testing.T) {
		c, _ := newCache(t, srv, 0)
		for _, at := range []struct {
			at       time.Duration
			requests int64
		}{{400 * time.Millisecond, 1}, {1010 * time.Millisecond, 2}, {1490 * time.Millisecond, 2}} {
			sleepUntil(at.at)
			if n := srv.requests.Load(); n != at.requests {
				t.Fatalf("at %s: %d requests, want %d", at.at, n, at.requests)
			}
		}
		// 1+2+4+8+16+30+30 s: 7 retries at the latest, 8 at the earliest.
		sleepUntil(91 * time.Second)
		if n := srv.requests.Load(); n < 8 || n > 9 {
			t.Fatalf("after 91 s: %d requests, want 8 or 9 (retries capped at 30 s)", n)
		}
		if _, err := c.Authorize([]string{"admin"}, "documents", "read"); !errors.Is(err, policy.ErrUnavailable) {
			t.Fatalf("Authorize while down = %v, want ErrUnavailable", err)
		}
		srv.fail("")
		time.Sleep(30 * time.Second)
		if _, err := c.Authorize([]string{"admin"}, "documents", "read"); err != nil {
			t.Fatalf("Authorize 30 s after the recovery = %v", err)
		}
	})
}

// TestRetriesNeverWaitLongerThanTheInterval: a refresh interval below the
// 30 s backoff ceiling caps the backoff.
func TestRetriesNeverWaitLongerThanTheInterval(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	srv.fail("503")
	synctest.Test(t, func(t *testing.T) {
		newCache(t, srv, 2*time.Second)
		time.Sleep(time.Minute)
		// The first retry within 1 s, then one at least every 2 s.
		if n := srv.requests.Load(); n < 1+1+29 {
			t.Fatalf("%d requests in a minute, want at least 31", n)
		}
	})
}

func TestNewDoesNotFailWhenStytchIsDown(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	cl := srv.client(t)
	srv.Close() // nothing listens any more
	log, _ := newLogger()
	c, err := policy.New(t.Context(), policy.Config{Client: cl, Logger: log})
	if err != nil {
		t.Fatalf("New = %v, want a cache that fails closed", err)
	}
	defer c.Close()
	if _, err := c.Authorize([]string{"admin"}, "documents", "read"); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("Authorize = %v, want ErrUnavailable", err)
	}
}

// TestNewWaitsNoLongerThanCtx: New waits for the first fetch only as long
// as ctx allows; the fetch goes on in the background and loads the policy.
func TestNewWaitsNoLongerThanCtx(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	release := srv.holdRequests()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c, err := policy.New(ctx, policy.Config{Client: srv.client(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer c.Close()
	if _, ok := c.Policy(); ok {
		t.Fatal("a policy is loaded while its fetch is held")
	}
	release()
	eventually(t, "the background load", func() bool { _, ok := c.Policy(); return ok })
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("%d requests, want the first fetch only", n)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	for name, cfg := range map[string]policy.Config{
		"no client":        {},
		"negative refresh": {Client: srv.client(t), RefreshInterval: -time.Second},
		"tiny refresh":     {Client: srv.client(t), RefreshInterval: time.Microsecond},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := policy.New(t.Context(), cfg)
			if !errors.Is(err, policy.ErrInvalidConfig) || c != nil {
				t.Fatalf("New = %v, %v; want ErrInvalidConfig", c, err)
			}
		})
	}
	if srv.requests.Load() != 0 {
		t.Error("New fetched with a bad config")
	}
}

func TestCacheCloseStopsRefreshing(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	synctest.Test(t, func(t *testing.T) {
		c, _ := newCache(t, srv, 0)
		time.Sleep(policy.DefaultRefreshInterval)
		if n := srv.requests.Load(); n != 2 {
			t.Fatalf("%d requests, want 2 (start, one refresh)", n)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		// The goroutine has ended (goleak checks it too): no request
		// follows, and the policy in force stays usable.
		time.Sleep(24 * time.Hour)
		if _, err := c.Authorize([]string{"reader"}, "documents", "read"); err != nil {
			t.Errorf("Authorize after Close = %v", err)
		}
		if n := srv.requests.Load(); n != 2 {
			t.Errorf("%d requests after Close", n-2)
		}
		if err := c.Refresh(t.Context()); err == nil || srv.requests.Load() != 2 {
			t.Errorf("Refresh after Close = %v, want an error and no request", err)
		}
	})
}

// TestNilLoggerIsSilent: without a Logger the Cache logs nothing, not even
// to slog.Default.
func TestNilLoggerIsSilent(t *testing.T) {
	log, logs := newLogger()
	prev := slog.Default()
	slog.SetDefault(log)
	defer slog.SetDefault(prev)

	srv := newPolicyServer(t, testPolicy())
	srv.fail("503")
	c, err := policy.New(t.Context(), policy.Config{Client: srv.client(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.fail("")
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Authorize([]string{"reader"}, "documnets", "read")
	if out := logs.String(); out != "" {
		t.Errorf("a Cache without a Logger wrote to slog.Default:\n%s", out)
	}
}

func TestNilCacheFailsClosed(t *testing.T) {
	var c *policy.Cache
	if _, err := c.Authorize([]string{"admin"}, "documents", "read"); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("Authorize = %v", err)
	}
	if err := c.Validate("documents", "read"); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("Validate = %v", err)
	}
	if _, ok := c.Policy(); ok {
		t.Error("nil cache has a policy")
	}
}

// TestCacheLogsUnknownOnce: a check naming an undefined resource or action
// is logged once per pair, again after the policy changed, and the set of
// pairs remembered is bounded.
func TestCacheLogsUnknownOnce(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	c, logs := newCache(t, srv, time.Hour)
	count := func(s string) int { return strings.Count(logs.String(), s) }
	const msg = "does not define (a typo in a rule?)"

	for range 3 {
		_, err := c.Authorize([]string{"reader"}, "documnets", "read")
		if !errors.Is(err, policy.ErrUnknownResource) {
			t.Fatalf("Authorize = %v", err)
		}
		_, _ = c.Authorize([]string{"reader"}, "documents", "reed")
		_, _ = c.Authorize([]string{"reader"}, "documents", "delete") // defined: never logged
	}
	if n := count(msg); n != 2 {
		t.Errorf("logged %d unknown pairs, want 2:\n%s", n, logs.String())
	}
	for _, want := range []string{"resource=documnets action=read reason=unknown_resource", "resource=documents action=reed reason=unknown_action"} {
		if count(want) != 1 {
			t.Errorf("log lacks %q once:\n%s", want, logs.String())
		}
	}

	srv.setPolicy(withReaderDelete())
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Authorize([]string{"reader"}, "documnets", "read")
	if n := count(msg); n != 3 {
		t.Errorf("after a policy change the pair was logged %d times in all, want 3", n)
	}

	long := strings.Repeat("x", 10_000)
	for i := range 400 {
		_, _ = c.Authorize(nil, fmt.Sprint(i, long), "read")
	}
	// One pair was remembered since the policy changed: 255 more fit.
	if n := count(msg); n != 3+255 {
		t.Errorf("logged %d unknown pairs in all, want %d (the bound is 256 remembered)", n, 3+255)
	}
	if count("too many distinct checks") != 1 {
		t.Errorf("the bound was logged %d times, want once", count("too many distinct checks"))
	}
	if strings.Contains(logs.String(), long) {
		t.Error("a 10 kB resource name was logged whole")
	}
}

// TestCacheConcurrentChecksDuringRefresh runs checks while the policy
// flips between two versions; with -race it checks the hot path's
// synchronisation, and every answer must match one of the two versions.
func TestCacheConcurrentChecksDuringRefresh(t *testing.T) {
	srv := newPolicyServer(t, testPolicy())
	c, _ := newCache(t, srv, time.Hour)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			roles := []string{"stytch_user", "reader", "editor"}
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := c.Authorize(roles, "documents", "read")
				if err != nil || !slices.Equal(v.GrantingRoles(), []string{"reader", "editor"}) {
					t.Errorf("Authorize(documents, read) = %v, %v", v.GrantingRoles(), err)
					return
				}
				v, err = c.Authorize(roles, "documents", "delete")
				if err == nil && !slices.Equal(v.GrantingRoles(), []string{"reader"}) || err != nil && !errors.Is(err, policy.ErrDenied) {
					t.Errorf("Authorize(documents, delete) = %v, %v", v.GrantingRoles(), err)
					return
				}
			}
		})
	}
	for i := range 10 {
		if i%2 == 0 {
			srv.setPolicy(withReaderDelete())
		} else {
			srv.setPolicy(testPolicy())
		}
		if err := c.Refresh(t.Context()); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
}
