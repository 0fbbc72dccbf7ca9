package nethttp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/nethttp"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func TestValidate(t *testing.T) {
	f := routertest.New(t)
	cache, err := policy.New(context.Background(), policy.Config{Client: f.Stytch.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()

	if err := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: documentRules()}).Validate(cache); err != nil {
		t.Errorf("Validate of the document rules: %v", err)
	}

	typos := documentRules()
	typos["DELETE /documents/{id}"] = nethttp.Require("documents", "remove")
	typos["/admin/"] = nethttp.Require("admin", "update")
	err = newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: typos}).Validate(cache)
	var v *nethttp.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("Validate: %v, want a *ValidationError", err)
	}
	want := []nethttp.InvalidRule{
		{Route: "/admin/", Resource: "admin", Action: "update"},
		{Route: "DELETE /documents/{id}", Resource: "documents", Action: "remove"},
	}
	if len(v.Rules) != len(want) {
		t.Fatalf("Validate found %+v, want %+v", v.Rules, want)
	}
	for i, w := range want {
		got := v.Rules[i]
		if got.Route != w.Route || got.Resource != w.Resource || got.Action != w.Action {
			t.Errorf("invalid rule %d = %+v, want %+v", i, got, w)
		}
	}
	if !errors.Is(v.Rules[0].Err, policy.ErrUnknownResource) || !errors.Is(v.Rules[1].Err, policy.ErrUnknownAction) {
		t.Errorf("errors %v / %v, want unknown resource / unknown action", v.Rules[0].Err, v.Rules[1].Err)
	}
	if !errors.Is(err, policy.ErrUnknownResource) || !errors.Is(err, policy.ErrUnknownAction) {
		t.Errorf("ValidationError %v should match both policy errors", err)
	}
}

// TestValidateRulesWithoutPolicy: rules cannot be checked while no policy
// is loaded; that is an error, not a pass.
func TestValidateRulesWithoutPolicy(t *testing.T) {
	rules := map[string]nethttp.Rule{"GET /x": nethttp.Require("documents", "read")}
	if err := nethttp.ValidateRules((*policy.Index)(nil), rules); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("ValidateRules with no policy: %v, want ErrUnavailable", err)
	}
	if err := nethttp.ValidateRules(nil, rules); err == nil {
		t.Error("ValidateRules(nil) passed")
	}
	// Rules that check no permission need no policy.
	p := stytchtest.DefaultPolicy()
	x, err := policy.Compile(&p)
	if err != nil {
		t.Fatal(err)
	}
	if err := nethttp.ValidateRules(x, map[string]nethttp.Rule{"/": nethttp.Public(), "/me": nethttp.Authenticated()}); err != nil {
		t.Errorf("ValidateRules of rules without a permission: %v", err)
	}
}
