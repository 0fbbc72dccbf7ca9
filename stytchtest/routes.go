package stytchtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// Endpoint names a Stytch endpoint of the emulator, for fault injection and
// request counters. Its value is the name the admin API uses.
type Endpoint string

// The endpoints the emulator serves.
const (
	EndpointGet                 Endpoint = "get"                   // GET /v1/sessions
	EndpointAuthenticate        Endpoint = "authenticate"          // POST /v1/sessions/authenticate
	EndpointRevoke              Endpoint = "revoke"                // POST /v1/sessions/revoke
	EndpointMigrate             Endpoint = "migrate"               // POST /v1/sessions/migrate
	EndpointExchangeAccessToken Endpoint = "exchange_access_token" // POST /v1/sessions/exchange_access_token
	EndpointJWKS                Endpoint = "jwks"                  // GET /v1/sessions/jwks/{project_id}
	EndpointAttest              Endpoint = "attest"                // POST /v1/sessions/attest
	EndpointPolicy              Endpoint = "policy"                // GET /v1/rbac/policy
)

// endpoints lists every endpoint.
var endpoints = []Endpoint{EndpointGet, EndpointAuthenticate, EndpointRevoke, EndpointMigrate,
	EndpointExchangeAccessToken, EndpointJWKS, EndpointAttest, EndpointPolicy}

func (e Endpoint) valid() bool {
	for _, known := range endpoints {
		if e == known {
			return true
		}
	}
	return false
}

// handler answers one route: a body to write with status 200, or an error.
type handler func(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError)

// route is one path the emulator serves.
type route struct {
	pattern  string // for logs: never the raw path
	method   string
	endpoint Endpoint // "" for the admin API
	public   bool     // served without credentials
	handle   handler
}

// jwksPrefix starts the path of the JWKS endpoint; the project id follows.
const jwksPrefix = "/v1/sessions/jwks/"

func (s *Server) routeTable() map[string]*route {
	routes := []*route{
		{pattern: "/v1/sessions", method: http.MethodGet, endpoint: EndpointGet, handle: s.handleGet},
		{pattern: "/v1/sessions/authenticate", method: http.MethodPost, endpoint: EndpointAuthenticate, handle: s.handleAuthenticate},
		{pattern: "/v1/sessions/revoke", method: http.MethodPost, endpoint: EndpointRevoke, handle: s.handleRevoke},
		{pattern: "/v1/sessions/migrate", method: http.MethodPost, endpoint: EndpointMigrate, handle: s.handleMigrate},
		{pattern: "/v1/sessions/exchange_access_token", method: http.MethodPost, endpoint: EndpointExchangeAccessToken, handle: s.handleExchangeAccessToken},
		{pattern: "/v1/sessions/attest", method: http.MethodPost, endpoint: EndpointAttest, handle: s.handleAttest},
		{pattern: jwksPrefix + "{project_id}", method: http.MethodGet, endpoint: EndpointJWKS, public: true, handle: s.handleJWKS},
		{pattern: "/v1/rbac/policy", method: http.MethodGet, endpoint: EndpointPolicy, handle: s.handlePolicy},
		{pattern: "/emulator/users", method: http.MethodPost, handle: s.adminCreateUser},
		{pattern: "/emulator/sessions", method: http.MethodPost, handle: s.adminCreateSession},
		{pattern: "/emulator/policy", method: http.MethodPut, handle: s.adminSetPolicy},
		{pattern: "/emulator/keys/rotate", method: http.MethodPost, handle: s.adminRotateKeys},
		{pattern: "/emulator/keys/drop-old", method: http.MethodPost, handle: s.adminDropOldKeys},
		{pattern: "/emulator/clock/advance", method: http.MethodPost, handle: s.adminAdvanceClock},
		{pattern: "/emulator/external-tokens", method: http.MethodPost, handle: s.adminRegisterExternalToken},
	}
	table := make(map[string]*route, len(routes))
	for _, rt := range routes {
		table[rt.pattern] = rt
	}
	return table
}

// collapseSlashes turns every run of "/" into one: Stytch's Go SDK asks for
// //v1/sessions/jwks/… when its base URL ends in a slash.
func collapseSlashes(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// match finds the route of r, setting the path value project_id for JWKS.
func (s *Server) match(r *http.Request) (*route, *client.StytchError) {
	path := collapseSlashes(r.URL.Path)
	rt := s.routes[path]
	if rest, isJWKS := strings.CutPrefix(path, jwksPrefix); isJWKS && rest != "" && !strings.Contains(rest, "/") {
		rt = s.routes[jwksPrefix+"{project_id}"]
		r.SetPathValue("project_id", rest)
	}
	if rt == nil {
		return nil, apiError(http.StatusNotFound, client.ErrRouteNotFound, "There is no route at this path.")
	}
	if r.Method != rt.method {
		return rt, apiError(http.StatusMethodNotAllowed, client.ErrMethodNotAllowed, "This route only accepts %s.", rt.method)
	}
	return rt, nil
}

// authorized checks HTTP Basic credentials in constant time (the lengths of
// the hashes, not of the secrets, are compared).
func (s *Server) authorized(r *http.Request) bool {
	user, password, found := r.BasicAuth()
	u, p := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(password))
	okUser := subtle.ConstantTimeCompare(u[:], s.idHash[:])
	okPassword := subtle.ConstantTimeCompare(p[:], s.secretHash[:])
	return found && okUser&okPassword == 1
}

// serveHTTP routes a request: faults first (as if Stytch itself were
// failing), then credentials, then the endpoint.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := s.newID("request-id")
	rec := &statusRecorder{ResponseWriter: w}
	rt, routeErr := s.match(r)
	pattern := "unmatched"
	if rt != nil {
		pattern = rt.pattern
	}
	defer func() {
		s.logger.Info("stytchtest request", "method", r.Method, "route", pattern, "status", rec.status,
			"request_id", requestID, "duration", time.Since(start))
	}()
	if routeErr != nil {
		if routeErr.StatusCode == http.StatusMethodNotAllowed {
			rec.Header().Set("Allow", rt.method)
		}
		writeError(rec, requestID, routeErr)
		return
	}
	if rt.endpoint != "" {
		if f := s.arrive(rt.endpoint); f != nil && s.playFault(rec, r, f, requestID) {
			return
		}
	}
	if !rt.public && !s.authorized(r) {
		writeError(rec, requestID, apiError(http.StatusUnauthorized, client.ErrUnauthorizedCredentials, msgUnauthorized))
		return
	}
	body, apiErr := rt.handle(rec, r, requestID)
	if apiErr != nil {
		writeError(rec, requestID, apiErr)
		return
	}
	writeJSON(rec, http.StatusOK, body)
}

// statusRecorder remembers the status written, for the request log. It
// unwraps to the connection's writer, so hijacking still works.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
