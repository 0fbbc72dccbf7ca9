package stytchgrpc

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// Authenticator, emulator, gRPC server and connection a test starts must
// be closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
