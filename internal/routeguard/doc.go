// Package routeguard holds what the route tables of packages stytchchi
// (chi) and nethttp (http.ServeMux) share, so that neither adapter imports
// the other and neither exports anything only for its sibling: reading a
// middleware.Rule, building each rule's middleware once, checking the rules
// against the RBAC policy, and the audit's finding.
package routeguard
