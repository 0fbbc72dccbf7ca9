package jwtverify

import (
	"errors"
	"fmt"
)

// Verification errors. Every error Verify returns matches exactly one of
// them with errors.Is. All but ErrKeysUnavailable are verdicts on the token
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

	// ErrInvalidConfig is returned by New for a Config it cannot use.
	ErrInvalidConfig = errors.New("jwtverify: invalid configuration")
)

// fail wraps kind with a detail that never contains the token.
func fail(kind error, detail string) error {
	return fmt.Errorf("%w: %s", kind, detail)
}
