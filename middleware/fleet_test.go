package middleware

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/fleet/redisfleet"
	"github.com/stytchmw/stytchmw/internal/redistest"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// The fleet tests run replicas (separate Authenticators with separate
// stores, as separate processes would have) on one emulator and one real
// redis-server. Propagation is asynchronous, so they poll with eventually;
// the speed is measured by internal/cmd/fleetbench, not asserted here.

var fleetSecret = []byte("fleet-test-secret-0123456789abcdef")

// replica is one member of a fleet: its store, its Authenticator, its
// application server (e.routes) and a logout server.
type replica struct {
	*env
	store  *redisfleet.Store
	logout *env
	logs   *lockedWriter
	seen   *observations
}

// logText returns what was written to l so far.
func logText(l *lockedWriter) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// newReplica starts a replica of e's API on redis; edit changes its
// Config. New waits (5 s at most) for the store to load the fleet's
// revocations.
func newReplica(t *testing.T, e *env, redis *redistest.Server, edit func(*Config)) *replica {
	t.Helper()
	store, err := redisfleet.New(redisfleet.Config{
		Redis: redis.Options(), Secret: fleetSecret, Now: e.srv.Now,
		SyncInterval: 100 * time.Millisecond, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	r := &replica{store: store, logs: &lockedWriter{w: &bytes.Buffer{}, mu: &sync.Mutex{}}, seen: &observations{}}
	cfg := Config{
		Client: e.srv.Client(), Now: e.srv.Now, HTTPClient: e.srv.HTTPClient(),
		Logger: slog.New(slog.NewTextHandler(r.logs, nil)), Observer: r.seen.record,
		Fleet: store,
	}
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() }) // before the store's: cleanups run last first
	r.env = &env{t: t, srv: e.srv, auth: a, user: e.user, grant: e.grant}
	r.app = httptest.NewServer(r.routes())
	t.Cleanup(r.app.Close)
	r.logout = logoutServer(t, a)
	return r
}

// refuses reports whether the replica refuses the credential with 401.
func (r *replica) refuses(c reqOption) bool {
	return r.call(routeRequired, c).status == http.StatusUnauthorized
}

// credentials are the env's session JWT (Bearer) and opaque token (cookie).
func (e *env) credentials() []reqOption {
	return []reqOption{bearer(e.grant.SessionJWT), cookie(DefaultTokenCookie, e.grant.SessionToken)}
}

