package jwtverify

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/jwks"
)

// Defaults.
const (
	// DefaultMaxTokenBytes is the longest token accepted when
	// Config.MaxTokenBytes is zero; longer ones are refused before parsing.
	DefaultMaxTokenBytes = 8192
	// DefaultCacheSize is the number of verified tokens remembered when
	// Config.CacheSize is zero. An entry holds about 1.4 KB for a typical
	// Stytch session JWT (BenchmarkCacheMemoryPerEntry), so the default cache
	// stays under about 15 MB.
	DefaultCacheSize = 10000
)

// KeySource is the project's key set: *jwks.Set in production.
type KeySource interface {
	// Key returns the public key of a kid, fetching the set when it lacks
	// the kid. Its errors should match jwks.ErrUnknownKID when the kid is
	// not in a fresh key set; any other error is taken as "keys
	// unavailable".
	Key(ctx context.Context, kid string) (*rsa.PublicKey, error)
	// Generation identifies the key set in force; it changes whenever the
	// keys in force change, and costs next to nothing (it is read on every
	// cache hit).
	Generation() uint64
	// Held returns the key the set in force holds for kid (nil when none),
	// without fetching, and that set's generation.
	Held(kid string) (*rsa.PublicKey, uint64)
}

// Config configures a Verifier. ProjectID, Issuers and Keys are required.
type Config struct {
	// ProjectID must be in the token's aud.
	ProjectID string
	// Issuers lists every accepted iss, compared exactly.
	Issuers []string
	// Keys returns the verification key of a kid.
	Keys KeySource
	// ClockTolerance is the leeway on exp, nbf and iat (default 0).
	ClockTolerance time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxTokenBytes bounds the token's length (default DefaultMaxTokenBytes).
	MaxTokenBytes int
	// CacheSize bounds the number of verified tokens cached (default
	// DefaultCacheSize; negative disables the cache). The bound is split
	// evenly over up to 16 shards, so a little fewer may be held.
	CacheSize int
	// MaxTokenAge, when set, bounds how long after iat a cached verification
	// may be reused (cache entries never outlive exp either). Zero disables
	// caching. Deciding what to do with an old token is the caller's job.
	MaxTokenAge *time.Duration
	// B2B makes the verifier serve a Stytch B2B project: its session JWTs
	// are member sessions, which must carry the organization claim
	// (KindMemberSession; a consumer session JWT is refused with
	// ErrNoOrganization). Without B2B, any token carrying the organization
	// claim is refused (ErrOrganizationClaim). The key set must be the
	// project's: /v1/b2b/sessions/jwks/{project_id} for B2B.
	B2B bool
}

// Result is what a verified token says. Result and what it points to are
// shared with the cache of verified tokens and every caller that verified
// the same token (Verify returns the cached Result itself): read-only.
// Exactly one of Session, MemberSession and AccessToken is set, as Kind
// says.
type Result struct {
	// Kind is the kind of token.
	Kind Kind
	// Session is a consumer session JWT's session, as the remote
	// authenticate endpoint would have answered it (KindSession).
	Session *client.Session
	// MemberSession is a member session JWT's session, as the remote B2B
	// authenticate endpoint would have answered it (KindMemberSession).
	MemberSession *client.MemberSession
	// AccessToken is an access token's claims (KindAccessToken).
	AccessToken *AccessToken
	// IssuedAt and ExpiresAt are the token's iat and exp, in UTC.
	IssuedAt, ExpiresAt time.Time
	// KeyID is the kid of the key that verified the token.
	KeyID string
}

// Verifier verifies Stytch session JWTs locally. It is safe for concurrent
// use and holds no goroutine.
type Verifier struct {
	projectID   string
	issuers     []string
	keys        KeySource
	tolerance   time.Duration
	now         func() time.Time
	maxBytes    int
	maxTokenAge time.Duration
	hasMaxAge   bool
	b2b         bool
	cache       *tokenCache // nil when disabled
}

