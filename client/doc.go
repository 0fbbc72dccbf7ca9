// Package client is a typed client for Stytch's Sessions APIs, consumer and
// B2B, their RBAC policy endpoints, M2M clients and tokens, and OAuth token
// introspection.
//
// It mirrors the Sessions class of Stytch's Node SDK: Get, Authenticate,
// Revoke, Migrate, ExchangeAccessToken, GetJWKS and Attest, plus GetPolicy for
// the project's RBAC policy. Client.B2B returns the same for a B2B project
// (member sessions in organizations, with Exchange, the tenancy rule of an
// authorization check, GetPolicy and the organizations' own policies,
// GetOrgPolicy and SetOrgPolicy); its request and response types are
// prefixed B2B where a consumer type has the name. CreateM2MClient,
// GetM2MClient, M2MToken and IntrospectToken call the M2M and Connected Apps
// endpoints; the two public OAuth endpoints (token, introspect) take a form
// authenticated by a client's id and secret, never the project's
// credentials. The m2m package keeps an M2M token renewed for an http.Client.
//
// Requests are validated before anything is sent, API errors come back as
// *StytchError (match an error type with errors.Is and the Err… constants,
// OAuth error codes such as ErrInvalidClient included), and failures that
// never got an API answer come back as *RequestError. No error holds the
// project secret, a client secret, or a token the request sent.
//
// The client is safe for concurrent use. Create one per project with New and
// share it: the middleware and policy packages take it in their own Config.
package client
