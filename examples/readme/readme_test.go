package readme

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/fleet/redisfleet"
	stytchgrpc "github.com/stytchmw/stytchmw/grpc"
	"github.com/stytchmw/stytchmw/internal/redistest"
	"github.com/stytchmw/stytchmw/mcpauth"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
	stytchotel "github.com/stytchmw/stytchmw/otel"
	"github.com/stytchmw/stytchmw/resourcemeta"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The README's snippets follow, exactly as it shows them.

func newAuthenticator(ctx context.Context) (*middleware.Authenticator, error) {
	stytch, err := client.New(client.Config{
		ProjectID: os.Getenv("STYTCH_PROJECT_ID"),
		Secret:    os.Getenv("STYTCH_SECRET"),
		BaseURL:   os.Getenv("STYTCH_API_URL"), // optional: custom domain, proxy, emulator
	})
	if err != nil {
		return nil, err
	}
	return middleware.New(ctx, middleware.Config{Client: stytch})
}

func chiRouter(auth *middleware.Authenticator) http.Handler {
	r := chi.NewRouter()
	r.With(auth.Require(middleware.Authenticated())).Get("/me", me) // any valid session
	r.With(auth.Require(middleware.Permission("documents", "delete"))).
		Delete("/documents/{id}", deleteDocument) // 401, 403, or the handler
	return r
}

func serveMux(auth *middleware.Authenticator) (http.Handler, error) {
	table, err := nethttp.New(nethttp.Config{Authenticator: auth, Rules: nethttp.Rules{
		"GET /me":                middleware.Authenticated(),
		"DELETE /documents/{id}": middleware.Permission("documents", "delete"),
	}})
	if err != nil {
		return nil, err
	}
	mux := table.NewServeMux() // each handler behind its pattern's rule
	mux.HandleFunc("GET /me", me)
	mux.HandleFunc("DELETE /documents/{id}", deleteDocument)
	if err := table.Audit(mux.Patterns()); err != nil {
		return nil, err // a route without a rule: refuse to start
	}
	return mux, nil // a pattern without a rule gets 403
}

func me(w http.ResponseWriter, r *http.Request) {
	auth, _ := middleware.FromContext(r.Context())
	fmt.Fprintln(w, "hello", auth.Session.UserID)
}