// New checks cfg and returns a Verifier.
func New(cfg Config) (*Verifier, error) {
	switch {
	case cfg.ProjectID == "":
		return nil, fmt.Errorf("%w: ProjectID is required", ErrInvalidConfig)
	case len(cfg.Issuers) == 0 || slices.Contains(cfg.Issuers, ""):
		return nil, fmt.Errorf("%w: Issuers must list at least one non-empty issuer", ErrInvalidConfig)
	case cfg.Keys == nil:
		return nil, fmt.Errorf("%w: Keys is required", ErrInvalidConfig)
	case cfg.ClockTolerance < 0 || cfg.MaxTokenBytes < 0:
		return nil, fmt.Errorf("%w: ClockTolerance and MaxTokenBytes must not be negative", ErrInvalidConfig)
	case cfg.MaxTokenAge != nil && *cfg.MaxTokenAge < 0:
		return nil, fmt.Errorf("%w: MaxTokenAge must not be negative", ErrInvalidConfig)
	}
	v := &Verifier{
		projectID: cfg.ProjectID,
		issuers:   slices.Clone(cfg.Issuers),
		keys:      cfg.Keys,
		tolerance: cfg.ClockTolerance,
		now:       cfg.Now,
		maxBytes:  cfg.MaxTokenBytes,
		b2b:       cfg.B2B,
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.maxBytes == 0 {
		v.maxBytes = DefaultMaxTokenBytes
	}
	if cfg.MaxTokenAge != nil {
		v.maxTokenAge, v.hasMaxAge = *cfg.MaxTokenAge, true
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 && !(v.hasMaxAge && v.maxTokenAge == 0) {
		v.cache = newTokenCache(size)
	}
	return v, nil
}

// Verify verifies a session JWT of the project and maps its claims to a
// Session (consumer) or a MemberSession (Config.B2B). An access token is
// refused (ErrNotSession).
//
// The checks run from the cheapest to the dearest, so that a token that can
// never be valid costs little and nothing upstream: size, compact
// serialization and base64url, header (alg RS256, kid, typ, crit), payload
// JSON (types, duplicates), iss and aud; then the key of kid, one RSA
// signature check; then the session claim and the time claims. A token
// already verified is answered from the cache after its time claims are
// checked again.
//
// On ErrExpired the Result is returned too: the token is authentic.
//
// The Result is shared with the cache and with every other caller that
// verified the same token: read it, never modify it.
func (v *Verifier) Verify(ctx context.Context, token string) (*Result, error) {
	return v.verifyAt(ctx, token, acceptSession, v.now(), v.tolerance, false)
}

// VerifyAccessToken verifies an M2M or Connected Apps access token as
// Verify does a session JWT, with the same checks, key set and cache, and
// maps its claims to an AccessToken. A session JWT is refused
// (ErrNotAccessToken). Scopes are the caller's to require.
func (v *Verifier) VerifyAccessToken(ctx context.Context, token string) (*Result, error) {
	return v.verifyAt(ctx, token, acceptAccessToken, v.now(), v.tolerance, false)
}

// VerifyAny verifies a token that may be the project's session JWT or an
// access token, for a caller that takes both: Result.Kind says which it
// was. It costs what Verify costs.
func (v *Verifier) VerifyAny(ctx context.Context, token string) (*Result, error) {
	return v.verifyAt(ctx, token, acceptAny, v.now(), v.tolerance, false)
}

// VerifyAt verifies a session JWT as Verify does, but compares its time
// claims with now and tolerance instead of Config.Now and
// Config.ClockTolerance: for a caller with a clock or a leeway of its own
// (the SDK's authenticateJwtLocal parameters). It shares the cache of
// verified tokens: a token the cache holds costs a lookup, whatever the time
// asked about, since its signature does not depend on it. A negative
// tolerance is an ErrInvalidConfig error.
func (v *Verifier) VerifyAt(ctx context.Context, token string, now time.Time, tolerance time.Duration) (*Result, error) {
	if tolerance < 0 {
		return nil, fmt.Errorf("%w: the clock tolerance must not be negative", ErrInvalidConfig)
	}
	return v.verifyAt(ctx, token, acceptSession, now, tolerance, true)
}

// verifyAt is Verify and its siblings: a token of a kind acc takes, its
// time claims checked against now with tolerance. An entry is cached only
// while it is fresh by the Verifier's own clock, which callClock says now
// may not be.
func (v *Verifier) verifyAt(ctx context.Context, token string, acc accept, now time.Time, tolerance time.Duration, callClock bool) (*Result, error) {
	if len(token) > v.maxBytes {
		return nil, fail(ErrTooLarge, fmt.Sprintf("%d bytes, the limit is %d", len(token), v.maxBytes))
	}
	// One pass of SHA-256 yields both the hash of the signing input (for the
	// signature) and the hash of the whole token (the cache key).
	var inputHash, tokenHash [32]byte
	hashToken(token, v.cache != nil, &inputHash, &tokenHash)
	if v.cache != nil {
		if e := v.cache.get(&tokenHash); e != nil && now.Before(e.deadline) && v.keyInForce(e) {
			// The kind is the token's own: refused from the cache as it
			// would be on first sight, before the time claims.
			if !acc.has(e.result.Kind) {
				return nil, acc.refusal(e.result.Kind)
			}
			if err := checkTimes(now, tolerance, e); err != nil {
				return nil, err
			}
			return &e.result, nil
		}
	}
	// A token whose key left the set is verified again, as a token never
	// seen: refused while its kid is missing, cached again if it comes back.
	e, err := v.verify(ctx, token, acc, &inputHash)
	if err != nil {
		return nil, err
	}
	if err := checkTimes(now, tolerance, e); err != nil {
		if errors.Is(err, ErrExpired) {
			return &e.result, err
		}
		return nil, err
	}
	if v.cache != nil {
		e.deadline = e.exp
		if v.hasMaxAge {
			if tooOld := e.iat.Add(v.maxTokenAge); tooOld.Before(e.deadline) {
				e.deadline = tooOld
			}
		}
		if callClock {
			now = v.now()
		}
		if now.Before(e.deadline) {
			v.cache.admit(&tokenHash, e, now)
		}
	}
	return &e.result, nil
}

// verify runs every check but the time claims.
func (v *Verifier) verify(ctx context.Context, raw string, acc accept, inputHash *[32]byte) (*verified, error) {
	var sigBuf [maxSignatureBytes]byte
	t, err := splitToken(raw, &sigBuf)
	if err != nil {
		return nil, err
	}
	kid, err := parseHeader(t.header)
	if err != nil {
		return nil, err
	}
	c, err := parseClaims(t.payload, v.projectID)
	if err != nil {
		return nil, err
	}
	if !c.hasIss || !slices.Contains(v.issuers, c.iss) {
		return nil, fail(ErrIssuer, "iss is not an accepted issuer")
	}
	if !c.audOK {
		return nil, fail(ErrAudience, "aud does not contain the project id")
	}
	kind, err := kindOf(&c, v.b2b, acc)
	if err != nil {
		return nil, err
	}
	// The generation is read before the key, so that the entry never
	// claims a newer set than the key came from: at worst it is checked
	// again on its first hit.
	gen := v.keys.Generation()
	pub, err := v.keys.Key(ctx, kid)
	switch {
	case errors.Is(err, jwks.ErrUnknownKID):
		return nil, fmt.Errorf("%w: %w", ErrUnknownKey, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	case pub == nil:
		return nil, fail(ErrKeysUnavailable, "the key source returned no key")
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, inputHash[:], t.sig); err != nil {
		return nil, fail(ErrSignature, "RS256 signature does not verify")
	}
	e, err := newVerified(&c, t.payload, kid, kind)
	if err != nil {
		return nil, err
	}
	e.key = pub
	e.keyGen.Store(gen)
	return e, nil
}

// keyInForce reports whether the key that verified a cached token is still
// in the key set in force: one atomic load while the set has not changed
// since the entry was last checked. After a change, the kid is looked up in
// the new set (no fetch); the same key under it, or an equal one (a key
// that left and came back), makes the entry current again. A verdict thus
// never outlives its key, whatever exp the token's signer chose.
func (v *Verifier) keyInForce(e *verified) bool {
	if e.keyGen.Load() == v.keys.Generation() {
		return true
	}
	pub, gen := v.keys.Held(e.result.KeyID)
	if pub == nil || (pub != e.key && !pub.Equal(e.key)) {
		return false
	}
	e.keyGen.Store(gen)
	return true
}

// hashToken sets inputHash to the SHA-256 of the token's signing input
// (everything before its second dot; splitToken later makes sure that is the
// signing input) and, when whole is set, tokenHash to the SHA-256 of the
// whole token.
func hashToken(token string, whole bool, inputHash, tokenHash *[32]byte) {
	end := signingInputEnd(token)
	if !whole {
		*inputHash = sha256.Sum256(stringBytes(token[:end]))
		return
	}
	d := sha256.New()
	d.Write(stringBytes(token[:end]))
	d.Sum(inputHash[:0])
	d.Write(stringBytes(token[end:]))
	d.Sum(tokenHash[:0])
}

// signingInputEnd returns the index of the token's second dot, or of its
// end when it has fewer. (Two forward searches: strings.IndexByte is
// vectorised, strings.LastIndexByte is not.)
func signingInputEnd(token string) int {
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return len(token)
	}
	dot2 := strings.IndexByte(token[dot1+1:], '.')
	if dot2 < 0 {
		return len(token)
	}
	return dot1 + 1 + dot2
}

// checkTimes checks iat, nbf and exp against now with the clock tolerance:
// valid while iat ≤ now+tolerance, nbf ≤ now+tolerance and now < exp+tolerance.
func checkTimes(now time.Time, tolerance time.Duration, e *verified) error {
	late := now.Add(tolerance)
	switch {
	case e.iat.After(late):
		return fail(ErrIssuedInFuture, "iat is in the future")
	case e.nbf.After(late):
		return fail(ErrNotYetValid, "nbf is in the future")
	case !now.Before(e.exp.Add(tolerance)):
		return fail(ErrExpired, "exp has passed")
	}
	return nil
}
