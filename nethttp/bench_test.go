package nethttp_test

import (
	"net/http"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
)

// BenchmarkServeMux measures what the table adds to the mux: the guard in
// front of each handler, on Public patterns so that no authentication is
// measured. Compare with http.ServeMux alone.
func BenchmarkServeMux(b *testing.B) {
	f := routertest.New(b)
	rules := documentRules()
	for k := range rules {
		rules[k] = middleware.Public()
	}
	table, err := nethttp.New(nethttp.Config{Authenticator: f.Auth, Rules: rules})
	if err != nil {
		b.Fatal(err)
	}
	plain := http.NewServeMux()
	documentRoutes(plain)
	for _, path := range []string{"/documents/7", "/teams/t1/files/a/b.txt"} {
		for name, h := range map[string]http.Handler{"mux": plain, "mux+table": documentMux(table)} {
			b.Run(path+"/"+name, func(b *testing.B) { routertest.Serve(b, h, path) })
		}
	}
}
