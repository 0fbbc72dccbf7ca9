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

// The endpoints the emulator serves. A consumer project serves the first
// group, a B2B project (Config.B2B) the second, and both serve M2M and the
// public JWKS.
const (
	EndpointGet                 Endpoint = "get"                   // GET /v1/sessions
	EndpointAuthenticate        Endpoint = "authenticate"          // POST /v1/sessions/authenticate
	EndpointRevoke              Endpoint = "revoke"                // POST /v1/sessions/revoke
	EndpointMigrate             Endpoint = "migrate"               // POST /v1/sessions/migrate
	EndpointExchangeAccessToken Endpoint = "exchange_access_token" // POST /v1/sessions/exchange_access_token
	EndpointJWKS                Endpoint = "jwks"                  // GET /v1/sessions/jwks/{project_id}
	EndpointAttest              Endpoint = "attest"                // POST /v1/sessions/attest
	EndpointPolicy              Endpoint = "policy"                // GET /v1/rbac/policy

	EndpointB2BGet          Endpoint = "b2b_get"          // GET /v1/b2b/sessions
	EndpointB2BAuthenticate Endpoint = "b2b_authenticate" // POST /v1/b2b/sessions/authenticate
	EndpointB2BRevoke       Endpoint = "b2b_revoke"       // POST /v1/b2b/sessions/revoke
	EndpointB2BExchange     Endpoint = "b2b_exchange"     // POST /v1/b2b/sessions/exchange
	// EndpointB2BExchangeAccessToken is POST /v1/b2b/sessions/exchange_access_token.
	EndpointB2BExchangeAccessToken Endpoint = "b2b_exchange_access_token"
	EndpointB2BAttest              Endpoint = "b2b_attest"    // POST /v1/b2b/sessions/attest
	EndpointB2BMigrate             Endpoint = "b2b_migrate"   // POST /v1/b2b/sessions/migrate
	EndpointB2BJWKS                Endpoint = "b2b_jwks"      // GET /v1/b2b/sessions/jwks/{project_id}
	EndpointB2BPolicy              Endpoint = "b2b_policy"    // GET /v1/b2b/rbac/policy
	EndpointOrgPolicy              Endpoint = "org_policy"    // GET and PUT /v1/b2b/rbac/organizations/{organization_id}
	EndpointOrganizations          Endpoint = "organizations" // POST /v1/b2b/organizations, GET …/{organization_id}
	EndpointMembers                Endpoint = "members"       // POST …/{organization_id}/members, GET …/{organization_id}/member

	EndpointM2MClients Endpoint = "m2m_clients"       // POST /v1/m2m/clients, GET …/{client_id}
	EndpointM2MToken   Endpoint = "oauth2_token"      // POST /v1/public/{project_id}/oauth2/token
	EndpointIntrospect Endpoint = "oauth2_introspect" // POST /v1/public/{project_id}/oauth2/introspect
	EndpointPublicJWKS Endpoint = "public_jwks"       // GET /v1/public/{project_id}/.well-known/jwks.json
)

// endpoints lists every endpoint.
var endpoints = []Endpoint{EndpointGet, EndpointAuthenticate, EndpointRevoke, EndpointMigrate,
	EndpointExchangeAccessToken, EndpointJWKS, EndpointAttest, EndpointPolicy,
	EndpointB2BGet, EndpointB2BAuthenticate, EndpointB2BRevoke, EndpointB2BExchange,
	EndpointB2BExchangeAccessToken, EndpointB2BAttest, EndpointB2BMigrate, EndpointB2BJWKS,
	EndpointB2BPolicy, EndpointOrgPolicy, EndpointOrganizations, EndpointMembers,
	EndpointM2MClients, EndpointM2MToken, EndpointIntrospect, EndpointPublicJWKS}

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

// route is one method and path the emulator serves.
type route struct {
	pattern  string // for logs: never the raw path; "{name}" segments match any non-empty segment
	method   string
	endpoint Endpoint // "" for the admin API
	public   bool     // served without credentials
	oauth    bool     // errors in the OAuth shape (RFC 6749 §5.2), not Stytch's
	handle   handler
	segments []string // pattern split at "/"
}

