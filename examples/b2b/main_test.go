package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/examples/internal/apitest"
)

func TestMain(m *testing.M) {
	apitest.RunMainIfChild(main) // when Signals starts this binary as the program
	goleak.VerifyTestMain(m)
}

// TestAPI runs the program in-process and checks the B2B documents API's
// contract over HTTP: every route for every seeded member, tenancy, and
// the banner's commands.
func TestAPI(t *testing.T) { apitest.B2BSuite(t, run) }

// TestSignals runs the program as a process and stops it with SIGINT and
// SIGTERM.
func TestSignals(t *testing.T) { apitest.Signals(t) }
