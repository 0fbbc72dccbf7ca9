package middleware

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/stytchtest"
)

// observations records what an Observer is told.
type observations struct {
	mu  sync.Mutex
	all []Observation
}

func (o *observations) record(_ context.Context, obs Observation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = append(o.all, obs)
}

func (o *observations) last() Observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.all) == 0 {
		return Observation{}
	}
	return o.all[len(o.all)-1]
}

func TestHandlerAndOptional(t *testing.T) {
	e := newEnv(t, envOptions{})
	jwt := e.grant.SessionJWT

	r := e.call(routeRequired)
	r.want(t, 401, ErrNoCredential)
	if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="stytch"` {
		t.Fatalf("challenge %q, want the realm only", got)
	}
	r = e.call(routeRequired, bearer(jwt))
	r.want(t, 200, "")
	if r.echo.Verified != "local" || r.echo.UserID != e.user.UserID || r.echo.JWT != jwt || r.echo.HasUser {
		t.Fatalf("echo %+v: want a locally verified session with the request's JWT", r.echo)
	}
	if strings.Join(r.echo.Roles, ",") != "stytch_user,reader" {
		t.Fatalf("roles %v", r.echo.Roles)
	}

	r = e.call(routeOptional)
	r.want(t, 200, "")
	if !r.echo.Anonymous {
		t.Fatal("Optional without a credential must go on anonymously")
	}
	r = e.call(routeOptional, bearer(jwt))
	r.want(t, 200, "")
	if r.echo.Anonymous || r.echo.UserID != e.user.UserID {
		t.Fatal("Optional with a credential must authenticate it")
	}
	r = e.call(routeOptional, bearer(jwt[:len(jwt)-4]+"AAAA"))
	r.want(t, 401, ErrInvalidToken)
	if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="stytch", error="invalid_token"` {
		t.Fatalf("challenge %q", got)
	}
	e.call(routeOptional, header("Authorization", "Bearer")).want(t, 401, ErrMalformedCredential)
	if e.count("authenticate") != 0 {
		t.Fatal("nothing here needed Stytch")
	}
}

// TestMaxTokenAge: unset trusts a JWT until exp; d > 0 asks Stytch once
// now − iat ≥ d; 0 always asks.
func TestMaxTokenAge(t *testing.T) {
	t.Run("unset", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		e.srv.Advance(stytchtest.JWTLifetime - time.Second)
		r := e.call(routeRequired, bearer(e.grant.SessionJWT))
		r.want(t, 200, "")
		if r.echo.Verified != "local" || e.count("authenticate") != 0 {
			t.Fatal("an unexpired JWT must verify locally")
		}
	})
	t.Run("positive", func(t *testing.T) {
		e := newEnv(t, envOptions{config: func(c *Config) { c.MaxTokenAge = new(time.Minute) }})
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
		e := newEnv(t, envOptions{config: func(c *Config) { c.MaxTokenAge = new(time.Duration(0)) }})
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
		if _, err := New(t.Context(), Config{Client: e.srv.Client(), MaxTokenAge: new(-time.Second)}); err == nil {
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

// TestIssuers: stytch.com/<project>, the custom domain the client talks
// to (the emulator's URL is one), and configured extras.
func TestIssuers(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Issuers = []string{"https://auth.example.com"} }})
	for iss, status := range map[string]int{
		"stytch.com/" + e.srv.ProjectID:       200,
		e.srv.URL:                             200,
		"https://auth.example.com":            200,
		e.srv.URL + "/":                       401,
		"https://test.stytch.com":             401,
		"https://api.stytch.com":              401,
		"stytch.com/" + e.srv.ProjectID + "x": 401,
	} {
		c := e.claims()
		c["iss"] = iss
		if r := e.call(routeRequired, bearer(e.sign(nil, c, ""))); r.status != status {
			t.Errorf("iss %q: status %d, want %d", iss, r.status, status)
		}
	}
}

func TestAcceptedIssuers(t *testing.T) {
	e := newEnv(t, envOptions{})
	got := acceptedIssuers(e.srv.Client(), []string{"", "x", "x"})
	want := []string{"stytch.com/" + e.srv.ProjectID, e.srv.URL, "x"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%v, want %v", got, want)
	}
}

// TestKeyRotation: a JWT signed by a key rotated in mid-traffic is accepted
// after one JWKS fetch, and JWTs of the old key keep passing.
func TestKeyRotation(t *testing.T) {
	const minInterval = 50 * time.Millisecond
	e := newEnv(t, envOptions{config: func(c *Config) { c.JWKSMinRefreshInterval = minInterval }})
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, 200, "")
	time.Sleep(2 * minInterval) // the fetch at start no longer holds back an unknown-kid refresh
	fetches := e.count("jwks")
	e.srv.RotateKeys()
	rotated := e.newSession(60)
	for range 5 {
		e.call(routeRequired, bearer(rotated.SessionJWT)).want(t, 200, "")
		e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, 200, "")
	}
	if n := e.count("jwks") - fetches; n != 1 {
		t.Fatalf("%d JWKS fetches for the rotation, want 1", n)
	}
}

