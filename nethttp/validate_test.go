package nethttp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
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
	typos["DELETE /documents/{id}"] = middleware.Permission("documents", "remove")
	typos["/admin/"] = middleware.Permission("admin", "update")
	err = newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: typos}).Validate(cache)
	var v *nethttp.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("Validate: %v, want a *ValidationError", err)
	}
	want := []struct{ Route, Resource, Action string }{
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

// TestValidateWithoutPolicy: rules cannot be checked while no policy is
// loaded; that is an error, not a pass.
func TestValidateWithoutPolicy(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: nethttp.Rules{"GET /x": middleware.Permission("documents", "read")}})
	if err := table.Validate((*policy.Index)(nil)); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("Validate with no policy: %v, want ErrUnavailable", err)
	}
	if err := table.Validate(nil); err == nil {
		t.Error("Validate(nil) passed")
	}
	// Rules that check no permission need no policy.
	p := stytchtest.DefaultPolicy()
	x, err := policy.Compile(&p)
	if err != nil {
		t.Fatal(err)
	}
	open := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: nethttp.Rules{"/": middleware.Public(), "/me": middleware.Authenticated()}})
	if err := open.Validate(x); err != nil {
		t.Errorf("Validate of rules without a permission: %v", err)
	}
}
