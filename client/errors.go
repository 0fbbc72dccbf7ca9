package client

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrorType is a Stytch error_type. Each value is also an error, so a
// *StytchError of that type matches it with errors.Is:
//
//	if errors.Is(err, client.ErrSessionNotFound) { … }
type ErrorType string

// Error returns the error type itself.
func (t ErrorType) Error() string { return "stytch: " + string(t) }

// Error types of the Sessions and RBAC endpoints (the names are Stytch's).
const (
	ErrUnauthorizedCredentials       ErrorType = "unauthorized_credentials"
	ErrSessionNotFound               ErrorType = "session_not_found"
	ErrTooManySessionArguments       ErrorType = "too_many_session_arguments"
	ErrNoSessionArguments            ErrorType = "no_session_arguments"
	ErrTooManySessionRevokeArguments ErrorType = "too_many_session_revoke_arguments"
	ErrNoSessionRevokeArguments      ErrorType = "no_session_revoke_arguments"
	ErrInvalidSessionDurationMinutes ErrorType = "invalid_session_duration_minutes"
	ErrConsumerSessionAuthorization  ErrorType = "consumer_session_authorization_error"
	ErrCustomClaimsTooLarge          ErrorType = "custom_claims_too_large"
	ErrReservedClaimsInCustomClaims  ErrorType = "reserved_claims_in_custom_claims"
	ErrStytchClaimsInCustomClaims    ErrorType = "stytch_claims_in_custom_claims"
	ErrUnableToRepresentCustomClaims ErrorType = "unable_to_represent_custom_claims_json"
	ErrInvalidSessionToken           ErrorType = "invalid_session_token"
	ErrInvalidSessionID              ErrorType = "invalid_session_id"
	ErrUnableToParseSessionJWT       ErrorType = "unable_to_parse_session_jwt"
	ErrInvalidUserID                 ErrorType = "invalid_user_id"
	ErrUserNotFound                  ErrorType = "user_not_found"
	ErrInvalidProjectID              ErrorType = "invalid_project_id"
	ErrInvalidToken                  ErrorType = "invalid_token"
	ErrInvalidTrustedAuthToken       ErrorType = "invalid_trusted_auth_token"
	ErrTrustedTokenProfileNotFound   ErrorType = "trusted_token_profile_not_found"
	ErrMigrateEmailDoesNotExist      ErrorType = "migrate_from_external_email_does_not_exist"
	ErrAccessTokenMissingFullAccess  ErrorType = "oauth_access_token_exchange_missing_full_access"
	ErrAccessTokenInvalidGrant       ErrorType = "oauth_access_token_exchange_token_invalid_grant"
	ErrAccessTokenTooOld             ErrorType = "oauth_access_token_exchange_token_too_old"
	ErrBadRequest                    ErrorType = "bad_request"
	ErrRouteNotFound                 ErrorType = "route_not_found"
	ErrMethodNotAllowed              ErrorType = "method_not_allowed"
	ErrTooManyRequests               ErrorType = "too_many_requests"
	ErrInternalServerError           ErrorType = "internal_server_error"
	ErrServerUnavailable             ErrorType = "server_unavailable"
)

// StytchError is an error answered by the Stytch API (or, with Local set,
// found by the client before sending the request, with the error type the
// API would have answered).
type StytchError struct {
	StatusCode   int            `json:"status_code"`
	RequestID    string         `json:"request_id"`
	ErrorType    ErrorType      `json:"error_type"`
	ErrorMessage string         `json:"error_message"`
	ErrorURL     string         `json:"error_url"`
	ErrorDetails map[string]any `json:"error_details,omitempty"`
	// Local is true when the client refused the request itself and nothing
	// was sent.
	Local bool `json:"-"`
}

// Error describes the API error without any request data.
func (e *StytchError) Error() string {
	where := "stytch api"
	if e.Local {
		where = "stytch client (not sent)"
	}
	// string(): ErrorType is an error, and %s would print its Error().
	msg := fmt.Sprintf("%s: %d %s: %s", where, e.StatusCode, string(e.ErrorType), e.ErrorMessage)
	if e.RequestID != "" {
		msg += " (request_id " + e.RequestID + ")"
	}
	return msg
}

// Is reports whether target is this error's ErrorType.
func (e *StytchError) Is(target error) bool {
	t, ok := target.(ErrorType)
	return ok && t == e.ErrorType
}

// RequestError is a request that got no usable answer from the API: the
// connection failed, the request timed out, or the answer was not a Stytch
// JSON body. It wraps the cause.
type RequestError struct {
	// Method and Path say which request failed (no query string).
	Method, Path string
	// StatusCode is the HTTP status when an answer arrived, else 0.
	StatusCode int
	// BodyExcerpt is the start of a non-JSON answer's body, for diagnosis.
	BodyExcerpt string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the cause: a network or context error, a decoding error, or
	// the last attempt's error when waiting to retry was cut short.
	Err error
}

// Error describes the failure.
func (e *RequestError) Error() string {
	msg := fmt.Sprintf("stytch request %s %s failed", e.Method, e.Path)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.StatusCode)
	}
	if e.BodyExcerpt != "" {
		msg += fmt.Sprintf(" (body %q)", e.BodyExcerpt)
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytch client: invalid config")

func localError(t ErrorType, msg string) *StytchError {
	return &StytchError{
		StatusCode:   http.StatusBadRequest,
		ErrorType:    t,
		ErrorMessage: msg,
		Local:        true,
	}
}
