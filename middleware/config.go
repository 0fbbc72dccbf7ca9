package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/policy"
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytchmw middleware: invalid config")

// Config configures an Authenticator. Only Client is required. A zero field
// means its default, given in its comment; a negative duration or size is
// an error, except where the comment says that negative turns a feature
// off.
type Config struct {
	// Client is the Stytch API client (required). Its project id and base
	// URL decide the JWKS URL and the accepted issuers, and it makes the
	// remote authentications.
	Client *client.Client

	// B2B says that Client's project is a Stytch B2B project: its sessions
	// are member sessions of organizations. It is said here, once, and
	// decides everything that differs: the key set
	// (/v1/b2b/sessions/jwks/{project_id} instead of /v1/sessions/jwks/…),
	// which session JWTs verify (a B2B Authenticator refuses a consumer
	// session JWT, which names no organization, and a consumer one refuses
	// any token carrying the organization claim), the remote endpoint
	// (b2b/sessions/authenticate and b2b/sessions/revoke), the policy
	// (B2BPolicy, with organization custom roles and tenancy) and the codes
	// of a denial (session_authorization_error). Default false: a consumer
	// project. A wrong value fails closed: every session JWT is refused.
	B2B bool

	// Policy is the RBAC policy cache that Permission rules and Authorize
	// consult in a consumer project. Default: nil, and the Authenticator
	// creates one from Client on first use, and closes it on Close. A cache
	// passed here is shared: the Authenticator does not close it. Setting it
	// with B2B is an error.
	Policy *policy.Cache
	// B2BPolicy is Policy's counterpart for a B2B project (B2B true): the
	// project policy and the organizations' custom roles, with the tenancy
	// rule. Default nil: created on first use and closed on Close, as
	// Policy. Setting it without B2B is an error.
	B2BPolicy *policy.B2BCache

	// MaxTokenAge decides when a locally valid session JWT is nevertheless
	// authenticated with Stytch, which notices a revoked session:
	//   - 0 (default): never; a valid JWT is trusted until its exp (Stytch
	//     issues JWTs for 5 minutes).
	//   - d > 0: once the JWT was issued d or longer ago (now − iat ≥ d).
	//     iat has a resolution of one second, so any d below one second
	//     means that every JWT is authenticated with Stytch.
	MaxTokenAge time.Duration
	// ClockTolerance is the leeway when comparing exp, nbf and iat with the
	// clock (default 0, as Stytch's SDKs).
	ClockTolerance time.Duration
	// Now is the Authenticator's clock (default time.Now): token times,
	// cache deadlines, revocations, and the key set's rate limit and
	// backoff follow it. Background refresh schedules run on the runtime's
	// clock, and a policy cache the Authenticator starts keeps its own.
	// Tests pass an emulator's clock.
	Now func() time.Time
	// Issuers are accepted as a JWT's iss besides the defaults:
	// "stytch.com/<project_id>", and Client's base URL (scheme and host)
	// when it is a custom domain rather than Stytch's own API hosts.
	Issuers []string

	// Sources are where credentials are looked for, in order (default
	// DefaultSources(): Authorization Bearer, cookie stytch_session_jwt,
	// cookie stytch_session). See Source for what several credentials,
	// malformed ones and empty ones do.
	Sources []Source
	// TrustedOrigins are origins ("https://app.example.com") whose unsafe
	// cross-origin requests with cookie credentials are allowed (default
	// none). See csrf.go's comment for the protection.
	TrustedOrigins []string
	// DisableCrossOriginProtection turns off the cross-origin check of
	// cookie credentials (default false: the check is on). Turn it off only
	// when forgery is prevented some other way.
	DisableCrossOriginProtection bool
	// RefreshCookie, when set, writes a JWT that Stytch refreshed back as a
	// cookie (default nil: off). See CookieOptions for the attributes.
	RefreshCookie *CookieOptions

	// ResourceMetadata is the URL of this service's OAuth Protected
	// Resource Metadata (RFC 9728), e.g.
	// "https://api.example.com/.well-known/oauth-protected-resource"
	// (package resourcemeta serves the document). When set, every Bearer
	// challenge WriteError writes (a 401, a 403 insufficient_scope) carries
	// it as resource_metadata="…", so OAuth and MCP clients discover where
	// to get a token. Default "": no such parameter. It must be an absolute
	// http(s) URL.
	ResourceMetadata string

	// HTTPClient fetches the JWKS (default: a client of the key set's own,
	// with a timeout, that follows no redirect).
	HTTPClient *http.Client
	// ErrorHandler answers refused requests (default WriteError).
	ErrorHandler ErrorHandler
	// Logger, when set, says why each request was refused (Info; outages at
	// Warn), never with the credential: at most a short SHA-256 prefix.
	// nil discards everything: the middleware never logs on its own.
	Logger *slog.Logger
	// Observer, when set, receives every decision for metrics.
	Observer Observer

	// Introspection, when set, makes the Authenticator ask Stytch whether
	// each Connected Apps access token that verified locally is still
	// active, so that a revoked one is refused (401) within
	// Introspection.CacheTTL. Default nil: access tokens are verified
	// locally only and pass until their exp. See Introspection.
	Introspection *Introspection

	// Fleet, when set, makes the Authenticator one replica of a fleet
	// that shares revocations and Stytch's answers through the store
	// (fleet/redisfleet on Redis): a session revoked on any replica is
	// refused on every one within milliseconds, and Stytch is asked about
	// a credential about once for the whole fleet. Default nil: a single
	// process, which sees revocations made elsewhere only through Stytch.
	// The store is shared, not owned: Close does not close it. See
	// fleet.go and README's "Running a fleet".
	Fleet fleet.Store
	// FleetOutage says what a replica does while the fleet's feed is not
	// live (default FleetOutageLocal: serve as a single process would,
	// and report it). Ignored without Fleet.
	FleetOutage FleetOutage

	// Tuning holds the bounds, cache sizes and intervals; its zero value is
	// the defaults, which suit most services.
	Tuning Tuning
}

