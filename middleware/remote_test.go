package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func (e *env) revoke(token string) {
	e.t.Helper()
	if _, err := e.srv.Client().Revoke(context.Background(), client.RevokeRequest{SessionToken: token}); err != nil {
		e.t.Fatal(err)
	}
}

// TestSessionTokenCache: an opaque token is authenticated once, reused for
// the TTL, and a revocation is seen once the TTL has passed — the
// documented bound.
func TestSessionTokenCache(t *testing.T) {
	obs := &observations{}
	e := newEnv(t, envOptions{
		// A frozen clock, moved only by Advance: the cache's bound is
		// checked to the second below.
		server: func(c *stytchtest.Config) { c.Now = time.Now().Truncate(time.Second) },
		config: func(c *Config) { c.Observer = obs.record },
	})
	token := e.grant.SessionToken

	r := e.call(routeRequired, cookie(DefaultTokenCookie, token))
	r.want(t, 200, "")
	if r.echo.Verified != "remote" || !r.echo.HasUser || r.echo.JWT == "" || r.echo.SessionID != e.grant.Session.SessionID {
		t.Fatalf("echo %+v: want a remote session with its user and a JWT", r.echo)
	}
	if n := e.count("authenticate"); n != 1 {
		t.Fatalf("%d authenticate calls, want 1", n)
	}
	e.call(routeRequired, cookie(DefaultTokenCookie, token)).want(t, 200, "")
	if n := e.count("authenticate"); n != 1 {
		t.Fatalf("%d authenticate calls, want the second request served from the cache", n)
	}
	if last := obs.last(); !last.Cached || last.Verification != VerifiedRemote {
		t.Fatalf("observation %+v, want a cached remote verification", last)
	}

	e.revoke(token)
	e.srv.Advance(defaultSessionTokenCacheTTL - time.Second)
	e.call(routeRequired, cookie(DefaultTokenCookie, token)).want(t, 200, "") // within the bound
	e.srv.Advance(time.Second)
	e.call(routeRequired, cookie(DefaultTokenCookie, token)).want(t, 401, ErrSessionNotFound)
	if n := e.count("authenticate"); n != 2 {
		t.Fatalf("%d authenticate calls, want 2", n)
	}
}

func TestSessionTokenCacheDisabled(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.SessionTokenCacheTTL = -1 }})
	for range 3 {
		e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, 200, "")
	}
	if n := e.count("authenticate"); n != 3 {
		t.Fatalf("%d authenticate calls, want one per request", n)
	}
	e.revoke(e.grant.SessionToken)
	e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, 401, ErrSessionNotFound)
}

func TestSessionTokenCacheBounded(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.SessionTokenCacheSize = 2 }})
	tokens := []string{e.grant.SessionToken, e.newSession(60).SessionToken, e.newSession(60).SessionToken}
	for range 2 {
		for _, tok := range tokens {
			e.call(routeRequired, cookie(DefaultTokenCookie, tok)).want(t, 200, "")
		}
	}
	// Two answers fit; the third token is asked about both times.
	if n := e.count("authenticate"); n != 4 {
		t.Fatalf("%d authenticate calls, want 4", n)
	}
}

// TestSessionTokenCacheNeverOutlivesSession: an entry ends with the session.
func TestSessionTokenCacheNeverOutlivesSession(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.SessionTokenCacheTTL = time.Hour }})
	short := e.newSession(1)
	e.call(routeRequired, cookie(DefaultTokenCookie, short.SessionToken)).want(t, 200, "")
	e.srv.Advance(time.Minute)
	e.call(routeRequired, cookie(DefaultTokenCookie, short.SessionToken)).want(t, 401, ErrSessionNotFound)
}

