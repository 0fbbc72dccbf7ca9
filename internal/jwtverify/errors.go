package jwtverify

import (
	"errors"
	"fmt"
)

// Verification errors. Every error Verify, VerifyAt, VerifyAccessToken and
// VerifyAny return matches exactly one of them with errors.Is. All but ErrKeysUnavailable are verdicts on the token
// (401-class); ErrKeysUnavailable means the keys cannot be known right now
// (503-class) and says nothing about the token.
var (
	// ErrTooLarge: the token is longer than Config.MaxTokenBytes; it was not
	// parsed.
	ErrTooLarge = errors.New("jwtverify: token too large")
	// ErrMalformed: not a compact JWS of three strict base64url segments
	// holding UTF-8 JSON objects without duplicate members (in any object,
	// at any depth).
	ErrMalformed = errors.New("jwtverify: malformed token")
	// ErrAlgorithm: the header's alg is not RS256.
	ErrAlgorithm = errors.New("jwtverify: algorithm not allowed")
	// ErrHeader: a header member is missing, of the wrong type or refused
	// (kid missing or unusable, typ other than JWT, crit present).
	ErrHeader = errors.New("jwtverify: header refused")
	// ErrIssuer: iss is missing or not one of the accepted issuers.
	ErrIssuer = errors.New("jwtverify: issuer not accepted")
	// ErrAudience: aud is missing or does not contain the project id.
	ErrAudience = errors.New("jwtverify: audience does not contain the project")
	// ErrUnknownKey: no key of the project's key set has the token's kid.
	ErrUnknownKey = errors.New("jwtverify: unknown signing key")
	// ErrKeysUnavailable: the key set cannot be fetched, so the token could
	// not be checked; it is neither accepted nor condemned.
	ErrKeysUnavailable = errors.New("jwtverify: signing keys unavailable")
	// ErrSignature: the signature does not verify with the key of its kid.
	ErrSignature = errors.New("jwtverify: signature invalid")
	// ErrExpired: the token is authentic but expired. Verify returns its
	// Result too, so that the caller may refresh the session remotely.
	ErrExpired = errors.New("jwtverify: token expired")
	// ErrNotYetValid: nbf is in the future beyond the clock tolerance.
	ErrNotYetValid = errors.New("jwtverify: token not yet valid")
	// ErrIssuedInFuture: iat is in the future beyond the clock tolerance.
	ErrIssuedInFuture = errors.New("jwtverify: token issued in the future")
	// ErrClaims: a claim has the wrong JSON type, a required claim is
	// missing, a value is out of range, or a member of the session claim is
	// named like a known one in another case ("ROLES" for "roles"), which
	// encoding/json would take for it.
	ErrClaims = errors.New("jwtverify: claims invalid")

	// ErrNotSession: the token is an access token (a scope claim and no
	// session claim), sent where a session JWT is expected. A machine is
	// never taken for a user or member.
	ErrNotSession = errors.New("jwtverify: an access token is not a session")
	// ErrNotAccessToken: the token carries a session claim, sent where an
	// access token is expected. A session is never taken for a machine.
	ErrNotAccessToken = errors.New("jwtverify: a session JWT is not an access token")
	// ErrNoOrganization: a session JWT without the organization claim on a
	// B2B verifier (Config.B2B): a consumer session, or a B2B token that
	// lost its tenant. A member session must name its organization.
	ErrNoOrganization = errors.New("jwtverify: the session names no organization")
	// ErrOrganizationClaim: the token carries the organization claim on a
	// consumer verifier. Only a B2B project issues it: the token is of
	// another kind of project than the verifier was configured for, and
	// mapping it to a consumer Session would drop its tenant.
	ErrOrganizationClaim = errors.New("jwtverify: organization claim on a consumer project's token")
	// ErrOrganization: the organization claim is not an object holding
	// non-empty printable-ASCII strings organization_id and slug, or has a
	// member named like one of them in another case (top-level names that
	// differ from the claim's own only in case are refused too).
	ErrOrganization = errors.New("jwtverify: organization claim invalid")
	// ErrScope: an access token's scope claim is missing, not a string, or
	// not a scope list that internal/scope understands (a byte RFC 6749
	// does not allow, more than scope.MaxScopes scopes, a scope longer than
	// scope.MaxScopeBytes).
	ErrScope = errors.New("jwtverify: scope claim invalid")

	// ErrInvalidConfig is returned by New for a Config it cannot use.
	ErrInvalidConfig = errors.New("jwtverify: invalid configuration")
)

// fail wraps kind with a detail that never contains the token.
func fail(kind error, detail string) error {
	return fmt.Errorf("%w: %s", kind, detail)
}
