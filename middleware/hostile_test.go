package middleware

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/stytchtest"
)

// Hostile input, end to end: every request below goes over real HTTP
// through the middleware to a stytchtest emulator. Each must be refused
// with the documented status, error_type, canonical message and
// challenge, and anything that cannot be a valid session JWT must be
// refused without a request to Stytch: the emulator counts the
// authenticate and JWKS requests it receives.

// testKey is an RSA key of the tests' own. hostileEnv serves it in the
// project's JWKS next to the emulator's keys (see jwksWithKey), so tests
// can sign byte-exact headers and payloads — duplicate members, invalid
// UTF-8 — that the emulator's SignToken, which encodes maps, cannot.
type testKey struct {
	kid  string
	priv *rsa.PrivateKey
}

// ownKey and attackerKey are generated once: RSA key generation is slow
// under the race detector.
var (
	ownKey      = sync.OnceValue(func() testKey { return newTestKey("jwk-test-own-served-key") })
	attackerKey = sync.OnceValue(func() testKey { return newTestKey("jwk-attacker") })
)

func newTestKey(kid string) testKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return testKey{kid: kid, priv: priv}
}

// jwk is the key's public JWK, as Stytch serves its keys.
func (k testKey) jwk() map[string]any {
	return map[string]any{
		"kty": "RSA", "kid": k.kid, "alg": "RS256", "use": "sig", "key_ops": []string{"verify"},
		"n": b64(k.priv.N.Bytes()), "e": b64(big.NewInt(int64(k.priv.E)).Bytes()),
	}
}

// signRaw signs the exact bytes of header and payload with RS256.
func (k testKey) signRaw(header, payload string) string {
	input := b64([]byte(header)) + "." + b64([]byte(payload))
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, digest[:])
	if err != nil {
		panic(err)
	}
	return input + "." + b64(sig)
}

// sign signs header and claims, JSON-encoded, with RS256.
func (k testKey) sign(header, claims map[string]any) string {
	return k.signRaw(mustMarshal(header), mustMarshal(claims))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustMarshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// jwksWithKey is the transport of the Authenticator's JWKS client: it
// fetches the emulator's key set over HTTP and adds key to a successful
// answer, as if Stytch served it too. Any other answer passes untouched.
type jwksWithKey struct {
	base http.RoundTripper
	key  map[string]any
}

func (t jwksWithKey) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(r)
	if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(r.URL.Path, "/sessions/jwks/") {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	var set map[string]any
	if json.Unmarshal(body, &set) == nil {
		if keys, ok := set["keys"].([]any); ok {
			set["keys"] = append(keys, t.key)
			body = []byte(mustMarshal(set))
		}
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Del("Content-Length")
	return res, nil
}

// hostileEnv is an env whose JWKS also serves ownKey, whose emulator clock
// stands still, and whose unknown-kid refreshes are not rate-limited, so
// that a request that could reach the JWKS endpoint does and is counted.
func hostileEnv(t *testing.T, tolerance time.Duration) *env {
	var httpClient *http.Client
	return newEnv(t, envOptions{
		// A frozen clock on a whole second, so time claims hit boundaries
		// exactly.
		server: func(c *stytchtest.Config) { c.Now = time.Now().Truncate(time.Second) },
		before: func(s *stytchtest.Server) { // runs before config
			httpClient = &http.Client{Transport: jwksWithKey{base: s.HTTPClient().Transport, key: ownKey().jwk()}}
		},
		config: func(c *Config) {
			c.HTTPClient = httpClient
			c.ClockTolerance = tolerance
			c.Tuning.JWKSMinRefreshInterval = time.Millisecond
		},
	})
}

// hostileCase is one request and how it must be answered.
type hostileCase struct {
	name   string
	opts   []reqOption
	status int
	code   Code // for refusals
	// kidLookup: the token names a kid the JWKS does not hold, which may
	// cost one JWKS refresh (unknown kids are looked up, rate-limited).
	kidLookup bool
	// remote is the number of sessions/authenticate calls the request must
	// make (only authentic JWTs past exp, and opaque tokens, make any).
	remote int
}

// runHostile sends each case and checks its answer and its upstream cost.
func (e *env) runHostile(t *testing.T, cases []hostileCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			jwks, auth := e.count(stytchtest.EndpointJWKS), e.count(stytchtest.EndpointAuthenticate)
			r := e.call(routeRequired, tt.opts...)
			r.want(t, tt.status, tt.code)
			if tt.status != http.StatusOK {
				checkRefusal(t, r, tt.code)
			}
			if n := e.count(stytchtest.EndpointAuthenticate) - auth; n != tt.remote {
				t.Fatalf("%d sessions/authenticate calls, want %d", n, tt.remote)
			}
			maxJWKS := 0
			if tt.kidLookup {
				maxJWKS = 1
			}
			if n := e.count(stytchtest.EndpointJWKS) - jwks; n > maxJWKS {
				t.Fatalf("%d JWKS fetches, want at most %d", n, maxJWKS)
			}
		})
	}
}

