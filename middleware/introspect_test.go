package middleware

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/stytchtest"
)

const appClientID = "connected-app-test-0b4c8e58-6a4e-4a39-9b4f-5b0f3c1e2d7a"

// introspectEnv is an env whose Authenticator introspects Connected Apps
// tokens, serving routeMachine (Authenticated().OrMachine()) over HTTP,
// with a Connected Apps token and an M2M token of the emulator.
type introspectEnv struct {
	*env
	appToken string
	m2mToken string
}

const routeMachine = "/machine"

func newIntrospectEnv(t *testing.T, in Introspection, edit func(*Config)) *introspectEnv {
	t.Helper()
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Introspection = &in
		if edit != nil {
			edit(c)
		}
	}})
	mux := http.NewServeMux()
	mux.Handle(routeMachine, e.auth.Require(Authenticated().OrMachine())(http.HandlerFunc(echoCaller)))
	e.app = httptest.NewServer(mux)
	t.Cleanup(e.app.Close)
	ie := &introspectEnv{env: e}
	ie.appToken = ie.newAppToken()
	m2m, err := e.srv.CreateM2MClient(t.Context(), stytchtest.M2MClientParams{Name: "worker", Scopes: []string{"read:documents"}})
	if err != nil {
		t.Fatal(err)
	}
	if ie.m2mToken, err = e.srv.CreateM2MToken(t.Context(), m2m.ClientID, nil); err != nil {
		t.Fatal(err)
	}
	return ie
}

func (e *introspectEnv) newAppToken() string {
	e.t.Helper()
	tok, err := e.srv.CreateAccessToken(e.t.Context(), stytchtest.AccessTokenParams{
		Subject: e.user.UserID, ClientID: appClientID, Scopes: []string{"read:documents"},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *introspectEnv) introspections() int { return e.count(stytchtest.EndpointIntrospect) }

// TestIntrospectionRefusesRevoked: a Connected Apps token revoked at
// Stytch is refused at once without a cache; M2M tokens and tokens that
// fail local verification are never sent.
func TestIntrospectionRefusesRevoked(t *testing.T) {
	e := newIntrospectEnv(t, Introspection{ClientID: appClientID, CacheTTL: -1}, nil)
	e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusOK, "")
	e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusOK, "")
	if n := e.introspections(); n != 2 {
		t.Fatalf("%d introspections, want 2 (no cache)", n)
	}
	if !e.srv.RevokeAccessToken(e.appToken) {
		t.Fatal("the emulator does not know its token")
	}
	e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusUnauthorized, ErrInvalidToken)

	before := e.introspections()
	e.call(routeMachine, bearer(e.m2mToken)).want(t, http.StatusOK, "")
	e.call(routeMachine, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
	forged := e.appToken[:strings.LastIndexByte(e.appToken, '.')+1] + "AAAA"
	e.call(routeMachine, bearer(forged)).want(t, http.StatusUnauthorized, ErrInvalidToken)
	e.call(routeMachine, bearer("not-a-jwt")).want(t, http.StatusUnauthorized, ErrMalformedCredential)
	if n := e.introspections() - before; n != 0 {
		t.Fatalf("%d introspections of M2M, session or invalid tokens, want 0", n)
	}
}

// TestIntrospectionCache: an active answer is reused for CacheTTL (so a
// revocation is seen within it), keyed by the token.
func TestIntrospectionCache(t *testing.T) {
	e := newIntrospectEnv(t, Introspection{ClientID: appClientID, CacheTTL: 10 * time.Second}, nil)
	for range 3 {
		e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusOK, "")
	}
	if n := e.introspections(); n != 1 {
		t.Fatalf("%d introspections, want 1: the answer is cached", n)
	}
	other := e.newAppToken()
	e.call(routeMachine, bearer(other)).want(t, http.StatusOK, "")
	if n := e.introspections(); n != 2 {
		t.Fatalf("%d introspections, want 2: another token is another question", n)
	}

	e.srv.RevokeAccessToken(e.appToken)
	e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusOK, "") // within the TTL
	e.srv.Advance(10 * time.Second)
	e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusUnauthorized, ErrInvalidToken)
	e.call(routeMachine, bearer(other)).want(t, http.StatusOK, "")
	if n := e.introspections(); n != 4 {
		t.Fatalf("%d introspections, want 4: both answers expired", n)
	}
}

// TestIntrospectionCacheNeverOutlivesToken: a TTL longer than the token's
// life ends at its exp.
func TestIntrospectionCacheNeverOutlivesToken(t *testing.T) {
	e := newIntrospectEnv(t, Introspection{ClientID: appClientID, CacheTTL: 48 * time.Hour}, nil)
	e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusOK, "")
	sum := sha256.Sum256([]byte(e.appToken))
	if _, ok := e.auth.introspect.cache.Get(sum); !ok {
		t.Fatal("the answer was not cached")
	}
	e.srv.Advance(stytchtest.AccessTokenLifetime)
	if _, ok := e.auth.introspect.cache.Get(sum); ok {
		t.Fatal("the cached answer outlives the token's exp")
	}
}

