// Package client is a typed client for Stytch's consumer Sessions API and RBAC
// policy endpoint.
//
// It mirrors the Sessions class of Stytch's Node SDK: Get, Authenticate,
// Revoke, Migrate, ExchangeAccessToken, GetJWKS and Attest, plus GetPolicy for
// the project's RBAC policy. Requests are validated before anything is sent,
// API errors come back as *StytchError (match an error type with errors.Is and
// the Err… constants), and failures that never got an API answer come back as
// *RequestError.
//
// The client is safe for concurrent use. Create one per project with New and
// share it: the middleware and policy packages take it in their own Config.
package client