// checkRefusal checks the documented shape of a refusal: the code's fixed
// message (so nothing of the request is echoed), no caching, and the RFC
// 6750 challenge on a 401.
func checkRefusal(t *testing.T, r reply, code Code) {
	t.Helper()
	if r.err.ErrorMessage != code.Message() {
		t.Fatalf("error_message %q, want the code's fixed message %q", r.err.ErrorMessage, code.Message())
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control %q", got)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
	}
	want := ""
	switch {
	case r.status == http.StatusUnauthorized && code == ErrNoCredential:
		want = `Bearer realm="stytch"`
	case r.status == http.StatusUnauthorized:
		want = `Bearer realm="stytch", error="invalid_token"`
	}
	if got := r.header.Get("WWW-Authenticate"); got != want {
		t.Fatalf("WWW-Authenticate %q, want %q", got, want)
	}
}

// hmacHS256 signs header and claims with HMAC-SHA256 under secret.
func hmacHS256(header, claims map[string]any, secret []byte) string {
	input := b64([]byte(mustMarshal(header))) + "." + b64([]byte(mustMarshal(claims)))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + b64(mac.Sum(nil))
}

// servedPublicKey is the emulator's current public key, rebuilt from its JWK.
func servedPublicKey(t *testing.T, e *env) (*rsa.PublicKey, []byte) {
	t.Helper()
	k := e.srv.JWKS()[0]
	n, err1 := base64.RawURLEncoding.DecodeString(k.N)
	ex, err2 := base64.RawURLEncoding.DecodeString(k.E)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())}, n
}

