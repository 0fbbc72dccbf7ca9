package stytchchi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/policy"
)

func TestNewRefusesBadConfig(t *testing.T) {
	f := routertest.New(t)
	tests := []struct {
		name string
		cfg  stytchchi.Config
	}{
		{"no authenticator", stytchchi.Config{Rules: stytchchi.Rules{"/": middleware.Public()}}},
		{"no rules", stytchchi.Config{Authenticator: f.Auth}},
		{"zero rule", stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"GET /x": {}}}},
		{"require without action", stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"GET /x": middleware.Permission("documents", "")}}},
		{"no slash", stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"GET x": middleware.Public()}}},
		{"bad method", stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"G/T /x": middleware.Public()}}},
		{"space in pattern", stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{"GET /x /y": middleware.Public()}}},
		{"same route twice", stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{
			"GET /x": middleware.Public(), "get /x/": middleware.Authenticated()}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := stytchchi.New(tc.cfg); !errors.Is(err, stytchchi.ErrInvalidConfig) {
				t.Errorf("New: %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestRule(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: documentRules()})
	tests := []struct {
		method, pattern string
		want            string
	}{
		{"GET", "/documents/{id}", "permission documents:read"},
		{"POST", "/documents", "permission documents:create"}, // written "POST /documents/"
		{"GET", "/documents/", "permission documents:read"},
		{"PUT", "/static/*", "public"}, // the pattern's rule for every method
		{"GET", "/forgotten", ""},
	}
	for _, tc := range tests {
		rule, ok := table.Rule(tc.method, tc.pattern)
		if got := map[bool]string{true: rule.String()}[ok]; got != tc.want {
			t.Errorf("Rule(%s, %s) = %q, want %q", tc.method, tc.pattern, got, tc.want)
		}
	}

	// A method's own rule wins over the pattern's rule for every method.
	both := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: stytchchi.Rules{
		"/files/*":        middleware.Public(),
		"DELETE /files/*": middleware.Permission("documents", "delete"),
	}})
	for method, want := range map[string]string{"GET": "public", "DELETE": "permission documents:delete"} {
		if rule, _ := both.Rule(method, "/files/*"); rule.String() != want {
			t.Errorf("Rule(%s, /files/*) = %s, want %s", method, rule, want)
		}
	}
}

func TestValidate(t *testing.T) {
	f := routertest.New(t)
	ctx := context.Background()
	cache, err := policy.New(ctx, policy.Config{Client: f.Stytch.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()

	good := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: documentRules()})
	if err := good.Validate(cache); err != nil {
		t.Errorf("Validate of the document rules: %v", err)
	}

	typos := documentRules()
	typos["GET /documents/{id}"] = middleware.Permission("documents", "raed")
	typos["GET /admin/stats"] = middleware.Permission("document", "delete")
	bad := newTable(t, stytchchi.Config{Authenticator: f.Auth, Rules: typos})
	err = bad.Validate(cache)
	var v *stytchchi.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("Validate: %v, want a *ValidationError", err)
	}
	if len(v.Rules) != 2 || v.Rules[0].Route != "GET /admin/stats" || v.Rules[1].Route != "GET /documents/{id}" {
		t.Fatalf("Validate found %+v, want GET /admin/stats and GET /documents/{id}", v.Rules)
	}
	if !errors.Is(v.Rules[0].Err, policy.ErrUnknownResource) || !errors.Is(v.Rules[1].Err, policy.ErrUnknownAction) {
		t.Errorf("Validate errors %v / %v, want unknown resource / unknown action", v.Rules[0].Err, v.Rules[1].Err)
	}
	if !errors.Is(err, policy.ErrUnknownAction) || !strings.Contains(err.Error(), `"raed"`) {
		t.Errorf("Validate error %q should match ErrUnknownAction and name the typo", err)
	}
}