// concurrently sends n identical requests at once and returns their statuses.
func (e *env) concurrently(n int, path string, opts ...reqOption) map[int]int {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		start    = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, e.app.URL+path, nil)
			for _, o := range opts {
				o(req)
			}
			<-start
			res, err := e.app.Client().Do(req)
			status := -1
			if err == nil {
				status = res.StatusCode
				res.Body.Close()
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// TestCoalescing: 50 concurrent requests needing the same remote answer
// make one upstream call.
func TestCoalescing(t *testing.T) {
	t.Run("stale jwt", func(t *testing.T) {
		e := newEnv(t, envOptions{config: func(c *Config) { c.MaxTokenAge = alwaysRemote }})
		if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Latency: 500 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		got := e.concurrently(50, routeRequired, bearer(e.grant.SessionJWT))
		if got[200] != 50 {
			t.Fatalf("statuses %v, want 50 × 200", got)
		}
		if n := e.count("authenticate"); n != 1 {
			t.Fatalf("%d authenticate calls, want 1", n)
		}
	})
	t.Run("opaque token", func(t *testing.T) {
		e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.SessionTokenCacheTTL = -1 }})
		if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Latency: 500 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		got := e.concurrently(50, routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken))
		if got[200] != 50 {
			t.Fatalf("statuses %v, want 50 × 200", got)
		}
		if n := e.count("authenticate"); n != 1 {
			t.Fatalf("%d authenticate calls, want 1", n)
		}
	})
}

// TestSharedCallSurvivesLeaderCancellation: the request that started a
// shared call hangs up; the others still get the answer, from that call.
func TestSharedCallSurvivesLeaderCancellation(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.SessionTokenCacheTTL = -1 }})
	if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Latency: 400 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	leaderCtx, cancelLeader := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(leaderCtx, http.MethodGet, e.app.URL+routeRequired, nil)
		req.AddCookie(&http.Cookie{Name: DefaultTokenCookie, Value: e.grant.SessionToken})
		res, err := e.app.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		leaderDone <- err
	}()
	eventually(t, "one authenticate call", func() bool { return e.count("authenticate") == 1 })
	followerDone := make(chan reply, 1)
	go func() { followerDone <- e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)) }()
	cancelLeader()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: %v, want its own cancellation", err)
	}
	(<-followerDone).want(t, 200, "")
	if n := e.count("authenticate"); n != 1 {
		t.Fatalf("%d authenticate calls, want the follower to share the leader's", n)
	}
}

// TestRemoteFailures: how each failing answer of Stytch maps, for a
// credential that needs a remote answer. Outages are 503, never 401 and
// never a pass; refusals of the credential are 401.
func TestRemoteFailures(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Tuning.SessionTokenCacheTTL = -1
		c.Tuning.RemoteTimeout = 300 * time.Millisecond
	}})
	tests := []struct {
		name   string
		fault  stytchtest.Fault
		status int
		code   Code
	}{
		{"500", stytchtest.Fault{Status: 500}, 503, ErrUnavailable},
		{"502", stytchtest.Fault{Status: 502}, 503, ErrUnavailable},
		{"429", stytchtest.Fault{Status: 429, RetryAfter: time.Second}, 503, ErrUnavailable},
		{"project credentials refused", stytchtest.Fault{Status: 401, ErrorType: "unauthorized_credentials"}, 503, ErrUnavailable},
		{"connection dropped", stytchtest.Fault{Drop: true}, 503, ErrUnavailable},
		{"not json", stytchtest.Fault{Malformed: true}, 503, ErrUnavailable},
		{"oversized", stytchtest.Fault{Oversized: true}, 503, ErrUnavailable},
		{"slower than RemoteTimeout", stytchtest.Fault{Latency: 2 * time.Second}, 503, ErrUnavailable},
		{"session not found", stytchtest.Fault{Status: 404, ErrorType: "session_not_found"}, 401, ErrSessionNotFound},
		{"token refused", stytchtest.Fault{Status: 400, ErrorType: "invalid_session_token"}, 401, ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, tt.fault); err != nil {
				t.Fatal(err)
			}
			defer e.srv.ClearFaults()
			r := e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken))
			r.want(t, tt.status, tt.code)
			if tt.status == 503 && r.header.Get("WWW-Authenticate") != "" {
				t.Fatal("a 503 must not challenge the client's credential")
			}
		})
	}
	// Recovery is immediate once Stytch answers again.
	e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, 200, "")
}

