// Package jwtverify verifies Stytch session JWTs locally and maps their
// claims to the client.Session that Stytch's authenticate endpoint would
// answer for the same session.
//
// Verify is built to cost about one RSA signature check on a token seen for
// the first time, and a hash and a map lookup on a token seen before: the
// token is parsed once, the registered claims are read by a small validating
// scanner that also refuses duplicate members (at every depth) and, in the
// session claim, member names that encoding/json would match to a field of
// another case; the session claim is decoded once with encoding/json after
// the signature has verified, keys are held ready per kid by the key
// source, and verified tokens are cached by their SHA-256 for no longer than
// their exp (and MaxTokenAge), and no longer than the key that verified
// them is in the key set: a hit is refused once the token's kid has left
// the set in force (one atomic load tells that the set has not changed). A
// hit returns the cached Result itself, shared and read-only, without an
// allocation. VerifyAt checks the time claims against a clock and a
// tolerance of the call's own, through the same cache.
//
// What is refused, in the order it is checked: a token longer than
// MaxTokenBytes (ErrTooLarge, before any parsing); anything but three
// non-empty segments of strict base64url, line breaks included
// (ErrMalformed); a header or payload that is not a UTF-8 JSON object or has
// an object with a duplicate member at any depth (ErrMalformed); alg other
// than RS256 (ErrAlgorithm); a missing, overlong or non-printable kid, a
// typ other than JWT, any crit (ErrHeader); registered claims of the wrong
// JSON type, a member of the session claim (at any depth) whose name
// differs from a known one only in case (ErrClaims); iss not exactly one
// of Config.Issuers (ErrIssuer); aud
// without the project id (ErrAudience). Only then is the key looked up
// (ErrUnknownKey, ErrKeysUnavailable) and the signature checked, once
// (ErrSignature). Then the claims are mapped (ErrClaims for a missing sub,
// session claim, exp, nbf or iat) and the times checked against Now with
// ClockTolerance: iat (ErrIssuedInFuture), nbf (ErrNotYetValid), exp
// (ErrExpired, returned with the Result since the token is authentic).
// The jku, x5u, jwk and x5c headers are never used.
package jwtverify
