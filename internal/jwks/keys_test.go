package jwks

import (
	"crypto/x509"
	"errors"
	"math/big"
	"testing"
	"time"
)

func TestOnlyRS256VerificationKeysAreKeptAndTheRestSkipped(t *testing.T) {
	ecPub := map[string]any{"kty": "EC", "kid": "kid-ec", "crv": "P-256",
		"x": b64(ecKey.X.FillBytes(make([]byte, 32))), "y": b64(ecKey.Y.FillBytes(make([]byte, 32)))}
	private := rsaJWK("kid-private", &keyC.PublicKey, map[string]any{
		"d": b64(keyC.D.Bytes()), "p": b64(keyC.Primes[0].Bytes()), "q": b64(keyC.Primes[1].Bytes())})
	cert, _ := x509.MarshalPKIXPublicKey(&keyA.PublicKey)
	rejected := map[string]map[string]any{
		"kid-ec":          ecPub,
		"kid-oct":         {"kty": "oct", "kid": "kid-oct", "k": b64([]byte("a shared secret of some length"))},
		"kid-garbage-n":   rsaJWK("kid-garbage-n", &keyB.PublicKey, map[string]any{"n": "!!not base64!!"}),
		"kid-no-n":        rsaJWK("kid-no-n", &keyB.PublicKey, map[string]any{"n": nil}),
		"kid-weak":        rsaJWK("kid-weak", &weakKey.PublicKey, nil),
		"kid-rs512":       rsaJWK("kid-rs512", &keyB.PublicKey, map[string]any{"alg": "RS512"}),
		"kid-ps256":       rsaJWK("kid-ps256", &keyB.PublicKey, map[string]any{"alg": "PS256"}),
		"kid-enc":         rsaJWK("kid-enc", &keyB.PublicKey, map[string]any{"use": "enc"}),
		"kid-sign-only":   rsaJWK("kid-sign-only", &keyB.PublicKey, map[string]any{"key_ops": []string{"sign"}}),
		"kid-bad-ops":     rsaJWK("kid-bad-ops", &keyB.PublicKey, map[string]any{"key_ops": []string{"fly"}}),
		"kid-private":     private,
		"kid-even-e":      rsaJWK("kid-even-e", &keyB.PublicKey, map[string]any{"e": b64(big.NewInt(65536).Bytes())}),
		"kid-garbage-x5c": rsaJWK("kid-garbage-x5c", &keyB.PublicKey, map[string]any{"x5c": 42}),
	}
	accepted := map[string]map[string]any{
		"kid-a":       rsaJWK("kid-a", &keyA.PublicKey, map[string]any{"x5c": []string{b64(cert)}}),
		"kid-bare":    rsaJWK("kid-bare", &keyB.PublicKey, map[string]any{"alg": nil, "use": nil, "key_ops": nil}),
		"kid-ops-two": rsaJWK("kid-ops-two", &keyC.PublicKey, map[string]any{"key_ops": []string{"sign", "verify"}}),
	}
	var keys []map[string]any
	for _, k := range rejected {
		keys = append(keys, k)
	}
	for _, k := range accepted {
		keys = append(keys, k)
	}
	// Duplicates of a kept kid: the first one wins.
	keys = append(keys, rsaJWK("kid-a", &keyC.PublicKey, nil), map[string]any{"no": "kty"})

	clock := newFakeClock()
	srv := newKeyServer(t)
	srv.serve(t, keys...)
	s := openSet(t, Config{URL: srv.URL, RetryInterval: time.Hour}, clock.Now)
	for kid := range accepted {
		if _, err := s.Key(t.Context(), kid); err != nil {
			t.Errorf("Key(%s): %v", kid, err)
		}
	}
	if pub, _ := s.Key(t.Context(), "kid-a"); pub == nil || !pub.Equal(&keyA.PublicKey) {
		t.Error("duplicate kid-a replaced the first one")
	}
	for kid := range rejected {
		if _, err := s.Key(t.Context(), kid); !errors.Is(err, ErrUnknownKID) {
			t.Errorf("Key(%s): %v, want ErrUnknownKID", kid, err)
		}
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}
