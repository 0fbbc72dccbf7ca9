// Package middleware authenticates net/http requests with Stytch sessions
// and authorizes them with the project's RBAC policy. It works with any
// router: every guard is a func(http.Handler) http.Handler.
//
// Create one Authenticator per project with New, and put a Rule on each
// handler with Require:
//
//	auth.Require(middleware.Authenticated())(h)                  // requires a session
//	auth.Require(middleware.Optional())(h)                       // anonymous without a credential
//	auth.Require(middleware.Permission("documents", "delete"))(h) // requires a session allowed to act
//
// The same Rule values go into the route tables of packages stytchchi and
// nethttp, which put a rule on every route of a router and refuse routes
// without one. From inside a handler, Authorize checks a permission that
// depends on the request's data (AuthorizeIn, in a given organization of
// a B2B project). Handlers read the session with
// FromContext; NewContext puts one in a context for handler tests.
//
// One Authenticator serves a consumer project or, with Config.B2B, a B2B
// project (member sessions of organizations, tenant-scoped rules with
// Rule.InOrganization); either kind also takes machine callers (M2M and
// Connected Apps access tokens) on routes whose rule says so (Scope,
// Rule.OrMachine). Auth.Caller says which caller a handler has.
//
// An Authenticator trusts only sessions it verified itself: Permission
// rules and Authorize reuse the session that the same Authenticator's
// Require stored earlier in the chain, and otherwise authenticate the
// request's credential themselves. A session stored by
// another Authenticator (another Stytch project) or by NewContext grants
// nothing.
//
// # Credentials
//
// By default a request's credential is taken from, in order, the
// Authorization header (Bearer session JWT), the stytch_session_jwt cookie
// (session JWT) and the stytch_session cookie (opaque session token). The
// first source that holds one wins; see Source for several credentials,
// malformed ones, other schemes and empty cookies. Tokens in the query
// string are never read. Cookie credentials are protected against
// cross-site request forgery by net/http's CrossOriginProtection.
//
// # Local and remote verification
//
// A session JWT is verified in process against the project's JWKS
// (RS256 only; issuer, audience, exp, nbf and iat checked), which costs one
// RSA signature check the first two times a token is seen and a hash lookup
// after (a token is cached on its second use, so one-off tokens never crowd
// the cache or make the garbage collector trace them).
// Stytch is asked (sessions/authenticate) only when it must be: for an
// opaque token, for an authentic JWT that has expired (Stytch refreshes it
// while the session lives), and for a JWT older than Config.MaxTokenAge.
// Concurrent identical questions share one call, and at most
// Config.Tuning.MaxConcurrentRemote calls are in flight (beyond them, 503 at
// once). A token that cannot be valid never reaches Stytch.
//
// # What a revoked session can still do
//
// A session logged out with Authenticator.Revoke is refused at once by
// that Authenticator, whatever credential of it a request carries.
//
// Otherwise (a session revoked elsewhere: through the client, by another
// process, in Stytch's dashboard) local verification cannot see the
// revocation. A revoked session's JWT keeps passing until its exp (Stytch
// issues JWTs for 5 minutes), or, with MaxTokenAge d, until d after it was
// issued, whichever is sooner, plus ClockTolerance. A revoked session's
// opaque token keeps passing for at most Tuning.SessionTokenCacheTTL (30 s by
// default) after Stytch last confirmed it. These bounds hold for every
// other Authenticator after a Revoke too, other processes included,
// unless they share a fleet (Config.Fleet): then Revoke and RevokeUser
// reach every replica within milliseconds (see fleet.go).
//
// # Failures
//
// Refusals are typed errors with stable codes (see Code): 401 for a
// missing or bad credential, with an RFC 6750 WWW-Authenticate challenge;
// 403 for a refused cross-origin request or a denied authorization; 503
// when Stytch or the RBAC policy was needed and unavailable — never a pass,
// and never a 401 that blames the user; and 503 for every request once the
// Authenticator is closed. The body is JSON
// {"status_code", "error_type", "error_message"} and never echoes the
// credential. Config.ErrorHandler, Config.Logger and Config.Observer
// customise the answer, explain refusals and feed metrics.
package middleware