// TestFleetRevokeOnOneRefusedOnOthers: a logout on replica A makes B
// refuse the session's JWT and opaque token (whose answer B had cached),
// and leaves the user's other session alone.
func TestFleetRevokeOnOneRefusedOnOthers(t *testing.T) {
	redis := redistest.Start(t)
	e := newEnv(t, envOptions{})
	a, b := newReplica(t, e, redis, nil), newReplica(t, e, redis, nil)
	kept := e.newSession(60)
	for _, c := range append(e.credentials(), bearer(kept.SessionJWT)) {
		b.call(routeRequired, c).want(t, http.StatusOK, "")
	}
	a.logout.call("/logout", method(http.MethodPost), bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
	for _, c := range e.credentials() {
		eventually(t, "B refuses the session revoked on A", func() bool { return b.refuses(c) })
		b.call(routeRequired, c).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	}
	b.call(routeRequired, bearer(kept.SessionJWT)).want(t, http.StatusOK, "")
}

// TestFleetLateReplicaRefusesFromFirstRequest: a replica started after the
// revocation is Ready only once it loaded it, and refuses the session from
// its first request.
func TestFleetLateReplicaRefusesFromFirstRequest(t *testing.T) {
	redis := redistest.Start(t)
	e := newEnv(t, envOptions{})
	a := newReplica(t, e, redis, nil)
	a.logout.call("/logout", method(http.MethodPost), bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")

	c := newReplica(t, e, redis, nil)
	if st := c.auth.Status(); !st.Ready() || st.Fleet == nil || !st.Fleet.Loaded {
		t.Fatalf("Status after New = %+v, want Ready with the fleet loaded", st)
	}
	c.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
}

// TestFleetRevokeUser: RevokeUser revokes every session of the user with
// Stytch and makes every replica refuse the ones started before it; a
// session started afterwards passes everywhere.
func TestFleetRevokeUser(t *testing.T) {
	redis := redistest.Start(t)
	e := newEnv(t, envOptions{})
	a, b := newReplica(t, e, redis, nil), newReplica(t, e, redis, nil)
	second := e.newSession(60)
	for _, c := range []reqOption{bearer(e.grant.SessionJWT), bearer(second.SessionJWT)} {
		b.call(routeRequired, c).want(t, http.StatusOK, "")
	}
	if err := a.auth.RevokeUser(context.Background(), e.user.UserID); err != nil {
		t.Fatal(err)
	}
	if n := e.count(stytchtest.EndpointRevoke); n != 2 {
		t.Fatalf("%d revoke calls, want 2 (one per session)", n)
	}
	e.srv.Advance(time.Second) // the next session starts after the not-before
	later := e.newSession(60)
	for _, r := range []*replica{a, b} {
		for _, c := range []reqOption{bearer(e.grant.SessionJWT), bearer(second.SessionJWT), cookie(DefaultTokenCookie, second.SessionToken)} {
			eventually(t, "the user's sessions are refused", func() bool { return r.refuses(c) })
		}
		r.call(routeRequired, bearer(later.SessionJWT)).want(t, http.StatusOK, "")
	}
	for _, bad := range []string{"", strings.Repeat("u", fleet.MaxIDBytes+1)} {
		if err := a.auth.RevokeUser(context.Background(), bad); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("RevokeUser(%d bytes) = %v, want ErrInvalidParams", len(bad), err)
		}
	}
}

// TestFleetReconnects: after CLIENT KILL cut every connection, a
// revocation made on A meanwhile reaches B once both reconnected.
func TestFleetReconnects(t *testing.T) {
	redis := redistest.Start(t)
	e := newEnv(t, envOptions{})
	a, b := newReplica(t, e, redis, nil), newReplica(t, e, redis, nil)
	b.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
	if n := redis.KillClients(); n == 0 {
		t.Fatal("CLIENT KILL closed no connection")
	}
	a.logout.call("/logout", method(http.MethodPost), bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
	a.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	eventually(t, "B refuses after reconnecting", func() bool { return b.refuses(bearer(e.grant.SessionJWT)) })
}

// TestFleetRedisRestartWriteBack: Redis restarts without persistence; the
// replicas write back the revocation they hold, so a replica started
// afterwards refuses the session from its first request.
func TestFleetRedisRestartWriteBack(t *testing.T) {
	redis := redistest.Start(t)
	e := newEnv(t, envOptions{})
	a := newReplica(t, e, redis, nil)
	a.logout.call("/logout", method(http.MethodPost), bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
	redis.Restart()
	admin := redis.Client()
	eventually(t, "A writes the revocation back", func() bool {
		keys, err := admin.Keys(context.Background(), "stytchmw:*:revocations").Result()
		if err != nil || len(keys) != 1 {
			return false
		}
		n, err := admin.ZCard(context.Background(), keys[0]).Result()
		return err == nil && n == 1
	})
	c := newReplica(t, e, redis, nil)
	c.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
}

// TestFleetOutage: with Redis down, a logout still succeeds and is refused
// by the replica that answered it; on another replica, FleetOutageLocal
// keeps the single-process bounds (the JWT passes, reported as FleetDown)
// and FleetOutageRemote asks Stytch, which refuses it. A session nobody
// revoked passes in both: no 5xx.
func TestFleetOutage(t *testing.T) {
	for _, tc := range []struct {
		outage     FleetOutage
		wantStatus int
	}{
		{FleetOutageLocal, http.StatusOK},
		{FleetOutageRemote, http.StatusUnauthorized},
	} {
		t.Run(tc.outage.String(), func(t *testing.T) {
			redis := redistest.Start(t)
			e := newEnv(t, envOptions{})
			edit := func(c *Config) { c.FleetOutage = tc.outage }
			a, b := newReplica(t, e, redis, edit), newReplica(t, e, redis, edit)
			kept := e.newSession(60)
			b.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")

			redis.Stop()
			for _, r := range []*replica{a, b} {
				eventually(t, "the replicas notice the outage", func() bool { return !r.auth.Status().Fleet.Connected })
			}
			a.logout.call("/logout", method(http.MethodPost), bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
			a.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
			if !strings.Contains(logText(a.logs), "did not reach the fleet yet") {
				t.Errorf("A's log does not report the unpublished revocation:\n%s", logText(a.logs))
			}

			calls := e.count(stytchtest.EndpointAuthenticate)
			b.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, tc.wantStatus, map[int]Code{200: "", 401: ErrSessionNotFound}[tc.wantStatus])
			if !b.seen.last().FleetDown {
				t.Error("the observation does not report the fleet down")
			}
			b.call(routeRequired, bearer(kept.SessionJWT)).want(t, http.StatusOK, "")
			wantCalls := calls
			if tc.outage == FleetOutageRemote {
				wantCalls += 2 // both JWTs asked about
			}
			if n := e.count(stytchtest.EndpointAuthenticate); n != wantCalls {
				t.Errorf("%d authenticate calls, want %d", n, wantCalls)
			}
			if !strings.Contains(logText(b.logs), "fleet's feed is down") {
				t.Errorf("B's log does not report the outage:\n%s", logText(b.logs))
			}
		})
	}
}

// TestFleetSharedAnswers: K opaque tokens seen by 3 replicas cost K calls
// to Stytch, not 3K; and answers in Redis that are not the replicas' own
// (garbage, another type) are refused: the replica asks Stytch.
func TestFleetSharedAnswers(t *testing.T) {
	redis := redistest.Start(t)
	e := newEnv(t, envOptions{})
	replicas := []*replica{newReplica(t, e, redis, nil), newReplica(t, e, redis, nil), newReplica(t, e, redis, nil)}
	const k = 5
	tokens := make([]string, k)
	for i := range tokens {
		tokens[i] = e.newSession(60).SessionToken
	}
	base := e.count(stytchtest.EndpointAuthenticate)
	for _, tok := range tokens {
		replicas[0].call(routeRequired, cookie(DefaultTokenCookie, tok)).want(t, http.StatusOK, "")
	}
	answers := func() []string {
		keys, err := redis.Client().Keys(context.Background(), "stytchmw:*:a:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	eventually(t, "the answers are shared", func() bool { return len(answers()) == k })
	for _, r := range replicas[1:] {
		for _, tok := range tokens {
			r.call(routeRequired, cookie(DefaultTokenCookie, tok)).want(t, http.StatusOK, "")
		}
	}
	if n := e.count(stytchtest.EndpointAuthenticate) - base; n != k {
		t.Fatalf("%d authenticate calls for %d tokens on 3 replicas, want %d", n, k, k)
	}

	// Garbage in place of every answer: refused, never trusted.
	for i, key := range answers() {
		var err error
		if i%2 == 0 {
			_, err = redis.Do("SET", key, "\x01garbage")
		} else {
			_, err = redis.Do("DEL", key)
			if err == nil {
				_, err = redis.Do("LPUSH", key, "x")
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	fresh := newReplica(t, e, redis, nil)
	base = e.count(stytchtest.EndpointAuthenticate)
	for _, tok := range tokens {
		fresh.call(routeRequired, cookie(DefaultTokenCookie, tok)).want(t, http.StatusOK, "")
	}
	if n := e.count(stytchtest.EndpointAuthenticate) - base; n != k {
		t.Fatalf("%d authenticate calls with garbage in Redis, want %d", n, k)
	}
	if st := fresh.auth.Status().Fleet; st.Refused < k {
		t.Errorf("the store refused %d entries, want %d", st.Refused, k)
	}
}

// gatedStore is a fleet store whose first GetAnswer, once armed, waits
// for release; every armed GetAnswer is reported on entered.
type gatedStore struct {
	fleet.Store
	armed, held atomic.Bool
	entered     chan struct{}
	release     chan struct{}
}

func (g *gatedStore) GetAnswer(ctx context.Context, key string) ([]byte, time.Time, error) {
	if g.armed.Load() {
		g.entered <- struct{}{}
		if !g.held.Swap(true) {
			<-g.release
		}
	}
	return g.Store.GetAnswer(ctx, key)
}

// TestFleetSharedAnswerWithinEachCallsAge: a call under a stricter
// MaxTokenAge is not coalesced with one under a looser age that takes a
// shared answer: it is never given an answer older than its age allows.
func TestFleetSharedAnswerWithinEachCallsAge(t *testing.T) {
	redis := redistest.Start(t)
	e := newEnv(t, envOptions{})
	age := func(c *Config) { c.MaxTokenAge = time.Minute }
	sharer := newReplica(t, e, redis, age)
	gate := &gatedStore{entered: make(chan struct{}, 2), release: make(chan struct{})}
	gated := newReplica(t, e, redis, func(c *Config) {
		age(c)
		gate.Store = c.Fleet
		c.Fleet = gate
	})

	jwt := e.grant.SessionJWT
	e.srv.Advance(2 * time.Minute) // older than MaxTokenAge: authenticated with Stytch
	sharer.call(routeRequired, bearer(jwt)).want(t, http.StatusOK, "")
	eventually(t, "the answer is shared", func() bool {
		keys, err := redis.Client().Keys(context.Background(), "stytchmw:*:a:*").Result()
		return err == nil && len(keys) == 1
	})
	e.srv.Advance(10 * time.Second)
	base := e.count(stytchtest.EndpointAuthenticate)

	gate.armed.Store(true)
	var wg sync.WaitGroup
	var errLoose, errStrict error
	wg.Add(2)
	go func() { // the replica's MaxTokenAge: the 10 s old shared answer will do
		defer wg.Done()
		_, errLoose = gated.auth.AuthenticateJWT(context.Background(), AuthenticateJWTParams{SessionJWT: jwt})
	}()
	<-gate.entered
	strict := 5 * time.Second
	go func() { // 5 s: the shared answer is too old for it
		defer wg.Done()
		_, errStrict = gated.auth.AuthenticateJWT(context.Background(), AuthenticateJWTParams{SessionJWT: jwt, MaxTokenAge: &strict})
	}()
	select {
	case <-gate.entered: // the strict call looks for itself
	case <-time.After(2 * time.Second): // it joined the loose call (the bug)
	}
	close(gate.release)
	wg.Wait()
	if errLoose != nil || errStrict != nil {
		t.Fatalf("AuthenticateJWT: %v, %v", errLoose, errStrict)
	}
	if n := e.count(stytchtest.EndpointAuthenticate) - base; n != 1 {
		t.Fatalf("%d authenticate calls, want 1: the call under a 5 s MaxTokenAge asks Stytch, not a 10 s old shared answer", n)
	}
}
