package sdkcheck

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// keyfunc's JWKS refresh goroutine is stopped by EndBackground in each
	// test; goleak checks nothing else lingers.
	goleak.VerifyTestMain(m)
}
