package jwks

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// fetcher fetches and parses the key set through a jwk.Cache, which it uses
// for exactly that and nothing else. jwk.Cache (httprc v1 underneath) is not
// left to schedule anything, because it would break the Set's guarantees:
//
//   - its HTTP client interface has no context, so a fetch cannot be
//     cancelled by Close, and by default it uses a client without timeout;
//     the getter below binds every request to the Set's lifetime and Timeout
//     and caps the body (jwk.Cache reads it whole and never closes it);
//   - Refresh serialises callers instead of coalescing them, uses the first
//     caller's context for everyone, and has no rate limit or unknown-kid
//     trigger;
//   - after a failed fetch the next attempt is its minimum refresh interval
//     away (15 minutes by default), rounded to a refresh window that cannot
//     be shorter than a second, and a failed first fetch leaves no set at all;
//   - every fetch it performs queues another periodic fetch of the same URL,
//     so calling Refresh on demand would multiply background fetches.
//
// So the URL is registered with a refresh interval that never comes due; the
// Set alone decides when to fetch and calls Refresh. Each Refresh still
// appends one never-due entry to jwk.Cache's internal queue; to keep memory
// bounded the jwk.Cache is replaced after recycleAfter fetches.
//
// A fetcher is used by one goroutine at a time (the Set runs one fetch at a
// time).
type fetcher struct {
	url    string
	getter *getter

	cache       *jwk.Cache
	stopCache   context.CancelFunc
	fetchCount  int
	cacheParent context.Context
}

// never is a refresh interval that does not come due while a process runs.
const never = 100 * 365 * 24 * time.Hour

// recycleAfter is how many fetches a jwk.Cache serves before it is replaced.
const recycleAfter = 256

// newFetcher returns a fetcher whose requests end when ctx does.
func newFetcher(ctx context.Context, cfg Config) (*fetcher, error) {
	f := &fetcher{
		url:         cfg.URL,
		getter:      &getter{ctx: ctx, client: cfg.HTTPClient, timeout: cfg.Timeout},
		cacheParent: ctx,
	}
	if err := f.openCache(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *fetcher) openCache() error {
	ctx, cancel := context.WithCancel(f.cacheParent)
	cache := jwk.NewCache(ctx, jwk.WithRefreshWindow(never))
	err := cache.Register(f.url,
		jwk.WithHTTPClient(f.getter),
		jwk.WithRefreshInterval(never),
		jwk.WithIgnoreParseError(true),
	)
	if err != nil {
		cancel()
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	f.cache, f.stopCache, f.fetchCount = cache, cancel, 0
	return nil
}

// fetch downloads and parses the set and returns its usable keys by kid.
// It fails when no key is usable, so that an empty or garbage answer never
// replaces the keys in force.
func (f *fetcher) fetch(ctx context.Context) (map[string]*rsa.PublicKey, []skippedKey, error) {
	if f.fetchCount >= recycleAfter {
		f.stopCache()
		if err := f.openCache(); err != nil {
			return nil, nil, err
		}
	}
	f.fetchCount++
	set, err := f.cache.Refresh(ctx, f.url)
	if err != nil {
		return nil, nil, fmt.Errorf("fetching the JWKS: %w", err)
	}
	keys, skipped := usableKeys(set)
	if len(keys) == 0 {
		return nil, skipped, fmt.Errorf("the JWKS holds no usable RS256 key (%d skipped)", len(skipped))
	}
	return keys, skipped, nil
}

// close stops jwk.Cache's goroutines. They exit as soon as they see their
// context cancelled; jwk.Cache offers no way to wait for them.
func (f *fetcher) close() { f.stopCache() }

// getter is the HTTP client jwk.Cache fetches with: each request is bound to
// the Set's lifetime and to the Timeout, must answer 200, and its body is
// capped at MaxBodyBytes and closed when read to the end or on error.
type getter struct {
	ctx     context.Context
	client  *http.Client
	timeout time.Duration
}

// errBodyTooLarge fails a fetch whose body exceeds MaxBodyBytes.
var errBodyTooLarge = fmt.Errorf("JWKS body larger than %d bytes", MaxBodyBytes)

// Get implements jwk.HTTPClient.
func (g *getter) Get(u string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(g.ctx, g.timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection can be reused, then give up.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		_ = resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("JWKS endpoint answered HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > MaxBodyBytes {
		_ = resp.Body.Close()
		cancel()
		return nil, errBodyTooLarge
	}
	resp.Body = &cappedBody{body: resp.Body, left: MaxBodyBytes, cancel: cancel}
	return resp, nil
}

// cappedBody reads at most left bytes of body and fails past them. It closes
// body (and releases its context) at the first error or EOF, because
// jwk.Cache never closes the bodies it reads.
type cappedBody struct {
	body   io.ReadCloser
	left   int64
	cancel context.CancelFunc
	err    error
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.body.Read(p)
	if int64(n) > b.left {
		n, err = int(b.left), errBodyTooLarge
	}
	b.left -= int64(n)
	if err != nil {
		b.err = err
		b.release()
	}
	return n, err
}

func (b *cappedBody) Close() error {
	if b.err == nil {
		b.err = errors.New("JWKS body closed")
	}
	return b.release()
}

func (b *cappedBody) release() error {
	if b.cancel == nil {
		return nil
	}
	err := b.body.Close()
	b.cancel()
	b.cancel = nil
	return err
}
