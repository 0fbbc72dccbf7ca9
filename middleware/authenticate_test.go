package middleware

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func TestAuthenticateJWT(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"reader"}})
	ctx := t.Context()
	jwt := e.grant.SessionJWT

	auth, err := e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt})
	if err != nil || auth.Verified != VerifiedLocal || auth.Session.UserID != e.user.UserID || auth.JWT != jwt {
		t.Fatalf("%+v %v", auth, err)
	}
	auth, err = e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt, MaxTokenAge: new(alwaysRemote)})
	if err != nil || auth.Verified != VerifiedRemote || auth.JWT == "" || auth.User == nil || e.count("authenticate") != 1 {
		t.Fatalf("MaxTokenAge 0: %+v %v", auth, err)
	}
	check := &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}
	auth, err = e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt, AuthorizationCheck: check})
	if err != nil || auth.Verdict == nil || auth.Verdict.GrantingRoles[0] != "reader" {
		t.Fatalf("authorized: %+v %v", auth, err)
	}
	calls := e.count("authenticate")
	_, err = e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt,
		AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "delete"}})
	if !errors.Is(err, ErrForbidden) || !errors.Is(err, client.ErrConsumerSessionAuthorization) {
		t.Fatalf("denied: %v", err)
	}
	if e.count("authenticate") != calls {
		t.Fatal("a local denial was retried remotely")
	}

	e.srv.Advance(stytchtest.JWTLifetime)
	auth, err = e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt})
	if err != nil || auth.Verified != VerifiedRemote || auth.JWT == jwt {
		t.Fatalf("expired: %+v %v", auth, err)
	}
	for name, tt := range map[string]struct {
		p    AuthenticateJWTParams
		code error
	}{
		"empty":     {AuthenticateJWTParams{}, ErrNoCredential},
		"malformed": {AuthenticateJWTParams{SessionJWT: "a b"}, ErrMalformedCredential},
		"garbage":   {AuthenticateJWTParams{SessionJWT: "a.b.c"}, ErrMalformedCredential},
		"negative":  {AuthenticateJWTParams{SessionJWT: jwt, MaxTokenAge: new(-time.Second)}, ErrInvalidParams},
	} {
		if _, err := e.auth.AuthenticateJWT(ctx, tt.p); !errors.Is(err, tt.code) {
			t.Errorf("%s: %v, want %v", name, err, tt.code)
		}
	}
}

func TestAuthenticateJWTLocal(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"reader"}})
	ctx := t.Context()
	jwt := e.grant.SessionJWT
	issued := e.srv.Now()

	auth, err := e.auth.AuthenticateJWTLocal(ctx, AuthenticateJWTLocalParams{SessionJWT: jwt,
		AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}})
	if err != nil || auth.Verified != VerifiedLocal || auth.Verdict == nil {
		t.Fatalf("%+v %v", auth, err)
	}
	tests := []struct {
		name string
		p    AuthenticateJWTLocalParams
		want error // nil: accepted
	}{
		{"too old", AuthenticateJWTLocalParams{MaxTokenAge: new(alwaysRemote)}, ErrTokenTooOld},
		{"young enough", AuthenticateJWTLocalParams{MaxTokenAge: new(time.Minute)}, nil},
		{"old at a later date", AuthenticateJWTLocalParams{MaxTokenAge: new(time.Minute), CurrentDate: issued.Add(time.Minute)}, ErrTokenTooOld},
		{"expired at a later date", AuthenticateJWTLocalParams{CurrentDate: issued.Add(stytchtest.JWTLifetime)}, ErrTokenExpired},
		{"expired but within tolerance", AuthenticateJWTLocalParams{CurrentDate: issued.Add(stytchtest.JWTLifetime), ClockTolerance: new(time.Second)}, nil},
		{"before nbf", AuthenticateJWTLocalParams{CurrentDate: issued.Add(-time.Second)}, ErrInvalidToken},
		{"before nbf within tolerance", AuthenticateJWTLocalParams{CurrentDate: issued.Add(-time.Second), ClockTolerance: new(time.Second)}, nil},
		{"denied", AuthenticateJWTLocalParams{AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "delete"}}, ErrForbidden},
		{"negative tolerance", AuthenticateJWTLocalParams{ClockTolerance: new(-time.Second)}, ErrInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.SessionJWT = jwt
			_, err := e.auth.AuthenticateJWTLocal(ctx, tt.p)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("%v, want %v", err, tt.want)
			}
		})
	}
	e.srv.Advance(stytchtest.JWTLifetime)
	if _, err := e.auth.AuthenticateJWTLocal(ctx, AuthenticateJWTLocalParams{SessionJWT: jwt}); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("expired on the configured clock: %v", err)
	}
	if n := e.count("authenticate"); n != 0 {
		t.Fatalf("AuthenticateJWTLocal made %d remote calls", n)
	}
}

