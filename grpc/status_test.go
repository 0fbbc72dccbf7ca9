package stytchgrpc

import (
	"errors"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/stytchmw/stytchmw/middleware"
)

// TestStatus: every refusal maps to the code its HTTP status implies,
// never Unknown or Internal, with the stable code in the message and the
// ErrorInfo.
func TestStatus(t *testing.T) {
	if Status(nil) != nil {
		t.Fatal("Status(nil) must be nil")
	}
	tests := []struct {
		code middleware.Code
		want codes.Code
	}{
		{middleware.ErrNoCredential, codes.Unauthenticated},
		{middleware.ErrMalformedCredential, codes.Unauthenticated},
		{middleware.ErrCredentialTooLarge, codes.Unauthenticated},
		{middleware.ErrMultipleCredentials, codes.Unauthenticated},
		{middleware.ErrInvalidToken, codes.Unauthenticated},
		{middleware.ErrTokenExpired, codes.Unauthenticated},
		{middleware.ErrTokenTooOld, codes.Unauthenticated},
		{middleware.ErrSessionNotFound, codes.Unauthenticated},
		{middleware.ErrCrossOrigin, codes.PermissionDenied},
		{middleware.ErrForbidden, codes.PermissionDenied},
		{middleware.ErrNoRule, codes.PermissionDenied},
		{middleware.ErrUnavailable, codes.Unavailable},
		{middleware.ErrPolicyUnavailable, codes.Unavailable},
	}
	for _, tt := range tests {
		err := &middleware.Error{Code: tt.code, Err: errors.New("a cause the client must not see")}
		wantStatus(t, Status(err).Err(), tt.want, tt.code)
	}
	st := Status(errors.New("not a refusal"))
	if st.Code() != codes.Unavailable || st.Message() != "internal_error: The request could not be authenticated." {
		t.Fatalf("an unforeseen error: %v", st)
	}
}
