package peers

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
)

// ErrRejected is returned by Floor.Verify for a token it refuses.
var ErrRejected = errors.New("peers: floor: token rejected")

// Floor is the least work accepting a Stytch session JWT takes, the
// reference every subject is compared with: base64url-decode the signature,
// SHA-256 over the signing input, one rsa.VerifyPKCS1v15 with a key already
// held, base64url-decode the payload and json.Unmarshal it into a struct.
// It adds the three comparisons that make it refuse a wrong issuer, a wrong
// audience and an expired token (a few nanoseconds), and nothing else: no
// header, no kid lookup, no HTTP.
type Floor struct {
	key      *rsa.PublicKey
	issuer   string
	audience string
}

// NewFloor returns the floor for tokens of the issuer.
func NewFloor(i *fixture.Issuer) *Floor {
	return &Floor{key: i.PublicKey(), issuer: i.Issuer(), audience: i.ProjectID}
}

// Verify checks the token and returns its claims.
func (f *Floor) Verify(token string) (*fixture.Claims, error) {
	first := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	if first < 0 || last == first {
		return nil, fmt.Errorf("%w: not a compact JWT", ErrRejected)
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[last+1:])
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrRejected, err)
	}
	digest := sha256.Sum256([]byte(token[:last]))
	if err := rsa.VerifyPKCS1v15(f.key, crypto.SHA256, digest[:], sig); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(token[first+1 : last])
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrRejected, err)
	}
	claims := new(fixture.Claims)
	if err := json.Unmarshal(payload, claims); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrRejected, err)
	}
	switch {
	case claims.Issuer != f.issuer:
		return nil, fmt.Errorf("%w: issuer", ErrRejected)
	case !slices.Contains(claims.Audience, f.audience):
		return nil, fmt.Errorf("%w: audience", ErrRejected)
	case time.Now().Unix() >= claims.ExpiresAt:
		return nil, fmt.Errorf("%w: expired", ErrRejected)
	}
	return claims, nil
}

// newFloorSubject puts the floor behind the Bearer adapter, to show what
// the adapter and ServeHTTP add to it.
func newFloorSubject(_ context.Context, env Env) (*Subject, error) {
	f := NewFloor(env.Issuer)
	return &Subject{
		Name: "floor+http",
		Handler: bearer(
			func(_ context.Context, token string) (*fixture.Claims, error) { return f.Verify(token) },
			func(c *fixture.Claims) (string, string) { return c.Subject, firstOf(c.Session.Roles) },
		),
	}, nil
}
