package stytchtest

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// shared is one emulator that many tests use, to spare the RSA key
// generation of a server each. Its clock stands at fixedNow, and no test
// may advance it, rotate its keys, inject faults, change its policy or rely
// on its counters; tests that do start their own server.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

func sharedServer(t *testing.T) *Server {
	t.Helper()
	shared.once.Do(func() { shared.srv, shared.err = StartServer(Config{Now: fixedNow}) })
	if shared.err != nil {
		t.Fatalf("StartServer: %v", shared.err)
	}
	return shared.srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Close()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left behind:", err)
			code = 1
		}
	}
	os.Exit(code)
}
