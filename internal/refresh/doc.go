// Package refresh runs the background refresh of a value fetched from
// upstream (the JWKS key set, the RBAC policy): fetch at once, then every
// interval; after a failure, retry sooner with a jittered exponential
// backoff; fetch early on demand within a rate limit; stop on Close and wait
// for every goroutine it started.
//
// The loop does not hold the value: the fetch function stores what it loaded
// (each user keeps its own atomic.Pointer, read without a lock on the
// request path) and returns an error when it loaded nothing, in which case
// the value in force stays. One fetch runs at a time, so an older answer
// never replaces a newer one, and every caller that asks for a fetch while
// one is under way shares it.
//
// Every wait is drawn by Jitter, one formula for the whole module: uniform in
// [d − d/spread, d], so it is never later than the nominal delay (a refresh
// interval stays a staleness bound, a backoff ceiling stays a ceiling) and
// many instances that failed together do not retry together.
package refresh