func TestEditorCannotDelete(t *testing.T) {
	stytch := stytchtest.NewServer(stytchtest.Config{}) // reader, editor, admin on "documents"
	defer stytch.Close()
	auth, err := middleware.New(t.Context(), middleware.Config{Client: stytch.Client(), Now: stytch.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	srv := httptest.NewServer(chiRouter(auth))
	defer srv.Close()

	user, err := stytch.CreateUser(t.Context(), stytchtest.UserParams{Email: "ada@example.com", Roles: []string{"editor"}})
	if err != nil {
		t.Fatal(err)
	}
	session, err := stytch.CreateSession(t.Context(), stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("DELETE", srv.URL+"/documents/7", nil)
	req.Header.Set("Authorization", "Bearer "+session.SessionJWT)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("DELETE as an editor: %d, want 403", resp.StatusCode)
	}
}

func TestMe(t *testing.T) {
	req := httptest.NewRequest("GET", "/me", nil)
	req = req.WithContext(middleware.NewContext(req.Context(), &middleware.Auth{
		Session: &client.Session{UserID: "user-test-1", Roles: []string{"reader"}},
	}))
	rec := httptest.NewRecorder()
	me(rec, req)
	if got := rec.Body.String(); got != "hello user-test-1\n" {
		t.Fatalf("GET /me: %q", got)
	}
}

func grpcServer(auth *middleware.Authenticator) (*grpc.Server, error) {
	table, err := stytchgrpc.New(stytchgrpc.Config{Authenticator: auth, Rules: stytchgrpc.Rules{
		"/docs.v1.Documents/Get":    middleware.Permission("documents", "read"),
		"/docs.v1.Documents/Delete": middleware.Permission("documents", "delete"),
	}})
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(table.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(table.StreamServerInterceptor()),
	)
	srv.RegisterService(&documentsService, documentsServer{})
	if err := table.Audit(srv.GetServiceInfo()); err != nil {
		return nil, err // a method without a rule: refuse to start
	}
	return srv, nil
}

// newFleetAuthenticator runs this replica in fleet mode: revocations and
// Stytch's answers shared through Redis, keys derived from the project's
// secret (which Redis never sees). Close the Authenticator, then the store.
func newFleetAuthenticator(ctx context.Context, stytch *client.Client, redisURL, secret string) (*middleware.Authenticator, *redisfleet.Store, error) {
	opts, err := redis.ParseURL(redisURL) // STYTCH_REDIS_URL
	if err != nil {
		return nil, nil, err
	}
	store, err := redisfleet.New(redisfleet.Config{Redis: opts, Secret: []byte(secret)})
	if err != nil {
		return nil, nil, err
	}
	// New waits, within ctx, for the fleet's revocations.
	auth, err := middleware.New(ctx, middleware.Config{Client: stytch, Fleet: store})
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return auth, store, nil // serve /healthz 200 only once auth.Status().Ready()
}

// b2bRoutes is the README's B2B snippet; TestB2BSnippet runs it.
func b2bRoutes(ctx context.Context, c *client.Client, mux *http.ServeMux, me, list http.HandlerFunc) (*middleware.Authenticator, error) {
	auth, err := middleware.New(ctx, middleware.Config{Client: c, B2B: true})
	if err != nil {
		return nil, err
	}

	in := middleware.PathValue("organization_id")
	mux.Handle("GET /me", auth.Require(middleware.Authenticated())(me))
	mux.Handle("GET /orgs/{organization_id}/documents",
		auth.Require(middleware.Permission("documents", "read").InOrganization(in))(list))
	return auth, nil
}

func withTelemetry(ctx context.Context) (*middleware.Authenticator, *stytchotel.Telemetry, error) {
	tel, err := stytchotel.New(stytchotel.Config{}) // the global providers; or set TracerProvider, MeterProvider
	if err != nil {
		return nil, nil, err
	}
	hc := &http.Client{Transport: tel.Transport(nil)} // a client span for every call to Stytch
	stytch, err := client.New(client.Config{
		ProjectID:  os.Getenv("STYTCH_PROJECT_ID"),
		Secret:     os.Getenv("STYTCH_SECRET"),
		BaseURL:    os.Getenv("STYTCH_API_URL"),
		HTTPClient: hc,
	})
	if err != nil {
		return nil, nil, err
	}
	auth, err := middleware.New(ctx, middleware.Config{Client: stytch, HTTPClient: hc, Observer: tel.Observe})
	if err != nil {
		return nil, nil, err
	}
	return auth, tel, tel.ObserveStatus(auth.Status) // the key set's and policy's age, the fleet's state
}

func withIntrospection(ctx context.Context, c *client.Client, appID, appSecret string) (*middleware.Authenticator, error) {
	auth, err := middleware.New(ctx, middleware.Config{
		Client:        c,
		Introspection: &middleware.Introspection{ClientID: appID, ClientSecret: appSecret},
	})
	return auth, err
}

func mcpRoutes(ctx context.Context, stytch *client.Client, mux *http.ServeMux, server *mcp.Server,
	listTool *mcp.Tool, listDocuments mcp.ToolHandlerFor[struct{}, []string]) (*middleware.Authenticator, error) {
	getServer := func(*http.Request) *mcp.Server { return server }
	meta, err := resourcemeta.New(resourcemeta.Config{
		Resource: "https://api.example.com/mcp",
		Client:   stytch, // on the project domain, which is the authorization server
		Scopes:   []string{"read:documents", "write:documents"},
	})
	if err != nil {
		return nil, err
	}
	auth, err := middleware.New(ctx, middleware.Config{Client: stytch, ResourceMetadata: meta.URL()})
	if err != nil {
		return nil, err
	}

	mcp.AddTool(server, listTool, mcpauth.RequireScopes(listDocuments, "read:documents"))
	rule := middleware.Authenticated().OrMachine()
	mux.Handle("GET "+meta.Path(), meta) // /.well-known/oauth-protected-resource/mcp
	mux.Handle("/mcp", auth.Require(rule)(
		sdkauth.RequireBearerToken(mcpauth.Verifier(auth, rule), nil)(mcp.NewStreamableHTTPHandler(getServer, nil))))
	return auth, nil
}

// The end of the README's snippets.

// documentsService is the service of the gRPC snippet, with two methods
// whose handlers are never called here: the snippet is checked by its
// audit.
var documentsService = grpc.ServiceDesc{
	ServiceName: "docs.v1.Documents",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Get", Handler: unimplemented},
		{MethodName: "Delete", Handler: unimplemented},
	},
}

type documentsServer struct{}

func unimplemented(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
	return nil, status.Error(codes.Unimplemented, "not in the README")
}

// TestGRPCSnippet builds the gRPC snippet's server: its table covers every
// registered method, so the audit passes.
func TestGRPCSnippet(t *testing.T) {
	stytch := stytchtest.NewServer(stytchtest.Config{})
	defer stytch.Close()
	auth, err := middleware.New(t.Context(), middleware.Config{Client: stytch.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	srv, err := grpcServer(auth)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
}

// TestB2BSnippet serves the B2B snippet with the emulator in B2B mode: a
// member reads its own organization's documents and not another's.
func TestB2BSnippet(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{B2B: true})
	defer srv.Close()
	ctx := context.Background()
	var orgs [2]string
	var jwt string
	for i, slug := range []string{"acme", "globex"} {
		o, err := srv.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: slug, Slug: slug})
		if err != nil {
			t.Fatal(err)
		}
		orgs[i] = o.OrganizationID
	}
	m, err := srv.CreateMember(ctx, stytchtest.MemberParams{OrganizationID: orgs[0], Email: "r@acme.example", Roles: []string{"reader"}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := srv.CreateMemberSession(ctx, stytchtest.MemberSessionParams{OrganizationID: orgs[0], MemberID: m.MemberID})
	if err != nil {
		t.Fatal(err)
	}
	jwt = g.SessionJWT
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }
	auth, err := b2bRoutes(ctx, srv.Client(), mux, ok, ok)
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	for path, want := range map[string]int{"/me": 200, "/orgs/" + orgs[0] + "/documents": 200, "/orgs/" + orgs[1] + "/documents": 403} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+jwt)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("%s: %d %s, want %d", path, w.Code, w.Body, want)
		}
	}
}