// TestIntrospectionCoalesced: concurrent requests with one token share one
// introspection.
func TestIntrospectionCoalesced(t *testing.T) {
	e := newIntrospectEnv(t, Introspection{ClientID: appClientID, CacheTTL: -1}, nil)
	if err := e.srv.InjectFault(stytchtest.EndpointIntrospect, stytchtest.Fault{Latency: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	got := e.concurrently(40, routeMachine, bearer(e.appToken))
	if got[200] != 40 {
		t.Fatalf("statuses %v, want 40 × 200", got)
	}
	if n := e.introspections(); n != 1 {
		t.Fatalf("%d introspections, want 1", n)
	}
}

// TestIntrospectionOutage: when Stytch cannot answer, a Connected Apps
// token is refused with 503, never passed and never blamed; M2M tokens
// still pass.
func TestIntrospectionOutage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault stytchtest.Fault
	}{
		{"5xx", stytchtest.Fault{Status: http.StatusInternalServerError}},
		{"429", stytchtest.Fault{Status: http.StatusTooManyRequests}},
		{"dropped", stytchtest.Fault{Drop: true}},
		{"not JSON", stytchtest.Fault{Malformed: true}},
		{"timeout", stytchtest.Fault{Latency: time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newIntrospectEnv(t, Introspection{ClientID: appClientID}, func(c *Config) {
				c.Tuning.RemoteTimeout = 200 * time.Millisecond
			})
			if err := e.srv.InjectFault(stytchtest.EndpointIntrospect, tc.fault); err != nil {
				t.Fatal(err)
			}
			e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusServiceUnavailable, ErrUnavailable)
			e.call(routeMachine, bearer(e.m2mToken)).want(t, http.StatusOK, "")
			e.srv.ClearFaults()
			e.call(routeMachine, bearer(e.appToken)).want(t, http.StatusOK, "") // a failure is not cached
		})
	}
	t.Run("the client's credentials refused", func(t *testing.T) {
		// Introspecting as a confidential client with a wrong secret is a
		// configuration error: Stytch refuses the client, not the token.
		var m2m stytchtest.M2MClient
		e := newEnv(t, envOptions{
			before: func(srv *stytchtest.Server) {
				var err error
				if m2m, err = srv.CreateM2MClient(t.Context(), stytchtest.M2MClientParams{Name: "introspector"}); err != nil {
					t.Fatal(err)
				}
			},
			config: func(c *Config) {
				c.Introspection = &Introspection{ClientID: m2m.ClientID, ClientSecret: "wrong-secret-0123456789abcdef"}
			},
		})
		ie := &introspectEnv{env: e}
		mux := http.NewServeMux()
		mux.Handle(routeMachine, e.auth.Require(Authenticated().OrMachine())(http.HandlerFunc(echoCaller)))
		e.app = httptest.NewServer(mux)
		t.Cleanup(e.app.Close)
		ie.call(routeMachine, bearer(ie.newAppToken())).want(t, http.StatusServiceUnavailable, ErrUnavailable)
		if n := ie.introspections(); n != 1 {
			t.Fatalf("%d introspections, want 1", n)
		}
	})
}

// TestIntrospectionMaxConcurrentRemote: introspections count against
// MaxConcurrentRemote with remote authentications.
func TestIntrospectionMaxConcurrentRemote(t *testing.T) {
	e := newIntrospectEnv(t, Introspection{ClientID: appClientID, CacheTTL: -1}, func(c *Config) {
		c.Tuning.MaxConcurrentRemote = 1
		c.Tuning.RemoteTimeout = time.Minute // the hanging call ends when the test closes the Authenticator
	})
	t.Cleanup(func() { _ = e.auth.Close() })
	if err := e.srv.InjectFault(stytchtest.EndpointIntrospect, stytchtest.Fault{Latency: time.Minute, Count: 1}); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() { done <- e.status(routeMachine, bearer(e.appToken)) }()
	deadline := time.Now().Add(10 * time.Second)
	for e.introspections() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the introspection never reached the emulator")
		}
		time.Sleep(time.Millisecond)
	}
	e.call(routeMachine, bearer(e.newAppToken())).want(t, http.StatusServiceUnavailable, ErrUnavailable)
	if err := e.auth.Close(); err != nil {
		t.Fatal(err)
	}
	if status := <-done; status != http.StatusServiceUnavailable {
		t.Fatalf("the request waiting on a call cut short by Close got %d, want 503", status)
	}
	if n := e.introspections(); n != 1 {
		t.Fatalf("%d introspections, want 1: the second token must not be sent", n)
	}
}

func TestIntrospectionConfig(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(srv.Close)
	_, err := New(t.Context(), Config{Client: srv.Client(), Introspection: &Introspection{}})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "Introspection.ClientID") {
		t.Fatalf("err = %v, want ErrInvalidConfig naming Introspection.ClientID", err)
	}

	const secret = "connected-app-secret-do-not-print"
	in := Introspection{ClientID: appClientID, ClientSecret: secret}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("cfg", "introspection", in)
	data, _ := json.Marshal(in)
	for _, out := range []string{fmt.Sprint(in), fmt.Sprintf("%v %+v %#v %s %q", in, in, in, in, in),
		fmt.Sprint(Config{Introspection: &in}.Introspection), logged.String(), string(data)} {
		if strings.Contains(out, secret) || !strings.Contains(out, "REDACTED") {
			t.Errorf("printed %q: the secret shows, or its redaction does not", out)
		}
	}
}
