package jwks_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"

	"github.com/stytchmw/stytchmw/internal/jwks"
)

func ExampleSet_Key() {
	enc := base64.RawURLEncoding.EncodeToString
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	body, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "kid": "jwk-test-example", "alg": "RS256", "use": "sig", "key_ops": []string{"verify"},
		"n": enc(key.N.Bytes()), "e": enc(big.NewInt(int64(key.E)).Bytes()),
	}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()

	ctx := context.Background()
	set, err := jwks.New(ctx, jwks.Config{URL: srv.URL}) // never fails because the endpoint is down
	if err != nil {
		panic(err)
	}
	defer set.Close()

	pub, err := set.Key(ctx, "jwk-test-example")
	fmt.Println(err == nil && pub.Equal(&key.PublicKey))

	// A kid the fresh set lacks: no fetch within MinRefreshInterval.
	_, err = set.Key(ctx, "jwk-test-unknown")
	fmt.Println(errors.Is(err, jwks.ErrUnknownKID))
	// Output:
	// true
	// true
}
