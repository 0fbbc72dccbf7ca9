package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// The two variants of the load test.
const (
	modeStytchMW = "stytchmw" // the handler behind Authenticator.Handler
	modePlain    = "plain"    // the handler alone
)

// stack is the server's handler, the emulator behind it and the session
// JWTs the emulator issued.
type stack struct {
	handler  http.Handler
	tokens   []string
	emulator *stytchtest.Server
	auth     *middleware.Authenticator
}

// newStack starts the emulator, creates one user with the given number of
// sessions, and builds the handler of mode. Both modes start the emulator
// and mint the tokens, so that the two servers differ by the middleware
// alone.
func newStack(ctx context.Context, mode string, sessions int) (*stack, error) {
	emulator, err := stytchtest.StartServer(stytchtest.Config{})
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	s := &stack{emulator: emulator}
	user, err := emulator.CreateUser(ctx, stytchtest.UserParams{Email: "load@example.com", Roles: []string{"editor"}})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("emulator: %w", err)
	}
	for range sessions {
		grant, err := emulator.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("emulator: %w", err)
		}
		s.tokens = append(s.tokens, grant.SessionJWT)
	}
	switch mode {
	case modePlain:
		s.handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "ok\n")
		})
	case modeStytchMW:
		s.auth, err = middleware.New(ctx, middleware.Config{Client: emulator.Client()})
		if err != nil {
			s.Close()
			return nil, err
		}
		s.handler = s.auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := middleware.FromContext(r.Context()); !ok {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			_, _ = io.WriteString(w, "ok\n")
		}))
	default:
		s.Close()
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	return s, nil
}

// Close stops the middleware and the emulator.
func (s *stack) Close() {
	if s.auth != nil {
		_ = s.auth.Close()
	}
	s.emulator.Close()
}
