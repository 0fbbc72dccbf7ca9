package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// A failing Stytch, played by the emulator's fault injection. What must
// hold: locally verifiable JWTs keep passing; a request that needs Stytch
// gets 503 within a bound set by a documented timeout (RemoteTimeout for
// sessions/authenticate, the JWKS client's timeout for keys); no request
// is retried without bound; the last good keys and policy stay in force;
// and everything recovers on its own once Stytch answers again.
//
// Elapsed times are checked only as generous upper bounds.

// outageRemoteTimeout is the RemoteTimeout of the outage tests: short, so
// that the tests are quick, yet long enough on a loaded machine for the
// request to reach the emulator before it runs out.
const outageRemoteTimeout = time.Second

// withinBound fails when a request that needed Stytch took longer than
// its documented timeout allows, with generous slack for a loaded machine.
func withinBound(t *testing.T, elapsed, timeout time.Duration) {
	t.Helper()
	if limit := 3*timeout + 2*time.Second; elapsed > limit {
		t.Fatalf("answered after %v; the timeout %v allows at most %v", elapsed, timeout, limit)
	}
}

// timedCall is e.call with its duration.
func (e *env) timedCall(path string, opts ...reqOption) (reply, time.Duration) {
	e.t.Helper()
	start := time.Now()
	r := e.call(path, opts...)
	return r, time.Since(start)
}

// expiredJWT is an authentic JWT of the env's session whose exp has passed:
// it verifies locally and must be refreshed with Stytch.
func (e *env) expiredJWT() string {
	c := e.claims()
	now := e.srv.Now().Unix()
	c["iat"], c["nbf"], c["exp"] = now-600, now-600, now-300
	return e.sign(nil, c, "")
}

// TestOutageRemoteNeeded: for every way sessions/authenticate can fail,
// the three kinds of request that need it — an opaque session token, a JWT
// under MaxTokenAge 0, an expired JWT to refresh — get 503 within the
// RemoteTimeout bound after exactly one upstream call each (POST is never
// retried), while a locally valid JWT keeps passing without any call; once
// the fault is cleared, the same requests pass at once.
func TestOutageRemoteNeeded(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Tuning.RemoteTimeout = outageRemoteTimeout
		c.Tuning.SessionTokenCacheTTL = -1
	}})
	always := newEnv(t, envOptions{config: func(c *Config) {
		c.Tuning.RemoteTimeout = outageRemoteTimeout
		c.MaxTokenAge = alwaysRemote
	}})
	remoteNeeded := []struct {
		name string
		env  *env
		opt  reqOption
	}{
		{"opaque session token", e, cookie(DefaultTokenCookie, e.grant.SessionToken)},
		{"JWT under MaxTokenAge 0", always, bearer(always.grant.SessionJWT)},
		{"expired JWT to refresh", e, bearer(e.expiredJWT())},
	}
	faults := []struct {
		name  string
		fault stytchtest.Fault
	}{
		{"slower than RemoteTimeout", stytchtest.Fault{Latency: 30 * time.Second}},
		{"500", stytchtest.Fault{Status: http.StatusInternalServerError}},
		{"502", stytchtest.Fault{Status: http.StatusBadGateway}},
		{"503", stytchtest.Fault{Status: http.StatusServiceUnavailable}},
		{"429 with Retry-After", stytchtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second}},
		{"connection reset", stytchtest.Fault{Drop: true}},
		{"slow then reset", stytchtest.Fault{Latency: 100 * time.Millisecond, Drop: true}},
		{"malformed 200", stytchtest.Fault{Malformed: true}},
		{"malformed 500", stytchtest.Fault{Status: http.StatusInternalServerError, Malformed: true}},
		{"oversized 200", stytchtest.Fault{Oversized: true}},
		{"oversized 404", stytchtest.Fault{Status: http.StatusNotFound, Oversized: true}},
		{"project credentials refused", stytchtest.Fault{Status: http.StatusUnauthorized, ErrorType: "unauthorized_credentials"}},
	}
	for _, ft := range faults {
		t.Run(ft.name, func(t *testing.T) {
			for _, env := range []*env{e, always} {
				if err := env.srv.InjectFault(stytchtest.EndpointAuthenticate, ft.fault); err != nil {
					t.Fatal(err)
				}
			}
			for _, rn := range remoteNeeded {
				before := rn.env.count(stytchtest.EndpointAuthenticate)
				r, elapsed := rn.env.timedCall(routeRequired, rn.opt)
				r.want(t, http.StatusServiceUnavailable, ErrUnavailable)
				if r.header.Get("WWW-Authenticate") != "" {
					t.Fatalf("%s: a 503 blames the credential with a challenge", rn.name)
				}
				withinBound(t, elapsed, outageRemoteTimeout)
				// The emulator counts a call when its handler starts, which
				// on a loaded machine may come after the client gave up.
				rn.env.waitForCalls(t, before+1)
				if n := rn.env.count(stytchtest.EndpointAuthenticate) - before; n != 1 {
					t.Fatalf("%s: %d authenticate calls, want exactly 1", rn.name, n)
				}
			}
			before := e.count(stytchtest.EndpointAuthenticate)
			local := e.call(routeRequired, bearer(e.grant.SessionJWT))
			local.want(t, http.StatusOK, "")
			if local.echo.Verified != "local" || e.count(stytchtest.EndpointAuthenticate) != before {
				t.Fatal("a locally valid JWT needed Stytch during the outage")
			}

			e.srv.ClearFaults()
			always.srv.ClearFaults()
			for _, rn := range remoteNeeded {
				r := rn.env.call(routeRequired, rn.opt)
				r.want(t, http.StatusOK, "")
				if r.echo.Verified != "remote" {
					t.Fatalf("%s after recovery: verified %q", rn.name, r.echo.Verified)
				}
			}
		})
	}
}

