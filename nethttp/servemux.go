package nethttp

import (
	"net/http"
	"sync"
)

// ServeMux is an http.ServeMux whose every handler runs behind the rule of
// the pattern it is registered with, and which remembers the patterns
// registered on it, so that RouteTable.Audit can list those without a rule
// (an http.ServeMux cannot be walked). Make one with RouteTable.NewServeMux;
// do not copy it after first use.
type ServeMux struct {
	table    *RouteTable
	mux      http.ServeMux
	mu       sync.Mutex
	patterns []string
}

// NewServeMux returns an empty ServeMux guarded by the table. Register the
// handlers on it and serve it:
//
//	mux := table.NewServeMux()
//	mux.HandleFunc("GET /documents/{id}", getDocument)
//	http.ListenAndServe(addr, mux)
//
// Each handler is wrapped with its pattern's rule when it is registered; a
// pattern without a rule is refused with 403 unless AllowUnmapped. So the
// rule that runs is always the one of the pattern whose handler runs,
// however the request reached the mux: from the server, through
// middleware or http.StripPrefix that rewrote its path, or from another
// handler that passed it on. A request no pattern serves gets the mux's own
// 404, 405 or redirect, and no handler of the application runs.
//
// A handler registered under a pattern is one route to the table, however
// much it serves: mux.Handle("/admin/", http.StripPrefix("/admin", admin))
// puts the rule of "/admin/" in front of everything admin serves. For finer
// rules, make admin with a table of its own too; both rules then apply,
// the outer first.
func (t *RouteTable) NewServeMux() *ServeMux { return &ServeMux{table: t} }

// Handle registers handler for pattern behind the pattern's rule, as
// http.ServeMux.Handle does (including its panic on an invalid or
// conflicting pattern), and records the pattern. It panics on a ServeMux
// that RouteTable.NewServeMux did not make, which could not guard it.
func (m *ServeMux) Handle(pattern string, handler http.Handler) {
	if m.table == nil {
		panic("nethttp: ServeMux not made by RouteTable.NewServeMux; its handlers would run without their rules")
	}
	if handler == nil {
		panic("http: nil handler")
	}
	m.mux.Handle(pattern, m.table.guard(pattern, handler))
	m.mu.Lock()
	m.patterns = append(m.patterns, pattern)
	m.mu.Unlock()
}

// HandleFunc registers handler for pattern behind the pattern's rule, as
// Handle does.
func (m *ServeMux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	if handler == nil {
		panic("http: nil handler")
	}
	m.Handle(pattern, http.HandlerFunc(handler))
}

// Patterns returns the registered patterns, in registration order.
func (m *ServeMux) Patterns() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.patterns...)
}

// ServeHTTP serves r with the guarded handler of the pattern that matches
// it.
func (m *ServeMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mux.ServeHTTP(w, r)
}