// TestMaxTokenAge: unset trusts a JWT until exp; d > 0 asks Stytch once
// now − iat ≥ d; 0 always asks.
func TestMaxTokenAge(t *testing.T) {
	// The emulator's clock stands still, so that an Advance lands exactly
	// where the test says: following real time, the JWT's iat (whole
	// seconds) lags the clock by up to a second plus the set-up, and
	// "one second before exp" could already be past it.
	frozen := func(c *stytchtest.Config) { c.Now = time.Now().Truncate(time.Second) }
	t.Run("unset", func(t *testing.T) {
		e := newEnv(t, envOptions{server: frozen})
		e.srv.Advance(stytchtest.JWTLifetime - time.Second)
		r := e.call(routeRequired, bearer(e.grant.SessionJWT))
		r.want(t, 200, "")
		if r.echo.Verified != "local" || e.count("authenticate") != 0 {
			t.Fatal("an unexpired JWT must verify locally")
		}
	})
	t.Run("positive", func(t *testing.T) {
		e := newEnv(t, envOptions{server: frozen, config: func(c *Config) { c.MaxTokenAge = time.Minute }})
		e.srv.Advance(time.Minute - time.Second)
		r := e.call(routeRequired, bearer(e.grant.SessionJWT))
		r.want(t, 200, "")
		if r.echo.Verified != "local" {
			t.Fatal("a JWT younger than MaxTokenAge must verify locally")
		}
		e.srv.Advance(time.Second) // now − iat = MaxTokenAge: too old
		r = e.call(routeRequired, bearer(e.grant.SessionJWT))
		r.want(t, 200, "")
		if r.echo.Verified != "remote" || r.echo.JWT == e.grant.SessionJWT || !r.echo.HasUser {
			t.Fatalf("echo %+v: want a remote authentication with a fresh JWT", r.echo)
		}
		if n := e.count("authenticate"); n != 1 {
			t.Fatalf("%d authenticate calls", n)
		}
		// The fresh JWT verifies locally again.
		r = e.call(routeRequired, bearer(r.echo.JWT))
		if r.echo.Verified != "local" {
			t.Fatal("the fresh JWT must verify locally")
		}
		// A revoked session is seen once the JWT is too old.
		e.revoke(e.grant.SessionToken)
		e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, 401, ErrSessionNotFound)
	})
	t.Run("zero", func(t *testing.T) {
		e := newEnv(t, envOptions{config: func(c *Config) { c.MaxTokenAge = alwaysRemote }})
		for i := 1; i <= 2; i++ {
			r := e.call(routeRequired, bearer(e.grant.SessionJWT))
			r.want(t, 200, "")
			if r.echo.Verified != "remote" || e.count("authenticate") != i {
				t.Fatal("MaxTokenAge 0 must authenticate every request remotely")
			}
		}
		e.revoke(e.grant.SessionToken)
		e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, 401, ErrSessionNotFound)
	})
	t.Run("negative is refused", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		if _, err := New(t.Context(), Config{Client: e.srv.Client(), MaxTokenAge: -time.Second}); err == nil {
			t.Fatal("negative MaxTokenAge accepted")
		}
	})
}

