// Package scope parses OAuth scopes the way Stytch's M2M authorization
// reads them, for the policy package (required scopes, scope-based RBAC)
// and the middleware (the scope claim of an access token).
//
// A scope claim is a list of scope tokens separated by spaces (RFC 6749
// §3.3). Each token is made of the bytes RFC 6749 allows (printable ASCII
// but space, '"' and '\'); a claim holding any other byte — a tab, a
// newline, a control or non-ASCII byte — is not understood and is refused
// whole, rather than split some other way. Runs of spaces, and spaces at
// either end, separate nothing (no empty scope is produced). A claim is
// bounded: at most MaxScopes scopes of at most MaxScopeBytes bytes each.
//
// A scope reads as action:resource. Without a colon the resource is "-"
// (Stytch's rule). With several colons the scope is cut at the FIRST one:
// "read:users:email" is the action "read" on the resource "users:email".
// This is stytch-go's rule (SplitN(…, 2)); stytch-node's split(":") keeps
// only the text between the first and second colons, which would let a
// held "read:users:email" satisfy a required "read:users" — a widening.
// Cutting at the first colon never widens: a resource with colons matches
// only the same resource, or "*".
package scope
