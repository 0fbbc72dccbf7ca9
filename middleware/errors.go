package middleware

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/stytchmw/stytchmw/policy"
)

// Code is the stable, machine-readable reason a request was refused. It is
// the error_type of the JSON body the middleware answers with, and each Code
// is also an error, so any error the middleware returns matches its code with
// errors.Is:
//
//	if errors.Is(err, middleware.ErrSessionNotFound) { … }
//
// Codes never change meaning once released; new ones may be added.
type Code string

// Error returns the code itself, prefixed with the package name.
func (c Code) Error() string { return "stytchmw: " + string(c) }

// Status is the HTTP status a refusal with this code is answered with:
// 401 for a missing or invalid credential, 403 for a refused cross-origin
// request or a denied authorization check, 503 when an answer from Stytch
// (or the RBAC policy) was needed and could not be had.
func (c Code) Status() int {
	if info, ok := codes[c]; ok {
		return info.status
	}
	return http.StatusInternalServerError
}

// Message is the fixed, client-safe text of the error_message field. It
// never holds request data; why a particular token was rejected goes to the
// Logger, not to the client.
func (c Code) Message() string {
	if info, ok := codes[c]; ok {
		return info.message
	}
	return "The request could not be authenticated."
}

// The codes the middleware refuses a request with.
const (
	// ErrNoCredential: no source yielded a credential (401, WWW-Authenticate
	// with the realm only, as RFC 6750 §3.1 asks when no token was sent).
	ErrNoCredential Code = "missing_credential"
	// ErrMalformedCredential: a credential is present but cannot be a Stytch
	// session JWT or token: a Bearer header without a token or with
	// characters no token holds, a JWT without three base64url segments, a
	// custom extractor's error (401).
	ErrMalformedCredential Code = "malformed_credential"
	// ErrCredentialTooLarge: the credential is longer than
	// Config.Tuning.MaxCredentialBytes; it was refused before any parsing (401).
	ErrCredentialTooLarge Code = "credential_too_large"
	// ErrMultipleCredentials: the request has several Authorization headers,
	// so which one a proxy saw is ambiguous (401).
	ErrMultipleCredentials Code = "multiple_credentials"
	// ErrInvalidToken: the JWT was refused by local verification: algorithm,
	// header, issuer, audience, signature, a kid the JWKS does not hold after
	// a refresh, nbf, an iat in the future, or malformed claims (401).
	ErrInvalidToken Code = "invalid_token"
	// ErrTokenExpired: the JWT is authentic but past exp: from the
	// local-only API (AuthenticateJWTLocal), and for an expired access token
	// (which only its client can renew). The middleware refreshes an expired
	// session JWT with Stytch instead (401).
	ErrTokenExpired Code = "token_expired"
	// ErrTokenTooOld: the JWT was issued MaxTokenAge or longer ago. Only
	// AuthenticateJWTLocal returns it; the middleware asks Stytch instead (401).
	ErrTokenTooOld Code = "token_too_old"
	// ErrSessionNotFound: Stytch answered that the session does not exist
	// (revoked, expired, or never existed) or refused the credential (401).
	ErrSessionNotFound Code = "session_not_found"
	// ErrCrossOrigin: an unsafe cross-origin browser request carried a cookie
	// credential (403).
	ErrCrossOrigin Code = "cross_origin_request"
	// ErrForbidden: the session is valid but its roles do not grant the
	// action; the error_type is the one Stytch answers a failed
	// authorization check with (403).
	ErrForbidden Code = "consumer_session_authorization_error"
	// ErrMemberForbidden: the member session is valid but its roles do not
	// grant the action in the organization; the error_type Stytch's B2B
	// authorization check answers with (403). A consumer project's
	// sessions get ErrForbidden instead.
	ErrMemberForbidden Code = "session_authorization_error"
	// ErrTenancy: a B2B check about an organization other than the
	// caller's own (a member of organization A asking about organization
	// B, or an access token of another organization or of none): refused
	// before any role or scope is looked at, whatever they are; Stytch's
	// error_type for it (403).
	ErrTenancy Code = "session_authorization_tenancy_error"
	// ErrInsufficientScope: a machine caller's access token lacks a scope
	// the route requires, or its scopes do not grant a Permission rule's
	// action (403, with an RFC 6750 insufficient_scope challenge for a
	// Bearer caller).
	ErrInsufficientScope Code = "insufficient_scope"
	// ErrNoRule: the route has no authorization rule in a route table that
	// refuses unmapped routes (chi and nethttp packages): closed by default,
	// refused before any authentication (403).
	ErrNoRule Code = "route_has_no_rule"
	// ErrUnavailable: an answer from Stytch was needed (a remote
	// authentication, or the JWKS) and could not be had: network error,
	// timeout, 429, 5xx, or the middleware was closed (503). The user's
	// credential is not blamed.
	ErrUnavailable Code = "stytch_unavailable"
	// ErrPolicyUnavailable: an authorization check was asked for but no RBAC
	// policy was ever loaded (503). The check fails closed.
	ErrPolicyUnavailable Code = "policy_unavailable"
)

type codeInfo struct {
	status  int
	message string
}