// TestStytchDown: locally verifiable JWTs keep passing; everything that
// needs Stytch gets 503.
func TestStytchDown(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.RemoteTimeout = 300 * time.Millisecond }})
	for _, ep := range []stytchtest.Endpoint{stytchtest.EndpointAuthenticate, stytchtest.EndpointJWKS, stytchtest.EndpointPolicy} {
		if err := e.srv.InjectFault(ep, stytchtest.Fault{Drop: true}); err != nil {
			t.Fatal(err)
		}
	}
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, 200, "")
	e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, 503, ErrUnavailable)
	fresh := e.newSession(60)
	e.srv.Advance(stytchtest.JWTLifetime + time.Second)
	e.call(routeRequired, bearer(fresh.SessionJWT)).want(t, 503, ErrUnavailable) // expired: needs a refresh
	e.srv.ClearFaults()
	e.call(routeRequired, bearer(fresh.SessionJWT)).want(t, 200, "")
}

func TestClosedAuthenticatorAnswers503(t *testing.T) {
	e := newEnv(t, envOptions{})
	if err := e.auth.Close(); err != nil {
		t.Fatal(err)
	}
	e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, 503, ErrUnavailable)
	if e.count("authenticate") != 0 {
		t.Fatal("a closed Authenticator called Stytch")
	}
}

func TestRemoteErrorMapping(t *testing.T) {
	tests := []struct {
		err  error
		code Code
	}{
		{&client.StytchError{StatusCode: 404, ErrorType: client.ErrSessionNotFound}, ErrSessionNotFound},
		{&client.StytchError{StatusCode: 400, ErrorType: client.ErrUnableToParseSessionJWT}, ErrInvalidToken},
		{&client.StytchError{StatusCode: 400, ErrorType: client.ErrNoSessionArguments, Local: true}, ErrInvalidToken},
		{&client.StytchError{StatusCode: 401, ErrorType: client.ErrUnauthorizedCredentials}, ErrUnavailable},
		{&client.StytchError{StatusCode: 429, ErrorType: client.ErrTooManyRequests}, ErrUnavailable},
		{&client.StytchError{StatusCode: 500, ErrorType: client.ErrInternalServerError}, ErrUnavailable},
		{&client.StytchError{StatusCode: 503, ErrorType: client.ErrServerUnavailable}, ErrUnavailable},
		{&client.RequestError{Method: "POST", Path: "/v1/sessions/authenticate", Err: context.DeadlineExceeded}, ErrUnavailable},
		{context.Canceled, ErrUnavailable},
	}
	for _, tt := range tests {
		got := remoteError(tt.err)
		if got.Code != tt.code || !errors.Is(got, tt.err) {
			t.Errorf("%v: %v, want %s wrapping the cause", tt.err, got, tt.code)
		}
	}
}

// refusalLog records the errors the ErrorHandler is given, then answers
// them as WriteError does.
type refusalLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *refusalLog) handle(w http.ResponseWriter, r *http.Request, status int, err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
	WriteError(w, r, status, err)
}

// matching counts the recorded errors that match target.
func (l *refusalLog) matching(target error) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, err := range l.errs {
		if errors.Is(err, target) {
			n++
		}
	}
	return n
}

// status sends a request to the application server from any goroutine
// and returns its status (-1 when no answer came).
func (e *env) status(path string, opts ...reqOption) int {
	req, _ := http.NewRequest(http.MethodGet, e.app.URL+path, nil)
	for _, o := range opts {
		o(req)
	}
	res, err := e.app.Client().Do(req)
	if err != nil {
		return -1
	}
	res.Body.Close()
	return res.StatusCode
}

