package stytchtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// keyBits is the size of the RSA keys that sign session JWTs, as Stytch's.
const keyBits = 2048

// signingKey is one RSA key of the project and its JWK.
type signingKey struct {
	kid     string
	private *rsa.PrivateKey
	jwk     client.JWK
}

// newSigningKey generates a key and its self-signed certificate (the JWK's
// x5c). It is slow (tens of milliseconds), so it runs at start and on
// rotation only, never per request.
func newSigningKey(kid string, now time.Time) (*signingKey, error) {
	private, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("stytchtest: generate RSA key: %w", err)
	}
	template := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: kid},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &private.PublicKey, private)
	if err != nil {
		return nil, fmt.Errorf("stytchtest: self-sign key certificate: %w", err)
	}
	thumb := sha256.Sum256(der)
	return &signingKey{
		kid:     kid,
		private: private,
		jwk: client.JWK{
			Alg:     "RS256",
			E:       base64.RawURLEncoding.EncodeToString(big.NewInt(int64(private.E)).Bytes()),
			KeyOps:  []string{"verify"},
			Kid:     kid,
			Kty:     "RSA",
			N:       base64.RawURLEncoding.EncodeToString(private.N.Bytes()),
			Use:     "sig",
			X5c:     []string{base64.StdEncoding.EncodeToString(der)},
			X5tS256: base64.RawURLEncoding.EncodeToString(thumb[:]),
		},
	}, nil
}

// currentKey is the key that signs new JWTs: the newest served one.
func (s *Server) currentKey() *signingKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1]
}

// servedKey returns the served key named kid, or nil.
func (s *Server) servedKey(kid string) *signingKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.kid == kid {
			return k
		}
	}
	return nil
}

// kidsLocked lists the served kids, oldest first. s.mu must be held.
func (s *Server) kidsLocked() []string {
	kids := make([]string, len(s.keys))
	for i, k := range s.keys {
		kids[i] = k.kid
	}
	return kids
}

// maxServedKeys bounds how many keys RotateKeys lets pile up.
const maxServedKeys = 16

// RotateKeys adds a new signing key, as Stytch's rotation does: the new key
// signs every JWT from now on, and the old keys are still served (and still
// verify the JWTs they signed) until DropOldKeys. It returns the new kid and
// every served kid, oldest first. Should key generation fail (crypto/rand
// does not), the keys stay as they were, the error is logged and the current
// kid is returned.
func (s *Server) RotateKeys() (kid string, kids []string) {
	kid, kids, err := s.rotateKeys()
	if err != nil {
		s.logger.Error("stytchtest: key rotation failed", "error", err)
	}
	return kid, kids
}

func (s *Server) rotateKeys() (kid string, kids []string, err error) {
	key, err := newSigningKey(s.newID("jwk"), time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		return s.keys[len(s.keys)-1].kid, s.kidsLocked(), err
	}
	s.keys = append(s.keys, key)
	if len(s.keys) > maxServedKeys {
		s.keys = s.keys[len(s.keys)-maxServedKeys:]
	}
	return key.kid, s.kidsLocked(), nil
}

// DropOldKeys stops serving every key but the current one, as Stytch does
// when a rotation's grace period ends: JWTs signed by a dropped key are
// refused from then on. It returns the current kid and the served kids.
func (s *Server) DropOldKeys() (kid string, kids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = s.keys[len(s.keys)-1:]
	return s.keys[0].kid, s.kidsLocked()
}

// JWKS returns the key set the emulator serves.
func (s *Server) JWKS() []client.JWK {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]client.JWK, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.jwk
		out[i].KeyOps = append([]string(nil), k.jwk.KeyOps...)
		out[i].X5c = append([]string(nil), k.jwk.X5c...)
	}
	return out
}

// handleJWKS serves the project's key set, with or without credentials, as
// Stytch does: at GET /v1/sessions/jwks/{project_id} (consumer),
// /v1/b2b/sessions/jwks/{project_id} (B2B) and, in both kinds of project,
// /v1/public/{project_id}/.well-known/jwks.json (where Stytch's MCP example
// verifies access tokens).
func (s *Server) handleJWKS(_ http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	if projectID := r.PathValue("project_id"); projectID != s.ProjectID {
		return nil, apiError(http.StatusNotFound, client.ErrInvalidProjectID, "No project with that project_id is served here.")
	}
	return client.GetJWKSResponse{Keys: s.JWKS(), RequestID: requestID, StatusCode: http.StatusOK}, nil
}