// TestHostileRequests covers issue 8's list of hostile input, each over
// real HTTP: algorithm confusion, foreign keys, kid abuse, key-locating
// headers, broken serialization, encodings, duplicates, claim types,
// issuer and audience variants, sizes and header multiplicity.
func TestHostileRequests(t *testing.T) {
	e := hostileEnv(t, 0)
	pid := e.srv.ProjectID
	kid := e.srv.JWKS()[0].Kid
	own := ownKey()
	attacker := attackerKey()
	valid := e.grant.SessionJWT
	parts := strings.Split(valid, ".")
	stdHeader := func() map[string]any { return map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"} }
	// served signs the session's claims, edited, with the emulator's key.
	served := func(edit func(h, c map[string]any)) string {
		h, c := stdHeader(), e.claims()
		edit(h, c)
		return e.sign(h, c, kid)
	}
	// raw signs exact bytes with ownKey, which the JWKS serves.
	ownHeader := `{"alg":"RS256","kid":"` + own.kid + `","typ":"JWT"}`
	claimsJSON := mustMarshal(e.claims())
	raw := func(header, payload string) string { return own.signRaw(header, payload) }
	// withMember inserts `"name":value,` at the start of the claims object.
	withMember := func(member string) string { return "{" + member + "," + claimsJSON[1:] }

	pub, modulus := servedPublicKey(t, e)
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pemPKIX := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	pemPKCS1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)})
	hs := func(secret []byte) string {
		return hmacHS256(map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"}, e.claims(), secret)
	}

	// Key-locating headers point to a server that must never be asked.
	var foreignHits atomic.Int32
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"keys":[%s]}`, mustMarshal(attacker.jwk()))
	}))
	defer foreign.Close()
	attackerSigned := func(edit func(h map[string]any)) string {
		h := map[string]any{"alg": "RS256", "kid": attacker.kid, "typ": "JWT"}
		edit(h)
		return attacker.sign(h, e.claims())
	}
	x5c := []string{base64.StdEncoding.EncodeToString(pkix)}

	// A valid signature re-encoded with its unused trailing bits set: the
	// same bytes under a lenient decoder, so a malleable twin of a valid
	// token.
	sig := []byte(parts[2])
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", sig[len(sig)-1])
	sig[len(sig)-1] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last|1]
	malleable := parts[0] + "." + parts[1] + "." + string(sig)

	const (
		ok     = http.StatusOK
		unauth = http.StatusUnauthorized
	)
	cases := []hostileCase{
		// The baseline: both served keys verify.
		{name: "valid, emulator key", opts: []reqOption{bearer(valid)}, status: ok},
		{name: "valid, own served key", opts: []reqOption{bearer(raw(ownHeader, claimsJSON))}, status: ok},

		// Algorithms.
		{name: "alg none, no signature", opts: []reqOption{bearer(b64([]byte(`{"alg":"none","kid":"`+kid+`","typ":"JWT"}`)) + "." + parts[1] + ".")}, status: unauth, code: ErrMalformedCredential},
		{name: "alg none, signed", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["alg"] = "none" }))}, status: unauth, code: ErrInvalidToken},
		{name: "alg None", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["alg"] = "None" }))}, status: unauth, code: ErrInvalidToken},
		{name: "alg rs256 lower case", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["alg"] = "rs256" }))}, status: unauth, code: ErrInvalidToken},
		{name: "alg missing", opts: []reqOption{bearer(served(func(h, c map[string]any) { delete(h, "alg") }))}, status: unauth, code: ErrInvalidToken},
		{name: "alg as array", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["alg"] = []string{"RS256"} }))}, status: unauth, code: ErrInvalidToken},
		{name: "alg PS256 on an RSA key", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["alg"] = "PS256" }))}, status: unauth, code: ErrInvalidToken},
		{name: "HS256, secret the public key as PKIX PEM", opts: []reqOption{bearer(hs(pemPKIX))}, status: unauth, code: ErrInvalidToken},
		{name: "HS256, secret the PKIX PEM without its newline", opts: []reqOption{bearer(hs(bytes.TrimSpace(pemPKIX)))}, status: unauth, code: ErrInvalidToken},
		{name: "HS256, secret the public key as PKCS#1 PEM", opts: []reqOption{bearer(hs(pemPKCS1))}, status: unauth, code: ErrInvalidToken},
		{name: "HS256, secret the PKIX DER", opts: []reqOption{bearer(hs(pkix))}, status: unauth, code: ErrInvalidToken},
		{name: "HS256, secret the modulus bytes", opts: []reqOption{bearer(hs(modulus))}, status: unauth, code: ErrInvalidToken},
		{name: "HS256, secret the JWK's n", opts: []reqOption{bearer(hs([]byte(e.srv.JWKS()[0].N)))}, status: unauth, code: ErrInvalidToken},
		{name: "HS256, secret the whole JWK", opts: []reqOption{bearer(hs([]byte(mustMarshal(e.srv.JWKS()[0]))))}, status: unauth, code: ErrInvalidToken},

		// Keys.
		{name: "RS256 by a foreign key under the served kid", opts: []reqOption{bearer(attacker.sign(stdHeader(), e.claims()))}, status: unauth, code: ErrInvalidToken},
		{name: "RS256 by one served key under another's kid", opts: []reqOption{bearer(own.sign(stdHeader(), e.claims()))}, status: unauth, code: ErrInvalidToken},
		{name: "payload of another user under a valid signature", opts: []reqOption{bearer(parts[0] + "." + b64([]byte(strings.Replace(claimsJSON, e.user.UserID, "user-test-00000000-0000-0000-0000-000000000000", 1))) + "." + parts[2])}, status: unauth, code: ErrInvalidToken},
		{name: "signature with its unused bits set", opts: []reqOption{bearer(malleable)}, status: unauth, code: ErrMalformedCredential},
		{name: "signature truncated", opts: []reqOption{bearer(valid[:len(valid)-2])}, status: unauth, code: ErrInvalidToken},

		// kid.
		{name: "kid unknown", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = "jwk-test-unknown" }))}, status: unauth, code: ErrInvalidToken, kidLookup: true},
		{name: "kid empty", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = "" }))}, status: unauth, code: ErrInvalidToken},
		{name: "kid missing", opts: []reqOption{bearer(served(func(h, c map[string]any) { delete(h, "kid") }))}, status: unauth, code: ErrInvalidToken},
		{name: "kid as number", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = 1 }))}, status: unauth, code: ErrInvalidToken},
		{name: "kid at the length limit, unknown", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = strings.Repeat("k", 256) }))}, status: unauth, code: ErrInvalidToken, kidLookup: true},
		{name: "kid over the length limit", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = strings.Repeat("k", 257) }))}, status: unauth, code: ErrInvalidToken},
		{name: "kid very long", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = strings.Repeat("k", 4000) }))}, status: unauth, code: ErrInvalidToken},
		{name: "kid path-like", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = "../../../v1/sessions/jwks/" + pid }))}, status: unauth, code: ErrInvalidToken, kidLookup: true},
		{name: "kid URL", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = foreign.URL }))}, status: unauth, code: ErrInvalidToken, kidLookup: true},
		{name: "kid with a NUL", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = kid + "\x00" }))}, status: unauth, code: ErrInvalidToken},
		{name: "kid with a space", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["kid"] = kid + " " }))}, status: unauth, code: ErrInvalidToken},

		// Key-locating and critical headers.
		{name: "jku to a foreign key set", opts: []reqOption{bearer(attackerSigned(func(h map[string]any) { h["jku"] = foreign.URL }))}, status: unauth, code: ErrInvalidToken, kidLookup: true},
		{name: "x5u to a foreign certificate", opts: []reqOption{bearer(attackerSigned(func(h map[string]any) { h["x5u"] = foreign.URL }))}, status: unauth, code: ErrInvalidToken, kidLookup: true},
		{name: "embedded jwk", opts: []reqOption{bearer(attackerSigned(func(h map[string]any) { h["jwk"] = attacker.jwk() }))}, status: unauth, code: ErrInvalidToken, kidLookup: true},
		{name: "embedded x5c", opts: []reqOption{bearer(attackerSigned(func(h map[string]any) { h["x5c"] = x5c }))}, status: unauth, code: ErrInvalidToken, kidLookup: true},
		{name: "jku on a valid token is ignored, never fetched", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["jku"] = foreign.URL }))}, status: ok},
		{name: "crit", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["crit"] = []string{"exp"} }))}, status: unauth, code: ErrInvalidToken},
		{name: "crit empty", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["crit"] = []string{} }))}, status: unauth, code: ErrInvalidToken},
		{name: "typ jwt in lower case", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["typ"] = "jwt" }))}, status: ok},
		{name: "typ absent", opts: []reqOption{bearer(served(func(h, c map[string]any) { delete(h, "typ") }))}, status: ok},
		{name: "typ application/jwt", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["typ"] = "application/jwt" }))}, status: unauth, code: ErrInvalidToken},
		{name: "typ JWS", opts: []reqOption{bearer(served(func(h, c map[string]any) { h["typ"] = "JWS" }))}, status: unauth, code: ErrInvalidToken},

		// Serialization.
		{name: "two segments", opts: []reqOption{bearer(parts[0] + "." + parts[1])}, status: unauth, code: ErrMalformedCredential},
		{name: "four segments", opts: []reqOption{bearer(valid + "." + parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "trailing dot", opts: []reqOption{bearer(valid + ".")}, status: unauth, code: ErrMalformedCredential},
		{name: "empty payload", opts: []reqOption{bearer(parts[0] + ".." + parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "one segment", opts: []reqOption{bearer(parts[1])}, status: unauth, code: ErrMalformedCredential},
		{name: "bad base64 in the header", opts: []reqOption{bearer("e*J." + parts[1] + "." + parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "bad base64 in the payload", opts: []reqOption{bearer(parts[0] + "." + parts[1][:8] + "~" + parts[1][9:] + "." + parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "bad base64 in the signature", opts: []reqOption{bearer(parts[0] + "." + parts[1] + "." + parts[2][:8] + "+" + parts[2][9:])}, status: unauth, code: ErrMalformedCredential},
		{name: "padded base64", opts: []reqOption{bearer(parts[0] + "." + parts[1] + "." + parts[2] + "==")}, status: unauth, code: ErrMalformedCredential},
		{name: "standard base64 alphabet", opts: []reqOption{bearer(parts[0] + "." + base64.StdEncoding.EncodeToString([]byte(claimsJSON+"\xbf\xff")) + "." + parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "header not JSON", opts: []reqOption{bearer(b64([]byte("RS256")) + "." + parts[1] + "." + parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "header a JSON array", opts: []reqOption{bearer(raw(`["RS256"]`, claimsJSON))}, status: unauth, code: ErrMalformedCredential},
		{name: "payload a JSON string", opts: []reqOption{bearer(raw(ownHeader, `"claims"`))}, status: unauth, code: ErrMalformedCredential},
		{name: "payload with trailing data", opts: []reqOption{bearer(raw(ownHeader, claimsJSON+`{}`))}, status: unauth, code: ErrMalformedCredential},
		{name: "payload with a byte-order mark", opts: []reqOption{bearer(raw(ownHeader, "\ufeff"+claimsJSON))}, status: unauth, code: ErrMalformedCredential},

		// Encodings.
		{name: "bearer token not UTF-8", opts: []reqOption{header("Authorization", "Bearer \xff\xfe.\xc0\xaf.\x80")}, status: unauth, code: ErrMalformedCredential},
		{name: "signed payload not UTF-8", opts: []reqOption{bearer(raw(ownHeader, withMember(`"nickname":"\xff\xfe"`)))}, status: unauth, code: ErrMalformedCredential},
		{name: "signed header not UTF-8", opts: []reqOption{bearer(raw(`{"alg":"RS256","kid":"`+own.kid+`","typ":"JWT","x":"\xc0\xaf"}`, claimsJSON))}, status: unauth, code: ErrMalformedCredential},
		{name: "signed payload with a NUL outside strings", opts: []reqOption{bearer(raw(ownHeader, claimsJSON+"\x00"))}, status: unauth, code: ErrMalformedCredential},
		{name: "JWT cookie not UTF-8", opts: []reqOption{header("Cookie", DefaultJWTCookie+"=\xff\xfe.a.b")}, status: unauth, code: ErrMalformedCredential},

		// Whitespace and line breaks (what HTTP lets through; raw line
		// breaks are TestHostileLineBreaks').
		{name: "two spaces after Bearer", opts: []reqOption{header("Authorization", "Bearer  "+valid)}, status: ok},
		{name: "trailing whitespace, trimmed by HTTP", opts: []reqOption{header("Authorization", "Bearer "+valid+" \t")}, status: ok},
		{name: "tab after Bearer", opts: []reqOption{header("Authorization", "Bearer\t"+valid)}, status: unauth, code: ErrMalformedCredential},
		{name: "space inside the token", opts: []reqOption{header("Authorization", "Bearer "+parts[0]+"."+parts[1]+" ."+parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "tab inside the token", opts: []reqOption{header("Authorization", "Bearer "+parts[0]+".\t"+parts[1]+"."+parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "escaped line break inside the token", opts: []reqOption{header("Authorization", "Bearer "+parts[0]+"."+parts[1]+`\n.`+parts[2])}, status: unauth, code: ErrMalformedCredential},
		{name: "Bearer without a token", opts: []reqOption{header("Authorization", "Bearer ")}, status: unauth, code: ErrMalformedCredential},
		{name: "whitespace in the signed JSON is JSON", opts: []reqOption{bearer(raw(" {\n\t\"alg\" : \"RS256\" , \"kid\":\""+own.kid+"\"}\r\n", "\n"+claimsJSON+"\n"))}, status: ok},

		// Duplicate members, signed by a served key.
		{name: "duplicate alg", opts: []reqOption{bearer(raw(`{"alg":"none","alg":"RS256","kid":"`+own.kid+`"}`, claimsJSON))}, status: unauth, code: ErrMalformedCredential},
		{name: "duplicate kid", opts: []reqOption{bearer(raw(`{"alg":"RS256","kid":"`+kid+`","kid":"`+own.kid+`"}`, claimsJSON))}, status: unauth, code: ErrMalformedCredential},
		{name: "duplicate sub", opts: []reqOption{bearer(raw(ownHeader, withMember(`"sub":"user-test-00000000-0000-0000-0000-000000000000"`)))}, status: unauth, code: ErrMalformedCredential},
		{name: "duplicate aud", opts: []reqOption{bearer(raw(ownHeader, withMember(`"aud":"project-test-other"`)))}, status: unauth, code: ErrMalformedCredential},
		{name: "duplicate exp", opts: []reqOption{bearer(raw(ownHeader, withMember(`"exp":4102444800`)))}, status: unauth, code: ErrMalformedCredential},
		{name: "duplicate session claim", opts: []reqOption{bearer(raw(ownHeader, withMember(`"`+stytchtest.SessionClaim+`":{}`)))}, status: unauth, code: ErrMalformedCredential},
		{name: "duplicate sub spelled with an escape", opts: []reqOption{bearer(raw(ownHeader, withMember(`"s\u0075b":"user-test-00000000-0000-0000-0000-000000000000"`)))}, status: unauth, code: ErrMalformedCredential},
		{name: "SUB beside sub is a custom claim", opts: []reqOption{bearer(raw(ownHeader, withMember(`"SUB":"user-test-00000000-0000-0000-0000-000000000000"`)))}, status: ok},

		// Claims of the wrong JSON type.
		{name: "exp as a string", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["exp"] = fmt.Sprint(c["exp"]) }))}, status: unauth, code: ErrInvalidToken},
		{name: "exp as null", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["exp"] = nil }))}, status: unauth, code: ErrInvalidToken},
		{name: "exp negative", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["exp"] = -1 }))}, status: unauth, code: ErrInvalidToken},
		{name: "exp beyond year 9999", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["exp"] = 1e13 }))}, status: unauth, code: ErrInvalidToken},
		{name: "exp missing", opts: []reqOption{bearer(served(func(h, c map[string]any) { delete(c, "exp") }))}, status: unauth, code: ErrInvalidToken},
		{name: "nbf as an array", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["nbf"] = []any{c["nbf"]} }))}, status: unauth, code: ErrInvalidToken},
		{name: "iat as a boolean", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iat"] = true }))}, status: unauth, code: ErrInvalidToken},
		{name: "iat missing", opts: []reqOption{bearer(served(func(h, c map[string]any) { delete(c, "iat") }))}, status: unauth, code: ErrInvalidToken},
		{name: "sub as a number", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["sub"] = 7 }))}, status: unauth, code: ErrInvalidToken},
		{name: "sub empty", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["sub"] = "" }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud as a number", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = 42 }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud as an object", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = map[string]any{"0": pid} }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud with a number inside", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = []any{pid, 42} }))}, status: unauth, code: ErrInvalidToken},
		{name: "session claim as an array", opts: []reqOption{bearer(served(func(h, c map[string]any) { c[stytchtest.SessionClaim] = []any{c[stytchtest.SessionClaim]} }))}, status: unauth, code: ErrInvalidToken},
		{name: "session claim as a string", opts: []reqOption{bearer(served(func(h, c map[string]any) { c[stytchtest.SessionClaim] = "session" }))}, status: unauth, code: ErrInvalidToken},
		{name: "session claim missing", opts: []reqOption{bearer(served(func(h, c map[string]any) { delete(c, stytchtest.SessionClaim) }))}, status: unauth, code: ErrInvalidToken},
		{name: "roles as a string", opts: []reqOption{bearer(served(func(h, c map[string]any) { c[stytchtest.SessionClaim] = editSession(c, "roles", "admin") }))}, status: unauth, code: ErrInvalidToken},
		{name: "session id as a number", opts: []reqOption{bearer(served(func(h, c map[string]any) { c[stytchtest.SessionClaim] = editSession(c, "id", 1) }))}, status: unauth, code: ErrInvalidToken},
		{name: "session id missing", opts: []reqOption{bearer(served(func(h, c map[string]any) { c[stytchtest.SessionClaim] = editSession(c, "id", nil) }))}, status: unauth, code: ErrInvalidToken},
		{name: "started_at not a time", opts: []reqOption{bearer(served(func(h, c map[string]any) { c[stytchtest.SessionClaim] = editSession(c, "started_at", "yesterday") }))}, status: unauth, code: ErrInvalidToken},

		// Issuer variants.
		{name: "iss the emulator's origin (a custom domain)", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = e.srv.URL }))}, status: ok},
		{name: "iss the origin with a trailing slash", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = e.srv.URL + "/" }))}, status: unauth, code: ErrInvalidToken},
		{name: "iss with a scheme", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = "https://stytch.com/" + pid }))}, status: unauth, code: ErrInvalidToken},
		{name: "iss with a trailing slash", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = "stytch.com/" + pid + "/" }))}, status: unauth, code: ErrInvalidToken},
		{name: "iss in upper case", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = "STYTCH.COM/" + pid }))}, status: unauth, code: ErrInvalidToken},
		{name: "iss of another project", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = "stytch.com/project-test-other" }))}, status: unauth, code: ErrInvalidToken},
		{name: "iss Stytch's own API host", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = "https://test.stytch.com" }))}, status: unauth, code: ErrInvalidToken},
		{name: "iss with a NUL", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = "stytch.com/" + pid + "\x00" }))}, status: unauth, code: ErrInvalidToken},
		{name: "iss as an array", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["iss"] = []string{"stytch.com/" + pid} }))}, status: unauth, code: ErrInvalidToken},
		{name: "iss missing", opts: []reqOption{bearer(served(func(h, c map[string]any) { delete(c, "iss") }))}, status: unauth, code: ErrInvalidToken},

		// Audience variants.
		{name: "aud a string", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = pid }))}, status: ok},
		{name: "aud among others", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = []string{"project-test-other", pid} }))}, status: ok},
		{name: "aud empty", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = []string{} }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud another project", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = []string{"project-test-other"} }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud in upper case", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = strings.ToUpper(pid) }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud with a trailing space", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = pid + " " }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud a prefix of the project", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = pid[:len(pid)-1] }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud null", opts: []reqOption{bearer(served(func(h, c map[string]any) { c["aud"] = nil }))}, status: unauth, code: ErrInvalidToken},
		{name: "aud missing", opts: []reqOption{bearer(served(func(h, c map[string]any) { delete(c, "aud") }))}, status: unauth, code: ErrInvalidToken},

		// Header multiplicity and other credentials.
		{name: "two Authorization headers, both valid", opts: []reqOption{bearer(valid), bearer(valid)}, status: unauth, code: ErrMultipleCredentials},
		{name: "Bearer and Basic", opts: []reqOption{bearer(valid), header("Authorization", "Basic dXNlcjpwYXNz")}, status: unauth, code: ErrMultipleCredentials},
		{name: "two empty Authorization headers", opts: []reqOption{header("Authorization", ""), header("Authorization", "")}, status: unauth, code: ErrMultipleCredentials},
		{name: "Basic alone is not a session credential", opts: []reqOption{header("Authorization", "Basic dXNlcjpwYXNz")}, status: unauth, code: ErrNoCredential},
		{name: "empty cookies are absent", opts: []reqOption{header("Cookie", DefaultJWTCookie+"=; "+DefaultTokenCookie+"=")}, status: unauth, code: ErrNoCredential},
		{name: "a token in the query string is never read", opts: []reqOption{func(r *http.Request) { r.URL.RawQuery = "session_jwt=" + valid + "&stytch_session_jwt=" + valid }}, status: unauth, code: ErrNoCredential},
		{name: "an invalid Bearer is not masked by a valid cookie", opts: []reqOption{bearer("x.y.z"), cookie(DefaultJWTCookie, valid)}, status: unauth, code: ErrMalformedCredential},
		{name: "opaque token outside token68 never reaches Stytch", opts: []reqOption{header("Cookie", DefaultTokenCookie+"=abc%20def")}, status: unauth, code: ErrMalformedCredential},
		{name: "opaque token with a quote never reaches Stytch", opts: []reqOption{header("Cookie", DefaultTokenCookie+`=abc"def`)}, status: unauth, code: ErrMalformedCredential},
		{name: "unknown opaque token is asked about", opts: []reqOption{cookie(DefaultTokenCookie, "opaque-token-of-no-session")}, status: unauth, code: ErrSessionNotFound, remote: 1},
	}
	e.runHostile(t, cases)
	if n := foreignHits.Load(); n != 0 {
		t.Fatalf("a URL named by a token was fetched %d times", n)
	}
}

