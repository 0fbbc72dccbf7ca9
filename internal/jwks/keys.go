package jwks

import (
	"crypto/rsa"
	"slices"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// skippedKey records a key of the fetched set that is not kept, and why.
type skippedKey struct {
	kid    string
	reason string
}

// usableKeys converts the keys of set that can verify RS256 signatures to
// *rsa.PublicKey, by kid, once per fetch. Any other key is skipped with a
// reason: a key set may legitimately carry keys for other uses, and one odd
// key must not take the others down with it.
func usableKeys(set jwk.Set) (map[string]*rsa.PublicKey, []skippedKey) {
	keys := make(map[string]*rsa.PublicKey, set.Len())
	var skipped []skippedKey
	for i := range set.Len() {
		key, ok := set.Key(i)
		if !ok {
			continue
		}
		kid := key.KeyID()
		pub, reason := rs256Key(key)
		if reason == "" {
			if _, dup := keys[kid]; dup {
				reason = "duplicate kid"
			}
		}
		if reason != "" {
			if len(kid) > MaxKeyIDBytes {
				kid = kid[:MaxKeyIDBytes]
			}
			skipped = append(skipped, skippedKey{kid: kid, reason: reason})
			continue
		}
		keys[kid] = pub
	}
	return keys, skipped
}

// rs256Key returns the key as an *rsa.PublicKey when it may verify RS256
// signatures, or the reason it may not.
func rs256Key(key jwk.Key) (*rsa.PublicKey, string) {
	if key.KeyType() != jwa.RSA {
		return nil, "kty is not RSA"
	}
	kid := key.KeyID()
	if kid == "" || len(kid) > MaxKeyIDBytes {
		return nil, "kid missing or too long"
	}
	if alg := key.Algorithm().String(); alg != "" && alg != jwa.RS256.String() {
		return nil, "alg is not RS256"
	}
	if use := key.KeyUsage(); use != "" && use != string(jwk.ForSignature) {
		return nil, `use is not "sig"`
	}
	if ops := key.KeyOps(); ops != nil && !slices.Contains(ops, jwk.KeyOpVerify) {
		return nil, `key_ops lacks "verify"`
	}
	pubKey, ok := key.(jwk.RSAPublicKey)
	if !ok {
		// A private key published in a JWKS is a provider mistake, not a
		// verification key: refuse it rather than guess.
		return nil, "not an RSA public key"
	}
	var pub rsa.PublicKey
	if err := pubKey.Raw(&pub); err != nil {
		return nil, "unparseable RSA key"
	}
	if bits := pub.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
		return nil, "RSA modulus size out of bounds"
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return nil, "unusable RSA exponent"
	}
	return &pub, ""
}

// keyIDs lists the kids of keys, sorted, for logs.
func keyIDs(keys map[string]*rsa.PublicKey) []string {
	ids := make([]string, 0, len(keys))
	for kid := range keys {
		ids = append(ids, kid)
	}
	slices.Sort(ids)
	return ids
}
