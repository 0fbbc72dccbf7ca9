// Package peers sets up stytchmw's middleware and the Go libraries people
// use to verify JWTs in front of a handler, so that all of them can be fed
// the same Stytch session JWT and measured side by side.
//
// Each Subject is one library configured as its documentation suggests for
// a Stytch project: RS256 with the project's JWKS, issuer
// "stytch.com/<project_id>", audience the project id. Each answers a
// request through ServeHTTP: it takes the Bearer token, verifies it, puts
// what it learned in the request's context, and calls a handler that reads
// the session from there and answers 200 with the user id and first role.
// Libraries that are not HTTP middleware get the same small Bearer adapter.
//
// The Floor is the least work accepting such a token takes, for reference.
package peers
