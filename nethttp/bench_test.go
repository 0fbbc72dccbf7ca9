package nethttp_test

import (
	"net/http"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/nethttp"
)

// BenchmarkHandler measures what the table adds to the mux: the
// look-ahead match and the rule lookup, on Public patterns so that no
// authentication is measured. Compare with the mux alone.
func BenchmarkHandler(b *testing.B) {
	f := routertest.New(b)
	rules := documentRules()
	for k := range rules {
		rules[k] = nethttp.Public()
	}
	table, err := nethttp.New(nethttp.Config{Authenticator: f.Auth, Rules: rules})
	if err != nil {
		b.Fatal(err)
	}
	mux := documentMux()
	for _, path := range []string{"/documents/7", "/teams/t1/files/a/b.txt"} {
		for name, h := range map[string]http.Handler{"mux": mux, "mux+table": table.Handler(mux)} {
			b.Run(path+"/"+name, func(b *testing.B) { routertest.Serve(b, h, path) })
		}
	}
}
