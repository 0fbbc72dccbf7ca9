package stytchchi_test

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	stytchchi "github.com/stytchmw/stytchmw/chi"
	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
)

// BenchmarkRouter measures what the table adds to routing: the guard in
// front of each handler, on Public routes so that no authentication is
// measured. Compare with chi's router alone.
func BenchmarkRouter(b *testing.B) {
	f := routertest.New(b)
	rules := documentRules()
	for k := range rules {
		rules[k] = middleware.Public()
	}
	table, err := stytchchi.New(stytchchi.Config{Authenticator: f.Auth, Rules: rules})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/documents/7", "/teams/t1/files/f2"} {
		for name, h := range map[string]http.Handler{
			"router":       documentRouter(func() chi.Router { return chi.NewRouter() }),
			"router+table": documentRouter(table.NewRouter),
		} {
			b.Run(path+"/"+name, func(b *testing.B) { routertest.Serve(b, h, path) })
		}
	}
}
