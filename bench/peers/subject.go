package peers

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
)

// Env is what every subject is configured with: the issuer of the tokens
// and the Stytch-shaped API that serves its key set.
type Env struct {
	Issuer *fixture.Issuer
	// APIURL is the base URL of the API (scheme and host, no trailing slash).
	APIURL string
}

// JWKSURL is where the project's key set is served.
func (e Env) JWKSURL() string { return e.APIURL + e.Issuer.JWKSPath() }

// Subject is one library set up to authenticate requests.
type Subject struct {
	// Name names the library in benchmark and table output.
	Name string
	// Handler authenticates a request and answers it.
	Handler http.Handler
	close   func() error
}

// Close stops what the library started (background key refreshes).
func (s *Subject) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

// Library names a library and sets it up.
type Library struct {
	Name string
	New  func(ctx context.Context, env Env) (*Subject, error)
}

// Libraries lists the subjects, peers first and stytchmw last.
var Libraries = []Library{
	{Name: "floor+http", New: newFloorSubject},
	{Name: "stytch-go", New: newStytchGo},
	{Name: "golang-jwt+keyfunc", New: newGolangJWT},
	{Name: "auth0-v2", New: newAuth0},
	{Name: "jwx-v2", New: newJWX},
	{Name: "stytchmw", New: newStytchMW},
}

// reply is the handler behind every subject, given the session it read
// from the request's context: 200 with the user id and first role, or 500
// when the subject passed the request on without a session.
func reply(w http.ResponseWriter, userID, firstRole string) {
	if userID == "" || firstRole == "" {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, userID)
	_, _ = io.WriteString(w, " ")
	_, _ = io.WriteString(w, firstRole)
}

// sessionKey is the context key of a session verified by a bearer adapter.
type sessionKey[T any] struct{}

// bearer is the adapter for libraries that verify tokens but are not HTTP
// middleware: it does what such middleware does — take the Bearer token,
// verify it, put the result in the context, call the next handler, which
// reads the session back with read.
func bearer[T any](verify func(ctx context.Context, token string) (T, error), read func(T) (userID, firstRole string)) http.Handler {
	next := func(w http.ResponseWriter, r *http.Request) {
		v, ok := r.Context().Value(sessionKey[T]{}).(T)
		if !ok {
			reply(w, "", "")
			return
		}
		userID, firstRole := read(v)
		reply(w, userID, firstRole)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		v, err := verify(r.Context(), token)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey[T]{}, v)))
	})
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, bool) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return h[len(prefix):], true
}

// firstOf returns the first role, or "" when there is none.
func firstOf(roles []string) string {
	if len(roles) == 0 {
		return ""
	}
	return roles[0]
}
