package nethttp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
)

// echo answers with the pattern the mux served, the user, the id path value
// and the roles that granted the check.
func echo(w http.ResponseWriter, r *http.Request) {
	roles := ""
	if v := middleware.VerdictFrom(r.Context()); v != nil {
		roles = strings.Join(v.GrantingRoles, ",")
	}
	fmt.Fprintf(w, "pattern=%s user=%t id=%s roles=%s", r.Pattern, middleware.UserID(r.Context()) != "", r.PathValue("id"), roles)
}

// documentRules covers every pattern of documentMux but GET /forgotten.
func documentRules() nethttp.Rules {
	return nethttp.Rules{
		"GET /healthz":                    nethttp.Public(),
		"GET /me":                         nethttp.Authenticated(),
		"GET /feed":                       nethttp.Optional(),
		"GET /documents":                  nethttp.Require("documents", "read"),
		"POST /documents":                 nethttp.Require("documents", "create"),
		"GET /documents/{id}":             nethttp.Require("documents", "read"),
		"DELETE /documents/{id}":          nethttp.Require("documents", "delete"),
		"/admin/":                         nethttp.Require("documents", "update"),
		"GET /teams/{team}/files/{id...}": nethttp.Require("documents", "read"),
		"GET /static/":                    nethttp.Public(),
		"GET example.com/documents/{id}":  nethttp.Require("documents", "delete"),
	}
}

// documentMux registers patterns of every shape: methods, wildcards, a
// remainder wildcard, a host, a sub-mux mounted under a prefix, a file
// server, and one pattern without a rule.
func documentMux() *nethttp.ServeMux {
	mux := nethttp.NewServeMux()
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

// errorType decodes the error_type of a JSON refusal.
func errorType(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		ErrorType string `json:"error_type"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("refusal body %q is not JSON: %v", body, err)
	}
	return e.ErrorType
}

func TestRouteTable(t *testing.T) {
	f := newFixture(t)
	table := newTable(t, nethttp.Config{Authenticator: f.auth, Rules: documentRules()})
	ts := httptest.NewServer(table.Handler(documentMux()))
	defer ts.Close()

	forbidden := string(middleware.ErrForbidden)
	tests := []struct {
		method, path, who string
		status            int
		body              string // a substring of the body; for a refusal, its error_type
		allow             string
	}{
		{"GET", "/healthz", "", 200, "pattern=GET /healthz user=false", ""},
		{"GET", "/me", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/me", "user", 200, "pattern=GET /me user=true", ""},
		{"GET", "/feed", "", 200, "pattern=GET /feed user=false", ""},
		{"GET", "/feed", "user", 200, "pattern=GET /feed user=true", ""},
		{"GET", "/documents", "user", 403, forbidden, ""},
		{"GET", "/documents", "reader", 200, "pattern=GET /documents user=true id= roles=reader", ""},
		{"POST", "/documents", "reader", 403, forbidden, ""},
		{"POST", "/documents", "editor", 200, "roles=editor", ""},
		{"GET", "/documents/7", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/documents/7", "reader", 200, "pattern=GET /documents/{id} user=true id=7 roles=reader", ""},
		{"HEAD", "/documents/7", "", 401, "", ""}, // GET patterns serve HEAD: the GET rule applies
		{"HEAD", "/documents/7", "reader", 200, "", ""},
		{"GET", "/documents/a%2Fb", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/documents/a%2Fb", "reader", 200, "id=a/b", ""},
		{"DELETE", "/documents/7", "editor", 403, forbidden, ""},
		{"DELETE", "/documents/7", "admin", 200, "roles=admin", ""},
		{"GET", "/admin/stats", "reader", 403, forbidden, ""},
		{"GET", "/admin/stats", "admin", 200, "pattern=GET /stats user=true", ""}, // the sub-mux's own pattern
		{"GET", "/teams/t1/files/a/b.txt", "", 401, string(middleware.ErrNoCredential), ""},
		{"GET", "/teams/t1/files/a/b.txt", "reader", 200, "pattern=GET /teams/{team}/files/{id...} user=true id=a/b.txt", ""},
		{"GET", "/static/hello.txt", "", 200, "hello", ""},
		{"GET", "/forgotten", "admin", 403, string(middleware.ErrNoRule), ""},
		{"GET", "/documents/../forgotten", "", 403, string(middleware.ErrNoRule), ""}, // a redirect is judged by its target
		{"GET", "/nowhere", "admin", 404, "404 page not found", ""},
		{"PATCH", "/documents/7", "admin", 405, "", "DELETE, GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path+" as "+tc.who, func(t *testing.T) {
			status, allow, body := f.call(t, ts, tc.method, tc.path, tc.who)
			if status != tc.status {
				t.Fatalf("status %d, want %d (body %q)", status, tc.status, body)
			}
			if allow != tc.allow {
				t.Errorf("Allow %q, want %q", allow, tc.allow)
			}
			switch {
			case tc.method == "HEAD":
			case status == 401 || status == 403:
				if got := errorType(t, body); got != tc.body {
					t.Errorf("error_type %q, want %q", got, tc.body)
				}
			case !strings.Contains(body, tc.body):
				t.Errorf("body %q, want it to hold %q", body, tc.body)
			}
		})
	}
}

// TestRouteTableHost: the pattern the mux picks depends on the host, and so
// does the rule.
func TestRouteTableHost(t *testing.T) {
	f := newFixture(t)
	table := newTable(t, nethttp.Config{Authenticator: f.auth, Rules: documentRules()})
	ts := httptest.NewServer(table.Handler(documentMux()))
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
		req.Header.Set("Authorization", "Bearer "+f.jwt[tc.who])
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
	f := newFixture(t)
	table := newTable(t, nethttp.Config{Authenticator: f.auth, Rules: documentRules(), AllowUnmapped: true})
	// A plain http.ServeMux works as well as the recording one.
	std := http.NewServeMux()
	std.HandleFunc("GET /documents/{id}", echo)
	std.HandleFunc("GET /forgotten", echo)
	ts := httptest.NewServer(table.Handler(std))
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
		if status, _, body := f.call(t, ts, "GET", tc.path, tc.who); status != tc.status {
			t.Errorf("GET %s as %q: status %d, want %d (body %q)", tc.path, tc.who, status, tc.status, body)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	f := newFixture(t)
	for name, cfg := range map[string]nethttp.Config{
		"no authenticator":       {Rules: nethttp.Rules{"/": nethttp.Public()}},
		"no rules":               {Authenticator: f.auth},
		"zero rule":              {Authenticator: f.auth, Rules: nethttp.Rules{"GET /x": {}}},
		"require without action": {Authenticator: f.auth, Rules: nethttp.Rules{"GET /x": nethttp.Require("documents", "")}},
		"not a pattern":          {Authenticator: f.auth, Rules: nethttp.Rules{"GET": nethttp.Public()}},
		"padded pattern":         {Authenticator: f.auth, Rules: nethttp.Rules{" GET /x": nethttp.Public()}},
	} {
		if _, err := nethttp.New(cfg); !errors.Is(err, nethttp.ErrInvalidConfig) {
			t.Errorf("%s: New: %v, want ErrInvalidConfig", name, err)
		}
	}
}
