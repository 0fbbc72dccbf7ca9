package jwtverify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/internal/jwks"
)

// hs256 signs header.payload with HMAC-SHA256 under secret.
func hs256(secret []byte, header, payload string) string {
	in := enc64([]byte(header)) + "." + enc64([]byte(payload))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(in))
	return in + "." + enc64(mac.Sum(nil))
}

func TestVerifyAcceptsAStytchToken(t *testing.T) {
	f := newFixture(t, nil)
	tok := makeToken(keyA, kidA, nil)
	res, err := f.v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.KeyID != kidA || !res.IssuedAt.Equal(t0) || !res.ExpiresAt.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("Result = %+v", res)
	}
	if res.Session.UserID != "user-test-5c36e3a1-7f0b-4d3c-9a2e-1b2c3d4e5f60" {
		t.Errorf("UserID = %q", res.Session.UserID)
	}
	// Under the other served key and the custom-domain issuer too.
	tok = makeToken(keyB, kidB, func(_, c map[string]any) { c["iss"] = customIssuer })
	if _, err := f.v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify (kidB, custom issuer): %v", err)
	}
}

// TestVerifyRejectsHostileTokens covers the token-level list of issue 8 §1.
// Tokens that are refused before the key lookup carry an unknown kid: the
// key set (MinRefreshInterval 1 ns) would fetch for it, so a fetch count of
// zero proves that the refusal came first.
func TestVerifyRejectsHostileTokens(t *testing.T) {
	pubDER, err := x509.MarshalPKIXPublicKey(&keyA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	stytchPayload := mustJSON(stytchClaims(t0))
	hdr := func(kid string) string { return mustJSON(stytchHeader(kid)) }
	valid := makeToken(keyA, kidA, nil)
	h, p, s := func() (string, string, string) {
		parts := strings.Split(valid, ".")
		return parts[0], parts[1], parts[2]
	}()
	edit := func(fn func(h, c map[string]any)) string { return makeToken(keyA, kidUnknown, fn) }
	signed := func(fn func(h, c map[string]any)) string { return makeToken(keyA, kidA, fn) }
	// replaced rewrites the payload's JSON, which must contain old.
	replaced := func(old, new string) string {
		if !strings.Contains(stytchPayload, old) {
			t.Fatalf("the payload lacks %s", old)
		}
		return rawToken(keyA, hdr(kidUnknown), strings.Replace(stytchPayload, old, new, 1))
	}

	for _, tc := range []struct {
		name    string
		token   string
		want    error
		fetches int64 // JWKS fetches the verification may cause
	}{
		// alg
		{"alg none, empty signature", enc64([]byte(`{"alg":"none","kid":"`+kidA+`"}`)) + "." + p + ".", ErrMalformed, 0},
		{"alg none, with signature", enc64([]byte(`{"alg":"none","kid":"`+kidA+`"}`)) + "." + p + "." + s, ErrAlgorithm, 0},
		{"alg None", rawToken(keyA, `{"alg":"None","kid":"`+kidA+`"}`, stytchPayload), ErrAlgorithm, 0},
		{"HS256 keyed with the public key PEM", hs256(pubPEM, `{"alg":"HS256","kid":"`+kidA+`","typ":"JWT"}`, stytchPayload), ErrAlgorithm, 0},
		{"HS256 keyed with the JWK modulus", hs256([]byte(enc64(keyA.N.Bytes())), `{"alg":"HS256","kid":"`+kidA+`"}`, stytchPayload), ErrAlgorithm, 0},
		{"RS512", rawToken(keyA, `{"alg":"RS512","kid":"`+kidA+`"}`, stytchPayload), ErrAlgorithm, 0},
		{"PS256", rawToken(keyA, `{"alg":"PS256","kid":"`+kidA+`"}`, stytchPayload), ErrAlgorithm, 0},
		{"alg rs256 lower case", rawToken(keyA, `{"alg":"rs256","kid":"`+kidA+`"}`, stytchPayload), ErrAlgorithm, 0},
		{"alg missing", rawToken(keyA, `{"kid":"`+kidA+`"}`, stytchPayload), ErrAlgorithm, 0},
		{"alg not a string", rawToken(keyA, `{"alg":["RS256"],"kid":"`+kidA+`"}`, stytchPayload), ErrAlgorithm, 0},
		// signature and kid
		{"signed by another key under a served kid", makeToken(keyOther, kidA, nil), ErrSignature, 0},
		{"signed by the other served key", makeToken(keyB, kidA, nil), ErrSignature, 0},
		{"payload rewritten", h + "." + enc64([]byte(strings.Replace(stytchPayload, `"admin"`, `"owner"`, 1))) + "." + s, ErrSignature, 0},
		{"signature truncated", h + "." + p + "." + s[:len(s)/4*4], ErrSignature, 0},
		{"unknown kid", makeToken(keyA, kidUnknown, nil), ErrUnknownKey, 1},
		{"path-like kid", makeToken(keyA, "../../../../etc/passwd", nil), ErrUnknownKey, 1},
		{"kid of 256 bytes", makeToken(keyA, strings.Repeat("k", 256), nil), ErrUnknownKey, 1},
		{"empty kid", makeToken(keyA, "", nil), ErrHeader, 0},
		{"kid of 257 bytes", makeToken(keyA, strings.Repeat("k", 257), nil), ErrHeader, 0},
		{"kid of 4 KiB", makeToken(keyA, strings.Repeat("k", 4096), nil), ErrHeader, 0},
		{"kid with a space", makeToken(keyA, "jwk test", nil), ErrHeader, 0},
		{"kid with a NUL", makeToken(keyA, "jwk\x00", nil), ErrHeader, 0},
		{"kid not ASCII", makeToken(keyA, "jwk-tést", nil), ErrHeader, 0},
		{"kid missing", edit(func(h, _ map[string]any) { delete(h, "kid") }), ErrHeader, 0},
		{"kid a number", edit(func(h, _ map[string]any) { h["kid"] = 7 }), ErrHeader, 0},
		// headers that are never followed, and crit
		{"crit", signed(func(h, _ map[string]any) { h["crit"] = []string{"exp"}; h["exp"] = 1 }), ErrHeader, 0},
		{"crit empty", signed(func(h, _ map[string]any) { h["crit"] = []string{} }), ErrHeader, 0},
		{"typ JOSE", edit(func(h, _ map[string]any) { h["typ"] = "JOSE" }), ErrHeader, 0},
		{"typ application/jwt", edit(func(h, _ map[string]any) { h["typ"] = "application/jwt" }), ErrHeader, 0},
		{"typ a number", edit(func(h, _ map[string]any) { h["typ"] = 1 }), ErrHeader, 0},
		// segments
		{"empty", "", ErrMalformed, 0},
		{"one segment", h, ErrMalformed, 0},
		{"two segments", h + "." + p, ErrMalformed, 0},
		{"four segments", valid + "." + s, ErrMalformed, 0},
		{"four segments, empty last", valid + ".", ErrMalformed, 0},
		{"five segments (JWE shape)", h + "." + p + "." + s + "." + s + "." + s, ErrMalformed, 0},
		{"empty header", "." + p + "." + s, ErrMalformed, 0},
		{"empty payload", h + ".." + s, ErrMalformed, 0},
		// base64
		{"padding", h + "==." + p + "." + s, ErrMalformed, 0},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(h+"."+p+"."+s) + "+/", ErrMalformed, 0},
		{"invalid character", h + "." + p + "*." + s, ErrMalformed, 0},
		{"length 1 mod 4", h + "." + p + "A." + s, ErrMalformed, 0},
		{"non-canonical trailing bits", h[:len(h)-1] + "f." + p + "." + s, ErrMalformed, 0},
		{"non-ASCII in token", h + "." + p + "é." + s, ErrMalformed, 0},
		// whitespace and line breaks
		{"leading space", " " + valid, ErrMalformed, 0},
		{"trailing newline", valid + "\n", ErrMalformed, 0},
		{"CRLF inside payload", h + "." + p[:20] + "\r\n" + p[20:] + "." + s, ErrMalformed, 0},
		{"LF inside signature", h + "." + p + "." + s[:30] + "\n" + s[30:], ErrMalformed, 0},
		{"tab inside header", h[:5] + "\t" + h[5:] + "." + p + "." + s, ErrMalformed, 0},
		{"space around a dot", h + " ." + p + "." + s, ErrMalformed, 0},
		// JSON structure
		{"header not JSON", rawToken(keyA, `alg=RS256`, stytchPayload), ErrMalformed, 0},
		{"header an array", rawToken(keyA, `["RS256"]`, stytchPayload), ErrMalformed, 0},
		{"payload an array", rawToken(keyA, hdr(kidUnknown), `[1,2]`), ErrMalformed, 0},
		{"payload truncated", rawToken(keyA, hdr(kidUnknown), stytchPayload[:len(stytchPayload)-1]), ErrMalformed, 0},
		{"payload with trailing data", rawToken(keyA, hdr(kidUnknown), stytchPayload+`{}`), ErrMalformed, 0},
		{"payload nested too deep", rawToken(keyA, hdr(kidUnknown), `{"x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`), ErrMalformed, 0},
		{"non-UTF-8 header", rawToken(keyA, `{"alg":"RS256","kid":"`+kidA+`","x":"`+"\xff"+`"}`, stytchPayload), ErrMalformed, 0},
		{"non-UTF-8 payload", rawToken(keyA, hdr(kidA), strings.Replace(stytchPayload, "sandbox", "sand\xc3\x28box", 1)), ErrMalformed, 0},
		{"lone surrogate escape", rawToken(keyA, hdr(kidA), strings.Replace(stytchPayload, "sandbox", `sand\ud800box`, 1)), ErrMalformed, 0},
		{"duplicate alg in header", rawToken(keyA, `{"alg":"RS256","kid":"`+kidA+`","alg":"none"}`, stytchPayload), ErrMalformed, 0},
		{"duplicate kid in header", rawToken(keyA, `{"alg":"RS256","kid":"`+kidA+`","kid":"`+kidB+`"}`, stytchPayload), ErrMalformed, 0},
		{"duplicate iss in payload", rawToken(keyA, hdr(kidA), `{"iss":"x",`+stytchPayload[1:]), ErrMalformed, 0},
		{"duplicate sub via an escape", rawToken(keyA, hdr(kidA), `{"s\u0075b":"user-test-other",`+stytchPayload[1:]), ErrMalformed, 0},
		{"duplicate session claim", rawToken(keyA, hdr(kidA), `{"https://stytch.com/session":{},`+stytchPayload[1:]), ErrMalformed, 0},
		// duplicates at every depth, and members that encoding/json would
		// match to a field of another case
		{"duplicate roles in the session claim", replaced(`"roles":[`, `"roles":["admin"],"roles":[`), ErrMalformed, 0},
		{"duplicate roles via an escape", replaced(`"roles":[`, `"r\u006fles":["admin"],"roles":[`), ErrMalformed, 0},
		{"duplicate unknown member of the session claim", replaced(`"roles":[`, `"x":1,"x":2,"roles":[`), ErrMalformed, 0},
		{"duplicate attribute", replaced(`"ip_address":""`, `"ip_address":"203.0.113.9","ip_address":""`), ErrMalformed, 0},
		{"duplicate factor member", replaced(`"type":"magic_link"`, `"type":"password","type":"magic_link"`), ErrMalformed, 0},
		{"duplicate in a factor's email_factor", replaced(`"email_address":"sandbox@stytch.com"`, `"email_address":"ada@example.com","email_address":"sandbox@stytch.com"`), ErrMalformed, 0},
		{"duplicate in a custom claim", rawToken(keyA, hdr(kidUnknown), `{"tenant":{"id":"a","id":"b"},`+stytchPayload[1:]), ErrMalformed, 0},
		{"duplicate in a custom claim's array", rawToken(keyA, hdr(kidUnknown), `{"tenants":[{"id":"a","id":"b"}],`+stytchPayload[1:]), ErrMalformed, 0},
		{"duplicate inside a header member", rawToken(keyA, `{"alg":"RS256","kid":"`+kidUnknown+`","jwk":{"n":"a","n":"b"}}`, stytchPayload), ErrMalformed, 0},
		{"roles and ROLES", replaced(`"roles":[`, `"ROLES":["admin"],"roles":[`), ErrClaims, 0},
		{"ROLES alone", replaced(`"roles":[`, `"ROLES":[`), ErrClaims, 0},
		{"Roles via an escape", replaced(`"roles":[`, `"\u0052oles":[`), ErrClaims, 0},
		{"session id in another case", replaced(`"id":"session-test-`, `"ID":"session-test-other","id":"session-test-`), ErrClaims, 0},
		{"attribute in another case", replaced(`"ip_address":""`, `"IP_Address":"203.0.113.9","ip_address":""`), ErrClaims, 0},
		{"factor member in another case", replaced(`"type":"magic_link"`, `"Type":"password","type":"magic_link"`), ErrClaims, 0},
		{"email_factor member in another case", replaced(`"email_address":`, `"EMAIL_ADDRESS":"ada@example.com","email_address":`), ErrClaims, 0},
		{"roles with a long s (ſ folds to s)", replaced(`"roles":[`, `"roleſ":[`), ErrClaims, 0},
		// claim types
		{"exp a string", edit(func(_, c map[string]any) { c["exp"] = "1762944049" }), ErrClaims, 0},
		{"exp null", edit(func(_, c map[string]any) { c["exp"] = nil }), ErrClaims, 0},
		{"exp negative", edit(func(_, c map[string]any) { c["exp"] = -1 }), ErrClaims, 0},
		{"exp huge", edit(func(_, c map[string]any) { c["exp"] = 1e300 }), ErrClaims, 0},
		{"nbf a bool", edit(func(_, c map[string]any) { c["nbf"] = true }), ErrClaims, 0},
		{"iat an object", edit(func(_, c map[string]any) { c["iat"] = map[string]any{} }), ErrClaims, 0},
		{"aud a number", edit(func(_, c map[string]any) { c["aud"] = 42 }), ErrClaims, 0},
		{"aud an array with a number", edit(func(_, c map[string]any) { c["aud"] = []any{projectID, 42} }), ErrClaims, 0},
		{"aud an object", edit(func(_, c map[string]any) { c["aud"] = map[string]any{"id": projectID} }), ErrClaims, 0},
		{"iss a number", edit(func(_, c map[string]any) { c["iss"] = 1 }), ErrClaims, 0},
		{"sub an object", edit(func(_, c map[string]any) { c["sub"] = map[string]any{} }), ErrClaims, 0},
		{"session claim an array", edit(func(_, c map[string]any) { c["https://stytch.com/session"] = []any{} }), ErrClaims, 0},
		{"session claim a string", edit(func(_, c map[string]any) { c["https://stytch.com/session"] = "s" }), ErrClaims, 0},
		{"session claim null", edit(func(_, c map[string]any) { c["https://stytch.com/session"] = nil }), ErrClaims, 0},
		{"roles a string (signed)", signed(func(_, c map[string]any) { session(c)["roles"] = "admin" }), ErrClaims, 0},
		{"started_at a number (signed)", signed(func(_, c map[string]any) { session(c)["started_at"] = 1 }), ErrClaims, 0},
		{"started_at not RFC 3339 (signed)", signed(func(_, c map[string]any) { session(c)["started_at"] = "yesterday" }), ErrClaims, 0},
		{"factors an object (signed)", signed(func(_, c map[string]any) { session(c)["authentication_factors"] = map[string]any{} }), ErrClaims, 0},
		{"session id missing (signed)", signed(func(_, c map[string]any) { delete(session(c), "id") }), ErrClaims, 0},
		{"started_at missing (signed)", signed(func(_, c map[string]any) { delete(session(c), "started_at") }), ErrClaims, 0},
		{"session claim missing (signed)", signed(func(_, c map[string]any) { delete(c, "https://stytch.com/session") }), ErrClaims, 0},
		{"sub missing (signed)", signed(func(_, c map[string]any) { delete(c, "sub") }), ErrClaims, 0},
		{"exp missing (signed)", signed(func(_, c map[string]any) { delete(c, "exp") }), ErrClaims, 0},
		{"nbf missing (signed)", signed(func(_, c map[string]any) { delete(c, "nbf") }), ErrClaims, 0},
		{"iat missing (signed)", signed(func(_, c map[string]any) { delete(c, "iat") }), ErrClaims, 0},
		// iss
		{"iss missing", edit(func(_, c map[string]any) { delete(c, "iss") }), ErrIssuer, 0},
		{"iss of another project", edit(func(_, c map[string]any) { c["iss"] = "stytch.com/project-test-other" }), ErrIssuer, 0},
		{"iss with a scheme", edit(func(_, c map[string]any) { c["iss"] = "https://stytch.com/" + projectID }), ErrIssuer, 0},
		{"iss in another case", edit(func(_, c map[string]any) { c["iss"] = "Stytch.com/" + projectID }), ErrIssuer, 0},
		{"iss with a trailing slash", edit(func(_, c map[string]any) { c["iss"] = customIssuer + "/" }), ErrIssuer, 0},
		{"iss with a trailing space", edit(func(_, c map[string]any) { c["iss"] = stytchIssuer + " " }), ErrIssuer, 0},
		{"iss of Stytch's API host", edit(func(_, c map[string]any) { c["iss"] = "https://test.stytch.com" }), ErrIssuer, 0},
		{"iss empty", edit(func(_, c map[string]any) { c["iss"] = "" }), ErrIssuer, 0},
		// aud
		{"aud missing", edit(func(_, c map[string]any) { delete(c, "aud") }), ErrAudience, 0},
		{"aud empty array", edit(func(_, c map[string]any) { c["aud"] = []any{} }), ErrAudience, 0},
		{"aud of another project", edit(func(_, c map[string]any) { c["aud"] = []any{"project-test-other"} }), ErrAudience, 0},
		{"aud a prefix", edit(func(_, c map[string]any) { c["aud"] = projectID[:len(projectID)-1] }), ErrAudience, 0},
		{"aud in another case", edit(func(_, c map[string]any) { c["aud"] = strings.ToUpper(projectID) }), ErrAudience, 0},
		{"aud empty string", edit(func(_, c map[string]any) { c["aud"] = "" }), ErrAudience, 0},
		// size: refused before parsing, even when correctly signed
		{"larger than 8 KiB", signed(func(_, c map[string]any) { c["pad"] = strings.Repeat("x", 8192) }), ErrTooLarge, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			before := f.srv.fetches.Load()
			res, err := f.v.Verify(t.Context(), tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
			if res != nil {
				t.Errorf("Result returned with %v", err)
			}
			if got := f.srv.fetches.Load() - before; got != tc.fetches {
				t.Errorf("JWKS fetches = %d, want %d", got, tc.fetches)
			}
			if strings.Contains(err.Error(), tc.token) && tc.token != "" {
				t.Error("the error message contains the token")
			}
		})
	}
}