// TestOutageCoalescedAndBounded: while sessions/authenticate hangs, 40
// concurrent requests with the same stale credential make one upstream
// call and all get 503 within the RemoteTimeout bound.
func TestOutageCoalescedAndBounded(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Tuning.RemoteTimeout = outageRemoteTimeout
		c.MaxTokenAge = alwaysRemote
	}})
	if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Latency: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got := e.concurrently(40, routeRequired, bearer(e.grant.SessionJWT))
	withinBound(t, time.Since(start), outageRemoteTimeout)
	if got[http.StatusServiceUnavailable] != 40 {
		t.Fatalf("statuses %v, want 40 × 503", got)
	}
	if n := e.count(stytchtest.EndpointAuthenticate); n != 1 {
		t.Fatalf("%d authenticate calls, want 1", n)
	}
}

// jwksOutageEnv is an env whose JWKS client times out after jwksTimeout
// and whose unknown-kid refreshes are rate-limited to one per 50 ms.
func jwksOutageEnv(t *testing.T, jwksTimeout time.Duration) *env {
	var httpClient *http.Client
	return newEnv(t, envOptions{
		before: func(s *stytchtest.Server) {
			httpClient = &http.Client{Transport: s.HTTPClient().Transport, Timeout: jwksTimeout}
		},
		config: func(c *Config) {
			c.HTTPClient = httpClient
			c.Tuning.JWKSMinRefreshInterval = 50 * time.Millisecond
			c.Tuning.RemoteTimeout = outageRemoteTimeout
		},
	})
}

// TestOutageJWKS: keys are rotated while the JWKS endpoint fails in every
// way. JWTs of the keys already held keep passing; a JWT of the new key
// gets 503 (its key cannot be known, so the token is not blamed) within
// the JWKS client's timeout; the failed endpoint is retried with backoff,
// not per request; and the new key is picked up on its own once the
// endpoint recovers.
func TestOutageJWKS(t *testing.T) {
	const jwksTimeout = 500 * time.Millisecond
	faults := []struct {
		name  string
		fault stytchtest.Fault
	}{
		{"500", stytchtest.Fault{Status: http.StatusInternalServerError}},
		{"429 with Retry-After", stytchtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 5 * time.Second}},
		{"connection reset", stytchtest.Fault{Drop: true}},
		{"malformed", stytchtest.Fault{Malformed: true}},
		{"oversized", stytchtest.Fault{Oversized: true}},
		{"slower than the JWKS timeout", stytchtest.Fault{Latency: 30 * time.Second}},
	}
	for _, ft := range faults {
		t.Run(ft.name, func(t *testing.T) {
			t.Parallel() // each on its own emulator: the backoffs overlap
			e := jwksOutageEnv(t, jwksTimeout)
			old := e.grant.SessionJWT
			e.call(routeRequired, bearer(old)).want(t, http.StatusOK, "")
			e.srv.Advance(time.Minute) // past JWKSMinRefreshInterval

			if err := e.srv.InjectFault(stytchtest.EndpointJWKS, ft.fault); err != nil {
				t.Fatal(err)
			}
			e.srv.RotateKeys()
			rotated := e.newSession(60).SessionJWT
			start := time.Now()
			before := e.count(stytchtest.EndpointJWKS)
			for range 5 {
				r, elapsed := e.timedCall(routeRequired, bearer(rotated))
				r.want(t, http.StatusServiceUnavailable, ErrUnavailable)
				withinBound(t, elapsed, jwksTimeout)
				e.call(routeRequired, bearer(old)).want(t, http.StatusOK, "")
			}
			// The first request fetched; the rest fall within the backoff
			// (at least half a second after a failure). net/http may resend
			// a GET once when a reused connection closes without an answer.
			if n, limit := e.count(stytchtest.EndpointJWKS)-before, 2*(1+int(time.Since(start)/(500*time.Millisecond))); n < 1 || n > limit {
				t.Fatalf("%d JWKS fetches in %v, want between 1 and %d", n, time.Since(start), limit)
			}
			if e.count(stytchtest.EndpointAuthenticate) != 0 {
				t.Fatal("a JWT whose key is unknown was sent to sessions/authenticate")
			}

			e.srv.ClearFaults()
			back := time.Now()
			eventually(t, "the rotated key's JWT passes", func() bool { return e.call(routeRequired, bearer(rotated)).status == http.StatusOK })
			t.Logf("new key in force %v after the JWKS recovered", time.Since(back).Round(10*time.Millisecond))
			e.call(routeRequired, bearer(old)).want(t, http.StatusOK, "")
		})
	}
}

