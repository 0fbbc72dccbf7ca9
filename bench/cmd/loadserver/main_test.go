package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// start runs the server in process and returns its URL and tokens. The
// server stops when the test ends.
func start(t *testing.T, mode string, extra ...string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	tokensFile, readyFile := filepath.Join(dir, "tokens"), filepath.Join(dir, "ready")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-mode", mode, "-tokens", "3",
			"-tokens-file", tokensFile, "-ready-file", readyFile}, extra...), io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		url, err := os.ReadFile(readyFile)
		if err == nil {
			tokens, err := os.ReadFile(tokensFile)
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(string(url)), strings.Fields(string(tokens))
		}
		select {
		case err := <-done:
			t.Fatalf("run ended before it was ready: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not get ready")
		}
	}
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestServer(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	for _, tc := range []struct {
		mode      string
		anonymous int // status without a token
	}{
		{modeStytchMW, http.StatusUnauthorized},
		{modePlain, http.StatusOK},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			url, tokens := start(t, tc.mode)
			if len(tokens) != 3 || tokens[0] == tokens[1] {
				t.Fatalf("want 3 distinct tokens, got %d", len(tokens))
			}
			for _, token := range tokens {
				if status, body := get(t, url, token); status != http.StatusOK || body != "ok\n" {
					t.Errorf("with a session JWT: %d %q, want 200 \"ok\\n\"", status, body)
				}
			}
			if status, _ := get(t, url, ""); status != tc.anonymous {
				t.Errorf("without a token: %d, want %d", status, tc.anonymous)
			}
			if status, _ := get(t, url, tokens[0]+"x"); tc.mode == modeStytchMW && status != http.StatusUnauthorized {
				t.Errorf("with a forged token: %d, want 401", status)
			}
		})
	}
}

func TestServerWritesCPUProfile(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "cpu.prof")
	// Cleanups run last first: this one runs after the server has stopped.
	t.Cleanup(func() {
		if info, err := os.Stat(profile); err != nil || info.Size() == 0 {
			t.Errorf("profile: %v, %v", info, err)
		}
	})
	url, tokens := start(t, modeStytchMW, "-cpuprofile", profile)
	if status, _ := get(t, url, tokens[0]); status != http.StatusOK {
		t.Errorf("status %d", status)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestParseRefuses(t *testing.T) {
	for name, args := range map[string][]string{
		"non-loopback address": {"-addr", "0.0.0.0:0", "-tokens-file", "x"},
		"no host":              {"-addr", ":0", "-tokens-file", "x"},
		"unknown mode":         {"-mode", "other", "-tokens-file", "x"},
		"no tokens file":       {},
		"no tokens":            {"-tokens", "0", "-tokens-file", "x"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := run(context.Background(), args, io.Discard); err == nil {
				t.Errorf("run(%q) = nil, want an error", args)
			}
		})
	}
}