var codes = map[Code]codeInfo{
	ErrNoCredential:        {http.StatusUnauthorized, "No session credential was provided."},
	ErrMalformedCredential: {http.StatusUnauthorized, "The session credential is malformed."},
	ErrCredentialTooLarge:  {http.StatusUnauthorized, "The session credential is too large."},
	ErrMultipleCredentials: {http.StatusUnauthorized, "The request carries several Authorization headers."},
	ErrInvalidToken:        {http.StatusUnauthorized, "The session JWT is not valid."},
	ErrTokenExpired:        {http.StatusUnauthorized, "The session JWT has expired."},
	ErrTokenTooOld:         {http.StatusUnauthorized, "The session JWT is older than the maximum token age."},
	ErrSessionNotFound:     {http.StatusUnauthorized, "The session could not be found; it may have been revoked or have expired."},
	ErrCrossOrigin:         {http.StatusForbidden, "Cross-origin request refused for a cookie credential."},
	ErrForbidden:           {http.StatusForbidden, "The User is not authorized to perform the requested action on that resource."},
	ErrMemberForbidden:     {http.StatusForbidden, "The Member is not authorized to perform the requested action on that resource."},
	ErrTenancy:             {http.StatusForbidden, "The organization of the request is not the caller's organization."},
	ErrInsufficientScope:   {http.StatusForbidden, "The access token lacks a scope the request requires."},
	ErrNoRule:              {http.StatusForbidden, "No authorization rule allows this route."},
	ErrUnavailable:         {http.StatusServiceUnavailable, "The session could not be checked because Stytch is unreachable; try again later."},
	ErrPolicyUnavailable:   {http.StatusServiceUnavailable, "The authorization policy is not available; try again later."},
}

// Error is a refused request: its Code and the cause behind it (a
// jwtverify, client or policy error). Neither ever holds the credential.
type Error struct {
	Code Code
	// Err is the cause, for logs and errors.Is/As; it is never sent to the
	// client.
	Err error
}

func newError(code Code, cause error) *Error { return &Error{Code: code, Err: cause} }

// Error describes the refusal and its cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Code.Error()
	}
	return e.Code.Error() + ": " + e.Err.Error()
}

// Is reports whether target is this error's Code.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the Code of err, or "" when err carries none. With
// Code.Status it is the one way from an error to its HTTP status:
//
//	middleware.WriteError(w, r, middleware.CodeOf(err).Status(), err)
//
// (the status of "" is 500).
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var c Code
	if errors.As(err, &c) {
		return c
	}
	return ""
}

// ErrorHandler answers a refused request. status is the suggested HTTP
// status (401, 403 or 503) and err the refusal, an *Error whose Code
// errors.Is matches. It must not write the credential anywhere.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, status int, err error)

// errorBody is the JSON body of a refusal, shaped like Stytch's own errors.
type errorBody struct {
	StatusCode   int    `json:"status_code"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
}

// realm names the protection space in WWW-Authenticate challenges.
const realm = "stytch"

// WriteError is the default ErrorHandler. It answers with status and a JSON
// body {"status_code", "error_type", "error_message"} built from err's Code
// (never from request data), Cache-Control: no-store, and on a 401 an RFC
// 6750 challenge: `Bearer realm="stytch"` when no credential was sent,
// `Bearer realm="stytch", error="invalid_token"` otherwise. A 403
// insufficient_scope to a request with a Bearer credential carries
// `Bearer realm="stytch", error="insufficient_scope", scope="…"`, naming
// the scopes a Scope rule requires (without scope when a Permission rule's
// policy decided). With Config.ResourceMetadata, each of these challenges
// ends with resource_metadata="…" (RFC 9728) on the requests the
// Authenticator hands its ErrorHandler. Custom handlers may call it for
// the cases they do not treat themselves.
func WriteError(w http.ResponseWriter, r *http.Request, status int, err error) {
	code := CodeOf(err)
	body := errorBody{StatusCode: status, ErrorType: string(code), ErrorMessage: code.Message()}
	if code == "" {
		body.ErrorType = "internal_error"
	}
	h := w.Header()
	if status == http.StatusUnauthorized {
		if code == ErrNoCredential {
			h.Set("WWW-Authenticate", withResourceMetadataParam(`Bearer realm="`+realm+`"`, r))
		} else {
			h.Set("WWW-Authenticate", withResourceMetadataParam(`Bearer realm="`+realm+`", error="invalid_token"`, r))
		}
	}
	if code == ErrInsufficientScope && r != nil && hasBearer(r) {
		h.Set("WWW-Authenticate", withResourceMetadataParam(scopeChallenge(err), r))
	}
	data, _ := json.Marshal(body) // strings and an int: cannot fail
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(data)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// scopeChallenge is the RFC 6750 challenge of a missing scope. The scopes
// are those of a Scope rule, checked by policy.RequireScopes: no quote or
// backslash can be in them.
func scopeChallenge(err error) string {
	c := `Bearer realm="` + realm + `", error="insufficient_scope"`
	var se *policy.ScopeError
	if errors.As(err, &se) && se.Required != "" {
		c += `, scope="` + se.Required + `"`
	}
	return c
}

// hasBearer reports whether r carries an Authorization header with the
// Bearer scheme.
func hasBearer(r *http.Request) bool {
	v := r.Header.Get("Authorization")
	return len(v) > len("bearer ") && strings.EqualFold(v[:len("bearer ")], "bearer ")
}