// editSession returns a copy of the claims' session claim with one field
// set (nil deletes it).
func editSession(claims map[string]any, field string, value any) map[string]any {
	var s map[string]any
	if err := json.Unmarshal([]byte(mustMarshal(claims[stytchtest.SessionClaim])), &s); err != nil {
		panic(err)
	}
	if value == nil {
		delete(s, field)
	} else {
		s[field] = value
	}
	return s
}

// TestHostileSizes: a credential longer than MaxCredentialBytes (8 KiB by
// default) is refused before parsing, even when correctly signed, from the
// header and from either cookie; one of exactly the limit passes.
func TestHostileSizes(t *testing.T) {
	e := hostileEnv(t, 0)
	own := ownKey()
	// tokenOf signs the session's claims padded so the token is n bytes:
	// a padding claim grows the payload, and a header member of 0 to 3
	// bytes shifts its base64 length onto n.
	tokenOf := func(n int) string {
		c := e.claims()
		for extra := range 4 {
			header := map[string]any{"alg": "RS256", "kid": own.kid, "typ": "JWT", "x": strings.Repeat("x", extra)}
			length := func() int { return len(b64([]byte(mustMarshal(header)))+b64([]byte(mustMarshal(c)))) + 2 + 342 }
			c["padding"] = ""
			from := max(0, (n-length())*3/4-4)
			for pad := from; pad < from+12; pad++ {
				c["padding"] = strings.Repeat("p", pad)
				if length() == n {
					return own.sign(header, c)
				}
			}
		}
		t.Fatalf("cannot build a token of %d bytes", n)
		return ""
	}
	limit := defaultMaxCredentialBytes
	atLimit, overLimit := tokenOf(limit), tokenOf(limit+1)
	e.runHostile(t, []hostileCase{
		{name: "bearer at the limit", opts: []reqOption{bearer(atLimit)}, status: http.StatusOK},
		{name: "JWT cookie at the limit", opts: []reqOption{cookie(DefaultJWTCookie, atLimit)}, status: http.StatusOK},
		{name: "bearer one byte over, correctly signed", opts: []reqOption{bearer(overLimit)}, status: http.StatusUnauthorized, code: ErrCredentialTooLarge},
		{name: "JWT cookie one byte over, correctly signed", opts: []reqOption{cookie(DefaultJWTCookie, overLimit)}, status: http.StatusUnauthorized, code: ErrCredentialTooLarge},
		{name: "bearer of 64 KiB", opts: []reqOption{bearer(strings.Repeat("a", 64<<10))}, status: http.StatusUnauthorized, code: ErrCredentialTooLarge},
		{name: "opaque token over the limit never reaches Stytch", opts: []reqOption{cookie(DefaultTokenCookie, strings.Repeat("t", limit+1))}, status: http.StatusUnauthorized, code: ErrCredentialTooLarge},
	})

	// The programmatic API applies the same limit.
	if _, err := e.auth.AuthenticateJWT(t.Context(), AuthenticateJWTParams{SessionJWT: overLimit}); CodeOf(err) != ErrCredentialTooLarge {
		t.Fatalf("AuthenticateJWT: %v", err)
	}
	if _, err := e.auth.AuthenticateJWTLocal(t.Context(), AuthenticateJWTLocalParams{SessionJWT: overLimit}); CodeOf(err) != ErrCredentialTooLarge {
		t.Fatalf("AuthenticateJWTLocal: %v", err)
	}
}