// TestOutageJWKSGarbageKeys: a key set with unusable keys next to the good
// ones costs only the unusable keys.
func TestOutageJWKSGarbageKeys(t *testing.T) {
	e := jwksOutageEnv(t, time.Second)
	e.srv.Advance(time.Minute) // past JWKSMinRefreshInterval
	if err := e.srv.InjectFault(stytchtest.EndpointJWKS, stytchtest.Fault{GarbageKeys: true}); err != nil {
		t.Fatal(err)
	}
	e.srv.RotateKeys()
	rotated := e.newSession(60).SessionJWT
	e.call(routeRequired, bearer(rotated)).want(t, http.StatusOK, "")
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
	// A token naming a garbage key's kid is refused as invalid: that key was
	// skipped, and the set that skipped it is fresh.
	h := map[string]any{"alg": "RS256", "kid": "jwk-garbage-modulus", "typ": "JWT"}
	e.call(routeRequired, bearer(e.sign(h, e.claims(), ""))).want(t, http.StatusUnauthorized, ErrInvalidToken)
}

// TestOutageSlowJWKSDuringRotation: while a slow JWKS fetch for a rotated
// key is under way, JWTs of the held keys pass without waiting for it, and
// every request for the new key shares that one fetch.
func TestOutageSlowJWKSDuringRotation(t *testing.T) {
	const latency = time.Second
	e := jwksOutageEnv(t, 10*time.Second)
	e.srv.Advance(time.Minute) // past JWKSMinRefreshInterval
	if err := e.srv.InjectFault(stytchtest.EndpointJWKS, stytchtest.Fault{Latency: latency, Count: 1}); err != nil {
		t.Fatal(err)
	}
	e.srv.RotateKeys()
	rotated := e.newSession(60).SessionJWT
	before := e.count(stytchtest.EndpointJWKS)

	results := make(chan int, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { results <- e.call(routeRequired, bearer(rotated)).status })
	}
	eventually(t, "the JWKS is fetched again", func() bool { return e.count(stytchtest.EndpointJWKS) > before })
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
	if len(results) != 0 {
		t.Fatal("the slow fetch ended before a held key's JWT was answered: the test proves nothing")
	}
	wg.Wait()
	close(results)
	for status := range results {
		if status != http.StatusOK {
			t.Fatalf("new key's JWT after the slow fetch: %d", status)
		}
	}
	if n := e.count(stytchtest.EndpointJWKS) - before; n != 1 {
		t.Fatalf("%d JWKS fetches for 8 waiting requests, want 1", n)
	}
}

