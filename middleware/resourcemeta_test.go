package middleware

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/stytchmw/stytchmw/stytchtest"
)

const metadataURL = "https://api.example.com/.well-known/oauth-protected-resource"

// TestResourceMetadataChallenge: with Config.ResourceMetadata every Bearer
// challenge names the metadata, after the parameters it had before; a
// custom ErrorHandler that calls WriteError keeps it.
func TestResourceMetadataChallenge(t *testing.T) {
	refusals := &refusalLog{}
	e := newB2BEnv(t, func(c *Config) {
		c.ResourceMetadata = metadataURL
		c.ErrorHandler = refusals.handle
	})
	meta := `, resource_metadata="` + metadataURL + `"`
	for _, tc := range []struct {
		name   string
		path   string
		opts   []reqOption
		status int
		want   string
	}{
		{"no credential", b2bMachine, nil, 401, `Bearer realm="stytch"` + meta},
		{"invalid token", b2bMachine, []reqOption{bearer("a.b.c")}, 401, `Bearer realm="stytch", error="invalid_token"` + meta},
		{"session on a machine route", b2bMachine, []reqOption{bearer(e.reader.SessionJWT)}, 401, `Bearer realm="stytch", error="invalid_token"` + meta},
		{"missing scope", b2bMachine, []reqOption{bearer(e.m2mWriteToken)}, 403, `Bearer realm="stytch", error="insufficient_scope", scope="read:documents"` + meta},
		{"passes", b2bMachine, []reqOption{bearer(e.m2mReadToken)}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("GET", tc.path, tc.opts...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			if got := r.header.Get("WWW-Authenticate"); got != tc.want {
				t.Fatalf("WWW-Authenticate %q, want %q", got, tc.want)
			}
		})
	}
}

// TestResourceMetadataOff: without it the challenges are unchanged, and a
// WriteError called on a request the Authenticator did not hand over has
// no parameter either.
func TestResourceMetadataOff(t *testing.T) {
	e := newB2BEnv(t, nil)
	if got := e.call("GET", b2bMachine).header.Get("WWW-Authenticate"); got != `Bearer realm="stytch"` {
		t.Fatalf("WWW-Authenticate %q", got)
	}
	rec := httptest.NewRecorder()
	WriteError(rec, httptest.NewRequest("GET", "/", nil), 401, newError(ErrInvalidToken, nil))
	if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="stytch", error="invalid_token"` {
		t.Fatalf("WWW-Authenticate %q", got)
	}
}

func TestResourceMetadataConfig(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{metadataURL, true},
		{"http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp", true},
		{"/.well-known/oauth-protected-resource", false},
		{"ftp://example.com/x", false},
		{`https://example.com/"x`, false},
		{`https://example.com/\x`, false},
		{"https://example.com/a b", false},
		{"https://user:pw@example.com/x", false},
		{"https://example.com/x#frag", false},
		{"https://example.com/\x00", false},
	} {
		a, err := New(t.Context(), Config{Client: srv.Client(), HTTPClient: srv.HTTPClient(), ResourceMetadata: tc.url})
		if a != nil {
			_ = a.Close()
		}
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
			t.Errorf("ResourceMetadata %q: err = %v, want ok %v", tc.url, err, tc.ok)
		}
	}
}