// TestExpiredJWT: an authentic expired JWT is refreshed while its session
// lives, and refused once it does not.
func TestExpiredJWT(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.Advance(stytchtest.JWTLifetime)
	r := e.call(routeRequired, bearer(e.grant.SessionJWT))
	r.want(t, 200, "")
	if r.echo.Verified != "remote" || r.echo.JWT == e.grant.SessionJWT {
		t.Fatal("want a refresh with a fresh JWT")
	}
	e.revoke(e.grant.SessionToken)
	r = e.call(routeRequired, bearer(e.grant.SessionJWT))
	r.want(t, 401, ErrSessionNotFound)
	noToken(t, r, e.grant.SessionJWT)
	// Within its exp, a revoked session's JWT still passes locally: the
	// documented limit of local verification.
	other := e.newSession(60)
	e.revoke(other.SessionToken)
	e.call(routeRequired, bearer(other.SessionJWT)).want(t, 200, "")
	e.srv.Advance(stytchtest.JWTLifetime)
	e.call(routeRequired, bearer(other.SessionJWT)).want(t, 401, ErrSessionNotFound)
}

// hs256 signs claims with HMAC-SHA256 under key: the algorithm-confusion
// attack, using the RSA public key's bytes as the HMAC secret.
func hs256(header, claims map[string]any, key []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	signed := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// TestHostileTokens: every token that can never be valid is refused with
// 401, and none of them reaches Stytch.
func TestHostileTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	kid := e.srv.JWKS()[0].Kid
	std := func() map[string]any { return map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"} }
	with := func(edit func(h, c map[string]any)) string {
		h, c := std(), e.claims()
		edit(h, c)
		return e.sign(h, c, kid)
	}
	now := e.srv.Now()
	seg := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	valid := e.grant.SessionJWT
	parts := strings.Split(valid, ".")

	// A second served key signs under the first key's kid.
	newKid, _ := e.srv.RotateKeys()
	otherKeySig := func() string {
		h, c := std(), e.claims()
		return e.sign(h, c, newKid)
	}()
	modulus, _ := base64.RawURLEncoding.DecodeString(e.srv.JWKS()[0].N)
	// A key set a token's header points to must never be fetched.
	var foreignHits atomic.Int32
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreignHits.Add(1) }))
	defer foreign.Close()

	tests := []struct {
		name  string
		token string
		code  Code
	}{
		{"alg none", seg(map[string]any{"alg": "none", "kid": kid, "typ": "JWT"}) + "." + seg(e.claims()) + ".", ErrInvalidToken},
		{"alg none signed", with(func(h, c map[string]any) { h["alg"] = "none" }), ErrInvalidToken},
		{"HS256 with the modulus as secret", hs256(map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"}, e.claims(), modulus), ErrInvalidToken},
		{"HS256 with the JWK's n as secret", hs256(map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"}, e.claims(), []byte(e.srv.JWKS()[0].N)), ErrInvalidToken},
		{"RS512 header", with(func(h, c map[string]any) { h["alg"] = "RS512" }), ErrInvalidToken},
		{"PS256 header", with(func(h, c map[string]any) { h["alg"] = "PS256" }), ErrInvalidToken},
		{"another served key under this kid", otherKeySig, ErrInvalidToken},
		{"rewritten payload", parts[0] + "." + seg(func() map[string]any { c := e.claims(); c["sub"] = "user-test-someone-else"; return c }()) + "." + parts[2], ErrInvalidToken},
		{"no kid", with(func(h, c map[string]any) { delete(h, "kid") }), ErrInvalidToken},
		{"empty kid", with(func(h, c map[string]any) { h["kid"] = "" }), ErrInvalidToken},
		{"unknown kid", with(func(h, c map[string]any) { h["kid"] = "jwk-test-unknown" }), ErrInvalidToken},
		{"long kid", with(func(h, c map[string]any) { h["kid"] = strings.Repeat("k", 1000) }), ErrInvalidToken},
		{"path-like kid", with(func(h, c map[string]any) { h["kid"] = "../../etc/passwd" }), ErrInvalidToken},
		{"typ not JWT", with(func(h, c map[string]any) { h["typ"] = "at+jwt" }), ErrInvalidToken},
		{"crit header", with(func(h, c map[string]any) { h["crit"] = []string{"exp"} }), ErrInvalidToken},
		{"jku to a foreign key set", with(func(h, c map[string]any) { h["kid"], h["jku"] = "attacker", foreign.URL }), ErrInvalidToken},
		{"x5u to a foreign certificate", with(func(h, c map[string]any) { h["kid"], h["x5u"] = "attacker", foreign.URL }), ErrInvalidToken},
		{"embedded jwk", with(func(h, c map[string]any) { h["kid"], h["jwk"] = "attacker", e.srv.JWKS()[0] }), ErrInvalidToken},
		{"wrong iss", with(func(h, c map[string]any) { c["iss"] = "stytch.com/project-test-other" }), ErrInvalidToken},
		{"stytch's own host as iss", with(func(h, c map[string]any) { c["iss"] = "https://test.stytch.com" }), ErrInvalidToken},
		{"no iss", with(func(h, c map[string]any) { delete(c, "iss") }), ErrInvalidToken},
		{"wrong aud", with(func(h, c map[string]any) { c["aud"] = []string{"project-test-other"} }), ErrInvalidToken},
		{"no aud", with(func(h, c map[string]any) { delete(c, "aud") }), ErrInvalidToken},
		{"aud as number", with(func(h, c map[string]any) { c["aud"] = 42 }), ErrInvalidToken},
		{"exp as string", with(func(h, c map[string]any) { c["exp"] = fmt.Sprint(now.Add(time.Minute).Unix()) }), ErrInvalidToken},
		{"nbf in the future", with(func(h, c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() }), ErrInvalidToken},
		{"iat in the future", with(func(h, c map[string]any) { c["iat"] = now.Add(time.Minute).Unix() }), ErrInvalidToken},
		{"session claim as array", with(func(h, c map[string]any) { c[stytchtest.SessionClaim] = []any{1} }), ErrInvalidToken},
		{"no session claim", with(func(h, c map[string]any) { delete(c, stytchtest.SessionClaim) }), ErrInvalidToken},
		{"two segments", parts[0] + "." + parts[1], ErrMalformedCredential},
		{"four segments", valid + ".AAAA", ErrMalformedCredential},
		{"bad base64 header", "!!!." + parts[1] + "." + parts[2], ErrMalformedCredential},
		{"header not JSON", seg("x")[:2] + "." + parts[1] + "." + parts[2], ErrMalformedCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(routeRequired, bearer(tt.token))
			if r.status != 401 {
				t.Fatalf("status %d, want 401: %s", r.status, r.body)
			}
			if r.err.ErrorType != string(tt.code) && r.err.ErrorType != string(ErrMalformedCredential) && r.err.ErrorType != string(ErrInvalidToken) {
				t.Fatalf("error_type %s", r.err.ErrorType)
			}
			if r.header.Get("WWW-Authenticate") != `Bearer realm="stytch", error="invalid_token"` {
				t.Fatalf("challenge %q", r.header.Get("WWW-Authenticate"))
			}
			noToken(t, r, tt.token)
		})
	}
	if n := e.count("authenticate"); n != 0 {
		t.Fatalf("%d hostile tokens reached Stytch", n)
	}
	if foreignHits.Load() != 0 {
		t.Fatal("a URL from a token header was fetched")
	}
}
