package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/examples/internal/apitest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestAPI runs the program in-process and checks the documents API's
// contract over HTTP: every route and outcome, and the banner's commands.
func TestAPI(t *testing.T) { apitest.Suite(t, run) }