func TestVerifyAcceptsRepresentationVariants(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"aud a string", makeToken(keyA, kidA, func(_, c map[string]any) { c["aud"] = projectID })},
		{"aud among others", makeToken(keyA, kidA, func(_, c map[string]any) { c["aud"] = []any{"other", projectID} })},
		{"typ absent", makeToken(keyA, kidA, func(h, _ map[string]any) { delete(h, "typ") })},
		{"typ jwt lower case", makeToken(keyA, kidA, func(h, _ map[string]any) { h["typ"] = "jwt" })},
		{"fractional times", makeToken(keyA, kidA, func(_, c map[string]any) {
			c["iat"], c["nbf"], c["exp"] = float64(t0.Unix())+0.25, float64(t0.Unix())+0.5, float64(t0.Unix())+300.75
		})},
		{"exponent notation", rawToken(keyA, mustJSON(stytchHeader(kidA)),
			strings.Replace(mustJSON(stytchClaims(t0)), `"exp":1762944049`, `"exp":1.762944049e9`, 1))},
		{"escaped header values", rawToken(keyA, `{"alg":"RS\u0032\u0035\u0036","kid":"`+kidA+`"}`, mustJSON(stytchClaims(t0)))},
		{"whitespace in the JSON", rawToken(keyA, "{ \"alg\" : \"RS256\" ,\n\"kid\":\t\""+kidA+"\" }\n",
			strings.Replace(mustJSON(stytchClaims(t0)), ",", " ,\n ", -1))},
		{"jku, x5u, jwk and x5c are ignored", makeToken(keyA, kidA, func(h, _ map[string]any) {
			h["jku"], h["x5u"] = "https://attacker.example/jwks", "https://attacker.example/cert"
			h["jwk"] = map[string]any{"kty": "RSA", "n": enc64(keyOther.N.Bytes()), "e": "AQAB"}
			h["x5c"] = []string{"MIIB"}
		})},
		{"members of the session claim it does not know", rawToken(keyA, mustJSON(stytchHeader(kidA)),
			strings.Replace(mustJSON(stytchClaims(t0)), `"roles":[`, `"x":1,"X":2,"role":["admin"],"roles":[`, 1))},
		{"custom claims differing only in case", makeToken(keyA, kidA, func(_, c map[string]any) { c["tenant"], c["TENANT"] = "a", "b" })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if _, err := f.v.Verify(t.Context(), tc.token); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestHeaderKeyURLsAreNeverFetched(t *testing.T) {
	var hits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer attacker.Close()
	f := newFixture(t, nil)
	for _, name := range []string{"jku", "x5u"} {
		// Signed by the attacker's key under a served kid, pointing at the
		// attacker's key set.
		tok := makeToken(keyOther, kidA, func(h, _ map[string]any) { h[name] = attacker.URL })
		if _, err := f.v.Verify(t.Context(), tok); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
		// And under an unknown kid.
		tok = makeToken(keyOther, kidUnknown, func(h, _ map[string]any) { h[name] = attacker.URL })
		if _, err := f.v.Verify(t.Context(), tok); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("%s, unknown kid: %v, want ErrUnknownKey", name, err)
		}
	}
	tok := makeToken(keyOther, kidA, func(h, _ map[string]any) {
		h["jwk"] = map[string]any{"kty": "RSA", "kid": kidA, "n": enc64(keyOther.N.Bytes()), "e": "AQAB"}
	})
	if _, err := f.v.Verify(t.Context(), tok); !errors.Is(err, ErrSignature) {
		t.Errorf("embedded jwk: %v, want ErrSignature", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the attacker's server got %d requests", n)
	}
}

func TestTimeClaimsAtAndAcrossTheToleranceBoundary(t *testing.T) {
	exp := t0.Add(5 * time.Minute)
	for _, tol := range []time.Duration{0, 30 * time.Second} {
		for _, tc := range []struct {
			name  string
			edit  func(_, c map[string]any)
			now   time.Time
			want  error
			isRes bool // a Result comes with the error
		}{
			{"just before exp+tolerance", nil, exp.Add(tol - time.Nanosecond), nil, true},
			{"at exp+tolerance", nil, exp.Add(tol), ErrExpired, true},
			{"after exp+tolerance", nil, exp.Add(tol + time.Hour), ErrExpired, true},
			{"nbf at now+tolerance", func(_, c map[string]any) { c["iat"] = t0.Unix() - 10 },
				t0.Add(-tol), nil, true},
			{"nbf just after now+tolerance", func(_, c map[string]any) { c["iat"] = t0.Unix() - 10 },
				t0.Add(-tol - time.Nanosecond), ErrNotYetValid, false},
			{"iat at now+tolerance", func(_, c map[string]any) { c["nbf"] = t0.Unix() - 10 },
				t0.Add(-tol), nil, true},
			{"iat just after now+tolerance", func(_, c map[string]any) { c["nbf"] = t0.Unix() - 10 },
				t0.Add(-tol - time.Nanosecond), ErrIssuedInFuture, false},
			{"issued an hour in the future", func(_, c map[string]any) {
				c["iat"], c["nbf"], c["exp"] = t0.Add(time.Hour).Unix(), t0.Add(time.Hour).Unix(), t0.Add(2*time.Hour).Unix()
			}, t0, ErrIssuedInFuture, false},
		} {
			t.Run(tol.String()+"/"+tc.name, func(t *testing.T) {
				f := newFixture(t, func(c *Config) { c.ClockTolerance = tol })
				f.clock.set(tc.now)
				res, err := f.v.Verify(t.Context(), makeToken(keyA, kidA, tc.edit))
				if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
					t.Fatalf("Verify: %v, want %v", err, tc.want)
				}
				if (res != nil) != tc.isRes {
					t.Fatalf("Result = %v, want one: %v", res, tc.isRes)
				}
				if res != nil && res.Session == nil {
					t.Fatal("Result without Session")
				}
			})
		}
	}
}

