package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/stytchtest"
)

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

// TestKeyRotation: a JWT signed by a key rotated in mid-traffic is accepted
// after one JWKS fetch, and JWTs of the old key keep passing throughout.
func TestKeyRotation(t *testing.T) {
	// Longer than the test runs: only the emulator's clock, which the
	// Authenticator's key set follows, lets an unknown kid refresh the set.
	const minInterval = time.Minute
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.JWKSMinRefreshInterval = minInterval }})
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, 200, "")
	e.srv.Advance(minInterval) // the fetch at start no longer holds back an unknown-kid refresh
	fetches := e.count("jwks")

	// Traffic with the old key's JWT runs while the keys rotate.
	stop := make(chan struct{})
	var traffic sync.WaitGroup
	for range 4 {
		traffic.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if r := e.call(routeRequired, bearer(e.grant.SessionJWT)); r.status != 200 {
					t.Errorf("old key's JWT during rotation: %d %s", r.status, r.body)
					return
				}
			}
		})
	}
	e.srv.RotateKeys()
	rotated := e.newSession(60)
	var fresh sync.WaitGroup
	for range 8 {
		fresh.Go(func() {
			if r := e.call(routeRequired, bearer(rotated.SessionJWT)); r.status != 200 {
				t.Errorf("new key's JWT: %d %s", r.status, r.body)
			}
		})
	}
	fresh.Wait()
	close(stop)
	traffic.Wait()
	if n := e.count("jwks") - fetches; n != 1 {
		t.Fatalf("%d JWKS fetches for the rotation, want 1", n)
	}
}

// TestDroppedKeyEndsCachedJWTs: a JWT verified under a key, and cached,
// is refused as soon as the key set in force no longer holds that key,
// whatever exp its signer chose (here one a leaked key would choose), on
// every path that verifies JWTs locally.
func TestDroppedKeyEndsCachedJWTs(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"admin"}, config: func(c *Config) { c.Tuning.JWKSMinRefreshInterval = time.Millisecond }})
	claims := e.claims()
	claims["exp"] = e.srv.Now().AddDate(100, 0, 0).Unix()
	leaked := e.sign(nil, claims, "") // the current key, about to be dropped
	local := func() error {
		_, err := e.auth.AuthenticateJWTLocal(t.Context(), AuthenticateJWTLocalParams{SessionJWT: leaked})
		return err
	}
	for range 3 { // cached from its second verification on
		e.call(routeRequired, bearer(leaked)).want(t, 200, "")
		e.call(routeDelete, bearer(leaked)).want(t, 200, "")
		if err := local(); err != nil {
			t.Fatal(err)
		}
	}

	e.srv.RotateKeys()
	e.srv.DropOldKeys()
	// A JWT of the new key refetches the key set (its kid is unknown).
	fresh := e.newSession(60)
	eventually(t, "the fresh JWT passes", func() bool { return e.call(routeRequired, bearer(fresh.SessionJWT)).status == 200 })

	e.call(routeRequired, bearer(leaked)).want(t, 401, ErrInvalidToken)
	e.call(routeDelete, bearer(leaked)).want(t, 401, ErrInvalidToken)
	if err := local(); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("AuthenticateJWTLocal with the dropped key's JWT: %v, want ErrInvalidToken", err)
	}
	if n := e.count("authenticate"); n != 0 {
		t.Fatalf("%d sessions/authenticate calls, want none", n)
	}
}