// Tuning holds the knobs few services turn. Every zero field is its
// default; a negative one is an error unless its comment says it turns
// something off.
type Tuning struct {
	// MaxCredentialBytes bounds a credential; a longer one is refused before
	// it is parsed (default 8 KiB: Stytch session JWTs are 1–2 KiB with a
	// few custom claims, opaque tokens 44 bytes).
	MaxCredentialBytes int
	// RemoteTimeout bounds one remote authentication, shared by every
	// request waiting for it (default 5 s). A request that needs Stytch
	// gets its answer or a 503 within this time.
	RemoteTimeout time.Duration
	// MaxConcurrentRemote bounds the remote authentications
	// (sessions/authenticate calls) in flight at once (default 64).
	// Requests with the same credential share one call and count once; a
	// request that needs a call of its own while the bound is reached is
	// answered 503 stytch_unavailable at once instead of waiting. It keeps a
	// flood of made-up opaque tokens or stale JWTs from turning into a flood
	// of calls that would exhaust the project's Stytch rate limit (and then
	// fail everyone who needs Stytch), and bounds the connections and
	// goroutines such a flood holds. With Stytch answering in 100 ms, 64
	// calls in flight allow about 640 remote authentications a second;
	// locally verified JWTs never count.
	MaxConcurrentRemote int

	// SessionTokenCacheTTL is how long a successful remote authentication of
	// an opaque session token is reused (default 30 s; negative turns the
	// cache off). It is the longest time a revoked session can still pass
	// with its opaque token. An entry never outlives the session.
	SessionTokenCacheTTL time.Duration
	// SessionTokenCacheSize bounds the session-token cache in entries
	// (default 10,000; negative turns the cache off). When it is full of
	// live entries, further answers are not cached until some expire. An
	// entry holds Stytch's answer (session, user and JWT): about 4 KB for a
	// user with one email (BenchmarkSessionTokenCacheEntry), so the default
	// bound is near 40 MB.
	SessionTokenCacheSize int
	// RevokedSessionsSize bounds how many sessions logged out through
	// Revoke the Authenticator remembers, to refuse their credentials at
	// once (default 10,000; about 200 bytes each). A session is remembered
	// for as long as a credential of it could still pass without Stytch: 5
	// minutes plus ClockTolerance (a JWT's lifetime), or RemoteTimeout plus
	// SessionTokenCacheTTL if longer. When the set is full, the revocation
	// that expires first is forgotten early, and that session falls back to
	// the bounds of an ordinary revocation.
	RevokedSessionsSize int
	// VerifiedJWTCacheSize bounds the cache of fully verified JWTs, which
	// makes a JWT seen before cost a hash and a lookup instead of an RSA
	// signature check (default 10,000 entries; negative turns the cache
	// off). A JWT enters it on its second verification, so tokens used once
	// never occupy it. An entry never outlives the JWT's exp, nor its
	// MaxTokenAge deadline, nor its key: a hit is refused once the JWT's kid
	// is no longer in the key set in force.
	VerifiedJWTCacheSize int

	// JWKSRefreshInterval is how often the JWKS is refreshed in the
	// background (default 1 h).
	JWKSRefreshInterval time.Duration
	// JWKSMinRefreshInterval is the least time between a successful JWKS
	// fetch and a refresh triggered by a token with an unknown kid (default
	// 30 s). It bounds the fetches a flood of random kids can cause, and is
	// the longest a key rotated in just after a fetch waits to be seen.
	JWKSMinRefreshInterval time.Duration
}

// The defaults of the Tuning fields.
const (
	defaultMaxCredentialBytes    = 8 << 10
	defaultRemoteTimeout         = 5 * time.Second
	defaultMaxConcurrentRemote   = 64
	defaultSessionTokenCacheTTL  = 30 * time.Second
	defaultSessionTokenCacheSize = 10_000
	defaultRevokedSessionsSize   = 10_000
)

