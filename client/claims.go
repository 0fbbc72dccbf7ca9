package client

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Session duration bounds, in minutes, that the API accepts.
const (
	MinSessionDurationMinutes = 5
	MaxSessionDurationMinutes = 527040
)

func validateDuration(m int) error {
	if m != 0 && (m < MinSessionDurationMinutes || m > MaxSessionDurationMinutes) {
		return localError(ErrInvalidSessionDurationMinutes,
			fmt.Sprintf("session_duration_minutes must be between %d and %d.", MinSessionDurationMinutes, MaxSessionDurationMinutes))
	}
	return nil
}

// MaxCustomClaimsBytes is the most JSON that custom claims may take.
const MaxCustomClaimsBytes = 4096

// IsReservedClaim reports whether name is a registered JWT claim (iss, sub,
// aud, exp, nbf, iat, jti) or a Stytch claim (https://stytch.com/…). Such
// names are never custom claims: Stytch ignores them in session_custom_claims.
func IsReservedClaim(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return true
	}
	return strings.HasPrefix(name, "https://stytch.com/")
}

// PrepareCustomClaims returns claims as Stytch applies them: reserved names
// dropped (Stytch ignores them), the rest checked to encode as JSON within
// MaxCustomClaimsBytes. It does not modify claims.
func PrepareCustomClaims(claims CustomClaims) (CustomClaims, error) {
	if len(claims) == 0 {
		return claims, nil
	}
	kept := make(CustomClaims, len(claims))
	for k, v := range claims {
		if !IsReservedClaim(k) {
			kept[k] = v
		}
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, localError(ErrUnableToRepresentCustomClaims, "session_custom_claims cannot be represented as JSON.")
	}
	if len(b) > MaxCustomClaimsBytes {
		return nil, localError(ErrCustomClaimsTooLarge,
			fmt.Sprintf("session_custom_claims take %d bytes of JSON; the limit is %d.", len(b), MaxCustomClaimsBytes))
	}
	if len(kept) == 0 {
		return nil, nil
	}
	return kept, nil
}
