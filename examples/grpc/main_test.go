package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestExample runs the server in-process on the embedded emulator, reads
// the banner's address and session JWT, and makes the banner's calls.
func TestExample(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	env := map[string]string{"ADDR": "127.0.0.1:0"}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, func(k string) string { return env[k] }, pw, io.Discard)
		_ = pw.CloseWithError(err)
		done <- err
	}()
	var addr, jwt string
	lines := bufio.NewScanner(pr)
	for lines.Scan() && (addr == "" || jwt == "") {
		line := lines.Text()
		if _, a, ok := strings.Cut(line, " listening on "); ok {
			addr = a
		}
		if _, j, ok := strings.Cut(line, "export SESSION_JWT="); ok {
			jwt = j
		}
	}
	if addr == "" || jwt == "" {
		t.Fatalf("the banner gave no address or JWT: %v", lines.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	tests := []struct{ method, jwt, want string }{
		{"Ping", "", "pong\n"},
		{"Whoami", "", "Unauthenticated: missing_credential: No session credential was provided.\n  ErrorInfo reason=missing_credential domain=stytch\n"},
		{"Whoami", jwt[:len(jwt)-4] + "AAAA", "Unauthenticated: invalid_token: The session JWT is not valid.\n  ErrorInfo reason=invalid_token domain=stytch\n"},
		{"Whoami", jwt, "user "},
	}
	for _, tt := range tests {
		var out strings.Builder
		if err := call(t.Context(), addr, tt.method, tt.jwt, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), tt.want) {
			t.Errorf("%s: %q, want %q", tt.method, out.String(), tt.want)
		}
	}
	if err := call(t.Context(), addr, "Nope", "", io.Discard); err == nil {
		t.Error("-call of an unknown method must fail")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}
