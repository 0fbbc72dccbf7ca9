package jwks

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// fetcher downloads the key set and parses it with jwx (jwk.Parse, each key
// converted once with Raw). It does not use jwx's jwk.Cache, whose
// guarantees fall short of the Set's:
//
//   - its goroutines cannot be stopped reliably: httprc v1's refresh loop
//     wakes the fetch loop with a sync.Cond Signal sent without the lock,
//     once, as it exits; a fetch loop between its context check and Wait
//     misses it and blocks forever. goleak caught exactly that after Close
//     while this package was built on jwk.Cache (under -race, on a loaded
//     machine);
//   - its HTTP client interface has no context (a fetch cannot be cancelled
//     by Close), its default client has no timeout, and it reads bodies
//     whole and never closes them;
//   - Refresh serialises callers instead of coalescing them, runs under the
//     first caller's context, and has no rate limit or unknown-kid trigger;
//   - after a failed fetch the next attempt is 15 minutes away by default
//     (and a refresh window cannot be shorter than a second), and a failed
//     first fetch leaves no set at all;
//   - every fetch queues another periodic fetch of the same URL, so on-demand
//     refreshes would multiply background fetches and grow its queue.
//
// So the Set owns the whole policy (its schedule run by internal/refresh),
// and the fetcher only does one fetch when asked, bound to the caller's
// context (the Set's lifetime) and to the Timeout, with the body capped. A fetcher is used by one goroutine at a time.
type fetcher struct {
	url     string
	client  *http.Client
	timeout time.Duration

	// The previous answer's digest and keys: an unchanged body is not
	// parsed again (the hourly refresh usually finds the same set).
	lastDigest [sha256.Size]byte
	lastKeys   map[string]*rsa.PublicKey
}

func newFetcher(cfg Config) *fetcher {
	return &fetcher{url: cfg.URL, client: cfg.HTTPClient, timeout: cfg.Timeout}
}

// errBodyTooLarge fails a fetch whose body exceeds MaxBodyBytes.
var errBodyTooLarge = fmt.Errorf("JWKS body larger than %d bytes", MaxBodyBytes)

// fetch downloads and parses the set and returns its usable keys by kid. It
// fails when no key is usable, so that an empty or garbage answer never
// replaces the keys in force.
func (f *fetcher) fetch(ctx context.Context) (map[string]*rsa.PublicKey, []skippedKey, error) {
	body, err := f.download(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("fetching the JWKS: %w", err)
	}
	digest := sha256.Sum256(body)
	if f.lastKeys != nil && digest == f.lastDigest {
		return f.lastKeys, nil, nil
	}
	set, err := jwk.Parse(body, jwk.WithIgnoreParseError(true))
	if err != nil {
		return nil, nil, fmt.Errorf("parsing the JWKS: %w", err)
	}
	keys, skipped := usableKeys(set)
	if len(keys) == 0 {
		return nil, skipped, fmt.Errorf("the JWKS holds no usable RS256 key (%d skipped)", len(skipped))
	}
	f.lastDigest, f.lastKeys = digest, keys
	return keys, skipped, nil
}

// download GETs the set: HTTP 200 only, within the Timeout, at most
// MaxBodyBytes.
func (f *fetcher) download(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("JWKS endpoint answered HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > MaxBodyBytes {
		return nil, errBodyTooLarge
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, MaxBodyBytes+1))
	switch {
	case err != nil:
		return nil, err
	case n > MaxBodyBytes:
		return nil, errBodyTooLarge
	}
	return buf.Bytes(), nil
}
