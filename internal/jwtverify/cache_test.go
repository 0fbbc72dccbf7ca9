package jwtverify

import (
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// verifyTwice verifies tok twice, which caches it: the cache admits a token
// on its second verification.
func verifyTwice(t *testing.T, v *Verifier, tok string) *Result {
	t.Helper()
	var res *Result
	for range 2 {
		var err error
		if res, err = v.Verify(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

func TestCacheAdmitsATokenOnItsSecondVerification(t *testing.T) {
	f := newFixture(t, nil)
	tok := makeToken(keyA, kidA, nil)
	for sight, wantEntries := range []int{0, 1, 1} {
		if _, err := f.v.Verify(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
		if n := f.v.cache.len(); n != wantEntries {
			t.Fatalf("after verification %d: %d cache entries, want %d", sight+1, n, wantEntries)
		}
	}
	if n := f.keys.lookups.Load(); n != 2 {
		t.Fatalf("key lookups = %d, want 2 (the third verification is a hit)", n)
	}
	// Tokens seen once each never fill the cache.
	for i := range 50 {
		once := makeToken(keyA, kidA, func(_, c map[string]any) { c["sub"] = fmt.Sprint("user-test-once-", i) })
		if _, err := f.v.Verify(t.Context(), once); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.v.cache.len(); n != 1 {
		t.Fatalf("%d cache entries after 50 tokens seen once, want 1", n)
	}
}

// TestCacheAdmitsEveryTokenOfARotation: tokens used in strict rotation (a
// load balancer's pattern) are all cached after two rounds, whatever their
// hashes: the doorkeeper is exact until it fills up.
func TestCacheAdmitsEveryTokenOfARotation(t *testing.T) {
	const n = 300
	f := newFixture(t, func(c *Config) { c.CacheSize = 4 * n })
	var tokens []string
	for i := range n {
		tokens = append(tokens, makeToken(keyA, kidA, func(_, c map[string]any) { c["sub"] = fmt.Sprint("user-test-", i) }))
	}
	for range 2 {
		for _, tok := range tokens {
			if _, err := f.v.Verify(t.Context(), tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := f.v.cache.len(); got != n {
		t.Fatalf("%d of %d tokens cached after two rounds", got, n)
	}
}

// TestCacheDoorkeeperIsBounded: a flood of one-off tokens keeps at most the
// cache's size of hashes in the doorkeeper.
func TestCacheDoorkeeperIsBounded(t *testing.T) {
	const size = 32
	c := newTokenCache(size)
	for i := range 10 * size {
		key := sha256.Sum256(fmt.Append(nil, i))
		if c.admit(&key, &verified{deadline: t0.Add(time.Hour)}, t0) {
			t.Fatalf("token %d admitted on its first verification", i)
		}
	}
	seen := 0
	for i := range c.shards {
		seen += len(c.shards[i].seen)
	}
	if seen > size || c.len() != 0 {
		t.Fatalf("doorkeeper holds %d hashes (bound %d), cache %d entries", seen, size, c.len())
	}
}

func TestCacheHitSharesTheSessionAndSkipsTheKeyLookup(t *testing.T) {
	f := newFixture(t, nil)
	tok := makeToken(keyA, kidA, nil)
	first := verifyTwice(t, f.v, tok)
	second, err := f.v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if second.Session != first.Session {
		t.Error("a hit returned another *client.Session")
	}
	if n := f.keys.lookups.Load(); n != 2 {
		t.Errorf("key lookups = %d, want 2", n)
	}
	// The Result is the cached one, shared (read-only) without a copy.
	if second != first {
		t.Error("a hit returned a copy of the Result")
	}
	// Keyed by the SHA-256 of the token.
	if f.v.cache.get(new(sha256.Sum256([]byte(tok)))) == nil {
		t.Error("no entry under the token's SHA-256")
	}
}

func TestCacheEntryLifetime(t *testing.T) {
	exp := t0.Add(5 * time.Minute)
	age := 2 * time.Minute
	for _, tc := range []struct {
		name      string
		cfg       func(*Config)
		now       time.Time
		want      error
		wantFresh bool // a full verification (key lookup) happens
	}{
		{"before exp: hit", nil, exp.Add(-time.Nanosecond), nil, false},
		{"at exp: not cached any more", nil, exp, ErrExpired, true},
		{"within the tolerance after exp: verified again", func(c *Config) { c.ClockTolerance = time.Minute },
			exp.Add(time.Second), nil, true},
		{"before iat+MaxTokenAge: hit", func(c *Config) { c.MaxTokenAge = &age }, t0.Add(age - time.Nanosecond), nil, false},
		{"at iat+MaxTokenAge: verified again", func(c *Config) { c.MaxTokenAge = &age }, t0.Add(age), nil, true},
		{"MaxTokenAge zero: never cached", func(c *Config) { c.MaxTokenAge = new(time.Duration) }, t0.Add(time.Minute), nil, true},
		{"cache disabled", func(c *Config) { c.CacheSize = -1 }, t0.Add(time.Minute), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.cfg)
			tok := makeToken(keyA, kidA, nil)
			f.clock.set(t0.Add(time.Second))
			verifyTwice(t, f.v, tok)
			warm := f.keys.lookups.Load()
			f.clock.set(tc.now)
			res, err := f.v.Verify(t.Context(), tok)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
			if res == nil {
				t.Fatal("no Result")
			}
			if fresh := f.keys.lookups.Load() > warm; fresh != tc.wantFresh {
				t.Fatalf("verified again: %v, want %v", fresh, tc.wantFresh)
			}
		})
	}
}

func TestCacheHitRechecksTheTimeClaims(t *testing.T) {
	f := newFixture(t, nil)
	tok := makeToken(keyA, kidA, func(_, c map[string]any) { c["iat"] = t0.Unix() - 60 })
	verifyTwice(t, f.v, tok)
	f.clock.set(t0.Add(-time.Second)) // the clock stepped back before nbf
	if _, err := f.v.Verify(t.Context(), tok); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("Verify: %v, want ErrNotYetValid", err)
	}
	if n := f.keys.lookups.Load(); n != 2 {
		t.Fatalf("key lookups = %d, want 1 (answered from the cache)", n)
	}
}

func TestCacheHoldsOnlyFullyVerifiedTokens(t *testing.T) {
	f := newFixture(t, nil)
	valid := makeToken(keyA, kidA, nil)
	forged := valid[:len(valid)-8] + "AAAAAAAA"
	expired := makeToken(keyA, kidA, func(_, c map[string]any) { c["exp"] = t0.Unix() + 10 })
	for _, tok := range []string{forged, forged, expired, expired} {
		if _, err := f.v.Verify(t.Context(), tok); err == nil {
			t.Fatal("accepted")
		}
	}
	if n := f.v.cache.len(); n != 0 {
		t.Fatalf("cache holds %d entries after failures", n)
	}
	if n := f.keys.lookups.Load(); n != 4 {
		t.Fatalf("key lookups = %d, want 4", n)
	}
}

func TestCacheIsBounded(t *testing.T) {
	for _, size := range []int{1, 5, 40} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.CacheSize = size })
			for i := range 3 * size {
				tok := makeToken(keyA, kidA, func(_, c map[string]any) { c["sub"] = fmt.Sprint("user-test-", i) })
				verifyTwice(t, f.v, tok)
				if n := f.v.cache.len(); n > size {
					t.Fatalf("cache holds %d entries, bound %d", n, size)
				}
			}
		})
	}
}

func TestEvictionPrefersExpiredEntries(t *testing.T) {
	c := &tokenCache{shards: make([]cacheShard, 1), perShard: 4}
	c.shards[0].entries = map[[32]byte]*verified{}
	put := func(key *[32]byte, v *verified, now time.Time) { c.shards[0].put(key, v, now, c.perShard) }
	now := t0
	key := func(i byte) *[32]byte { return &[32]byte{i} }
	put(key(1), &verified{deadline: now.Add(time.Hour)}, now)
	put(key(2), &verified{deadline: now.Add(time.Second)}, now) // expired below
	put(key(3), &verified{deadline: now.Add(2 * time.Hour)}, now)
	put(key(4), &verified{deadline: now.Add(3 * time.Hour)}, now)
	put(key(5), &verified{deadline: now.Add(time.Hour)}, now.Add(time.Minute))
	if c.get(key(2)) != nil || c.len() != 4 {
		t.Fatalf("the expired entry was not the one evicted (len %d)", c.len())
	}
	// Nothing expired: the entry that expires first goes.
	put(key(6), &verified{deadline: now.Add(4 * time.Hour)}, now.Add(time.Minute))
	if c.get(key(1)) != nil && c.get(key(5)) != nil {
		t.Fatal("neither entry expiring first was evicted")
	}
	if c.get(key(4)) == nil || c.get(key(6)) == nil {
		t.Fatal("a later-expiring entry was evicted")
	}
}

func TestConcurrentVerifyIsRaceFree(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.CacheSize = 16 })
	var tokens []string
	for i := range 24 {
		tokens = append(tokens, makeToken(keyA, kidA, func(_, c map[string]any) { c["sub"] = fmt.Sprint("user-test-", i) }))
	}
	forged := tokens[0][:len(tokens[0])-8] + "AAAAAAAA"
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				tok := tokens[(g+i)%len(tokens)]
				res, err := f.v.Verify(t.Context(), tok)
				if err != nil || res.Session.UserID == "" {
					t.Errorf("Verify: %v", err)
					return
				}
				if _, err := f.v.Verify(t.Context(), forged); !errors.Is(err, ErrSignature) {
					t.Errorf("forged: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestVerifyAt: the time claims are checked against the call's clock and
// tolerance, through the same cache as Verify.
func TestVerifyAt(t *testing.T) {
	exp := t0.Add(5 * time.Minute)
	for _, tc := range []struct {
		name      string
		now       time.Time
		tolerance time.Duration
		want      error
		hit       bool // answered from the cache Verify filled
	}{
		{"valid", t0.Add(time.Minute), 0, nil, true},
		{"before iat", t0.Add(-time.Second), 0, ErrIssuedInFuture, true},
		{"before iat, within the tolerance", t0.Add(-time.Second), time.Second, nil, true},
		{"at exp", exp, 0, ErrExpired, false},
		{"after exp, within the tolerance", exp, time.Second, nil, false},
		{"after exp and the tolerance", exp.Add(time.Second), time.Second, ErrExpired, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			tok := makeToken(keyA, kidA, nil)
			check := func(res *Result, err error) {
				t.Helper()
				if !errors.Is(err, tc.want) || tc.want == nil && err != nil {
					t.Fatalf("VerifyAt: %v, want %v", err, tc.want)
				}
				if (res != nil) != (tc.want == nil || tc.want == ErrExpired) {
					t.Fatalf("Result %v with %v", res, err)
				}
			}
			// A token never seen: fully verified.
			check(f.v.VerifyAt(t.Context(), tok, tc.now, tc.tolerance))
			// A token seen: the cache answers while it holds the token.
			verifyTwice(t, f.v, tok)
			lookups := f.keys.lookups.Load()
			check(f.v.VerifyAt(t.Context(), tok, tc.now, tc.tolerance))
			if hit := f.keys.lookups.Load() == lookups; hit != tc.hit {
				t.Fatalf("answered from the cache: %v, want %v", hit, tc.hit)
			}
		})
	}
}

func TestVerifyAtSharesTheCache(t *testing.T) {
	f := newFixture(t, nil)
	tok := makeToken(keyA, kidA, nil)
	// The Verifier's own clock is past exp: a verification as of another
	// time is answered, but not cached, since the entry would be stale.
	f.clock.set(t0.Add(time.Hour))
	if _, err := f.v.VerifyAt(t.Context(), tok, t0.Add(time.Minute), 0); err != nil {
		t.Fatal(err)
	}
	if n := f.v.cache.len(); n != 0 {
		t.Fatalf("%d cache entries, want none: the entry is stale by the Verifier's clock", n)
	}
	f.clock.set(t0.Add(time.Minute))
	var first *Result
	for range 2 { // the second verification is cached
		var err error
		if first, err = f.v.VerifyAt(t.Context(), tok, t0.Add(2*time.Minute), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	second, err := f.v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if second != first || f.v.cache.len() != 1 || f.keys.lookups.Load() != 3 {
		t.Fatalf("Verify after VerifyAt: same Result %v, %d entries, %d key lookups; want the cached Result, 1, 3",
			second == first, f.v.cache.len(), f.keys.lookups.Load())
	}
	if _, err := f.v.VerifyAt(t.Context(), tok, t0, -time.Second); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("negative tolerance: %v, want ErrInvalidConfig", err)
	}
}

// TestCachedVerdictFollowsTheKeySet: a cached token is refused as soon as
// its kid leaves the key set in force, however far away its exp, and passes
// again from the cache when the same key comes back; a different key under
// its kid refuses it for good.
func TestCachedVerdictFollowsTheKeySet(t *testing.T) {
	f := newFixture(t, nil) // every unknown kid triggers a fetch
	tok := makeToken(keyA, kidA, func(_, c map[string]any) { c["exp"] = t0.Add(24 * time.Hour).Unix() })
	verifyTwice(t, f.v, tok)
	// refetch puts keys in force: a token under an unknown kid triggers the
	// fetch.
	refetch := func(keys map[string]*rsa.PublicKey) {
		t.Helper()
		f.srv.serve(keys)
		before := f.srv.fetches.Load()
		if _, err := f.v.Verify(t.Context(), makeToken(keyOther, kidUnknown, nil)); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("unknown kid: %v", err)
		}
		if f.srv.fetches.Load() != before+1 {
			t.Fatal("the unknown kid did not refetch the key set")
		}
	}
	steps := []struct {
		name    string
		keys    map[string]*rsa.PublicKey
		want    error
		lookups int64 // key lookups the verification makes: 0 for a cache hit
	}{
		{"a key the token does not use is added", map[string]*rsa.PublicKey{kidA: &keyA.PublicKey, kidB: &keyB.PublicKey, "jwk-test-c": &keyOther.PublicKey}, nil, 0},
		{"its key is removed", map[string]*rsa.PublicKey{kidB: &keyB.PublicKey}, ErrUnknownKey, 1},
		{"its key comes back", map[string]*rsa.PublicKey{kidA: &keyA.PublicKey, kidB: &keyB.PublicKey}, nil, 0},
		{"another key under its kid", map[string]*rsa.PublicKey{kidA: &keyB.PublicKey}, ErrSignature, 1},
	}
	for _, st := range steps {
		refetch(st.keys)
		for range 2 { // and again: the verdict holds
			before := f.keys.lookups.Load()
			_, err := f.v.Verify(t.Context(), tok)
			if !errors.Is(err, st.want) || (st.want == nil) != (err == nil) {
				t.Fatalf("%s: Verify = %v, want %v", st.name, err, st.want)
			}
			if n := f.keys.lookups.Load() - before; n != st.lookups {
				t.Fatalf("%s: %d key lookups, want %d", st.name, n, st.lookups)
			}
		}
	}
}
