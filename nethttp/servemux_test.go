package nethttp_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
)

func TestServeMux(t *testing.T) {
	f := routertest.New(t)
	table := newTable(t, nethttp.Config{Authenticator: f.Auth, Rules: nethttp.Rules{
		"GET /a/{id}": middleware.Public(),
		"/b/":         middleware.Authenticated(),
	}})
	mux := table.NewServeMux()
	mux.HandleFunc("GET /a/{id}", echo)
	mux.Handle("/b/", http.HandlerFunc(echo))
	for name, register := range map[string]func(){
		"conflict":    func() { mux.HandleFunc("GET /a/{id}", echo) }, // http.ServeMux panics
		"nil handler": func() { mux.HandleFunc("GET /c", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			register()
		}()
	}
	if got, want := mux.Patterns(), []string{"GET /a/{id}", "/b/"}; !slices.Equal(got, want) {
		t.Errorf("Patterns() = %q, want %q (a refused registration is not recorded)", got, want)
	}

	for path, want := range map[string]int{"/a/1": 200, "/b/1": 401} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != want {
			t.Errorf("GET %s: %d %q, want %d", path, w.Code, w.Body, want)
		}
	}
}

// TestServeMuxZeroValue: a ServeMux the table did not make cannot guard
// its handlers, so it refuses to register them.
func TestServeMuxZeroValue(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Handle on a zero ServeMux did not panic")
		}
	}()
	var mux nethttp.ServeMux
	mux.HandleFunc("GET /x", echo)
}
