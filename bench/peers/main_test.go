package peers_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
	"github.com/stytchmw/stytchmw/bench/peers"
)

// tokenLifetime is the exp − iat of the test tokens. Stytch issues JWTs for
// 5 minutes; an hour keeps one run's tokens valid through a long
// -count=N run, and the lifetime changes no verification's cost.
const tokenLifetime = time.Hour

// The shared world of the tests and benchmarks: one issuer, its API, and
// the check tokens.
var (
	issuer *fixture.Issuer
	api    *fixture.API
	env    peers.Env
	cases  []fixture.Case
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if issuer, err = fixture.NewIssuer(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if api, err = issuer.NewAPI(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	server := httptest.NewServer(api)
	env = peers.Env{Issuer: issuer, APIURL: server.URL}
	if cases, err = issuer.Cases(time.Now(), tokenLifetime); err != nil {
		server.Close()
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	server.Close()
	printSummary(os.Stdout)
	// Every library was closed after its test or round: none may have left
	// a goroutine behind (a background key refresh, say).
	if err := goleak.Find(); err != nil {
		fmt.Fprintln(os.Stderr, "goroutines left behind:", err)
		return 1
	}
	return code
}

// newSubject sets up a library for one test or one benchmark round, and
// closes it when that ends.
func newSubject(tb testing.TB, lib peers.Library) *peers.Subject {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := lib.New(ctx, env)
	if err != nil {
		tb.Fatalf("%s: %v", lib.Name, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("%s: close: %v", lib.Name, err)
		}
	})
	return s
}
