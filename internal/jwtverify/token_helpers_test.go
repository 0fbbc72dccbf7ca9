package jwtverify

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/internal/jwks"
)

// Test fixtures shared by the package's tests, benchmarks and fuzz targets.
const (
	projectID    = "project-test-6f1c2a4e-8b9d-4c3e-a1f2-0123456789ab"
	stytchIssuer = "stytch.com/" + projectID
	customIssuer = "https://auth.example.com"
	kidA         = "jwk-test-3b4f3f2a-5a1e-4c1d-9d1e-0a1b2c3d4e5f"
	kidB         = "jwk-test-9c8d7e6f-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
	kidUnknown   = "jwk-test-00000000-0000-4000-8000-000000000000"
)

// t0 is the issue time of the test tokens; tests run on a fixed clock.
var t0 = time.Date(2025, 11, 12, 10, 35, 49, 0, time.UTC)

var (
	keyA, keyB *rsa.PrivateKey // served under kidA and kidB
	keyOther   *rsa.PrivateKey // served by nobody
)

func init() {
	for _, k := range []**rsa.PrivateKey{&keyA, &keyB, &keyOther} {
		var err error
		if *k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	}
}

func enc64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signRS256 returns the RS256 signature segment of signingInput.
func signRS256(key *rsa.PrivateKey, signingInput string) string {
	h := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		panic(err)
	}
	return enc64(sig)
}

// rawToken signs the given header and payload JSON, byte for byte.
func rawToken(key *rsa.PrivateKey, header, payload string) string {
	in := enc64([]byte(header)) + "." + enc64([]byte(payload))
	return in + "." + signRS256(key, in)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// stytchHeader is the header Stytch issues.
func stytchHeader(kid string) map[string]any {
	return map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"}
}

// stytchClaims are the claims of a real Stytch session JWT (spec §4.1)
// issued at iat, valid five minutes.
func stytchClaims(iat time.Time) map[string]any {
	return map[string]any{
		"aud": []any{projectID},
		"exp": iat.Unix() + 300,
		"iat": iat.Unix(),
		"iss": stytchIssuer,
		"nbf": iat.Unix(),
		"sub": "user-test-5c36e3a1-7f0b-4d3c-9a2e-1b2c3d4e5f60",
		"https://stytch.com/session": map[string]any{
			"id":               "session-test-46ae1f2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
			"started_at":       iat.Add(-time.Hour).Format(time.RFC3339),
			"last_accessed_at": iat.Format(time.RFC3339),
			"expires_at":       iat.Add(3 * time.Hour).Format(time.RFC3339),
			"attributes":       map[string]any{"user_agent": "", "ip_address": ""},
			"authentication_factors": []any{map[string]any{
				"type": "magic_link", "delivery_method": "email",
				"last_authenticated_at": iat.Add(-time.Hour).Format(time.RFC3339),
				"email_factor": map[string]any{
					"email_id":      "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953",
					"email_address": "sandbox@stytch.com",
				},
			}},
			"roles": []any{"stytch_user", "admin"},
		},
	}
}

// makeToken signs a Stytch-shaped token with key under kid after letting
// edit change the header and the claims (nil deletes nothing).
func makeToken(key *rsa.PrivateKey, kid string, edit func(header, claims map[string]any)) string {
	h, c := stytchHeader(kid), stytchClaims(t0)
	if edit != nil {
		edit(h, c)
	}
	return rawToken(key, mustJSON(h), mustJSON(c))
}

// session returns the session claim of claims, for edits.
func session(claims map[string]any) map[string]any {
	return claims["https://stytch.com/session"].(map[string]any)
}

// jwksServer serves keyA under kidA and keyB under kidB over real HTTP
// (until a test serves other keys) and counts the fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64
	body    atomic.Pointer[string]
}

func newJWKSServer(tb testing.TB) *jwksServer {
	tb.Helper()
	s := &jwksServer{}
	s.serve(map[string]*rsa.PublicKey{kidA: &keyA.PublicKey, kidB: &keyB.PublicKey})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(*s.body.Load()))
	}))
	tb.Cleanup(s.Close)
	return s
}