// TestHostileTimeClaims: exp, nbf and iat at and across the ClockTolerance
// boundary, with no tolerance and with 30 s. Valid while iat ≤ now+tol,
// nbf ≤ now+tol and now < exp+tol; an authentic JWT past exp+tol is
// refreshed with Stytch (one call), never accepted locally.
func TestHostileTimeClaims(t *testing.T) {
	for _, tol := range []time.Duration{0, 30 * time.Second} {
		t.Run(fmt.Sprint("tolerance ", tol), func(t *testing.T) {
			e := hostileEnv(t, tol)
			now := e.srv.Now().Unix()
			tl := int64(tol / time.Second)
			at := func(exp, nbf, iat int64) reqOption {
				c := e.claims()
				c["exp"], c["nbf"], c["iat"] = exp, nbf, iat
				return bearer(e.sign(nil, c, ""))
			}
			past := now - 60
			const ok, unauth = http.StatusOK, http.StatusUnauthorized
			cases := []hostileCase{
				{name: "exp one second inside the tolerance", opts: []reqOption{at(now-tl+1, past, past)}, status: ok},
				{name: "exp at the tolerance boundary: refreshed", opts: []reqOption{at(now-tl, past, past)}, status: ok, remote: 1},
				{name: "exp across the boundary: refreshed", opts: []reqOption{at(now-tl-1, past, past)}, status: ok, remote: 1},
				{name: "exp fractional, inside", opts: []reqOption{bearer(e.sign(nil, withNumbers(e.claims(), map[string]string{"exp": fmt.Sprintf("%d.5", now-tl)}), ""))}, status: ok},
				{name: "nbf at the tolerance boundary", opts: []reqOption{at(now+300, now+tl, past)}, status: ok},
				{name: "nbf across the boundary", opts: []reqOption{at(now+300, now+tl+1, past)}, status: unauth, code: ErrInvalidToken},
				{name: "nbf fractional, across", opts: []reqOption{bearer(e.sign(nil, withNumbers(e.claims(), map[string]string{"nbf": fmt.Sprintf("%d.5", now+tl)}), ""))}, status: unauth, code: ErrInvalidToken},
				{name: "iat at the tolerance boundary", opts: []reqOption{at(now+300, past, now+tl)}, status: ok},
				{name: "iat across the boundary (in the future)", opts: []reqOption{at(now+300, past, now+tl+1)}, status: unauth, code: ErrInvalidToken},
				{name: "iat far in the future", opts: []reqOption{at(now+300, past, now+86400)}, status: unauth, code: ErrInvalidToken},
				{name: "iat in the future and expired: never sent to Stytch", opts: []reqOption{at(past, past, now+tl+1)}, status: unauth, code: ErrInvalidToken},
				{name: "nbf in the future and expired: never sent to Stytch", opts: []reqOption{at(past, now+tl+1, past)}, status: unauth, code: ErrInvalidToken},
			}
			e.runHostile(t, cases)
		})
	}
}

