package stytchotel

import "strings"

// endpoint is one Stytch API operation: the method and path template it is
// sent as, and the name the stytch.endpoint attribute gives it.
type endpoint struct {
	method   string // "" matches any method
	template string // the path from /v1/ on; "{name}" matches one non-empty segment
	name     string
	segments []string
}

// endpoints are the operations of the Stytch API that stytchmw calls, and
// the ones its emulator serves. A path that matches none is recorded with
// stytch.endpoint "other" and no template.
var endpoints = compile([]endpoint{
	{method: "GET", template: "/v1/sessions", name: "sessions.get"},
	{method: "POST", template: "/v1/sessions/authenticate", name: "sessions.authenticate"},
	{method: "POST", template: "/v1/sessions/revoke", name: "sessions.revoke"},
	{method: "POST", template: "/v1/sessions/migrate", name: "sessions.migrate"},
	{method: "POST", template: "/v1/sessions/exchange_access_token", name: "sessions.exchange_access_token"},
	{method: "POST", template: "/v1/sessions/attest", name: "sessions.attest"},
	{method: "GET", template: "/v1/sessions/jwks/{project_id}", name: "sessions.jwks"},
	{method: "GET", template: "/v1/rbac/policy", name: "rbac.policy"},

	{method: "GET", template: "/v1/b2b/sessions", name: "b2b.sessions.get"},
	{method: "POST", template: "/v1/b2b/sessions/authenticate", name: "b2b.sessions.authenticate"},
	{method: "POST", template: "/v1/b2b/sessions/revoke", name: "b2b.sessions.revoke"},
	{method: "POST", template: "/v1/b2b/sessions/exchange", name: "b2b.sessions.exchange"},
	{method: "POST", template: "/v1/b2b/sessions/exchange_access_token", name: "b2b.sessions.exchange_access_token"},
	{method: "POST", template: "/v1/b2b/sessions/attest", name: "b2b.sessions.attest"},
	{method: "POST", template: "/v1/b2b/sessions/migrate", name: "b2b.sessions.migrate"},
	{method: "GET", template: "/v1/b2b/sessions/jwks/{project_id}", name: "b2b.sessions.jwks"},
	{method: "GET", template: "/v1/b2b/rbac/policy", name: "b2b.rbac.policy"},
	{method: "GET", template: "/v1/b2b/rbac/organizations/{organization_id}", name: "b2b.rbac.organization_policy.get"},
	{method: "PUT", template: "/v1/b2b/rbac/organizations/{organization_id}", name: "b2b.rbac.organization_policy.set"},
	{method: "POST", template: "/v1/b2b/organizations", name: "b2b.organizations.create"},
	{method: "GET", template: "/v1/b2b/organizations/{organization_id}", name: "b2b.organizations.get"},
	{method: "POST", template: "/v1/b2b/organizations/{organization_id}/members", name: "b2b.organizations.members.create"},
	{method: "GET", template: "/v1/b2b/organizations/{organization_id}/member", name: "b2b.organizations.members.get"},

	{method: "POST", template: "/v1/m2m/clients", name: "m2m.clients.create"},
	{method: "GET", template: "/v1/m2m/clients/{client_id}", name: "m2m.clients.get"},
	{method: "POST", template: "/v1/public/{project_id}/oauth2/token", name: "oauth2.token"},
	{method: "POST", template: "/v1/public/{project_id}/oauth2/introspect", name: "oauth2.introspect"},
})

// otherEndpoint names a request to a path no endpoint matches.
const otherEndpoint = "other"

func compile(eps []endpoint) []endpoint {
	for i := range eps {
		eps[i].segments = strings.Split(strings.TrimPrefix(eps[i].template, "/"), "/")
	}
	return eps
}

// pathID is an id a matched path holds, by its template name.
type pathID struct{ name, value string }

// match finds the endpoint of a request. path is the URL's escaped path:
// Stytch's own hosts serve /v1/… at the root, and a proxy or custom domain
// may mount it under a prefix, so the API path starts at the first "/v1/".
// The ids the path holds are returned only when ids is true. It allocates
// nothing unless ids is true and the path holds one.
func match(method, path string, ids bool) (*endpoint, []pathID) {
	i := strings.Index(path, "/v1/")
	if i < 0 {
		return nil, nil
	}
	path = path[i+1:]
	for e := range endpoints {
		ep := &endpoints[e]
		if ep.method != "" && ep.method != method {
			continue
		}
		if ok := ep.matches(path); ok {
			if !ids {
				return ep, nil
			}
			return ep, ep.ids(path)
		}
	}
	return nil, nil
}

// matches walks path's segments against the template's.
func (ep *endpoint) matches(path string) bool {
	for n, want := range ep.segments {
		seg, rest, found := strings.Cut(path, "/")
		if last := n == len(ep.segments)-1; last == found {
			return false // the path is longer or shorter than the template
		}
		switch {
		case isParam(want):
			if seg == "" {
				return false
			}
		case seg != want:
			return false
		}
		path = rest
	}
	return true
}

// ids returns the values of the template's parameters in path (which
// matches it).
func (ep *endpoint) ids(path string) []pathID {
	var out []pathID
	for _, want := range ep.segments {
		seg, rest, _ := strings.Cut(path, "/")
		if isParam(want) {
			out = append(out, pathID{name: want[1 : len(want)-1], value: seg})
		}
		path = rest
	}
	return out
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}
