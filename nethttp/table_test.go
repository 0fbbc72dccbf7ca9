package nethttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
)

// echo answers with the pattern the mux served, the user, the id path value
// and the roles that granted the check.
func echo(w http.ResponseWriter, r *http.Request) {
	roles := ""
	a, signedIn := middleware.FromContext(r.Context())
	if signedIn && a.Verdict != nil {
		v := a.Verdict
		roles = strings.Join(v.GrantingRoles, ",")
	}
	fmt.Fprintf(w, "pattern=%s user=%t id=%s roles=%s", r.Pattern, signedIn, r.PathValue("id"), roles)
}

// documentRules covers every pattern of documentMux but GET /forgotten.
func documentRules() nethttp.Rules {
	return nethttp.Rules{
		"GET /healthz":                    middleware.Public(),
		"GET /me":                         middleware.Authenticated(),
		"GET /feed":                       middleware.Optional(),
		"GET /documents":                  middleware.Permission("documents", "read"),
		"POST /documents":                 middleware.Permission("documents", "create"),
		"GET /documents/{id}":             middleware.Permission("documents", "read"),
		"DELETE /documents/{id}":          middleware.Permission("documents", "delete"),
		"/admin/":                         middleware.Permission("documents", "update"),
		"GET /teams/{team}/files/{id...}": middleware.Permission("documents", "read"),
		"GET /static/":                    middleware.Public(),
		"GET example.com/documents/{id}":  middleware.Permission("documents", "delete"),
	}
}

// registrar is what documentRoutes registers on: a table's ServeMux, or an
// http.ServeMux for comparison.
type registrar interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// documentRoutes registers patterns of every shape: methods, wildcards, a
// remainder wildcard, a host, a sub-mux mounted under a prefix, a file
// server, and one pattern without a rule.
func documentRoutes(mux registrar) {
	mux.HandleFunc("GET /healthz", echo)
	mux.HandleFunc("GET /me", echo)
	mux.HandleFunc("GET /feed", echo)
	mux.HandleFunc("GET /documents", echo)
	mux.HandleFunc("POST /documents", echo)
	mux.HandleFunc("GET /documents/{id}", echo)
	mux.HandleFunc("DELETE /documents/{id}", echo)
	admin := http.NewServeMux()
	admin.HandleFunc("GET /stats", echo)
	mux.Handle("/admin/", http.StripPrefix("/admin", admin))
	mux.HandleFunc("GET /teams/{team}/files/{id...}", echo)
	static := fstest.MapFS{"hello.txt": {Data: []byte("hello")}}
	mux.Handle("GET /static/", http.StripPrefix("/static", http.FileServerFS(static)))
	mux.HandleFunc("GET example.com/documents/{id}", echo)
	mux.HandleFunc("GET /forgotten", echo)
}

// documentMux is the table's ServeMux with documentRoutes.
func documentMux(table *nethttp.RouteTable) *nethttp.ServeMux {
	mux := table.NewServeMux()
	documentRoutes(mux)
	return mux
}

func newTable(t *testing.T, cfg nethttp.Config) *nethttp.RouteTable {
	t.Helper()
	table, err := nethttp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return table
}

