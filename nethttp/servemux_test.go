package nethttp_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/stytchmw/stytchmw/nethttp"
)

func TestServeMux(t *testing.T) {
	var mux nethttp.ServeMux // the zero value is ready
	mux.HandleFunc("GET /a/{id}", echo)
	mux.Handle("/b/", http.HandlerFunc(echo))
	func() {
		defer func() { _ = recover() }()
		mux.HandleFunc("GET /a/{id}", echo) // a conflict: http.ServeMux panics
	}()
	if got, want := mux.Patterns(), []string{"GET /a/{id}", "/b/"}; !slices.Equal(got, want) {
		t.Errorf("Patterns() = %q, want %q (a refused registration is not recorded)", got, want)
	}

	req := httptest.NewRequest("GET", "/a/1", nil)
	if _, pattern := mux.Handler(req); pattern != "GET /a/{id}" {
		t.Errorf("Handler pattern %q", pattern)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	if w.Code != 200 || w.Body.String() != "pattern=GET /a/{id} user=false id=1 roles=" {
		t.Errorf("ServeHTTP: %d %q", w.Code, w.Body)
	}
}