// TestRandomKidStorm: a flood of tokens with random kids causes at most
// one JWKS fetch per JWKSMinRefreshInterval, and no remote authentication.
func TestRandomKidStorm(t *testing.T) {
	const minInterval = 200 * time.Millisecond
	e := newEnv(t, envOptions{config: func(c *Config) { c.JWKSMinRefreshInterval = minInterval }})
	time.Sleep(minInterval)
	fetches := e.count("jwks")
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			h := map[string]any{"alg": "RS256", "kid": fmt.Sprintf("jwk-test-random-%d", i), "typ": "JWT"}
			tok, err := e.srv.SignToken(h, e.claims(), "")
			if err != nil {
				t.Error(err)
				return
			}
			if r := e.call(routeRequired, bearer(tok)); r.status != 401 {
				t.Errorf("random kid: status %d", r.status)
			}
		})
	}
	wg.Wait()
	allowed := 1 + int(time.Since(start)/minInterval)
	if n := e.count("jwks") - fetches; n > allowed {
		t.Fatalf("%d JWKS fetches in %v, want at most %d", n, time.Since(start), allowed)
	}
	if e.count("authenticate") != 0 {
		t.Fatal("random kids reached sessions/authenticate")
	}
}

// TestStytchDownAtStart: New succeeds while the JWKS cannot be fetched,
// JWTs get 503 (not 401), and keys are fetched within seconds of Stytch's
// return.
func TestStytchDownAtStart(t *testing.T) {
	e := newEnv(t, envOptions{
		before: func(s *stytchtest.Server) {
			if err := s.InjectFault(stytchtest.EndpointJWKS, stytchtest.Fault{Status: 503}); err != nil {
				t.Fatal(err)
			}
		},
		config: func(c *Config) { c.RemoteTimeout = 300 * time.Millisecond },
	})
	r := e.call(routeRequired, bearer(e.grant.SessionJWT))
	r.want(t, 503, ErrUnavailable)
	if e.count("authenticate") != 0 {
		t.Fatal("an unverifiable JWT was sent to Stytch")
	}
	e.srv.ClearFaults()
	back := time.Now()
	waitFor(t, func() bool { return e.call(routeRequired, bearer(e.grant.SessionJWT)).status == 200 })
	t.Logf("keys fetched %v after Stytch came back", time.Since(back).Round(time.Millisecond))
}

// TestLoggerSaysWhyNeverTheToken.
func TestLoggerSaysWhyNeverTheToken(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, envOptions{config: func(c *Config) { c.Logger = logger }})
	c := e.claims()
	c["aud"] = []string{"project-test-other"}
	tok := e.sign(nil, c, "")
	e.call(routeRequired, bearer(tok)).want(t, 401, ErrInvalidToken)
	e.call(routeRequired, cookie(DefaultTokenCookie, "opaque-token-that-is-not-a-session")).want(t, 401, ErrSessionNotFound)

	mu.Lock()
	logged := buf.String()
	mu.Unlock()
	if strings.Contains(logged, tok) || strings.Contains(logged, "opaque-token-that-is-not-a-session") {
		t.Fatalf("the log holds a token:\n%s", logged)
	}
	for _, want := range []string{`"code":"invalid_token"`, `"code":"session_not_found"`, `"source":"bearer"`, tokenFingerprint(tok), "aud"} {
		if !strings.Contains(logged, want) {
			t.Errorf("the log lacks %s:\n%s", want, logged)
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestObserver(t *testing.T) {
	obs := &observations{}
	e := newEnv(t, envOptions{config: func(c *Config) { c.Observer = obs.record }})
	e.call(routeRequired, bearer(e.grant.SessionJWT))
	if o := obs.last(); o.Outcome != OutcomeAuthenticated || o.Verification != VerifiedLocal || o.Source != "bearer" || o.Duration <= 0 {
		t.Fatalf("%+v", o)
	}
	e.call(routeRequired)
	if o := obs.last(); o.Outcome != OutcomeRejected || o.Code != ErrNoCredential {
		t.Fatalf("%+v", o)
	}
	e.call(routeOptional)
	if o := obs.last(); o.Outcome != OutcomeAnonymous {
		t.Fatalf("%+v", o)
	}
	e.call(routeDelete, bearer(e.grant.SessionJWT))
	if o := obs.last(); o.Outcome != OutcomeDenied || o.Code != ErrForbidden {
		t.Fatalf("%+v", o)
	}
	e.call(routeRead, bearer(e.grant.SessionJWT))
	if o := obs.last(); o.Outcome != OutcomeAuthorized {
		t.Fatalf("%+v", o)
	}
	if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken))
	if o := obs.last(); o.Outcome != OutcomeUnavailable || o.Code != ErrUnavailable {
		t.Fatalf("%+v", o)
	}
}

// TestCloseStopsEverything: after Close (with a policy cache created on
// first use, remote calls made and keys fetched), no goroutine is left.
func TestCloseStopsEverything(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()
	ignore := goleak.IgnoreCurrent()
	a, err := New(t.Context(), Config{Client: srv.Client(), Now: srv.Now, HTTPClient: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	guard := a.RequireAction("documents", "read") // creates the policy cache
	_ = guard
	user, _ := srv.CreateUser(t.Context(), stytchtest.UserParams{Roles: []string{"reader"}})
	grant, _ := srv.CreateSession(t.Context(), stytchtest.SessionParams{UserID: user.UserID})
	if _, err := a.AuthenticateJWT(t.Context(), AuthenticateJWTParams{SessionJWT: grant.SessionJWT, MaxTokenAge: new(time.Duration(0))}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal("Close is not idempotent:", err)
	}
	srv.HTTPClient().CloseIdleConnections()
	goleak.VerifyNone(t, ignore)
}