// TestOutagePolicy: while the policy endpoint fails, the last good policy
// stays in force (a change made in Stytch meanwhile is not seen, and no
// check fails for want of a policy), refreshes are retried with backoff,
// and the change is picked up on its own once the endpoint recovers.
func TestOutagePolicy(t *testing.T) {
	faults := []struct {
		name  string
		fault stytchtest.Fault
	}{
		{"503", stytchtest.Fault{Status: http.StatusServiceUnavailable}},
		{"429 with Retry-After", stytchtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second}},
		{"connection reset", stytchtest.Fault{Drop: true}},
		{"malformed", stytchtest.Fault{Malformed: true}},
		{"oversized", stytchtest.Fault{Oversized: true}},
	}
	for _, ft := range faults {
		t.Run(ft.name, func(t *testing.T) {
			t.Parallel() // each on its own emulator: the backoffs overlap
			e, _ := newPolicyEnv(t, 20*time.Millisecond, envOptions{})
			jwt := e.grant.SessionJWT
			e.call(routeRead, bearer(jwt)).want(t, http.StatusOK, "")
			e.call(routeDelete, bearer(jwt)).want(t, http.StatusForbidden, ErrForbidden)

			if err := e.srv.InjectFault(stytchtest.EndpointPolicy, ft.fault); err != nil {
				t.Fatal(err)
			}
			if err := e.srv.SetPolicy(readersMayDelete(e.srv.Policy())); err != nil {
				t.Fatal(err)
			}
			start, before := time.Now(), e.count(stytchtest.EndpointPolicy)
			eventually(t, "the policy is fetched twice more", func() bool { return e.count(stytchtest.EndpointPolicy) >= before+2 })
			for range 3 {
				e.call(routeRead, bearer(jwt)).want(t, http.StatusOK, "")
				e.call(routeDelete, bearer(jwt)).want(t, http.StatusForbidden, ErrForbidden)
			}
			// Each refresh is one fetch of up to 1+client.DefaultMaxRetries
			// attempts; refreshes back off from about a second.
			elapsed := time.Since(start)
			if n, limit := e.count(stytchtest.EndpointPolicy)-before, (1+client.DefaultMaxRetries)*(2+int(elapsed/(500*time.Millisecond))); n > limit {
				t.Fatalf("%d policy requests in %v, want at most %d", n, elapsed, limit)
			}

			e.srv.ClearFaults()
			back := time.Now()
			eventually(t, "the new policy grants the delete", func() bool { return e.call(routeDelete, bearer(jwt)).status == http.StatusOK })
			t.Logf("policy change in force %v after the endpoint recovered", time.Since(back).Round(10*time.Millisecond))
		})
	}
}

// newPolicyEnv is newEnv with a policy cache of the test's own, refreshed
// every interval, as Config.Policy; o.before must be nil.
func newPolicyEnv(t *testing.T, interval time.Duration, o envOptions) (*env, *policy.Cache) {
	t.Helper()
	var pc *policy.Cache
	o.before = func(s *stytchtest.Server) {
		var err error
		pc, err = policy.New(context.Background(), policy.Config{Client: s.Client(),
			RefreshInterval: interval, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pc.Close() })
	}
	edit := o.config
	o.config = func(c *Config) {
		c.Policy = pc
		if edit != nil {
			edit(c)
		}
	}
	return newEnv(t, o), pc
}

// readersMayDelete is p with the reader role also granted delete on
// documents.
func readersMayDelete(p client.Policy) client.Policy {
	for i, role := range p.Roles {
		if role.RoleID != "reader" {
			continue
		}
		perms := append([]client.Permission(nil), role.Permissions...)
		perms = append(perms, client.Permission{ResourceID: "documents", Actions: []string{"delete"}})
		p.Roles[i].Permissions = perms
	}
	return p
}

// TestOutageEverythingDown: with every endpoint dropping connections, a
// locally valid JWT still passes Authenticated and Permission rules (keys and
// policy held), and only what needs Stytch gets 503.
func TestOutageEverythingDown(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.RemoteTimeout = outageRemoteTimeout }})
	e.call(routeRead, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "") // loads the policy
	for _, ep := range []stytchtest.Endpoint{stytchtest.EndpointAuthenticate, stytchtest.EndpointJWKS, stytchtest.EndpointPolicy} {
		if err := e.srv.InjectFault(ep, stytchtest.Fault{Drop: true}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
		e.call(routeRead, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
		e.call(routeDelete, bearer(e.grant.SessionJWT)).want(t, http.StatusForbidden, ErrForbidden)
		r, elapsed := e.timedCall(routeRead, cookie(DefaultTokenCookie, e.grant.SessionToken))
		r.want(t, http.StatusServiceUnavailable, ErrUnavailable)
		withinBound(t, elapsed, outageRemoteTimeout)
	}
	e.srv.ClearFaults()
	e.call(routeRead, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, http.StatusOK, "")
}
