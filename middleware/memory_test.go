package middleware

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/stytchtest"
)

// Memory under a flood of distinct credentials: every cache the
// middleware keeps is capped, and nothing is kept for a refused
// credential.

// serveDirect runs a GET through the env's handler in-process and returns
// the status: the flood needs no client transport of its own, whose
// buffers would blur the heap measurement.
func (e *env) serveDirect(path string, opt reqOption) int {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	opt(r)
	w := httptest.NewRecorder()
	e.app.Config.Handler.ServeHTTP(w, r)
	return w.Code
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMemoryBoundedUnderTokenFlood floods an Authenticator whose
// verified-JWT cache holds 64 entries with 500 distinct valid JWTs, each
// sent twice (so that each is admitted to the cache), each
// carrying 4.5 KiB of custom claims (kept as Session.CustomClaims by a
// cache entry), and with thousands of distinct forged, garbage,
// random-kid and unknown opaque tokens. Were the cache unbounded, the
// valid JWTs alone would retain over 2.5 MiB (measured: 3.2); the live
// heap must grow by less than 1 MiB (measured: 0.3). Refused credentials must cost no cache entry: the
// unknown opaque tokens are each asked about, every time.
func TestMemoryBoundedUnderTokenFlood(t *testing.T) {
	const (
		cacheSize   = 64
		validJWTs   = 500
		padding     = 4608
		maxGrowth   = 1 << 20
		invalidEach = 1000
		opaque      = 300
	)
	e := newEnv(t, envOptions{
		server: func(c *stytchtest.Config) { c.Now = time.Now().Truncate(time.Second) },
		config: func(c *Config) { c.Tuning.VerifiedJWTCacheSize = cacheSize },
	})
	claims := func(i int) map[string]any {
		c := e.claims()
		c["n"] = i
		c["padding"] = strings.Repeat("p", padding)
		return c
	}
	// Warm up every path once, so that what is allocated once (keys,
	// connections, pools) is in the baseline.
	for _, opt := range []reqOption{bearer(e.sign(nil, claims(-1), "")), bearer("x.y.z"), cookie(DefaultTokenCookie, "warm-up")} {
		e.serveDirect(routeRequired, opt)
	}
	before := heapInUse()
	authBefore := e.count(stytchtest.EndpointAuthenticate)

	// Two goroutines: signing is the slow part.
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < validJWTs; i += 2 {
				tok, err := e.srv.SignToken(nil, claims(i), "")
				if err != nil {
					t.Error(err)
					return
				}
				// Twice: the verified-JWT cache admits a token on its second
				// verification, and it is the cache's bound under test.
				for range 2 {
					if status := e.serveDirect(routeRequired, bearer(tok)); status != http.StatusOK {
						t.Errorf("valid JWT %d: %d", i, status)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	parts := strings.Split(e.grant.SessionJWT, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	for i := range invalidEach {
		forged := parts[0] + "." + b64([]byte(strings.Replace(string(payload), "{", fmt.Sprintf(`{"n":%d,`, i), 1))) + "." + parts[2]
		garbage := fmt.Sprintf("%s.%s.%d", parts[0], parts[1][:20], i)
		kid := map[string]any{"alg": "RS256", "kid": fmt.Sprintf("jwk-test-flood-%d", i), "typ": "JWT"}
		randomKid := b64([]byte(mustMarshal(kid))) + "." + parts[1] + "." + parts[2]
		for _, tok := range []string{forged, garbage, randomKid} {
			if status := e.serveDirect(routeRequired, bearer(tok)); status != http.StatusUnauthorized {
				t.Fatalf("invalid token: %d", status)
			}
		}
	}
	for i := range opaque {
		if status := e.serveDirect(routeRequired, cookie(DefaultTokenCookie, fmt.Sprintf("opaque-flood-%d", i))); status != http.StatusUnauthorized {
			t.Fatalf("unknown opaque token: %d", status)
		}
	}
	grown := int64(heapInUse()) - int64(before)
	t.Logf("live heap grew by %d KiB after %d valid and %d invalid distinct credentials", grown>>10, validJWTs, 3*invalidEach+opaque)
	if grown > maxGrowth {
		t.Fatalf("live heap grew by %d KiB, want less than %d KiB: a cache is not capped", grown>>10, maxGrowth>>10)
	}
	if n := e.count(stytchtest.EndpointAuthenticate) - authBefore; n != opaque {
		t.Fatalf("%d authenticate calls for %d unknown opaque tokens: refusals must not be cached", n, opaque)
	}
	if n := e.count(stytchtest.EndpointJWKS); n > 2 {
		t.Fatalf("%d JWKS fetches: random kids must be rate-limited", n)
	}
}

// TestMemorySessionTokenCacheCapped: with SessionTokenCacheSize 16, 48
// distinct valid opaque tokens asked about twice cost at least 32 more
// upstream calls the second time (at most 16 answers were kept), and
// fewer than 48 (the cache does keep some).
func TestMemorySessionTokenCacheCapped(t *testing.T) {
	const size, tokens = 16, 48
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.SessionTokenCacheSize = size }})
	grants := make([]string, tokens)
	for i := range grants {
		grants[i] = e.newSession(60).SessionToken
	}
	for range 2 {
		before := e.count(stytchtest.EndpointAuthenticate)
		for _, tok := range grants {
			if status := e.serveDirect(routeRequired, cookie(DefaultTokenCookie, tok)); status != http.StatusOK {
				t.Fatalf("valid opaque token: %d", status)
			}
		}
		calls := e.count(stytchtest.EndpointAuthenticate) - before
		if calls < tokens-size || calls > tokens {
			t.Fatalf("%d authenticate calls for %d tokens, want between %d and %d", calls, tokens, tokens-size, tokens)
		}
		if before > 0 && calls == tokens {
			t.Fatal("no answer was reused: the cache keeps nothing")
		}
	}
}
