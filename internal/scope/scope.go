package scope

import (
	"errors"
	"fmt"
	"strings"
)

// Bounds of a scope claim.
const (
	// MaxScopes is the most scopes a claim may hold.
	MaxScopes = 128
	// MaxScopeBytes is the longest scope accepted.
	MaxScopeBytes = 256
)

// ErrInvalid is wrapped by the errors of Split and Check.
var ErrInvalid = errors.New("invalid scope")

// NoResource is the resource of a scope without a colon.
const NoResource = "-"

// Split returns the scopes of a scope claim (space-separated), in order,
// repeats kept. It refuses a claim with a byte RFC 6749 does not allow in
// a scope (other than the separating spaces), with more than MaxScopes
// scopes, or with a scope longer than MaxScopeBytes. An empty claim (or
// only spaces) holds no scope.
func Split(claim string) ([]string, error) {
	n := 0
	for i := 0; i < len(claim); i++ {
		c := claim[i]
		if c != ' ' && !tokenByte(c) {
			return nil, fmt.Errorf("%w: the claim holds the byte %#x at offset %d", ErrInvalid, c, i)
		}
		if c != ' ' && (i == 0 || claim[i-1] == ' ') {
			n++
		}
	}
	if n > MaxScopes {
		return nil, fmt.Errorf("%w: %d scopes, at most %d", ErrInvalid, n, MaxScopes)
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]string, 0, n)
	for s := range strings.FieldsSeq(claim) {
		if len(s) > MaxScopeBytes {
			return nil, fmt.Errorf("%w: a scope of %d bytes, at most %d", ErrInvalid, len(s), MaxScopeBytes)
		}
		out = append(out, s)
	}
	return out, nil
}

// Check reports why s cannot be a required scope, or nil: it must be 1 to
// MaxScopeBytes bytes RFC 6749 allows, with a non-empty action other than
// "*" (no granted scope can match an action "*" by wildcard: Stytch has no
// action wildcard in scopes) and, after a colon, a non-empty resource.
func Check(s string) error {
	if s == "" || len(s) > MaxScopeBytes {
		return fmt.Errorf("%w: a scope has 1 to %d bytes", ErrInvalid, MaxScopeBytes)
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return fmt.Errorf("%w: %q holds the byte %#x", ErrInvalid, s, s[i])
		}
	}
	action, resource := Parse(s)
	switch {
	case action == "":
		return fmt.Errorf("%w: %q has no action before its colon", ErrInvalid, s)
	case action == "*":
		return fmt.Errorf("%w: %q has the action \"*\", which no scope grants", ErrInvalid, s)
	case resource == "":
		return fmt.Errorf("%w: %q has no resource after its colon", ErrInvalid, s)
	}
	return nil
}

// Parse reads s as action:resource, cut at the first colon; without a
// colon the resource is NoResource. It allocates nothing.
func Parse(s string) (action, resource string) {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, NoResource
}

// Satisfies reports whether a held scope satisfies a required one already
// parsed: the same action, and the held resource "*" or the same resource.
// So "read:*" satisfies "read:users", and "*:users" satisfies nothing.
func Satisfies(held, action, resource string) bool {
	a, r := Parse(held)
	return a == action && (r == "*" || r == resource)
}

// tokenByte reports whether RFC 6749 allows c in a scope token:
// %x21 / %x23-5B / %x5D-7E.
func tokenByte(c byte) bool {
	return c == 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e
}
