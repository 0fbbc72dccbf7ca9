package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/stytchtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fixture is the example's server over HTTP on an emulator.
type fixture struct {
	srv  *stytchtest.Server
	app  *httptest.Server
	user string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(srv.Close)
	var h http.Handler
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(app.Close)
	handler, closeAll, err := newServer(t.Context(), srv.Client(), app.URL+endpointPath, srv.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeAll)
	h = handler
	user, err := srv.CreateUser(t.Context(), stytchtest.UserParams{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, app: app, user: user.UserID}
}

func (f *fixture) token(t *testing.T, scopes ...string) string {
	t.Helper()
	tok, err := f.srv.CreateAccessToken(t.Context(), stytchtest.AccessTokenParams{Subject: f.user, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// bearerTransport adds a token to every request of the MCP client.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// connect opens an MCP client session with token.
func (f *fixture) connect(t *testing.T, token string) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
	hc := &http.Client{Transport: bearerTransport{token}}
	t.Cleanup(hc.CloseIdleConnections)
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: f.app.URL + endpointPath, HTTPClient: hc, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) (*mcp.CallToolResult, string) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	return res, text.String()
}

// TestDiscoveryToToolCall follows an MCP client: refused without a token,
// it finds the metadata named in the challenge, which names the Stytch
// project; with a token from it, it calls a tool its scopes allow and is
// refused one they do not.
func TestDiscoveryToToolCall(t *testing.T) {
	f := newFixture(t)

	// 1. No token: 401 naming the resource metadata.
	res, err := f.app.Client().Post(f.app.URL+endpointPath, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	challenge := res.Header.Get("WWW-Authenticate")
	m := regexp.MustCompile(`^Bearer realm="stytch", resource_metadata="([^"]+)"$`).FindStringSubmatch(challenge)
	if res.StatusCode != http.StatusUnauthorized || m == nil {
		t.Fatalf("%d, WWW-Authenticate %q", res.StatusCode, challenge)
	}
	if want := f.app.URL + "/.well-known/oauth-protected-resource" + endpointPath; m[1] != want {
		t.Fatalf("resource_metadata %q, want %q", m[1], want)
	}

	// 2. The metadata names the resource and the Stytch project.
	res, err = f.app.Client().Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
		BearerMethods        []string `json:"bearer_methods_supported"`
	}
	err = json.NewDecoder(res.Body).Decode(&meta)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%d %v", res.StatusCode, err)
	}
	if meta.Resource != f.app.URL+endpointPath || len(meta.AuthorizationServers) != 1 || meta.AuthorizationServers[0] != f.srv.URL ||
		strings.Join(meta.ScopesSupported, " ") != "read:documents write:documents" || strings.Join(meta.BearerMethods, " ") != "header" {
		t.Fatalf("metadata %+v", meta)
	}

	// 3. A token with read:documents: list_documents runs, delete_document
	// is refused for its missing scope.
	cs := f.connect(t, f.token(t, "read:documents"))
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil || len(tools.Tools) != 2 {
		t.Fatalf("tools %v, %v", tools, err)
	}
	out, text := callTool(t, cs, "list_documents", nil)
	if out.IsError || !strings.Contains(text, `"caller":"`+f.user+`"`) || !strings.Contains(text, "roadmap") {
		t.Fatalf("list_documents: error %v, %s", out.IsError, text)
	}
	out, text = callTool(t, cs, "delete_document", map[string]any{"name": "roadmap"})
	if !out.IsError || !strings.Contains(text, "insufficient_scope") || !strings.Contains(text, "write:documents") {
		t.Fatalf("delete_document with read:documents only: error %v, %s", out.IsError, text)
	}

	// 4. A token with write:documents too runs it.
	cs = f.connect(t, f.token(t, "read:documents", "write:documents"))
	out, text = callTool(t, cs, "delete_document", map[string]any{"name": "roadmap"})
	if out.IsError || !strings.Contains(text, `"deleted":"roadmap"`) {
		t.Fatalf("delete_document: error %v, %s", out.IsError, text)
	}
}

// TestM2MToken: an M2M client's token from the token endpoint works too;
// a session JWT reaches the endpoint but holds no scope for a tool.
func TestM2MToken(t *testing.T) {
	f := newFixture(t)
	m2m, err := f.srv.CreateM2MClient(t.Context(), stytchtest.M2MClientParams{Name: "agent", Scopes: []string{"read:*"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.srv.CreateM2MToken(t.Context(), m2m.ClientID, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, text := callTool(t, f.connect(t, tok), "list_documents", nil)
	if out.IsError || !strings.Contains(text, m2m.ClientID) {
		t.Fatalf("list_documents with read:*: error %v, %s", out.IsError, text)
	}

	grant, err := f.srv.CreateSession(t.Context(), stytchtest.SessionParams{UserID: f.user})
	if err != nil {
		t.Fatal(err)
	}
	out, text = callTool(t, f.connect(t, grant.SessionJWT), "list_documents", nil)
	if !out.IsError || !strings.Contains(text, "insufficient_scope") {
		t.Fatalf("list_documents with a session: error %v, %s", out.IsError, text)
	}
}

// TestRefusedTokens: forged, expired and revoked-client tokens never reach
// the MCP server.
func TestRefusedTokens(t *testing.T) {
	f := newFixture(t)
	good := f.token(t, "read:documents")
	for name, tok := range map[string]string{
		"forged":  good[:strings.LastIndexByte(good, '.')+1] + "AAAA",
		"garbage": "not-a-token",
	} {
		req, _ := http.NewRequest(http.MethodPost, f.app.URL+endpointPath, strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := f.app.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token", resource_metadata=`) {
			t.Errorf("%s: %d %q", name, res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
	}
}
