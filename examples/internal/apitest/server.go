// Package apitest drives the example documents API (examples/chi,
// examples/nethttp) over real HTTP: it starts an example's run function
// in-process on 127.0.0.1:0, reads its banner, and checks every route and
// outcome, and every curl command the banner prints. Both examples' tests
// call Suite, so the two programs are held to one contract.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
)

// startTimeout bounds how long a server may take to print its banner.
const startTimeout = 30 * time.Second

// Server is an example program running in-process.
type Server struct {
	// URL is the base URL the banner announces.
	URL string
	// Banner is everything the program printed to stdout.
	Banner Banner

	http   *http.Client
	stderr *syncBuffer
}

// Start runs the program with the environment env (ADDR defaults to
// 127.0.0.1:0 here) and returns once its banner is printed. The program is
// stopped by cancelling its context when the test ends, and must then
// return nil; its log must not hold the banner's credentials.
func Start(t *testing.T, run docsapi.RunFunc, env map[string]string) *Server {
	t.Helper()
	getenv := func(name string) string {
		if v, ok := env[name]; ok {
			return v
		}
		if name == "ADDR" {
			return "127.0.0.1:0"
		}
		return ""
	}
	stdout, stderr := newSyncBuffer(), newSyncBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, getenv, stdout, stderr) }()

	s := &Server{http: &http.Client{
		Transport:     &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}, stderr: stderr}
	t.Cleanup(func() {
		s.http.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run returned %v after its context was cancelled, want nil", err)
		}
		s.checkLogHoldsNoCredential(t)
	})

	deadline := time.After(startTimeout)
	for {
		text, changed := stdout.snapshot()
		if strings.Contains(text, docsapi.ReadyLine) {
			break
		}
		select {
		case <-changed:
		case err := <-done:
			done <- err // for the clean-up
			t.Fatalf("run returned before serving: %v\nstderr:\n%s", err, stderr.String())
		case <-deadline:
			t.Fatalf("no banner within %s; stdout so far:\n%s", startTimeout, text)
		}
	}
	banner, err := ParseBanner(stdout.String(), nil)
	if err != nil {
		t.Fatalf("banner: %v\n%s", err, stdout.String())
	}
	s.URL, s.Banner = banner.URL, banner
	return s
}

// checkLogHoldsNoCredential fails the test when a credential the banner
// printed appears in the program's log.
func (s *Server) checkLogHoldsNoCredential(t *testing.T) {
	t.Helper()
	log := s.stderr.String()
	for name, value := range s.Banner.Env {
		if strings.HasSuffix(name, "_ID") {
			continue // an organization's id is not a credential
		}
		if len(value) >= 16 && strings.Contains(log, value) {
			t.Errorf("the log holds the credential %s", name)
		}
	}
}

// Call is one request to the server.
type Call struct {
	Method string
	Path   string
	// Bearer, when set, is sent as Authorization: Bearer.
	Bearer string
	// Cookies are sent as a Cookie header, name → value.
	Cookies map[string]string
	// Header holds further headers.
	Header map[string]string
	// JSON, when set, is sent as an application/json body.
	JSON string
}

// Response is a server's answer, its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Cookies are the Set-Cookie headers, parsed.
	Cookies []*http.Cookie
}

// Do sends c and returns the answer; a transport error fails the test.
func (s *Server) Do(t *testing.T, c Call) Response {
	t.Helper()
	var body io.Reader
	if c.JSON != "" {
		body = strings.NewReader(c.JSON)
	}
	method := c.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, s.URL+c.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.JSON != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	for name, value := range c.Cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	for name, value := range c.Header {
		req.Header.Set(name, value)
	}
	return s.send(t, req)
}

func (s *Server) send(t *testing.T, req *http.Request) Response {
	t.Helper()
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s %s: read the body: %v", req.Method, req.URL.Path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data, Cookies: resp.Cookies()}
}

// DecodeJSON decodes the body into v, failing the test when it is not JSON.
func (r Response) DecodeJSON(t *testing.T, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json; body %s", ct, r.Body)
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
}

// Cookie returns the Set-Cookie of name, or nil.
func (r Response) Cookie(name string) *http.Cookie {
	for _, c := range r.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ErrorBody is the JSON error body of the middleware and of the API.
type ErrorBody struct {
	StatusCode   int    `json:"status_code"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
}

// WantError checks that the answer is the JSON error status/errorType.
func (r Response) WantError(t *testing.T, status int, errorType string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	var e ErrorBody
	r.DecodeJSON(t, &e)
	if e.StatusCode != status || e.ErrorType != errorType || e.ErrorMessage == "" {
		t.Fatalf("error body %+v, want status_code %d and error_type %q with a message", e, status, errorType)
	}
}

// WantStatus checks the answer's status.
func (r Response) WantStatus(t *testing.T, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
}

// syncBuffer is an output the program writes to while the test reads it,
// with a way to wait for a line.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at each write
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{})} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.changed)
	b.changed = make(chan struct{})
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// snapshot returns what was written so far and a channel closed at the
// next write.
func (b *syncBuffer) snapshot() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String(), b.changed
}