// TestRandomKidStorm: a flood of tokens with random kids causes at most
// one JWKS fetch per JWKSMinRefreshInterval, and no remote authentication.
func TestRandomKidStorm(t *testing.T) {
	const minInterval = time.Minute // longer than the test runs
	e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning.JWKSMinRefreshInterval = minInterval }})
	e.srv.Advance(minInterval)
	fetches := e.count("jwks")
	randomKid := func(i int) {
		h := map[string]any{"alg": "RS256", "kid": fmt.Sprintf("jwk-test-random-%d", i), "typ": "JWT"}
		tok, err := e.srv.SignToken(h, e.claims(), "")
		if err != nil {
			t.Error(err)
			return
		}
		if r := e.call(routeRequired, bearer(tok)); r.status != 401 {
			t.Errorf("random kid: status %d", r.status)
		}
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() { randomKid(i) })
	}
	wg.Wait()
	if n := e.count("jwks") - fetches; n != 1 {
		t.Fatalf("%d JWKS fetches for 200 random kids within one interval, want 1", n)
	}
	// The next interval allows one more.
	e.srv.Advance(minInterval)
	randomKid(200)
	randomKid(201)
	if n := e.count("jwks") - fetches; n != 2 {
		t.Fatalf("%d JWKS fetches over two intervals, want 2", n)
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
		config: func(c *Config) { c.Tuning.RemoteTimeout = 300 * time.Millisecond },
	})
	r := e.call(routeRequired, bearer(e.grant.SessionJWT))
	r.want(t, 503, ErrUnavailable)
	if e.count("authenticate") != 0 {
		t.Fatal("an unverifiable JWT was sent to Stytch")
	}
	e.srv.ClearFaults()
	back := time.Now()
	eventually(t, "the JWT passes", func() bool { return e.call(routeRequired, bearer(e.grant.SessionJWT)).status == 200 })
	t.Logf("keys fetched %v after Stytch came back", time.Since(back).Round(time.Millisecond))
}

// TestClosedRefusesEverything: once Close is called, every request is
// answered 503 and every call refused with ErrUnavailable: JWTs the held
// keys would verify, JWTs and opaque tokens the caches hold, anonymous
// requests to Optional routes alike. Nothing reaches Stytch.
func TestClosedRefusesEverything(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"admin"}})
	jwt, token := e.grant.SessionJWT, e.grant.SessionToken
	requests := []struct {
		route string
		opts  []reqOption
	}{
		{routeRequired, []reqOption{bearer(jwt)}},
		{routeRequired, []reqOption{cookie(DefaultJWTCookie, jwt)}},
		{routeRequired, []reqOption{cookie(DefaultTokenCookie, token)}},
		{routeOptional, []reqOption{bearer(jwt)}},
		{routeOptional, nil},
		{routeDelete, []reqOption{bearer(jwt)}},
		{routeChainRead, []reqOption{bearer(jwt)}},
		{routeAuthorize, []reqOption{bearer(jwt)}},
	}
	for range 2 { // the second round is answered from the caches
		for _, rq := range requests {
			e.call(rq.route, rq.opts...).want(t, 200, "")
		}
	}
	if err := e.auth.Close(); err != nil {
		t.Fatal(err)
	}
	jwks, remote := e.count("jwks"), e.count("authenticate")
	for _, rq := range requests {
		r := e.call(rq.route, rq.opts...)
		if r.status != 503 {
			t.Errorf("%s %d options after Close: %d %s, want 503", rq.route, len(rq.opts), r.status, r.body)
			continue
		}
		r.want(t, 503, ErrUnavailable)
	}
	if _, err := e.auth.AuthenticateJWT(t.Context(), AuthenticateJWTParams{SessionJWT: jwt}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("AuthenticateJWT after Close: %v, want ErrUnavailable", err)
	}
	if _, err := e.auth.AuthenticateJWTLocal(t.Context(), AuthenticateJWTLocalParams{SessionJWT: jwt}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("AuthenticateJWTLocal after Close: %v, want ErrUnavailable", err)
	}
	if e.count("jwks") != jwks || e.count("authenticate") != remote {
		t.Error("a closed Authenticator called Stytch")
	}
}

// TestCloseStopsEverything: after Close (with a policy cache created on
// first use, remote calls made and keys fetched), no goroutine is left.
func TestCloseStopsEverything(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()
	ignore := goleak.IgnoreCurrent()
	a, err := New(t.Context(), Config{Client: srv.Client(), Now: srv.Now, HTTPClient: srv.HTTPClient(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	guard := a.Require(Permission("documents", "read")) // creates the policy cache
	_ = guard
	user, _ := srv.CreateUser(t.Context(), stytchtest.UserParams{Roles: []string{"reader"}})
	grant, _ := srv.CreateSession(t.Context(), stytchtest.SessionParams{UserID: user.UserID})
	if _, err := a.AuthenticateJWT(t.Context(), AuthenticateJWTParams{SessionJWT: grant.SessionJWT, MaxTokenAge: new(alwaysRemote)}); err != nil {
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
