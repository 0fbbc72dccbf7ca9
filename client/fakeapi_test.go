package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/internal/redact/redacttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testProjectID = "project-test-1d8c5a8e-2b1e-4a66-9c1e-0a3f6f1f2b7c"
	testSecret    = "secret-test-q9Xw3lKcR2vB7nT0pYh5mZ8aE1sD4fG6jU="
	testUserAgent = "stytchmw-tests/1.0"
)

// assertNoSecret fails if the secret shows in err printed, logged or
// encoded any way.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, text := range redacttest.ErrorTexts(err) {
		assertTextHasNoSecret(t, text)
	}
}

// assertTextHasNoSecret fails if text shows any form of the secret, whole
// or in part (see redacttest.FindLeak).
func assertTextHasNoSecret(t *testing.T, text string) {
	t.Helper()
	if leak := redacttest.FindLeak(text, testSecret); leak != "" {
		t.Fatalf("secret leaked: %s", leak)
	}
}

// recordedRequest is what the fake API received.
type recordedRequest struct {
	Method, RequestURI, Path string
	Header                   http.Header
	Body                     []byte
}

// fakeAPI is an httptest server standing in for Stytch. It records every
// request and answers with handle, which gets the 1-based request number.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recordedRequest
}

func newFakeAPI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fakeAPI {
	t.Helper()
	api := &fakeAPI{}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("fake API: read body: %v", err)
		}
		api.mu.Lock()
		api.reqs = append(api.reqs, recordedRequest{
			Method: r.Method, RequestURI: r.RequestURI, Path: r.URL.Path, Header: r.Header.Clone(), Body: body,
		})
		n := len(api.reqs)
		api.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(api.Close)
	return api
}

// jsonAnswer answers status with a JSON body.
func jsonAnswer(status int, body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, status, body)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (a *fakeAPI) requests() []recordedRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]recordedRequest(nil), a.reqs...)
}

func (a *fakeAPI) count() int { return len(a.requests()) }

// waitRecorder stands in for the client's sleep: it records each wait and
// returns at once, so retry tests neither sleep nor depend on timing.
type waitRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (w *waitRecorder) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.waits = append(w.waits, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waitRecorder) recorded() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.waits...)
}

// newTestClient returns a client of the fake API whose retry waits are
// recorded rather than slept. edit, if not nil, adjusts the Config.
func newTestClient(t *testing.T, baseURL string, edit func(*Config)) (*Client, *waitRecorder) {
	t.Helper()
	cfg := Config{ProjectID: testProjectID, Secret: testSecret, BaseURL: baseURL, UserAgent: testUserAgent}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	w := &waitRecorder{}
	c.sleep = w.sleep
	return c, w
}

// newTLSFakeAPI is an HTTPS fake API answering every request with the
// policy; its Client trusts its certificate.
func newTLSFakeAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, policyJSON)
	}))
	t.Cleanup(srv.Close)
	return srv
}
