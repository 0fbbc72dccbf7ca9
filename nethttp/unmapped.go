package nethttp

import (
	"net/http"

	"github.com/stytchmw/stytchmw/middleware"
)

// refuseUnmapped answers a request for a route that has no rule: 403,
// before any authentication, through the Authenticator's ErrorHandler, with
// an error matching middleware.ErrNoRule.
func refuseUnmapped(auth *middleware.Authenticator) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Refuse(w, r, middleware.ErrNoRule)
	})
}
