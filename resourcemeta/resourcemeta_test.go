package resourcemeta

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// TestServe: the document is served over HTTP at the RFC 9728 path of the
// resource, naming the emulator (a custom domain) as authorization server.
func TestServe(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(srv.Close)
	r, err := New(Config{Resource: "https://api.example.com/mcp", Client: srv.Client(), Scopes: []string{"read:documents", "openid"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Path() != "/.well-known/oauth-protected-resource/mcp" || r.URL() != "https://api.example.com/.well-known/oauth-protected-resource/mcp" {
		t.Fatalf("Path %q URL %q", r.Path(), r.URL())
	}
	mux := http.NewServeMux()
	mux.Handle(r.Path(), r)
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)

	res, err := app.Client().Get(app.URL + r.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"resource":                 "https://api.example.com/mcp",
		"authorization_servers":    []any{srv.URL},
		"scopes_supported":         []any{"read:documents", "openid"},
		"bearer_methods_supported": []any{"header"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("document %v\nwant     %v", got, want)
	}

	for method, status := range map[string]int{http.MethodHead: 200, http.MethodOptions: 204, http.MethodPost: 405} {
		req, _ := http.NewRequest(method, app.URL+r.Path(), nil)
		res, err := app.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != status {
			t.Errorf("%s: %d, want %d", method, res.StatusCode, status)
		}
	}
}

func TestRootResource(t *testing.T) {
	r, err := New(Config{Resource: "https://api.example.com/", AuthorizationServer: "https://login.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if r.URL() != "https://api.example.com/.well-known/oauth-protected-resource" {
		t.Fatalf("URL %q", r.URL())
	}
	if m := r.Metadata(); m.AuthorizationServers[0] != "https://login.example.com" || m.ScopesSupported != nil && len(m.ScopesSupported) != 0 {
		t.Fatalf("metadata %+v", m)
	}
}

func TestConfigErrors(t *testing.T) {
	test, err := client.New(client.Config{ProjectID: "project-test-00000000-0000-0000-0000-000000000000", Secret: "secret-test-000000000000000000000000000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"no resource":               {AuthorizationServer: "https://login.example.com"},
		"relative resource":         {Resource: "/mcp", AuthorizationServer: "https://login.example.com"},
		"resource with a query":     {Resource: "https://api.example.com/mcp?x=1", AuthorizationServer: "https://login.example.com"},
		"resource with a fragment":  {Resource: "https://api.example.com/mcp#x", AuthorizationServer: "https://login.example.com"},
		"resource with a quote":     {Resource: `https://api.example.com/"`, AuthorizationServer: "https://login.example.com"},
		"no authorization server":   {Resource: "https://api.example.com"},
		"Stytch's shared test host": {Resource: "https://api.example.com", Client: test},
		"bad authorization server":  {Resource: "https://api.example.com", AuthorizationServer: "login.example.com"},
		"empty scope":               {Resource: "https://api.example.com", AuthorizationServer: "https://login.example.com", Scopes: []string{""}},
		"scope with a space":        {Resource: "https://api.example.com", AuthorizationServer: "https://login.example.com", Scopes: []string{"a b"}},
		"scope with a quote":        {Resource: "https://api.example.com", AuthorizationServer: "https://login.example.com", Scopes: []string{`a"`}},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
}