func TestTokenSizeLimit(t *testing.T) {
	padded := func(n int) string {
		return makeToken(keyA, kidA, func(_, c map[string]any) { c["pad"] = strings.Repeat("x", n) })
	}
	// The longest token of at most DefaultMaxTokenBytes: it passes.
	lo, hi := 0, DefaultMaxTokenBytes
	for lo < hi {
		if mid := (lo + hi + 1) / 2; len(padded(mid)) <= DefaultMaxTokenBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	atLimit, overLimit := padded(lo), padded(lo+1)
	if len(atLimit) < DefaultMaxTokenBytes-1 || len(overLimit) <= DefaultMaxTokenBytes {
		t.Fatalf("built tokens of %d and %d bytes", len(atLimit), len(overLimit))
	}
	for _, tc := range []struct {
		limit int
		token string
		want  error
	}{
		{0, atLimit, nil},
		{0, overLimit, ErrTooLarge},
		{len(atLimit), atLimit, nil},
		{len(atLimit) - 1, atLimit, ErrTooLarge},
		{1024, makeToken(keyA, kidA, nil), ErrTooLarge},
	} {
		f := newFixture(t, func(c *Config) { c.MaxTokenBytes = tc.limit })
		_, err := f.v.Verify(t.Context(), tc.token)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Fatalf("limit %d, %d-byte token: %v, want %v", tc.limit, len(tc.token), err, tc.want)
		}
		if tc.want != nil && f.keys.lookups.Load() != 0 {
			t.Fatal("an oversized token reached the key lookup")
		}
	}
}