// TestHostileSessionClaimMembers: in a JWT signed by the project's own key
// (so that only the JSON decides), the session claim is read by exact
// member names, and no object the verifier reads may hold a member twice:
// "ROLES", or "roles" twice, never turns a reader into an admin, on any
// route; such a JWT is refused outright (401), never sent to Stytch.
func TestHostileSessionClaimMembers(t *testing.T) {
	e := hostileEnv(t, 0) // the user is a reader
	raw, err := json.Marshal(e.claims()[stytchtest.SessionClaim])
	if err != nil {
		t.Fatal(err)
	}
	session := string(raw)
	// rewritten signs the claims with the session claim's JSON rewritten
	// (old must occur in it), and extra top-level claims.
	rewritten := func(old, new string, extra map[string]any) reqOption {
		t.Helper()
		if !strings.Contains(session, old) {
			t.Fatalf("the session claim lacks %s: %s", old, session)
		}
		c := e.claims()
		c[stytchtest.SessionClaim] = json.RawMessage(strings.Replace(session, old, new, 1))
		for name, v := range extra {
			c[name] = v
		}
		return bearer(e.sign(nil, c, ""))
	}
	const roles = `"roles":["stytch_user","reader"]`
	for _, tc := range []struct {
		name string
		opt  reqOption
		code Code
	}{
		{"roles then ROLES", rewritten(roles, roles+`,"ROLES":["stytch_user","admin"]`, nil), ErrInvalidToken},
		{"ROLES alone", rewritten(roles, `"ROLES":["stytch_user","admin"]`, nil), ErrInvalidToken},
		{"Roles via an escape", rewritten(roles, roles+`,"\u0052oles":["stytch_user","admin"]`, nil), ErrInvalidToken},
		{"roles twice", rewritten(roles, roles+`,"roles":["stytch_user","admin"]`, nil), ErrMalformedCredential},
		{"a factor's member twice", rewritten(`"delivery_method":"email"`, `"delivery_method":"sms","delivery_method":"email"`, nil), ErrMalformedCredential},
		{"an attribute in another case", rewritten(`"ip_address":""`, `"ip_address":"","IP_ADDRESS":"203.0.113.9"`, nil), ErrInvalidToken},
		{"a custom claim's member twice", rewritten(roles, roles, map[string]any{"tenant": json.RawMessage(`{"id":"a","id":"b"}`)}), ErrMalformedCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, route := range []string{routeRequired, routeDelete} {
				r := e.call(route, tc.opt)
				r.want(t, http.StatusUnauthorized, tc.code)
				checkRefusal(t, r, tc.code)
			}
		})
	}
	if n := e.count(stytchtest.EndpointAuthenticate); n != 0 {
		t.Fatalf("%d sessions/authenticate calls, want none", n)
	}
	// The unedited claim passes, as a reader.
	ok := rewritten(roles, roles, nil)
	e.call(routeRequired, ok).want(t, http.StatusOK, "")
	e.call(routeDelete, ok).want(t, http.StatusForbidden, ErrForbidden)
}

