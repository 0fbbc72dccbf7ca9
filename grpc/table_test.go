package stytchgrpc

import (
	"errors"
	"testing"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/policy"
)

// TestNewRefuses: a table is not made from a config it cannot enforce.
func TestNewRefuses(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no Authenticator", Config{Rules: testRules}},
		{"no rules", Config{Authenticator: e.auth}},
		{"the zero Rule", Config{Authenticator: e.auth, Rules: Rules{methodRead: {}}}},
		{"a Permission without an action", Config{Authenticator: e.auth, Rules: Rules{methodRead: middleware.Permission("documents", "")}}},
	}
	for _, key := range []string{"stytchmw.test.Docs/Read", "/stytchmw.test.Docs", "//Read", "/svc/", "/svc/a/b", "POST /svc/Read", "/svc/Read "} {
		tests = append(tests, struct {
			name string
			cfg  Config
		}{"key " + key, Config{Authenticator: e.auth, Rules: Rules{key: middleware.Public()}}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

// TestValidate: a rule naming what the policy does not define is listed.
func TestValidate(t *testing.T) {
	e := newEnv(t, envOptions{})
	pc, err := policy.New(t.Context(), policy.Config{Client: e.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if err := e.table.Validate(pc); err != nil {
		t.Fatalf("Validate = %v", err)
	}
	bad, err := New(Config{Authenticator: e.auth, Rules: Rules{methodDelete: middleware.Permission("documnets", "delete")}})
	if err != nil {
		t.Fatal(err)
	}
	var verr *ValidationError
	if err := bad.Validate(pc); !errors.As(err, &verr) || !errors.Is(err, policy.ErrUnknownResource) || verr.Rules[0].Route != methodDelete {
		t.Fatalf("Validate = %v, want the misspelt resource", err)
	}
}
