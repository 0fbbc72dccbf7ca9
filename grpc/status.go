package stytchgrpc

import (
	"net/http"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stytchmw/stytchmw/middleware"
)

// ErrorDomain is the Domain of the ErrorInfo detail of a refusal's status.
const ErrorDomain = "stytch"

// Status returns the gRPC status of a refusal by package middleware (an
// error of RequireBearer, Authorize, AuthenticateJWT, …), nil for a nil
// error. The code follows the refusal's HTTP status: Unauthenticated for
// 401 (a missing, malformed, invalid, expired or revoked credential),
// PermissionDenied for 403 (a denied authorization, a method without a
// rule), and Unavailable for 503 (Stytch or the RBAC policy was needed and
// could not be had: the client may retry) and for anything unforeseen, so
// that an authentication outcome is never Unknown or Internal. The message
// is the stable code and its fixed, client-safe text
// ("session_not_found: The session could not be found; …"); the details
// hold an errdetails.ErrorInfo whose Reason is the code (the error_type of
// the HTTP middleware's JSON body; lower case, unlike AIP-193's
// convention, so that one string names a refusal on both transports) and
// whose Domain is ErrorDomain. Neither ever holds the credential or the
// cause.
func Status(err error) *status.Status {
	if err == nil {
		return nil
	}
	code := middleware.CodeOf(err)
	reason := string(code)
	if code == "" {
		reason = "internal_error"
	}
	var c codes.Code
	switch code.Status() {
	case http.StatusUnauthorized:
		c = codes.Unauthenticated
	case http.StatusForbidden:
		c = codes.PermissionDenied
	default:
		c = codes.Unavailable
	}
	st := status.New(c, reason+": "+code.Message())
	if withInfo, err := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain}); err == nil {
		st = withInfo
	}
	return st
}
