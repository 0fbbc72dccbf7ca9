package policy_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

const (
	testProjectID = "project-test-11111111-2222-3333-4444-555555555555"
	testSecret    = "secret-test-c2VjcmV0LW5ldmVyLWxvZ2dlZA"
)

// policyServer answers GET /v1/rbac/policy as Stytch does, with a policy
// and a failure mode the test changes while a Cache uses it.
type policyServer struct {
	*httptest.Server
	mu       sync.Mutex
	policy   *client.Policy
	failure  string        // "", "503", "garbage", "no_policy", "drop"
	hold     chan struct{} // when set, requests wait for it to close
	requests atomic.Int64
}

func newPolicyServer(t testing.TB, p *client.Policy) *policyServer {
	t.Helper()
	s := &policyServer{policy: p}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *policyServer) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	if user, pass, ok := r.BasicAuth(); !ok || user != testProjectID || pass != testSecret {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"status_code":401,"request_id":"request-id-test-401","error_type":"unauthorized_credentials","error_message":"Unauthorized credentials.","error_url":"https://stytch.com/docs/api/errors/401"}`))
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/v1/rbac/policy" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"status_code":404,"request_id":"request-id-test-404","error_type":"route_not_found","error_message":"Route not found.","error_url":"https://stytch.com/docs/api/errors/404"}`))
		return
	}
	s.mu.Lock()
	p, failure, hold := s.policy, s.failure, s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	switch failure {
	case "503":
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status_code":503,"request_id":"request-id-test-503","error_type":"server_unavailable","error_message":"Service unavailable.","error_url":"https://stytch.com/docs/api/errors/503"}`))
	case "garbage":
		_, _ = w.Write([]byte(`{"status_code":200,"policy":{"roles":[`))
	case "no_policy":
		_, _ = w.Write([]byte(`{"status_code":200,"request_id":"request-id-test-empty"}`))
	case "drop":
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
	default:
		_ = json.NewEncoder(w).Encode(client.GetPolicyResponse{RequestID: "request-id-test-ok", StatusCode: 200, Policy: p})
	}
}

func (s *policyServer) setPolicy(p *client.Policy) {
	s.mu.Lock()
	s.policy = p
	s.mu.Unlock()
}

func (s *policyServer) fail(mode string) {
	s.mu.Lock()
	s.failure = mode
	s.mu.Unlock()
}

// holdRequests makes requests wait until release is called.
func (s *policyServer) holdRequests() (release func()) {
	hold := make(chan struct{})
	s.mu.Lock()
	s.hold = hold
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.hold = nil
		s.mu.Unlock()
		close(hold)
	}
}

// client returns a client for the server that does not retry, so that a
// failure shows at once, and keeps no idle connection, so that it works in
// a synctest bubble (an idle connection's reader is blocked on the network,
// which the bubble does not count as durably blocked: its clock would
// stop).
func (s *policyServer) client(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{ProjectID: testProjectID, Secret: testSecret, BaseURL: s.URL, MaxRetries: -1, Timeout: 5 * time.Second,
		HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c
}

// logBuffer collects a logger's output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// eventually polls cond until it holds, failing the test after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// sleepUntil sleeps until the bubble's clock reads d past its start (the
// fake clock of every synctest bubble starts at 2000-01-01 00:00 UTC).
func sleepUntil(d time.Duration) {
	time.Sleep(time.Until(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d)))
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
