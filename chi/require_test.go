package stytchchi_test

import (
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
)

func TestRequireAction(t *testing.T) {
	f := routertest.New(t)
	r := chi.NewRouter()
	r.With(f.Auth.Require(middleware.Permission("documents", "delete"))).Delete("/documents/{id}", echo)
	r.Group(func(r chi.Router) {
		r.Use(f.Auth.Require(middleware.Permission("documents", "read")))
		r.Get("/documents", echo)
		r.Get("/documents/{id}", echo)
	})
	r.Route("/drafts", func(r chi.Router) {
		r.Use(f.Auth.Require(middleware.Permission("documents", "create")))
		r.Post("/", echo)
	})
	ts := httptest.NewServer(r)
	defer ts.Close()

	tests := []struct {
		method, path, who string
		status            int
	}{
		{"DELETE", "/documents/1", "", 401},
		{"DELETE", "/documents/1", "editor", 403},
		{"DELETE", "/documents/1", "admin", 200},
		{"GET", "/documents", "", 401},
		{"GET", "/documents", "user", 403},
		{"GET", "/documents", "reader", 200},
		{"GET", "/documents/1", "reader", 200},
		{"POST", "/drafts", "reader", 403},
		{"POST", "/drafts", "editor", 200},
	}
	for _, tc := range tests {
		if status, _, body := f.Call(t, ts, tc.method, tc.path, tc.who); status != tc.status {
			t.Errorf("%s %s as %q: status %d, want %d (body %q)", tc.method, tc.path, tc.who, status, tc.status, body)
		}
	}
}
