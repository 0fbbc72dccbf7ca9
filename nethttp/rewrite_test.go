package nethttp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
)

// stripParams drops ";…" path parameters (";jsessionid=…") from the URL's
// path.
func stripParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := strings.IndexByte(r.URL.Path, ';'); i >= 0 {
			r.URL.Path, r.URL.RawPath = r.URL.Path[:i], ""
		}
		next.ServeHTTP(w, r)
	})
}

// passOn returns a handler that rewrites the request's path with rewrite
// and hands it to next, as an alias or a legacy route does.
func passOn(next http.Handler, rewrite func(r *http.Request) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = rewrite(r), ""
		next.ServeHTTP(w, r2)
	}
}

// TestRouteTableRewritingHandlers: the rule that runs is the one of the
// pattern whose handler runs, however the request reached the mux: through
// a middleware that rewrote its path, through a handler that rewrote it and
// passed it on to the mux or to a nested one, through http.StripPrefix to
// a nested mux (whose own table's rules apply after the mount's), or to a
// plain nested mux (the mount's rule covers it).
func TestRouteTableRewritingHandlers(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: nethttp.Rules{
		"GET /reports/{name}":       middleware.Public(),
		"GET /reports/payroll":      middleware.Permission("documents", "delete"),
		"GET /latest":               middleware.Public(),
		"/admin/":                   middleware.Permission("documents", "update"),
		"GET /docs/":                middleware.Authenticated(),
		"GET /docs-alias/{name}":    middleware.Public(),
		"GET /reports-alias/{name}": middleware.Public(),
	}})
	docsTable := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: nethttp.Rules{
		"GET /{name}":   middleware.Public(),
		"GET /internal": middleware.Permission("documents", "delete"),
	}})

	mux := table.NewServeMux()
	mux.HandleFunc("GET /reports/{name}", echo)
	mux.HandleFunc("GET /reports/payroll", echo)
	mux.HandleFunc("GET /latest", passOn(mux, func(*http.Request) string { return "/reports/payroll" }))
	mux.HandleFunc("GET /reports-alias/{name}", passOn(mux, func(r *http.Request) string { return "/reports/" + r.PathValue("name") }))
	admin := http.NewServeMux()
	admin.HandleFunc("GET /stats", echo)
	mux.Handle("/admin/", http.StripPrefix("/admin", admin))
	docs := docsTable.NewServeMux()
	docs.HandleFunc("GET /{name}", echo)
	docs.HandleFunc("GET /internal", echo)
	mux.Handle("GET /docs/", http.StripPrefix("/docs", docs))
	mux.HandleFunc("GET /docs-alias/{name}", passOn(docs, func(r *http.Request) string { return "/" + r.PathValue("name") }))
	ts := httptest.NewServer(stripParams(mux))
	defer ts.Close()

	noCredential, forbidden := string(middleware.ErrNoCredential), string(middleware.ErrForbidden)
	f.Run(t, ts, []routertest.Case{
		// A middleware in front rewrites the path: the mux serves, and
		// judges, the rewritten one.
		{Method: "GET", Path: "/reports/payroll;v=1", Status: 401, Body: noCredential},
		{Method: "GET", Path: "/reports/payroll;v=1", Who: "admin", Status: 200, Body: "pattern=GET /reports/payroll user=true"},
		{Method: "GET", Path: "/reports/q3;v=1", Status: 200, Body: "pattern=GET /reports/{name} user=false"},
		// A handler passes the request on to the mux under another path:
		// that path's handler runs behind its own rule.
		{Method: "GET", Path: "/latest", Status: 401, Body: noCredential},
		{Method: "GET", Path: "/latest", Who: "editor", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/latest", Who: "admin", Status: 200, Body: "pattern=GET /reports/payroll user=true"},
		{Method: "GET", Path: "/reports-alias/payroll", Status: 401, Body: noCredential},
		{Method: "GET", Path: "/reports-alias/q3", Status: 200, Body: "pattern=GET /reports/{name} user=false"},
		// A plain mux mounted with StripPrefix: the mount's rule covers it.
		{Method: "GET", Path: "/admin/stats", Who: "editor", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/admin/stats", Who: "admin", Status: 200, Body: "pattern=GET /stats user=true"},
		// A mux of another table mounted with StripPrefix: the mount's rule,
		// then the inner pattern's.
		{Method: "GET", Path: "/docs/readme", Status: 401, Body: noCredential},
		{Method: "GET", Path: "/docs/readme", Who: "user", Status: 200, Body: "pattern=GET /{name} user=true"},
		{Method: "GET", Path: "/docs/internal", Who: "user", Status: 403, Body: forbidden},
		{Method: "GET", Path: "/docs/internal", Who: "admin", Status: 200, Body: "pattern=GET /internal user=true"},
		// A handler passes the request on to the nested mux: the inner
		// pattern's rule.
		{Method: "GET", Path: "/docs-alias/readme", Status: 200, Body: "pattern=GET /{name} user=false"},
		{Method: "GET", Path: "/docs-alias/internal", Status: 401, Body: noCredential},
		{Method: "GET", Path: "/docs-alias/internal", Who: "admin", Status: 200, Body: "pattern=GET /internal user=true"},
	})
}
