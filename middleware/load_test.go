package middleware

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/stytchtest"
)

// Load: many goroutines, a mix of every kind of credential, keys rotated
// and the policy changed while requests are in flight. Run with -race.

const (
	loadWorkers    = 64
	loadPerWorker  = 40 // 2,560 requests in all
	loadLiveGrants = 12
)

// loadCase is a request of the mix and its only acceptable answer.
type loadCase struct {
	kind   string
	path   string
	opt    reqOption
	status int
	code   Code
}

// loadPhase is the set of cases valid at one stage of the run. Workers
// read the current phase before each request.
type loadPhase struct {
	cases []loadCase
}

// TestLoad sends 2,560 requests from 64 goroutines, mixing valid JWTs
// (header and cookie), opaque tokens, forged, garbage and random-kid
// JWTs, expired JWTs of live sessions (refreshed) and of revoked ones,
// and revoked opaque tokens. Midway the keys rotate and the policy starts
// granting delete to readers. Every request must get exactly the answer
// its credential deserves — checked against the state (keys, policy) in
// force before and after it — and nothing may leak once everything is
// closed.
func TestLoad(t *testing.T) {
	const loadJWKSMinRefresh = 20 * time.Millisecond
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs last: after every Close
	e, pc := newPolicyEnv(t, 20*time.Millisecond, envOptions{
		server: func(c *stytchtest.Config) { c.Now = time.Now().Truncate(time.Second) },
		config: func(c *Config) { c.Tuning.JWKSMinRefreshInterval = loadJWKSMinRefresh },
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadWorkers}}
	t.Cleanup(client.CloseIdleConnections)

	live := make([]*stytchtest.SessionGrant, loadLiveGrants)
	for i := range live {
		live[i] = e.newSession(60)
	}
	revoked := []*stytchtest.SessionGrant{e.newSession(60), e.newSession(60)}
	for _, g := range revoked {
		e.revoke(g.SessionToken)
	}
	expiredOf := func(g *stytchtest.SessionGrant) string {
		c := e.srv.JWTClaims(g.Session)
		now := e.srv.Now().Unix()
		c["iat"], c["nbf"], c["exp"] = now-400, now-400, now-100
		return e.sign(nil, c, "")
	}
	parts := strings.Split(live[0].SessionJWT, ".")
	forged := parts[0] + "." + b64([]byte(strings.Replace(mustMarshal(e.srv.JWTClaims(live[1].Session)), "reader", "admin", 1))) + "." + parts[2]

	// Cases valid throughout the run.
	var base []loadCase
	for i, g := range live {
		base = append(base,
			loadCase{"valid bearer", routeRequired, bearer(g.SessionJWT), http.StatusOK, ""},
			loadCase{"valid JWT cookie", routeRequired, cookie(DefaultJWTCookie, g.SessionJWT), http.StatusOK, ""},
			loadCase{"valid opaque token", routeRequired, cookie(DefaultTokenCookie, g.SessionToken), http.StatusOK, ""},
			loadCase{"reader reads", routeRead, bearer(g.SessionJWT), http.StatusOK, ""},
			loadCase{"garbage", routeRequired, bearer(fmt.Sprintf("garbage-%d.x.y", i)), http.StatusUnauthorized, ErrMalformedCredential},
		)
		if i < 4 {
			base = append(base, loadCase{"expired, live session", routeRequired, bearer(expiredOf(g)), http.StatusOK, ""})
		}
	}
	for _, g := range revoked {
		base = append(base,
			loadCase{"expired, revoked session", routeRequired, bearer(expiredOf(g)), http.StatusUnauthorized, ErrSessionNotFound},
			loadCase{"revoked opaque token", routeRequired, cookie(DefaultTokenCookie, g.SessionToken), http.StatusUnauthorized, ErrSessionNotFound},
		)
	}
	base = append(base,
		loadCase{"forged payload", routeRequired, bearer(forged), http.StatusUnauthorized, ErrInvalidToken},
		loadCase{"unknown opaque token", routeRequired, cookie(DefaultTokenCookie, "opaque-token-of-no-session"), http.StatusUnauthorized, ErrSessionNotFound},
	)
	for i := range 8 {
		h := map[string]any{"alg": "RS256", "kid": fmt.Sprintf("jwk-test-random-%d", i), "typ": "JWT"}
		base = append(base, loadCase{"random kid", routeRequired, bearer(e.sign(h, e.claims(), "")), http.StatusUnauthorized, ErrInvalidToken})
	}

	// The delete check flips with the policy: phases carry it only while
	// its answer is certain.
	deleteDenied := loadCase{"reader deletes, denied", routeDelete, bearer(live[0].SessionJWT), http.StatusForbidden, ErrForbidden}
	deleteGranted := loadCase{"reader deletes, granted", routeDelete, bearer(live[0].SessionJWT), http.StatusOK, ""}
	var phase atomic.Pointer[loadPhase]
	phase.Store(&loadPhase{cases: append(append([]loadCase(nil), base...), deleteDenied)})
	var changing sync.RWMutex // held for reading by each request, for writing while the policy changes

	var (
		sent     atomic.Int64
		failures atomic.Int64
		wg       sync.WaitGroup
		start    = make(chan struct{})
		// Each worker sends its last loadFinal requests in the final phase,
		// so that the new key and the new policy surely see traffic.
		final      = make(chan struct{})
		closeFinal = sync.OnceFunc(func() { close(final) })
		seenMu     sync.Mutex
		seen       = map[string]int{}
	)
	defer closeFinal() // never leave a worker waiting, even on failure
	const loadFinal = 8
	for w := range loadWorkers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			<-start
			for i := range loadPerWorker {
				if i == loadPerWorker-loadFinal {
					<-final
				}
				changing.RLock()
				cases := phase.Load().cases
				c := cases[rng.IntN(len(cases))]
				status, code, err := loadRequest(client, e.app.URL+c.path, c.opt)
				changing.RUnlock()
				sent.Add(1)
				seenMu.Lock()
				seen[c.kind]++
				seenMu.Unlock()
				if err != nil || status != c.status || code != c.code {
					if failures.Add(1) <= 5 {
						t.Errorf("%s: %d %q (%v), want %d %q", c.kind, status, code, err, c.status, c.code)
					}
				}
			}
		})
	}
	started := time.Now()
	close(start)

	// Midway: rotate the keys; once the new key is in force, its JWTs join
	// the mix. A JWT of a key rotated in just after a fetch waits up to
	// JWKSMinRefreshInterval to be accepted (documented, and not what this
	// test is about): the emulator's clock, which the key set's rate limit
	// follows, moves past it.
	eventually(t, "a quarter of the load is sent", func() bool { return sent.Load() >= loadWorkers*loadPerWorker/4 })
	e.srv.RotateKeys()
	rotated := e.newSession(60)
	e.srv.Advance(loadJWKSMinRefresh)
	eventually(t, "the rotated key's JWT passes", func() bool { return e.call(routeRequired, bearer(rotated.SessionJWT)).status == http.StatusOK })
	withRotated := append(append([]loadCase(nil), base...),
		loadCase{"rotated key", routeRequired, bearer(rotated.SessionJWT), http.StatusOK, ""},
		loadCase{"rotated key, cookie", routeRequired, cookie(DefaultJWTCookie, rotated.SessionJWT), http.StatusOK, ""},
	)
	phase.Store(&loadPhase{cases: append(withRotated, deleteDenied)})

	// Then the policy: no delete check is in flight while it changes.
	eventually(t, "half the load is sent", func() bool { return sent.Load() >= loadWorkers*(loadPerWorker-loadFinal)/2 })
	changing.Lock()
	phase.Store(&loadPhase{cases: withRotated})
	changing.Unlock()
	if err := e.srv.SetPolicy(readersMayDelete(e.srv.Policy())); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the changed policy is in force", func() bool {
		v, err := pc.Authorize([]string{"reader"}, "documents", "delete")
		return err == nil && v.Authorized()
	})
	phase.Store(&loadPhase{cases: append(withRotated, deleteGranted)})
	closeFinal()

	wg.Wait()
	elapsed := time.Since(started)
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d requests got the wrong answer", n, sent.Load())
	}
	t.Logf("%d requests from %d goroutines in %v: %v", sent.Load(), loadWorkers, elapsed.Round(time.Millisecond), seen)
	for _, kind := range []string{deleteDenied.kind, deleteGranted.kind, "rotated key", "expired, live session", "random kid"} {
		if seen[kind] == 0 {
			t.Errorf("no %q request was sent: the mix or the phases are broken", kind)
		}
	}
	// Unknown kids are looked up at most once per JWKSMinRefreshInterval
	// of the Authenticator's clock, which moved past it once: the fetch at
	// start and at most one more.
	if n := e.count(stytchtest.EndpointJWKS); n > 2 {
		t.Fatalf("%d JWKS fetches, want at most 2", n)
	}
}

// loadRequest sends a GET and returns its status and error_type.
func loadRequest(c *http.Client, url string, opt reqOption) (int, Code, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	opt(req)
	res, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode == http.StatusOK {
		return res.StatusCode, "", err
	}
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		return res.StatusCode, "", err
	}
	return res.StatusCode, Code(e.ErrorType), nil
}
