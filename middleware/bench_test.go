package middleware

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/stytchtest"
)

// Benchmarks of the request path: ServeHTTP of the middleware in front of
// a handler that reads the session, with the JWKS already fetched. Run with
//
//	go test -run '^$' -bench 'Middleware|Extract' -benchmem ./middleware/
//
// "FirstSight" verifies the token fully on every request (one RSA check):
// the verified-token cache holds one entry and the requests cycle through
// distinct tokens. "SeenBefore" is a token the cache holds.

// discard is a ResponseWriter that costs nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

var sessionSink string

// readSession is the handler: it reads the session as a real one would.
var readSession = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	a, ok := FromContext(r.Context())
	if !ok {
		panic("no session")
	}
	sessionSink = a.Session.UserID
})

type benchSetup struct {
	env    *env
	tokens []string // distinct valid JWTs of one session
}

func newBench(b *testing.B, distinct int, config func(*Config)) *benchSetup {
	b.Helper()
	e := newEnv(b, envOptions{
		server: func(c *stytchtest.Config) {},
		config: func(c *Config) {
			c.Now = nil // production clock: the emulator follows real time
			if config != nil {
				config(c)
			}
		},
	})
	s := &benchSetup{env: e, tokens: []string{e.grant.SessionJWT}}
	for i := 1; i < distinct; i++ {
		claims := e.claims()
		claims["n"] = i // a custom claim makes each token distinct
		s.tokens = append(s.tokens, e.sign(nil, claims, ""))
	}
	return s
}

// run benchmarks h serially and in parallel, with requests carrying the
// tokens in turn through set.
func (s *benchSetup) run(b *testing.B, h http.Handler, set func(r *http.Request, token string)) {
	requests := func() []*http.Request {
		rs := make([]*http.Request, len(s.tokens))
		for i, tok := range s.tokens {
			r, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://app.example/documents", nil)
			set(r, tok)
			rs[i] = r
		}
		return rs
	}
	// Check once that the setup authenticates.
	w := &discard{h: http.Header{}}
	for _, r := range requests() {
		h.ServeHTTP(w, r)
	}
	b.Run("serial", func(b *testing.B) {
		rs := requests()
		w := &discard{h: http.Header{}}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.ServeHTTP(w, rs[i%len(rs)])
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			rs := requests()
			w := &discard{h: http.Header{}}
			i := 0
			for pb.Next() {
				h.ServeHTTP(w, rs[i%len(rs)])
				i++
			}
		})
	})
}

func setBearer(r *http.Request, token string) { r.Header.Set("Authorization", "Bearer "+token) }

func setJWTCookie(r *http.Request, token string) {
	r.Header.Set("Cookie", "_ga=GA1.1.123456789.1700000000; theme=dark; "+DefaultJWTCookie+"="+token)
}

func BenchmarkMiddlewareBearerFirstSight(b *testing.B) {
	s := newBench(b, 64, func(c *Config) { c.Tuning.VerifiedJWTCacheSize = 1 })
	s.run(b, s.env.auth.Require(Authenticated())(readSession), setBearer)
}

func BenchmarkMiddlewareBearerSeenBefore(b *testing.B) {
	s := newBench(b, 1, nil)
	s.run(b, s.env.auth.Require(Authenticated())(readSession), setBearer)
}

func BenchmarkMiddlewareCookieFirstSight(b *testing.B) {
	s := newBench(b, 64, func(c *Config) { c.Tuning.VerifiedJWTCacheSize = 1 })
	s.run(b, s.env.auth.Require(Authenticated())(readSession), setJWTCookie)
}

func BenchmarkMiddlewareCookieSeenBefore(b *testing.B) {
	s := newBench(b, 1, nil)
	s.run(b, s.env.auth.Require(Authenticated())(readSession), setJWTCookie)
}

func BenchmarkMiddlewarePermissionFirstSight(b *testing.B) {
	s := newBench(b, 64, func(c *Config) { c.Tuning.VerifiedJWTCacheSize = 1 })
	s.run(b, s.env.auth.Require(Permission("documents", "read"))(readSession), setBearer)
}

func BenchmarkMiddlewarePermissionSeenBefore(b *testing.B) {
	s := newBench(b, 1, nil)
	s.run(b, s.env.auth.Require(Permission("documents", "read"))(readSession), setBearer)
}

// The baseline: the verifier alone on the same tokens, so that the
// middleware's own cost is the difference.

func BenchmarkVerifierAloneFirstSight(b *testing.B) {
	s := newBench(b, 64, func(c *Config) { c.Tuning.VerifiedJWTCacheSize = 1 })
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.env.auth.verifier.Verify(ctx, s.tokens[i%len(s.tokens)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkVerifierAloneSeenBefore(b *testing.B) {
	s := newBench(b, 1, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.env.auth.verifier.Verify(ctx, s.tokens[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionTokenCacheEntry measures the memory one cached opaque
// token answer holds (reported as B/entry), to size
// Config.Tuning.SessionTokenCacheSize.
func BenchmarkSessionTokenCacheEntry(b *testing.B) {
	e := newEnv(b, envOptions{})
	const n = 500
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = e.newSession(60).SessionToken
	}
	var perEntry float64
	for b.Loop() {
		b.StopTimer()
		e.auth.tokens.entries.Clear()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		for _, tok := range tokens {
			if _, _, err := e.auth.authenticateRemote(context.Background(), SessionToken, tok, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
		b.StartTimer()
	}
	if e.auth.tokens.entries.Len() != n {
		b.Fatalf("%d entries cached, want %d", e.auth.tokens.entries.Len(), n)
	}
	b.ReportMetric(perEntry, "B/entry")
}

// BenchmarkAuthenticateJWTLocalCurrentDate is the programmatic local check
// with a clock and a tolerance of the call's own, on a token seen before:
// it shares the verified-token cache with the request path.
func BenchmarkAuthenticateJWTLocalCurrentDate(b *testing.B) {
	s := newBench(b, 1, nil)
	p := AuthenticateJWTLocalParams{
		SessionJWT:     s.tokens[0],
		CurrentDate:    s.env.srv.Now().Add(time.Minute),
		ClockTolerance: new(time.Second),
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.env.auth.AuthenticateJWTLocal(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
