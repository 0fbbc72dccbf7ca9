package stytchchi

import (
	"net/http"

	"github.com/stytchmw/stytchmw/middleware"
)

// RequireAction returns a chi middleware that lets a request through only
// when its session's roles grant action on resource under the project's
// RBAC policy. Use it for one route with r.With, or for a group:
//
//	r.With(stytchchi.RequireAction(auth, "documents", "delete")).Delete("/documents/{id}", deleteDocument)
//
//	r.Group(func(r chi.Router) {
//		r.Use(stytchchi.RequireAction(auth, "documents", "read"))
//		r.Get("/documents", listDocuments)
//		r.Get("/documents/{id}", getDocument)
//	})
//
// It is auth.RequireAction, which authenticates the request itself when no
// earlier middleware did, so it cannot be put in the wrong order: 401 without
// a valid session, 403 (consumer_session_authorization_error) when the roles
// do not grant the action, and otherwise the verdict goes into the request
// context next to the session (middleware.VerdictFrom).
func RequireAction(auth *middleware.Authenticator, resource, action string) func(http.Handler) http.Handler {
	return auth.RequireAction(resource, action)
}
