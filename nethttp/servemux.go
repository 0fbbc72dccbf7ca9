package nethttp

import (
	"net/http"
	"sync"
)

// ServeMux is an http.ServeMux that remembers the patterns registered on
// it, so that RouteTable.Audit can list those without a rule (an
// http.ServeMux cannot be walked). Its zero value is ready to use; do not
// copy it after first use.
type ServeMux struct {
	mux      http.ServeMux
	mu       sync.Mutex
	patterns []string
}

// NewServeMux returns an empty ServeMux.
func NewServeMux() *ServeMux { return new(ServeMux) }

// Handle registers handler for pattern, as http.ServeMux.Handle does
// (including its panic on an invalid or conflicting pattern), and records
// the pattern.
func (m *ServeMux) Handle(pattern string, handler http.Handler) {
	m.mux.Handle(pattern, handler)
	m.record(pattern)
}

// HandleFunc registers handler for pattern, as http.ServeMux.HandleFunc
// does, and records the pattern.
func (m *ServeMux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	m.mux.HandleFunc(pattern, handler)
	m.record(pattern)
}

func (m *ServeMux) record(pattern string) {
	m.mu.Lock()
	m.patterns = append(m.patterns, pattern)
	m.mu.Unlock()
}

// Patterns returns the registered patterns, in registration order.
func (m *ServeMux) Patterns() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.patterns...)
}

// Handler returns the handler and the pattern that will serve r, as
// http.ServeMux.Handler does.
func (m *ServeMux) Handler(r *http.Request) (h http.Handler, pattern string) {
	return m.mux.Handler(r)
}

// ServeHTTP serves r with the handler of the pattern that matches it.
func (m *ServeMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mux.ServeHTTP(w, r)
}