// serve makes the server answer with these keys by kid from now on.
func (s *jwksServer) serve(keys map[string]*rsa.PublicKey) {
	var set []any
	for kid, pub := range keys {
		set = append(set, map[string]any{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "key_ops": []string{"verify"},
			"n": enc64(pub.N.Bytes()), "e": enc64(big.NewInt(int64(pub.E)).Bytes())})
	}
	body := mustJSON(map[string]any{"keys": set})
	s.body.Store(&body)
}

// newKeySet opens a jwks.Set on srv. minRefresh is its MinRefreshInterval:
// a tiny one makes every unknown kid cost a fetch, which tests count.
func newKeySet(tb testing.TB, srv *jwksServer, minRefresh time.Duration) *jwks.Set {
	tb.Helper()
	set, err := jwks.New(context.Background(), jwks.Config{URL: srv.URL, MinRefreshInterval: minRefresh})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = set.Close() })
	return set
}

// countingKeys counts the key lookups made through it.
type countingKeys struct {
	KeySource
	lookups atomic.Int64
}

func (c *countingKeys) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	c.lookups.Add(1)
	return c.KeySource.Key(ctx, kid)
}

// clock is a settable clock.
type clock struct{ now atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}
func (c *clock) set(t time.Time) { c.now.Store(t.UnixNano()) }
func (c *clock) Now() time.Time  { return time.Unix(0, c.now.Load()).UTC() }

// fixture is a Verifier over a real key set, with counters.
type fixture struct {
	v     *Verifier
	srv   *jwksServer
	keys  *countingKeys
	clock *clock
}

func newFixture(tb testing.TB, edit func(*Config)) *fixture {
	tb.Helper()
	srv := newJWKSServer(tb)
	f := &fixture{srv: srv, keys: &countingKeys{KeySource: newKeySet(tb, srv, time.Nanosecond)}, clock: newClock(t0.Add(time.Minute))}
	cfg := Config{ProjectID: projectID, Issuers: []string{stytchIssuer, customIssuer}, Keys: f.keys, Now: f.clock.Now}
	if edit != nil {
		edit(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	f.v = v
	return f
}

// The organization and clients of the B2B and machine test tokens.
const (
	orgID        = "organization-test-07971b06-ac8b-4cdb-9c15-63b17e653931"
	orgSlug      = "acme"
	memberID     = "member-test-32fc5024-9c09-4da3-bd2e-c9ce4da9375f"
	m2mClientID  = "m2m-client-test-d731954d-dab3-4a2b-bdee-07f3ad1be885"
	appClientID  = "connected-app-test-d731954d-dab3-4a2b-bdee-07f3ad1be886"
	orgClaimName = "https://stytch.com/organization"
)

// memberClaims are the claims of a member session JWT (emulator spec §3)
// issued at iat: a session JWT's, sub a member, and the organization claim.
func memberClaims(iat time.Time) map[string]any {
	c := stytchClaims(iat)
	c["sub"] = memberID
	session(c)["id"] = "member-session-test-a1b2c3d4-0000-4000-8000-000000000001"
	session(c)["roles"] = []any{"stytch_member", "editor"}
	c[orgClaimName] = map[string]any{"organization_id": orgID, "slug": orgSlug}
	return c
}

// accessClaims are the claims of an M2M access token issued at iat (spec
// §2): sub the client, a scope string, valid an hour, no session claim.
func accessClaims(iat time.Time) map[string]any {
	return map[string]any{
		"aud":   []any{projectID},
		"exp":   iat.Unix() + 3600,
		"iat":   iat.Unix(),
		"iss":   stytchIssuer,
		"nbf":   iat.Unix(),
		"sub":   m2mClientID,
		"scope": "read:documents write:documents",
	}
}

// signClaims signs claims under Stytch's header with keyA, after letting
// edit change them.
func signClaims(claims map[string]any, edit func(c map[string]any)) string {
	if edit != nil {
		edit(claims)
	}
	return rawToken(keyA, mustJSON(stytchHeader(kidA)), mustJSON(claims))
}

// b2b configures a fixture for a B2B project.
func b2b(c *Config) { c.B2B = true }
