package stytchchi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	stytchchi "github.com/stytchmw/stytchmw/chi"
)

// BenchmarkMiddleware measures what the table adds to routing: the
// look-ahead match and the rule lookup, on Public routes so that no
// authentication is measured. Compare with the router alone.
func BenchmarkMiddleware(b *testing.B) {
	f := newFixture(b)
	rules := documentRules()
	for k := range rules {
		rules[k] = stytchchi.Public()
	}
	table, err := stytchchi.New(stytchchi.Config{Authenticator: f.auth, Rules: rules})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/documents/7", "/teams/t1/files/f2"} {
		for name, h := range map[string]http.Handler{
			"router":       documentRouter(table),
			"router+table": documentRouter(table, table.Middleware),
		} {
			b.Run(path+"/"+name, func(b *testing.B) {
				req := httptest.NewRequest("GET", path, nil)
				w := httptest.NewRecorder()
				b.ReportAllocs()
				for b.Loop() {
					w.Body.Reset()
					h.ServeHTTP(w, req)
				}
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			})
		}
	}
}
