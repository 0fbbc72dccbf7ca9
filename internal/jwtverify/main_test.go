package jwtverify

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind (the key sets the
// tests open are closed by their cleanups).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