// withNumbers returns claims with some members replaced by raw JSON numbers.
func withNumbers(claims map[string]any, numbers map[string]string) map[string]any {
	for name, n := range numbers {
		claims[name] = json.Number(n)
	}
	return claims
}

// TestHostileLineBreaks: line breaks cannot travel inside an HTTP header
// value; a raw request that tries (a bare LF, a CR, an obsolete folded
// line) is refused by net/http (400) or by the middleware (401), never
// authenticated and never sent to Stytch. The programmatic API refuses
// them as malformed.
func TestHostileLineBreaks(t *testing.T) {
	e := hostileEnv(t, 0)
	valid := e.grant.SessionJWT
	cut := strings.Index(valid, ".") + 10
	for name, authorization := range map[string]string{
		"folded line": "Bearer " + valid[:cut] + "\r\n " + valid[cut:],
		"bare LF":     "Bearer " + valid[:cut] + "\n" + valid[cut:],
		"bare CR":     "Bearer " + valid[:cut] + "\r" + valid[cut:],
	} {
		t.Run(name, func(t *testing.T) {
			status := rawRequest(t, e.app.Listener.Addr().String(),
				"GET "+routeRequired+" HTTP/1.1\r\nHost: app\r\nAuthorization: "+authorization+"\r\nConnection: close\r\n\r\n")
			if status != http.StatusBadRequest && status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 400 or 401", status)
			}
		})
	}
	for _, tok := range []string{valid[:cut] + "\n" + valid[cut:], valid + "\n", valid[:cut] + "\r\n" + valid[cut:]} {
		if _, err := e.auth.AuthenticateJWT(t.Context(), AuthenticateJWTParams{SessionJWT: tok}); CodeOf(err) != ErrMalformedCredential {
			t.Fatalf("AuthenticateJWT with a line break: %v", err)
		}
	}
	if n := e.count(stytchtest.EndpointAuthenticate); n != 0 {
		t.Fatalf("%d authenticate calls", n)
	}
}

// rawRequest writes a request byte for byte and returns the answer's status.
func rawRequest(t *testing.T, addr, request string) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode
}