// waitForCalls waits until the emulator has seen n authenticate calls.
func (e *env) waitForCalls(t *testing.T, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d authenticate calls reach the emulator", n), func() bool {
		return e.count(stytchtest.EndpointAuthenticate) >= n
	})
}

// TestMaxConcurrentRemote: with MaxConcurrentRemote calls hanging at
// Stytch, a credential that needs a call of its own is refused with 503 at
// once and never sent, while one that can share a call in flight waits for
// it.
func TestMaxConcurrentRemote(t *testing.T) {
	refusals := &refusalLog{}
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Tuning.MaxConcurrentRemote = 2
		c.Tuning.RemoteTimeout = time.Minute // the hanging calls end when the test closes the Authenticator
		c.ErrorHandler = refusals.handle
	}})
	// Should the test fail early, end the hanging calls before the servers
	// wait for their requests.
	t.Cleanup(func() { _ = e.auth.Close() })
	e.srv.Advance(jwtLifetime) // the session's JWT is now expired but authentic: Stytch must refresh it
	if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Latency: time.Minute, Count: 2}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	statuses := make(chan int, 3)
	send := func(opt reqOption) { wg.Go(func() { statuses <- e.status(routeRequired, opt) }) }

	send(cookie(DefaultTokenCookie, "made-up-opaque-token-1")) // takes a slot, hangs
	e.waitForCalls(t, 1)
	send(cookie(DefaultTokenCookie, "made-up-opaque-token-1")) // the same token: shares the call
	send(bearer(e.grant.SessionJWT))                           // stale JWT: takes the second slot, hangs
	e.waitForCalls(t, 2)

	// Both slots taken: a new credential is refused at once, unsent.
	e.call(routeRequired, cookie(DefaultTokenCookie, "made-up-opaque-token-2")).want(t, http.StatusServiceUnavailable, ErrUnavailable)
	e.call(routeRequired, bearer(e.sign(nil, e.claims(), ""))).want(t, http.StatusOK, "") // a valid JWT needs no slot
	if n := e.count(stytchtest.EndpointAuthenticate); n != 2 {
		t.Fatalf("%d authenticate calls, want 2: the third credential must not be sent", n)
	}
	if n := refusals.matching(errTooManyRemote); n != 1 {
		t.Fatalf("%d refusals for too many calls in flight, want 1", n)
	}

	// Closing the Authenticator ends the hanging calls: their three
	// requests get 503, none of them for too many calls in flight.
	if err := e.auth.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(statuses)
	for status := range statuses {
		if status != http.StatusServiceUnavailable {
			t.Errorf("a request waiting on a call cut short by Close got %d, want 503", status)
		}
	}
	if n := refusals.matching(errTooManyRemote); n != 1 {
		t.Fatalf("%d refusals for too many calls in flight, want 1: the shared call refused a request", n)
	}
	if n := e.count(stytchtest.EndpointAuthenticate); n != 2 {
		t.Fatalf("%d authenticate calls, want 2", n)
	}
}

// TestMaxConcurrentRemoteReleases: a call that ended, whatever its answer,
// gives its slot back.
func TestMaxConcurrentRemoteReleases(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.MaxConcurrentRemote = 1 }})
	if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Status: http.StatusInternalServerError, Count: 1}); err != nil {
		t.Fatal(err)
	}
	e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, http.StatusServiceUnavailable, ErrUnavailable)
	e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, http.StatusOK, "")
	e.call(routeRequired, cookie(DefaultTokenCookie, "made-up-opaque-token")).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	e.srv.Advance(jwtLifetime)
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
	if n := e.count(stytchtest.EndpointAuthenticate); n != 4 {
		t.Fatalf("%d authenticate calls, want 4: one per request", n)
	}
}
