package nethttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/nethttp"
)

func TestRuleDescribes(t *testing.T) {
	tests := []struct {
		rule             nethttp.Rule
		str              string
		resource, action string
		permission, ok   bool
	}{
		{nethttp.Require("documents", "read"), "require documents:read", "documents", "read", true, true},
		{nethttp.Authenticated(), "authenticated", "", "", false, true},
		{nethttp.Optional(), "optional", "", "", false, true},
		{nethttp.Public(), "public", "", "", false, true},
		{nethttp.Require("", "read"), "require :read", "", "read", true, false},
		{nethttp.Rule{}, "invalid rule", "", "", false, false},
	}
	for _, tc := range tests {
		if got := tc.rule.String(); got != tc.str {
			t.Errorf("String() = %q, want %q", got, tc.str)
		}
		resource, action, permission := tc.rule.Permission()
		if resource != tc.resource || action != tc.action || permission != tc.permission {
			t.Errorf("%s: Permission() = %q, %q, %t", tc.str, resource, action, permission)
		}
		if err := tc.rule.Check(); (err == nil) != tc.ok {
			t.Errorf("%s: Check() = %v", tc.str, err)
		}
	}
}

func TestRuleWrap(t *testing.T) {
	f := routertest.New(t)
	next := http.HandlerFunc(echo)
	tests := []struct {
		rule   nethttp.Rule
		who    string
		status int
	}{
		{nethttp.Public(), "", 200},
		{nethttp.Optional(), "", 200},
		{nethttp.Authenticated(), "", 401},
		{nethttp.Authenticated(), "user", 200},
		{nethttp.Require("documents", "create"), "reader", 403},
		{nethttp.Require("documents", "create"), "editor", 200},
		{nethttp.Rule{}, "admin", 500}, // a rule no constructor made refuses everything
	}
	for _, tc := range tests {
		ts := httptest.NewServer(tc.rule.Wrap(f.Auth, next))
		status, _, body := f.Call(t, ts, "GET", "/", tc.who)
		ts.Close()
		if status != tc.status {
			t.Errorf("%s as %q: status %d, want %d (body %q)", tc.rule, tc.who, status, tc.status, body)
		}
	}
}
