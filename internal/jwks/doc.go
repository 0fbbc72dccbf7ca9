// Package jwks holds a Stytch project's JSON Web Key Set: the RSA public keys
// that verify session JWTs, fetched from the project's JWKS endpoint and kept
// fresh in the background.
//
// Keys are parsed with lestrrat-go/jwx (jwk.Parse); fetching is this
// package's own and the refresh schedule internal/refresh's, because jwx's
// jwk.Cache cannot give the guarantees the middleware needs, starting with a
// Close that stops every goroutine (see fetcher for the details):
//
//   - a kid that is not held triggers a refresh: one at a time (callers share
//     it), detached from the caller's context (a caller that gives up stops
//     waiting; the fetch goes on for the others), and at most one per
//     MinRefreshInterval. Only refreshes that succeed spend that budget, so an
//     outage does not lock out the rotation refresh that follows it; failed
//     attempts are spaced by their own backoff instead.
//   - a failed refresh never drops the keys already held;
//   - New succeeds while the endpoint is down and retries within seconds
//     (RetryInterval doubling up to MinRefreshInterval, with jitter);
//   - every request has a timeout and every body is read with a 1 MiB cap;
//   - a key that cannot be parsed, or is not an RSA key usable for RS256
//     signature verification with at least 2048 bits, is skipped without
//     failing the rest of the set;
//   - each key is converted to an *rsa.PublicKey once per fetch (not at all
//     when the body has not changed since the previous fetch), and Key
//     reads an immutable map through an atomic pointer: no lock and no
//     allocation on the request path;
//   - each key set put in force carries a generation, which only a fetch
//     that changes the keys moves: a verdict reached under a key (the
//     verifier's cache of verified tokens) is reused while Generation has
//     not moved, and checked against Held when it has, so that it never
//     outlives its key in the set.
package jwks
