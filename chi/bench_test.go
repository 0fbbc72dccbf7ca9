package stytchchi_test

import (
	"net/http"
	"testing"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/internal/routertest"
)

// BenchmarkMiddleware measures what the table adds to routing: the
// look-ahead match and the rule lookup, on Public routes so that no
// authentication is measured. Compare with the router alone.
func BenchmarkMiddleware(b *testing.B) {
	f := routertest.New(b)
	rules := documentRules()
	for k := range rules {
		rules[k] = stytchchi.Public()
	}
	table, err := stytchchi.New(stytchchi.Config{Authenticator: f.Auth, Rules: rules})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/documents/7", "/teams/t1/files/f2"} {
		for name, h := range map[string]http.Handler{
			"router":       documentRouter(table),
			"router+table": documentRouter(table, table.Middleware),
		} {
			b.Run(path+"/"+name, func(b *testing.B) { routertest.Serve(b, h, path) })
		}
	}
}