func deleteDocument(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

// TestSnippetsServe runs the set-up snippet against the emulator through
// the environment it reads, and both routers' snippets as every role.
func TestSnippetsServe(t *testing.T) {
	stytch := stytchtest.NewServer(stytchtest.Config{})
	defer stytch.Close()
	t.Setenv("STYTCH_PROJECT_ID", stytch.ProjectID)
	t.Setenv("STYTCH_SECRET", stytch.Secret)
	t.Setenv("STYTCH_API_URL", stytch.URL)
	auth, err := newAuthenticator(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	mux, err := serveMux(auth)
	if err != nil {
		t.Fatal(err)
	}

	sessions := map[string]string{} // role → session JWT
	for _, role := range []string{"reader", "editor", "admin"} {
		user, err := stytch.CreateUser(t.Context(), stytchtest.UserParams{Email: role + "@example.com", Roles: []string{role}})
		if err != nil {
			t.Fatal(err)
		}
		grant, err := stytch.CreateSession(t.Context(), stytchtest.SessionParams{UserID: user.UserID})
		if err != nil {
			t.Fatal(err)
		}
		sessions[role] = grant.SessionJWT
	}
	tests := []struct {
		method, path, role string
		want               int
	}{
		{"GET", "/me", "", 401},
		{"GET", "/me", "reader", 200},
		{"DELETE", "/documents/7", "", 401},
		{"DELETE", "/documents/7", "reader", 403},
		{"DELETE", "/documents/7", "editor", 403},
		{"DELETE", "/documents/7", "admin", 204},
	}
	for name, h := range map[string]http.Handler{"chi": chiRouter(auth), "ServeMux": mux} {
		srv := httptest.NewServer(h)
		for _, tt := range tests {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if tt.role != "" {
				req.Header.Set("Authorization", "Bearer "+sessions[tt.role])
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s: %s %s as %q = %d, want %d", name, tt.method, tt.path, tt.role, resp.StatusCode, tt.want)
			}
			if tt.want == 200 && !strings.HasPrefix(string(body), "hello user-test-") {
				t.Errorf("%s: GET /me = %q", name, body)
			}
		}
		srv.Close()
	}
}

// TestFleetSnippet runs the fleet snippet against a real redis-server: the
// replica is ready once it loaded the fleet's revocations.
func TestFleetSnippet(t *testing.T) {
	srv := redistest.Start(t)
	stytch := stytchtest.NewServer(stytchtest.Config{})
	defer stytch.Close()
	auth, store, err := newFleetAuthenticator(t.Context(), stytch.Client(), srv.URL(), stytch.Secret)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	defer auth.Close()
	if st := auth.Status(); !st.Ready() || st.Fleet == nil || !st.Fleet.Connected {
		t.Fatalf("Status = %+v, want ready and connected", st)
	}
}

// TestReadmeShowsTheseSnippets checks that every Go block of README.md is
// in this file, so that the README shows only code that compiles and runs.
func TestReadmeShowsTheseSnippets(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(readme))
	if len(blocks) < 4 {
		t.Fatalf("README.md has %d Go blocks, want the set-up, chi, net/http and testing snippets", len(blocks))
	}
	code := normalize(string(self))
	for _, b := range blocks {
		if !strings.Contains(code, normalize(b)) {
			t.Errorf("README.md shows Go code that is not in readme_test.go:\n%s", b)
		}
	}
}

// goBlocks returns the bodies of the ```go fenced blocks of a Markdown text.
func goBlocks(md string) []string {
	var blocks []string
	for {
		_, rest, found := strings.Cut(md, "\n```go\n")
		if !found {
			return blocks
		}
		block, after, closed := strings.Cut(rest, "\n```")
		if !closed {
			return append(blocks, rest)
		}
		blocks = append(blocks, block)
		md = after
	}
}

// normalize trims every line and drops blank ones, so that indentation
// and spacing do not count.
func normalize(code string) string {
	var out []string
	for _, line := range strings.Split(code, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestTelemetrySnippet runs the OpenTelemetry snippet against the
// emulator: the Authenticator it builds accepts a session.
func TestTelemetrySnippet(t *testing.T) {
	stytch := stytchtest.NewServer(stytchtest.Config{})
	defer stytch.Close()
	t.Setenv("STYTCH_PROJECT_ID", stytch.ProjectID)
	t.Setenv("STYTCH_SECRET", stytch.Secret)
	t.Setenv("STYTCH_API_URL", stytch.URL)
	auth, tel, err := withTelemetry(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Close()
	defer auth.Close()
	user, err := stytch.CreateUser(t.Context(), stytchtest.UserParams{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	grant, err := stytch.CreateSession(t.Context(), stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "stytch_session", Value: grant.SessionToken}) // a remote call, through the Transport
	rec := httptest.NewRecorder()
	auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// TestIntrospectionSnippet: the Authenticator the snippet builds refuses a
// revoked Connected Apps token.
func TestIntrospectionSnippet(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()
	auth, err := withIntrospection(t.Context(), srv.Client(), "connected-app-test-readme", "")
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	user, err := srv.CreateUser(t.Context(), stytchtest.UserParams{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.CreateAccessToken(t.Context(), stytchtest.AccessTokenParams{Subject: user.UserID, ClientID: "connected-app-test-readme"})
	if err != nil {
		t.Fatal(err)
	}
	check := auth.RequireBearer(middleware.Authenticated().OrMachine())
	if _, err := check(t.Context(), []string{"Bearer " + tok}); err != nil {
		t.Fatal(err)
	}
	revoked, err := srv.CreateAccessToken(t.Context(), stytchtest.AccessTokenParams{Subject: user.UserID, ClientID: "connected-app-test-readme"})
	if err != nil {
		t.Fatal(err)
	}
	srv.RevokeAccessToken(revoked)
	if _, err := check(t.Context(), []string{"Bearer " + revoked}); middleware.CodeOf(err) != middleware.ErrInvalidToken {
		t.Fatalf("revoked token: err = %v, want invalid_token", err)
	}
	if n := srv.Requests(stytchtest.EndpointIntrospect); n != 2 {
		t.Fatalf("%d introspections, want 2", n)
	}
}

// TestMCPSnippet: the snippet's routes serve the metadata and challenge
// a request without a token with its URL.
func TestMCPSnippet(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()
	mux := http.NewServeMux()
	server := mcp.NewServer(&mcp.Implementation{Name: "documents", Version: "v1"}, nil)
	list := func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, []string, error) {
		return nil, []string{"roadmap"}, nil
	}
	auth, err := mcpRoutes(t.Context(), srv.Client(), mux, server, &mcp.Tool{Name: "list_documents"}, list)
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader("{}")))
	if want := `Bearer realm="stytch", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"`; rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != want {
		t.Fatalf("%d %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/oauth-protected-resource/mcp", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"authorization_servers":["`+srv.URL+`"]`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
