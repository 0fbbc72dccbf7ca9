package middleware

import (
	"errors"
	"strings"
	"testing"
	"time"
)

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

func TestNewValidation(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.srv.Client()
	for _, tt := range []struct {
		field string // named by the error
		cfg   Config
	}{
		{"Client", Config{}},
		{"MaxTokenAge", Config{Client: c, MaxTokenAge: -time.Second}},
		{"ClockTolerance", Config{Client: c, ClockTolerance: -time.Second}},
		{"Tuning.RemoteTimeout", Config{Client: c, Tuning: Tuning{RemoteTimeout: -time.Second}}},
		{"Tuning.MaxCredentialBytes", Config{Client: c, Tuning: Tuning{MaxCredentialBytes: -1}}},
		{"Tuning.JWKSRefreshInterval", Config{Client: c, Tuning: Tuning{JWKSRefreshInterval: -time.Second}}},
		{"Tuning.JWKSMinRefreshInterval", Config{Client: c, Tuning: Tuning{JWKSMinRefreshInterval: -time.Second}}},
		{"Tuning.RevokedSessionsSize", Config{Client: c, Tuning: Tuning{RevokedSessionsSize: -1}}},
		{"Tuning.MaxConcurrentRemote", Config{Client: c, Tuning: Tuning{MaxConcurrentRemote: -1}}},
		{"Sources", Config{Client: c, Sources: []Source{}}},
	} {
		_, err := New(t.Context(), tt.cfg)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: %v, want ErrInvalidConfig naming the field", tt.field, err)
		}
	}
}

// TestNewOff: a negative session-token cache TTL or size turns the cache
// off, a negative VerifiedJWTCacheSize the verified-JWT cache.
func TestNewOff(t *testing.T) {
	for name, tu := range map[string]Tuning{
		"negative TTL":  {SessionTokenCacheTTL: -1},
		"negative size": {SessionTokenCacheSize: -1},
	} {
		e := newEnv(t, envOptions{config: func(c *Config) { c.Tuning = tu }})
		if e.auth.tokens != nil {
			t.Errorf("%s: the session-token cache is on", name)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Now = nil; c.Logger = nil }})
	a := e.auth
	if a.remoteTimeout != 5*time.Second || a.maxCredentialBytes != 8<<10 ||
		a.tokens == nil || a.tokens.ttl != 30*time.Second ||
		a.crossOrigin == nil || a.cookie != nil || a.maxAge != 0 || len(a.sources) != 3 || a.now == nil ||
		a.maxRemote != 64 || a.logger == nil {
		t.Fatalf("defaults not applied: %+v", a)
	}
}

// TestTokenAge pins MaxTokenAge's semantics at their boundaries.
func TestTokenAge(t *testing.T) {
	iat := time.Unix(1_700_000_000, 0)
	tests := []struct {
		age  time.Duration
		at   time.Duration // now − iat
		want bool
	}{
		{0, 0, false},
		{0, 24 * time.Hour, false},
		{time.Nanosecond, 0, true}, // below iat's resolution: always
		{time.Nanosecond, -time.Second, true},
		{time.Second - 1, 0, true},
		{time.Second, time.Second - 1, false},
		{time.Minute, time.Minute - time.Nanosecond, false},
		{time.Minute, time.Minute, true},
		{time.Minute, time.Hour, true},
	}
	for _, tt := range tests {
		if got := tokenAge(tt.age).tooOld(iat.Add(tt.at), iat); got != tt.want {
			t.Errorf("age %v at %v: %v, want %v", tt.age, tt.at, got, tt.want)
		}
	}
}
