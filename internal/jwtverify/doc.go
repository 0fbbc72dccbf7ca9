// Package jwtverify verifies Stytch JWTs locally — consumer session JWTs,
// B2B member session JWTs, and M2M and Connected Apps access tokens — and
// maps their claims to what Stytch's API would answer for the same token.
//
// # Kinds of token
//
// A token's kind follows from its signed claims and from the kind of
// project the Verifier serves (Config.B2B), and Result.Kind says it:
//
//   - KindSession: a consumer project's session JWT (the
//     https://stytch.com/session claim), mapped to the client.Session that
//     the authenticate endpoint answers.
//   - KindMemberSession: a B2B project's session JWT, which must also carry
//     the https://stytch.com/organization claim {organization_id, slug},
//     mapped to the client.MemberSession that the B2B authenticate endpoint
//     answers (member id = sub, member_session_id = the session claim's
//     id, organization id and slug, roles, factors, times, custom claims).
//   - KindAccessToken: an M2M or Connected Apps access token: no session
//     claim, a scope claim (a string, possibly empty, split by
//     internal/scope), client_id for Connected Apps, and in a B2B project
//     the organization claim when the token acts for a member; mapped to
//     an AccessToken.
//
// Verify and VerifyAt take the project's session JWTs only; an access
// token is refused (ErrNotSession). VerifyAccessToken takes access tokens
// only; a session JWT is refused (ErrNotAccessToken). VerifyAny takes
// either, for a caller that accepts both and reads Result.Kind. The session
// claim decides: a session JWT with a custom claim named scope is still a
// session. The organization claim is refused on a consumer verifier
// (ErrOrganizationClaim): a consumer project never issues it, so such a
// token comes from a B2B project (or a verifier configured for the wrong
// kind of project), and mapping it to a consumer Session would silently
// drop its tenant. A B2B verifier refuses a session JWT without it
// (ErrNoOrganization), and any verifier refuses a malformed one
// (ErrOrganization).
//
// # Cost
//
// Verify is built to cost about one RSA signature check on a token seen for
// the first time, and a hash and a map lookup on a token seen before,
// whatever its kind: the token is parsed once, the registered claims are
// read by a small validating scanner that also refuses duplicate members
// (at every depth) and, in the session and organization claims, member
// names that encoding/json would match to a field of another case; the
// session claim is decoded once with encoding/json after the signature has
// verified, keys are held ready per kid by the key source, and verified
// tokens are cached by their SHA-256 for no longer than their exp (and
// MaxTokenAge), and no longer than the key that verified them is in the
// key set: a hit is refused once the token's kid has left the set in force
// (one atomic load tells that the set has not changed). A cache entry keeps
// its token's kind, which the token's signed claims fix, so a token
// verified as one kind is refused as another from the cache exactly as on
// first sight. A hit returns the cached Result itself, shared and
// read-only, without an allocation (a refusal of the wrong kind from the
// cache allocates nothing either). VerifyAt checks the time claims against
// a clock and a tolerance of the call's own, through the same cache.
//
// # Refusals
//
// What is refused, in the order it is checked: a token longer than
// MaxTokenBytes (ErrTooLarge, before any parsing); anything but three
// non-empty segments of strict base64url, line breaks included
// (ErrMalformed); a header or payload that is not a UTF-8 JSON object or has
// an object with a duplicate member at any depth (ErrMalformed); alg other
// than RS256 (ErrAlgorithm); a missing, overlong or non-printable kid, a
// typ other than JWT, any crit (ErrHeader); registered claims of the wrong
// JSON type, a member of the session claim (at any depth) whose name
// differs from a known one only in case, a top-level claim named like the
// session claim in another case (ErrClaims); the same in or of the
// organization claim (ErrOrganization); iss not exactly one of
// Config.Issuers (ErrIssuer); aud without the project id (ErrAudience).
// Then the kind: neither a session nor a scope claim (ErrClaims, or
// ErrScope where only an access token is taken), a kind the call does not
// take (ErrNotSession, ErrNotAccessToken), the organization claim missing
// from a B2B session (ErrNoOrganization), present on a consumer verifier
// (ErrOrganizationClaim), or not an object with non-empty printable-ASCII
// organization_id and slug (ErrOrganization). Only then is the key looked
// up (ErrUnknownKey, ErrKeysUnavailable) and the signature checked, once
// (ErrSignature). Then the claims are mapped (ErrClaims for a missing sub,
// session claim, exp, nbf or iat, or a client_id that is not a non-empty
// string; ErrScope for a scope claim that is not a string or that
// internal/scope refuses: a byte RFC 6749 does not allow, such as a tab or
// a newline, more than scope.MaxScopes scopes, one longer than
// scope.MaxScopeBytes) and the times checked against Now with
// ClockTolerance: iat (ErrIssuedInFuture), nbf (ErrNotYetValid), exp
// (ErrExpired, returned with the Result since the token is authentic).
// The jku, x5u, jwk and x5c headers are never used.
//
// # Key set
//
// The Verifier takes the project's key set as it is: a B2B project's keys
// are served at /v1/b2b/sessions/jwks/{project_id}, a consumer project's at
// /v1/sessions/jwks/{project_id}; access tokens are signed by the same keys.
package jwtverify
