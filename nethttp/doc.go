// Package nethttp puts Stytch authentication and RBAC authorization in front
// of a Go 1.22+ http.ServeMux, route by route, from one table.
//
// A RouteTable maps each ServeMux pattern ("GET /documents/{id}") to a
// middleware.Rule: middleware.Permission(resource, action),
// Authenticated(), Optional() or Public(). Its
// NewServeMux returns a ServeMux that puts each handler behind its
// pattern's rule, enforced with a middleware.Authenticator, when the
// handler is registered, so the rule that runs is always the one of the
// pattern whose handler runs, however the request reached it. A pattern
// without a rule is refused with 403 by default, so a route added without
// a rule is closed rather than open, and Audit lists such patterns (the
// ServeMux records what is registered on it) so a test or a start-up check
// fails before one ships. Validate checks every rule against the loaded
// RBAC policy, so a misspelt resource or action is found before it denies
// every request.
//
// The rules are package middleware's, the same values that
// Authenticator.Require puts on a single handler and that the chi adapter
// (package stytchchi) uses.
package nethttp
