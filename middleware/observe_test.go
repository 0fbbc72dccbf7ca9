package middleware

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

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

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
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

func TestTokenFingerprint(t *testing.T) {
	if tokenFingerprint("") != "" {
		t.Fatal("no token, no fingerprint")
	}
	a, b := tokenFingerprint("token-a"), tokenFingerprint("token-b")
	if len(a) != 12 || a == b || a != tokenFingerprint("token-a") {
		t.Fatalf("%q %q: want 12 stable, distinct hex digits", a, b)
	}
}