// settings is a checked Config with its defaults applied.
type settings struct {
	maxAge             tokenAge
	sources            []Source
	maxCredentialBytes int
	remoteTimeout      time.Duration
	maxRemote          int
	tokenTTL           time.Duration // 0: no session-token cache
	tokenCacheSize     int
	revokedSize        int
	now                func() time.Time
	errorHandler       ErrorHandler
	logger             *slog.Logger
}

// check validates cfg and resolves its defaults.
func (cfg *Config) check() (settings, error) {
	if cfg.Client == nil {
		return settings{}, fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	}
	switch {
	case cfg.FleetOutage > FleetOutageRemote:
		return settings{}, fmt.Errorf("%w: FleetOutage %d is not one of FleetOutageLocal, FleetOutageRemote", ErrInvalidConfig, cfg.FleetOutage)
	case cfg.B2B && cfg.Policy != nil:
		return settings{}, fmt.Errorf("%w: Policy is a consumer project's policy; a B2B Authenticator takes B2BPolicy", ErrInvalidConfig)
	case !cfg.B2B && cfg.B2BPolicy != nil:
		return settings{}, fmt.Errorf("%w: B2BPolicy needs B2B (a B2B project)", ErrInvalidConfig)
	}
	if cfg.ResourceMetadata != "" {
		if err := checkResourceMetadata(cfg.ResourceMetadata); err != nil {
			return settings{}, err
		}
	}
	if cfg.Introspection != nil {
		if err := cfg.Introspection.check(); err != nil {
			return settings{}, err
		}
	}
	tu := cfg.Tuning
	for _, f := range []struct {
		name     string
		negative bool
	}{
		{"MaxTokenAge", cfg.MaxTokenAge < 0},
		{"ClockTolerance", cfg.ClockTolerance < 0},
		{"Tuning.MaxCredentialBytes", tu.MaxCredentialBytes < 0},
		{"Tuning.RemoteTimeout", tu.RemoteTimeout < 0},
		{"Tuning.MaxConcurrentRemote", tu.MaxConcurrentRemote < 0},
		{"Tuning.RevokedSessionsSize", tu.RevokedSessionsSize < 0},
		{"Tuning.JWKSRefreshInterval", tu.JWKSRefreshInterval < 0},
		{"Tuning.JWKSMinRefreshInterval", tu.JWKSMinRefreshInterval < 0},
	} {
		if f.negative {
			return settings{}, fmt.Errorf("%w: %s must not be negative (0 means the default)", ErrInvalidConfig, f.name)
		}
	}
	sources := cfg.Sources
	if sources == nil {
		sources = DefaultSources()
	}
	if err := validateSources(sources); err != nil {
		return settings{}, err
	}
	s := settings{
		maxAge:             tokenAge(cfg.MaxTokenAge),
		sources:            append([]Source(nil), sources...),
		maxCredentialBytes: orDefault(tu.MaxCredentialBytes, defaultMaxCredentialBytes),
		remoteTimeout:      orDefault(tu.RemoteTimeout, defaultRemoteTimeout),
		maxRemote:          orDefault(tu.MaxConcurrentRemote, defaultMaxConcurrentRemote),
		revokedSize:        orDefault(tu.RevokedSessionsSize, defaultRevokedSessionsSize),
		now:                cfg.Now,
		errorHandler:       cfg.ErrorHandler,
		logger:             cfg.Logger,
	}
	if tu.SessionTokenCacheTTL >= 0 && tu.SessionTokenCacheSize >= 0 {
		s.tokenTTL = orDefault(tu.SessionTokenCacheTTL, defaultSessionTokenCacheTTL)
		s.tokenCacheSize = orDefault(tu.SessionTokenCacheSize, defaultSessionTokenCacheSize)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.errorHandler == nil {
		s.errorHandler = WriteError
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// orDefault is v, or def when v is zero.
func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func validateSources(sources []Source) error {
	if len(sources) == 0 {
		return fmt.Errorf("%w: Sources is empty; leave it nil for the defaults", ErrInvalidConfig)
	}
	for i, s := range sources {
		switch {
		case s.Name == "":
			return fmt.Errorf("%w: Sources[%d] has no Name", ErrInvalidConfig, i)
		case s.Kind != SessionJWT && s.Kind != SessionToken:
			return fmt.Errorf("%w: Sources[%d] (%s) has no valid Kind", ErrInvalidConfig, i, s.Name)
		case s.Extract == nil:
			return fmt.Errorf("%w: Sources[%d] (%s) has no Extract function", ErrInvalidConfig, i, s.Name)
		}
	}
	return nil
}

// tokenAge is a MaxTokenAge: 0 for no limit.
type tokenAge time.Duration

// tooOld reports whether a JWT issued at iat must be authenticated
// remotely at now: never without a limit; always under a limit below one
// second, iat's resolution; else when now − iat ≥ the limit.
func (t tokenAge) tooOld(now, iat time.Time) bool {
	return t > 0 && (t < tokenAge(time.Second) || now.Sub(iat) >= time.Duration(t))
}
