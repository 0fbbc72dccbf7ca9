// Command stytch-emulator runs the stytchtest Stytch emulator as a
// standalone server, for development and tests only: it is not Stytch, keeps
// everything in memory and accepts whatever tests register.
//
//	go run ./stytchtest/cmd/stytch-emulator [-b2b] [-addr 127.0.0.1:4010] [-project-id ID] [-secret S] [-policy FILE] [-tls]
//
// On start it prints one JSON line to stdout,
//
//	{"base_url":"http://127.0.0.1:4010","project_id":"project-test-…","secret":"secret-test-…"}
//
// (plus "ca_file", the PEM of the CA to trust, with -tls), and nothing else
// there. It logs requests to stderr, never a token or a query string, and
// exits cleanly on SIGINT or SIGTERM.
//
// The emulator serves Stytch's consumer Sessions endpoints, the JWKS and the
// RBAC policy at the host root, and an admin API under /emulator/ (users,
// sessions, policy, key rotation, the clock, external tokens) with the
// project's credentials. With -b2b it serves a B2B project instead:
// organizations, members, member sessions, the B2B JWKS, the B2B policy
// (with scopes) and organization policies, and /emulator/member_sessions.
// Both kinds serve M2M clients and the OAuth token and introspection
// endpoints. See the stytchtest package documentation.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// maxPolicyFileBytes bounds the -policy file.
const maxPolicyFileBytes = 1 << 20

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "stytch-emulator:", err)
		os.Exit(1)
	}
}

// startupLine is the one line the command prints to stdout.
type startupLine struct {
	BaseURL   string `json:"base_url"`
	ProjectID string `json:"project_id"`
	Secret    string `json:"secret"`
	CAFile    string `json:"ca_file,omitempty"`
}

func run(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("stytch-emulator", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:4010", "address to listen on; port 0 picks a free port")
	projectID := flags.String("project-id", "", "project id to emulate (default: a generated project-test-…)")
	secret := flags.String("secret", "", "API secret to accept (default: a generated one)")
	policyFile := flags.String("policy", "", "JSON file holding the RBAC policy object (roles, resources, scopes), as PUT /emulator/policy takes it")
	b2b := flags.Bool("b2b", false, "serve a Stytch B2B project (organizations, members, member sessions) instead of a consumer project")
	useTLS := flags.Bool("tls", false, "serve HTTPS with a CA and certificate generated at start; the CA's PEM goes to a temporary file")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "stytch-emulator: a Stytch emulator for development and tests only.")
		fmt.Fprintln(stderr, "Usage: stytch-emulator [flags]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := stytchtest.Config{ProjectID: *projectID, Secret: *secret, Addr: *addr, TLS: *useTLS, B2B: *b2b, Logger: logger}
	if *policyFile != "" {
		p, err := readPolicy(*policyFile)
		if err != nil {
			return err
		}
		cfg.Policy = &p
	}
	srv, err := stytchtest.StartServer(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()

	line := startupLine{BaseURL: srv.URL, ProjectID: srv.ProjectID, Secret: srv.Secret}
	if *useTLS {
		f, err := writeCA(srv.CACertificatePEM())
		if err != nil {
			return err
		}
		defer os.Remove(f)
		line.CAFile = f
	}
	logger.Warn("stytch-emulator is for development and tests only: it is not Stytch and keeps everything in memory",
		"base_url", srv.URL, "project_id", srv.ProjectID)
	if host, _, err := net.SplitHostPort(*addr); err == nil {
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			logger.Warn("stytch-emulator listens beyond loopback: anyone who can reach it and knows the secret controls it", "addr", *addr)
		}
	}
	// Signals are caught before the start-up line is out: whoever reads it
	// may stop the emulator at once, and must get a clean exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := json.NewEncoder(stdout).Encode(line); err != nil {
		return fmt.Errorf("write start-up line: %w", err)
	}
	<-ctx.Done()
	logger.Info("stytch-emulator stopping")
	return nil
}

// readPolicy reads a policy object, refusing unknown fields (such as a whole
// GET /v1/rbac/policy answer, whose policy sits under "policy").
func readPolicy(path string) (client.Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return client.Policy{}, fmt.Errorf("read -policy: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, maxPolicyFileBytes+1))
	dec.DisallowUnknownFields()
	var p client.Policy
	if err := dec.Decode(&p); err != nil {
		return client.Policy{}, fmt.Errorf("-policy %s is not a policy object: %w", path, err)
	}
	if dec.More() {
		return client.Policy{}, errors.New("-policy file holds more than one JSON value or exceeds 1 MiB")
	}
	return p, nil
}

// writeCA writes the CA's PEM to a new temporary file and returns its path.
func writeCA(pemBytes []byte) (string, error) {
	f, err := os.CreateTemp("", "stytch-emulator-ca-*.pem")
	if err != nil {
		return "", fmt.Errorf("write CA file: %w", err)
	}
	if _, err := f.Write(pemBytes); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("write CA file: %w", err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("write CA file: %w", err)
	}
	return f.Name(), nil
}