func TestRouteTable(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: documentRules()})
	ts := httptest.NewServer(documentMux(table))
	defer ts.Close()

	forbidden := string(middleware.ErrForbidden)
	f.Run(t, ts, []routertest.Case{
		{Method: "GET", Path: "/healthz", Status: 200, Body: "pattern=GET /healthz user=false"},
		{Method: "GET", Path: "/me", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/me", Who: "user", Status: 200, Body: "pattern=GET /me user=true"},
		{Method: "GET", Path: "/feed", Status: 200, Body: "pattern=GET /feed user=false"},
		{Method: "GET", Path: "/feed", Who: "user", Status: 200, Body: "pattern=GET /feed user=true"},
		{Method: "GET", Path: "/documents", Who: "user", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/documents", Who: "reader", Status: 200, Body: "pattern=GET /documents user=true id= roles=reader"},
		{Method: "POST", Path: "/documents", Who: "reader", Status: 403, Body: forbidden},
		{Method: "POST", Path: "/documents", Who: "editor", Status: 200, Body: "roles=editor"},
		{Method: "GET", Path: "/documents/7", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/documents/7", Who: "reader", Status: 200, Body: "pattern=GET /documents/{id} user=true id=7 roles=reader"},
		{Method: "HEAD", Path: "/documents/7", Status: 401}, // GET patterns serve HEAD: the GET rule applies
		{Method: "HEAD", Path: "/documents/7", Who: "reader", Status: 200},
		{Method: "GET", Path: "/documents/a%2Fb", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/documents/a%2Fb", Who: "reader", Status: 200, Body: "id=a/b"},
		{Method: "DELETE", Path: "/documents/7", Who: "editor", Status: 403, Body: forbidden},
		{Method: "DELETE", Path: "/documents/7", Who: "admin", Status: 200, Body: "roles=admin"},
		{Method: "GET", Path: "/admin/stats", Who: "reader", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/admin/stats", Who: "admin", Status: 200, Body: "pattern=GET /stats user=true"}, // the sub-mux's own pattern
		{Method: "GET", Path: "/teams/t1/files/a/b.txt", Status: 401, Body: string(middleware.ErrNoCredential)},
		{Method: "GET", Path: "/teams/t1/files/a/b.txt", Who: "reader", Status: 200, Body: "pattern=GET /teams/{team}/files/{id...} user=true id=a/b.txt"},
		{Method: "GET", Path: "/static/hello.txt", Status: 200, Body: "hello"},
		{Method: "GET", Path: "/forgotten", Who: "admin", Status: 403, Body: string(middleware.ErrNoRule)},
		{Method: "GET", Path: "/documents/../forgotten", Status: 307, Body: `href="/forgotten"`}, // the mux's own redirect: no handler runs
		{Method: "GET", Path: "/nowhere", Who: "admin", Status: 404, Body: "404 page not found"},
		{Method: "PATCH", Path: "/documents/7", Who: "admin", Status: 405, Allow: "DELETE, GET, HEAD"},
	})
}

// TestRouteTableHost: the pattern the mux picks depends on the host, and so
// does the rule.
func TestRouteTableHost(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: documentRules()})
	ts := httptest.NewServer(documentMux(table))
	defer ts.Close()
	for _, tc := range []struct {
		host, who string
		status    int
	}{
		{"", "reader", 200},            // GET /documents/{id}: read
		{"example.com", "reader", 403}, // GET example.com/documents/{id}: delete
		{"example.com", "admin", 200},
	} {
		req, err := http.NewRequest("GET", ts.URL+"/documents/7", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.host != "" {
			req.Host = tc.host
		}
		req.Header.Set("Authorization", "Bearer "+f.JWT[tc.who])
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("host %q as %s: status %d, want %d", tc.host, tc.who, resp.StatusCode, tc.status)
		}
	}
}

func TestRouteTableAllowUnmapped(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: documentRules(), AllowUnmapped: true})
	mux := table.NewServeMux()
	mux.HandleFunc("GET /documents/{id}", echo)
	mux.HandleFunc("GET /forgotten", echo)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	for _, tc := range []struct {
		path, who string
		status    int
	}{
		{"/forgotten", "", 200}, // no rule: served without authentication
		{"/documents/7", "", 401},
		{"/documents/7", "reader", 200},
		{"/nowhere", "", 404},
	} {
		if status, _, body := f.Call(t, ts, "GET", tc.path, tc.who); status != tc.status {
			t.Errorf("GET %s as %q: status %d, want %d (body %q)", tc.path, tc.who, status, tc.status, body)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	f := routertest.New(t)
	for name, cfg := range map[string]nethttp.Config{
		"no authenticator":       {Rules: nethttp.Rules{"/": middleware.Public()}},
		"no rules":               {Authenticator: f.Auth},
		"zero rule":              {Authenticator: f.Auth, Rules: nethttp.Rules{"GET /x": {}}},
		"require without action": {Authenticator: f.Auth, Rules: nethttp.Rules{"GET /x": middleware.Permission("documents", "")}},
		"not a pattern":          {Authenticator: f.Auth, Rules: nethttp.Rules{"GET": middleware.Public()}},
		"padded pattern":         {Authenticator: f.Auth, Rules: nethttp.Rules{" GET /x": middleware.Public()}},
	} {
		if _, err := nethttp.New(cfg); !errors.Is(err, nethttp.ErrInvalidConfig) {
			t.Errorf("%s: New: %v, want ErrInvalidConfig", name, err)
		}
	}
}

// TestRouteTableUnmappedThroughErrorHandler: the refusal of a pattern
// without a rule goes through the Authenticator's ErrorHandler, which may
// answer it otherwise (here 404, to hide the route).
func TestRouteTableUnmappedThroughErrorHandler(t *testing.T) {
	f := routertest.New(t)
	auth, err := middleware.New(context.Background(), middleware.Config{
		Client: f.Stytch.Client(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, status int, err error) {
			if errors.Is(err, middleware.ErrNoRule) {
				http.NotFound(w, r)
				return
			}
			middleware.WriteError(w, r, status, err)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	table := newTable(t, nethttp.Config{Authenticator: auth, Rules: documentRules()})
	ts := httptest.NewServer(documentMux(table))
	defer ts.Close()
	f.Run(t, ts, []routertest.Case{
		{Method: "GET", Path: "/forgotten", Who: "admin", Status: 404, Body: "404 page not found"},
		{Method: "GET", Path: "/documents/7", Status: 401, Body: string(middleware.ErrNoCredential)},
	})
}