func TestKeysUnavailableIsNotAVerdictOnTheToken(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	set, err := jwks.New(t.Context(), jwks.Config{URL: down.URL, RetryInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	v, err := New(Config{ProjectID: projectID, Issuers: []string{stytchIssuer}, Keys: set,
		Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), makeToken(keyA, kidA, nil))
	if !errors.Is(err, ErrKeysUnavailable) || errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Verify: %v, want ErrKeysUnavailable", err)
	}
	// A cancelled caller gets the same class.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := v.Verify(ctx, makeToken(keyA, kidA, nil)); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("Verify with a cancelled context: %v, want ErrKeysUnavailable", err)
	}
}

func TestNewRejectsAnUnusableConfig(t *testing.T) {
	keys := &countingKeys{}
	neg := -time.Second
	for name, cfg := range map[string]Config{
		"no project":         {Issuers: []string{stytchIssuer}, Keys: keys},
		"no issuer":          {ProjectID: projectID, Keys: keys},
		"empty issuer":       {ProjectID: projectID, Issuers: []string{""}, Keys: keys},
		"no keys":            {ProjectID: projectID, Issuers: []string{stytchIssuer}},
		"negative tolerance": {ProjectID: projectID, Issuers: []string{stytchIssuer}, Keys: keys, ClockTolerance: -1},
		"negative size":      {ProjectID: projectID, Issuers: []string{stytchIssuer}, Keys: keys, MaxTokenBytes: -1},
		"negative age":       {ProjectID: projectID, Issuers: []string{stytchIssuer}, Keys: keys, MaxTokenAge: &neg},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}
