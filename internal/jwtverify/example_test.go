package jwtverify_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/stytchmw/stytchmw/internal/jwks"
	"github.com/stytchmw/stytchmw/internal/jwtverify"
)

func ExampleVerifier_Verify() {
	const projectID = "project-test-6f1c2a4e-8b9d-4c3e-a1f2-0123456789ab"
	enc := base64.RawURLEncoding.EncodeToString

	// The project's key set, served over HTTP as Stytch serves it.
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwksBody, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "kid": "jwk-test-example", "alg": "RS256", "use": "sig",
		"n": enc(key.N.Bytes()), "e": enc(big.NewInt(int64(key.E)).Bytes()),
	}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(jwksBody) }))
	defer srv.Close()

	ctx := context.Background()
	keys, err := jwks.New(ctx, jwks.Config{URL: srv.URL})
	if err != nil {
		panic(err)
	}
	defer keys.Close()
	v, err := jwtverify.New(jwtverify.Config{
		ProjectID: projectID,
		Issuers:   []string{"stytch.com/" + projectID},
		Keys:      keys,
	})
	if err != nil {
		panic(err)
	}

	// A session JWT as Stytch issues it.
	now := time.Now()
	header, _ := json.Marshal(map[string]any{"alg": "RS256", "kid": "jwk-test-example", "typ": "JWT"})
	payload, _ := json.Marshal(map[string]any{
		"iss": "stytch.com/" + projectID, "aud": []string{projectID}, "sub": "user-test-1234",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"https://stytch.com/session": map[string]any{
			"id": "session-test-5678", "started_at": now.Format(time.RFC3339),
			"last_accessed_at": now.Format(time.RFC3339), "roles": []string{"stytch_user", "admin"},
		},
		"plan": "pro",
	})
	input := enc(header) + "." + enc(payload)
	digest := sha256.Sum256([]byte(input))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	token := input + "." + enc(sig)

	res, err := v.Verify(ctx, token)
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	s := res.Session
	fmt.Println(s.UserID, s.SessionID, s.Roles, s.CustomClaims["plan"], res.KeyID)

	_, err = v.Verify(ctx, token[:len(token)-8]+"AAAAAAAA")
	fmt.Println(err)
	// Output:
	// user-test-1234 session-test-5678 [stytch_user admin] pro jwk-test-example
	// jwtverify: signature invalid: RS256 signature does not verify
}
