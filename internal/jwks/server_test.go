package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Keys generated once for the whole package's tests.
var (
	keyA, keyB, keyC *rsa.PrivateKey
	weakKey          *rsa.PrivateKey // 1024 bits: below MinRSABits
	ecKey            *ecdsa.PrivateKey
)

func TestMain(m *testing.M) {
	var err error
	for _, k := range []**rsa.PrivateKey{&keyA, &keyB, &keyC} {
		if *k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	}
	if weakKey, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
		panic(err)
	}
	if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	goleak.VerifyTestMain(m)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// rsaJWK is the JWK of pub as Stytch serves it, with extra members merged
// in (a nil value deletes a member).
func rsaJWK(kid string, pub *rsa.PublicKey, extra map[string]any) map[string]any {
	k := map[string]any{
		"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "key_ops": []string{"verify"},
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
		"x5tS256": "unused",
	}
	for name, v := range extra {
		if v == nil {
			delete(k, name)
		} else {
			k[name] = v
		}
	}
	return k
}

// keyServer is a JWKS endpoint over real HTTP whose answer tests change.
type keyServer struct {
	*httptest.Server
	requests atomic.Int64
	arrived  chan struct{} // one value per request, dropped when full

	mu     sync.Mutex
	status int
	body   []byte
	hold   chan struct{} // when set, requests wait for it to close
}

func newKeyServer(t testing.TB) *keyServer {
	t.Helper()
	s := &keyServer{status: http.StatusOK, arrived: make(chan struct{}, 64)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *keyServer) handle(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	s.mu.Lock()
	status, body, hold := s.status, s.body, s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serve makes the server answer 200 with these keys.
func (s *keyServer) serve(t testing.TB, keys ...map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"keys": keys, "request_id": "request-id-test", "status_code": 200})
	if err != nil {
		t.Fatal(err)
	}
	s.setAnswer(http.StatusOK, body)
}

func (s *keyServer) setAnswer(status int, body []byte) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}

// holdRequests makes requests wait until the returned function is called.
func (s *keyServer) holdRequests() (release func()) {
	hold := make(chan struct{})
	s.mu.Lock()
	s.hold = hold
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.hold = nil
			s.mu.Unlock()
			close(hold)
		})
	}
}

// fakeClock is the clock of rate limit and backoff decisions in tests that
// must not depend on real time. The tests that use it set every interval in
// minutes or hours, so that the background loop's real timers never fire.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// noIdleConnections is an HTTP client for tests in a synctest bubble: an
// idle connection's reader is blocked on the network, which the bubble does
// not count as durably blocked, so its clock would never advance.
func noIdleConnections() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

// sleepUntil sleeps until the bubble's clock reads d past its start (the
// fake clock of every synctest bubble starts at 2000-01-01 00:00 UTC).
func sleepUntil(d time.Duration) {
	time.Sleep(time.Until(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d)))
}

// openSet starts a Set on srv and closes it at the end of the test.
func openSet(t *testing.T, cfg Config, clock func() time.Time) *Set {
	t.Helper()
	cfg.Now = clock
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// onFakeClock starts a Set on a new server that serves kid-a, with cfg
// (URL set, RetryInterval an hour unless given) and a fake clock.
func onFakeClock(t *testing.T, cfg Config) (*Set, *keyServer, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	srv := newKeyServer(t)
	srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, nil))
	cfg.URL = srv.URL
	if cfg.RetryInterval == 0 {
		cfg.RetryInterval = time.Hour
	}
	return openSet(t, cfg, clock.Now), srv, clock
}