func (s *Server) routeTable() []*route {
	var routes []*route
	if s.b2b {
		routes = []*route{
			{pattern: "/v1/b2b/organizations", method: http.MethodPost, endpoint: EndpointOrganizations, handle: s.handleCreateOrganization},
			{pattern: "/v1/b2b/organizations/{organization_id}", method: http.MethodGet, endpoint: EndpointOrganizations, handle: s.handleGetOrganization},
			{pattern: "/v1/b2b/organizations/{organization_id}/members", method: http.MethodPost, endpoint: EndpointMembers, handle: s.handleCreateMember},
			{pattern: "/v1/b2b/organizations/{organization_id}/member", method: http.MethodGet, endpoint: EndpointMembers, handle: s.handleGetMember},
			{pattern: "/v1/b2b/sessions", method: http.MethodGet, endpoint: EndpointB2BGet, handle: s.handleB2BGet},
			{pattern: "/v1/b2b/sessions/authenticate", method: http.MethodPost, endpoint: EndpointB2BAuthenticate, handle: s.handleB2BAuthenticate},
			{pattern: "/v1/b2b/sessions/revoke", method: http.MethodPost, endpoint: EndpointB2BRevoke, handle: s.handleB2BRevoke},
			{pattern: "/v1/b2b/sessions/exchange", method: http.MethodPost, endpoint: EndpointB2BExchange, handle: s.handleB2BExchange},
			{pattern: "/v1/b2b/sessions/exchange_access_token", method: http.MethodPost, endpoint: EndpointB2BExchangeAccessToken, handle: s.handleB2BExchangeAccessToken},
			{pattern: "/v1/b2b/sessions/attest", method: http.MethodPost, endpoint: EndpointB2BAttest, handle: s.handleB2BAttest},
			{pattern: "/v1/b2b/sessions/migrate", method: http.MethodPost, endpoint: EndpointB2BMigrate, handle: s.handleB2BMigrate},
			{pattern: "/v1/b2b/sessions/jwks/{project_id}", method: http.MethodGet, endpoint: EndpointB2BJWKS, public: true, handle: s.handleJWKS},
			{pattern: "/v1/b2b/rbac/policy", method: http.MethodGet, endpoint: EndpointB2BPolicy, handle: s.handlePolicy},
			{pattern: "/v1/b2b/rbac/organizations/{organization_id}", method: http.MethodGet, endpoint: EndpointOrgPolicy, handle: s.handleGetOrgPolicy},
			{pattern: "/v1/b2b/rbac/organizations/{organization_id}", method: http.MethodPut, endpoint: EndpointOrgPolicy, handle: s.handleSetOrgPolicy},
			{pattern: "/emulator/member_sessions", method: http.MethodPost, handle: s.adminCreateMemberSession},
		}
	} else {
		routes = []*route{
			{pattern: "/v1/sessions", method: http.MethodGet, endpoint: EndpointGet, handle: s.handleGet},
			{pattern: "/v1/sessions/authenticate", method: http.MethodPost, endpoint: EndpointAuthenticate, handle: s.handleAuthenticate},
			{pattern: "/v1/sessions/revoke", method: http.MethodPost, endpoint: EndpointRevoke, handle: s.handleRevoke},
			{pattern: "/v1/sessions/migrate", method: http.MethodPost, endpoint: EndpointMigrate, handle: s.handleMigrate},
			{pattern: "/v1/sessions/exchange_access_token", method: http.MethodPost, endpoint: EndpointExchangeAccessToken, handle: s.handleExchangeAccessToken},
			{pattern: "/v1/sessions/attest", method: http.MethodPost, endpoint: EndpointAttest, handle: s.handleAttest},
			{pattern: "/v1/sessions/jwks/{project_id}", method: http.MethodGet, endpoint: EndpointJWKS, public: true, handle: s.handleJWKS},
			{pattern: "/v1/rbac/policy", method: http.MethodGet, endpoint: EndpointPolicy, handle: s.handlePolicy},
			{pattern: "/emulator/users", method: http.MethodPost, handle: s.adminCreateUser},
			{pattern: "/emulator/sessions", method: http.MethodPost, handle: s.adminCreateSession},
		}
	}
	routes = append(routes,
		&route{pattern: "/v1/m2m/clients", method: http.MethodPost, endpoint: EndpointM2MClients, handle: s.handleCreateM2MClient},
		&route{pattern: "/v1/m2m/clients/{client_id}", method: http.MethodGet, endpoint: EndpointM2MClients, handle: s.handleGetM2MClient},
		&route{pattern: "/v1/public/{project_id}/oauth2/token", method: http.MethodPost, endpoint: EndpointM2MToken, public: true, oauth: true, handle: s.handleToken},
		&route{pattern: "/v1/public/{project_id}/oauth2/introspect", method: http.MethodPost, endpoint: EndpointIntrospect, public: true, oauth: true, handle: s.handleIntrospect},
		&route{pattern: "/v1/public/{project_id}/.well-known/jwks.json", method: http.MethodGet, endpoint: EndpointPublicJWKS, public: true, handle: s.handleJWKS},
		&route{pattern: "/emulator/external-tokens", method: http.MethodPost, handle: s.adminRegisterExternalToken},
		&route{pattern: "/emulator/access-tokens", method: http.MethodPost, handle: s.adminCreateAccessToken},
		&route{pattern: "/emulator/policy", method: http.MethodPut, handle: s.adminSetPolicy},
		&route{pattern: "/emulator/keys/rotate", method: http.MethodPost, handle: s.adminRotateKeys},
		&route{pattern: "/emulator/keys/drop-old", method: http.MethodPost, handle: s.adminDropOldKeys},
		&route{pattern: "/emulator/clock/advance", method: http.MethodPost, handle: s.adminAdvanceClock},
	)
	for _, rt := range routes {
		rt.segments = strings.Split(rt.pattern, "/")
	}
	return routes
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

// matches reports whether the path's segments fit rt's pattern, and sets
// the path values of its "{name}" segments on r when they do.
func (rt *route) matches(segments []string, r *http.Request) bool {
	if len(segments) != len(rt.segments) {
		return false
	}
	for i, want := range rt.segments {
		if strings.HasPrefix(want, "{") {
			if segments[i] == "" {
				return false
			}
		} else if segments[i] != want {
			return false
		}
	}
	if r != nil {
		for i, want := range rt.segments {
			if name, isParam := strings.CutPrefix(want, "{"); isParam {
				r.SetPathValue(strings.TrimSuffix(name, "}"), segments[i])
			}
		}
	}
	return true
}

// match finds the route of r and sets its path values. A path served for
// other methods only is a 405 naming them (in allow).
func (s *Server) match(r *http.Request) (rt *route, allow string, e *client.StytchError) {
	segments := strings.Split(collapseSlashes(r.URL.Path), "/")
	var methods []string
	for _, candidate := range s.routes {
		if !candidate.matches(segments, nil) {
			continue
		}
		if candidate.method == r.Method {
			candidate.matches(segments, r)
			return candidate, "", nil
		}
		rt = candidate
		methods = append(methods, candidate.method)
	}
	if rt == nil {
		return nil, "", apiError(http.StatusNotFound, client.ErrRouteNotFound, "There is no route at this path.")
	}
	allow = strings.Join(methods, ", ")
	return rt, allow, apiError(http.StatusMethodNotAllowed, client.ErrMethodNotAllowed, "This route only accepts %s.", allow)
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
	rt, allow, routeErr := s.match(r)
	pattern := "unmatched"
	if rt != nil {
		pattern = rt.pattern
	}
	defer func() {
		s.logger.Info("stytchtest request", "method", r.Method, "route", pattern, "status", rec.status,
			"request_id", requestID, "duration", time.Since(start))
	}()
	if routeErr != nil {
		if allow != "" {
			rec.Header().Set("Allow", allow)
		}
		writeError(rec, requestID, routeErr)
		return
	}
	if rt.endpoint != "" {
		if f := s.arrive(rt.endpoint); f != nil && s.playFault(rec, r, f, requestID, rt.oauth) {
			return
		}
	}
	if !rt.public && !s.authorized(r) {
		writeError(rec, requestID, apiError(http.StatusUnauthorized, client.ErrUnauthorizedCredentials, msgUnauthorized))
		return
	}
	body, apiErr := rt.handle(rec, r, requestID)
	switch {
	case apiErr != nil && rt.oauth:
		writeOAuthError(rec, requestID, apiErr)
	case apiErr != nil:
		writeError(rec, requestID, apiErr)
	default:
		writeJSON(rec, http.StatusOK, body)
	}
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
