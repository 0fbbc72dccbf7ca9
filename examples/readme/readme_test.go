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
	"go.uber.org/goleak"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
	stytchotel "github.com/stytchmw/stytchmw/otel"
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
	r.With(auth.Handler).Get("/me", me) // any valid session
	r.With(stytchchi.RequireAction(auth, "documents", "delete")).
		Delete("/documents/{id}", deleteDocument) // 401, 403, or the handler
	return r
}

func serveMux(auth *middleware.Authenticator) (http.Handler, error) {
	table, err := nethttp.New(nethttp.Config{Authenticator: auth, Rules: nethttp.Rules{
		"GET /me":                nethttp.Authenticated(),
		"DELETE /documents/{id}": nethttp.Require("documents", "delete"),
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
	fmt.Fprintln(w, "hello", middleware.UserID(r.Context()))
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
	return auth, tel, err
}

// The end of the README's snippets.

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
	auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}
