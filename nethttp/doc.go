// Package nethttp puts Stytch authentication and RBAC authorization in front
// of a Go 1.22+ http.ServeMux, route by route, from one table.
//
// A RouteTable maps each ServeMux pattern ("GET /documents/{id}") to a Rule:
// Require(resource, action), Authenticated(), Optional() or Public(). Its
// Handler wraps the mux: before the mux serves a request, the table asks the
// mux which pattern will serve it (http.ServeMux.Handler, the same matcher
// ServeHTTP uses) and applies that pattern's rule with a
// middleware.Authenticator. A pattern without a rule is refused with 403 by
// default, so a route added without a rule is closed rather than open, and
// Audit lists such patterns (use ServeMux, which records what is registered
// on it) so a test or a start-up check fails before one ships. Validate
// checks every rule against the loaded RBAC policy, so a misspelt resource
// or action is found before it denies every request.
//
// The Rule type, ValidateRules and AuditError are shared with the chi
// adapter (package stytchchi).
package nethttp
