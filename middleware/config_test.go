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
	for name, cfg := range map[string]Config{
		"no client":                   {},
		"negative MaxTokenAge":        {Client: c, MaxTokenAge: new(-time.Second)},
		"negative ClockTolerance":     {Client: c, ClockTolerance: -time.Second},
		"negative RemoteTimeout":      {Client: c, RemoteTimeout: -time.Second},
		"negative MaxCredentialBytes": {Client: c, MaxCredentialBytes: -1},
		"negative cache TTL":          {Client: c, SessionTokenCacheTTL: new(-time.Second)},
		"negative cache size":         {Client: c, SessionTokenCacheSize: -1},
		"negative JWKS interval":      {Client: c, JWKSMinRefreshInterval: -time.Second},
		"negative revoked set size":   {Client: c, RevokedSessionsSize: -1},
		"negative remote bound":       {Client: c, MaxConcurrentRemote: -1},
	} {
		if _, err := New(t.Context(), cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Now = nil }})
	a := e.auth
	if a.remoteTimeout != DefaultRemoteTimeout || a.maxCredentialBytes != DefaultMaxCredentialBytes ||
		a.tokens == nil || a.tokens.ttl != DefaultSessionTokenCacheTTL || a.tokens.size != DefaultSessionTokenCacheSize ||
		a.crossOrigin == nil || a.cookie != nil || a.maxAge.limited || len(a.sources) != 3 || a.now == nil ||
		a.maxRemote != DefaultMaxConcurrentRemote || a.revoked.size != DefaultRevokedSessionsSize {
		t.Fatalf("defaults not applied: %+v", a)
	}
}

// TestTokenAge pins MaxTokenAge's semantics at their boundaries.
func TestTokenAge(t *testing.T) {
	iat := time.Unix(1_700_000_000, 0)
	tests := []struct {
		age  *time.Duration
		at   time.Duration // now − iat
		want bool
	}{
		{nil, 0, false},
		{nil, 24 * time.Hour, false},
		{new(time.Duration(0)), 0, true},
		{new(time.Duration(0)), -time.Second, true}, // iat slightly ahead, within tolerance
		{new(time.Minute), time.Minute - time.Nanosecond, false},
		{new(time.Minute), time.Minute, true},
		{new(time.Minute), time.Hour, true},
	}
	for _, tt := range tests {
		if got := newTokenAge(tt.age).tooOld(iat.Add(tt.at), iat); got != tt.want {
			t.Errorf("age %v at %v: %v, want %v", tt.age, tt.at, got, tt.want)
		}
	}
}
