package stytchtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

func mustInject(t *testing.T, srv *Server, e Endpoint, f Fault) {
	t.Helper()
	if err := srv.InjectFault(e, f); err != nil {
		t.Fatal(err)
	}
}

func wantRequestError(t *testing.T, err error, status int) *client.RequestError {
	t.Helper()
	var re *client.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want a *client.RequestError", err, err)
	}
	if re.StatusCode != status {
		t.Fatalf("RequestError status = %d, want %d (%v)", re.StatusCode, status, re)
	}
	return re
}

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	_, g := userSession(t, srv)
	ctx := context.Background()

	mustInject(t, srv, EndpointAuthenticate, Fault{Status: http.StatusServiceUnavailable, Count: 1})
	_, err := srv.Client().Authenticate(ctx, client.AuthenticateRequest{SessionToken: g.SessionToken})
	wantAPIError(t, err, http.StatusServiceUnavailable, client.ErrServerUnavailable)
	if _, err := srv.Client().Authenticate(ctx, client.AuthenticateRequest{SessionToken: g.SessionToken}); err != nil {
		t.Fatalf("the fault outlived its count: %v", err)
	}

	mustInject(t, srv, EndpointAuthenticate, Fault{Status: http.StatusTooManyRequests, RetryAfter: 1500 * time.Millisecond, Count: 1})
	r := call(t, srv, http.MethodPost, "/v1/sessions/authenticate", map[string]any{"session_token": g.SessionToken}, true)
	wantErrorBody(t, r, http.StatusTooManyRequests, client.ErrTooManyRequests)
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2 (1.5 s rounded up)", got)
	}

	mustInject(t, srv, EndpointRevoke, Fault{Status: http.StatusBadRequest, ErrorType: "custom_error"})
	for range 2 {
		_, err := srv.Client().Revoke(ctx, client.RevokeRequest{SessionID: "x"})
		wantAPIError(t, err, http.StatusBadRequest, "custom_error")
	}
	srv.ClearFaults()
	_, err = srv.Client().Revoke(ctx, client.RevokeRequest{SessionID: "x"})
	wantAPIError(t, err, http.StatusNotFound, client.ErrSessionNotFound)
}

func TestFaultsComeBeforeCredentials(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	mustInject(t, srv, EndpointPolicy, Fault{Status: http.StatusInternalServerError})
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/rbac/policy", nil, false), http.StatusInternalServerError, client.ErrInternalServerError)
	if got := srv.Requests(EndpointPolicy); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

func TestFaultRetriedByTheClientIsCountedEachTime(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	mustInject(t, srv, EndpointPolicy, Fault{Status: http.StatusInternalServerError, Count: 2})
	resp, err := srv.Client().GetPolicy(context.Background())
	if err != nil || resp.Policy == nil {
		t.Fatalf("GetPolicy after two faulted attempts = %+v, %v; the client retries twice", resp, err)
	}
	if got := srv.Requests(EndpointPolicy); got != 3 {
		t.Errorf("requests = %d, want 3 (two faulted, one answered)", got)
	}
}

func TestFaultDrop(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	_, g := userSession(t, srv)
	mustInject(t, srv, EndpointAuthenticate, Fault{Drop: true, Count: 1})
	_, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: g.SessionToken})
	wantRequestError(t, err, 0)
	if _, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: g.SessionToken}); err != nil {
		t.Fatal(err)
	}
}

func TestFaultMalformedAndOversized(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	ctx := context.Background()

	mustInject(t, srv, EndpointJWKS, Fault{Malformed: true, Count: 1})
	_, err := srv.Client().GetJWKS(ctx, client.GetJWKSRequest{ProjectID: srv.ProjectID})
	if re := wantRequestError(t, err, http.StatusOK); !strings.Contains(re.Error(), "decode response") {
		t.Errorf("error = %v, want a decoding failure", re)
	}
	mustInject(t, srv, EndpointJWKS, Fault{Malformed: true, Count: 1})
	r := call(t, srv, http.MethodGet, "/v1/sessions/jwks/"+srv.ProjectID, nil, false)
	if r.status != http.StatusOK || json.Valid(r.body) || !strings.HasPrefix(string(r.body), `{"request_id":"request-id-test-`) {
		t.Errorf("malformed answer = %d %s, want 200 and a body that starts like Stytch's but is not JSON", r.status, r.body)
	}

	mustInject(t, srv, EndpointAuthenticate, Fault{Malformed: true, Status: http.StatusBadGateway, Count: 1})
	_, err = srv.Client().Authenticate(ctx, client.AuthenticateRequest{SessionToken: "x"})
	wantRequestError(t, err, http.StatusBadGateway)

	mustInject(t, srv, EndpointAuthenticate, Fault{Oversized: true, Count: 1})
	_, err = srv.Client().Authenticate(ctx, client.AuthenticateRequest{SessionToken: "x"})
	if re := wantRequestError(t, err, http.StatusOK); !strings.Contains(re.Error(), "exceeds") {
		t.Errorf("error = %v, want the body-size refusal", re)
	}
	mustInject(t, srv, EndpointAuthenticate, Fault{Oversized: true, Count: 1})
	r = call(t, srv, http.MethodPost, "/v1/sessions/authenticate", map[string]any{"session_token": "x"}, true)
	if len(r.body) <= client.MaxResponseBytes || !json.Valid(r.body) {
		t.Errorf("oversized body: %d bytes, valid JSON %v", len(r.body), json.Valid(r.body))
	}
}

func TestFaultGarbageKeys(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	mustInject(t, srv, EndpointJWKS, Fault{GarbageKeys: true, Count: 1})
	resp, err := srv.Client().GetJWKS(context.Background(), client.GetJWKSRequest{ProjectID: srv.ProjectID})
	if err != nil {
		t.Fatal(err)
	}
	real := srv.JWKS()[0]
	if n := len(resp.Keys); n != len(garbageKeys())+1 || resp.Keys[n-1].Kid != real.Kid || resp.Keys[n-1].N != real.N {
		t.Fatalf("keys = %+v, want the garbage keys then the real one", resp.Keys)
	}
	for _, k := range resp.Keys[:len(resp.Keys)-1] {
		if k.Kid == real.Kid {
			t.Errorf("a garbage key has the real kid")
		}
	}
	if got := servedKeySet(t, srv).Len(); got != 1 {
		t.Errorf("after the fault %d keys are served, want 1", got)
	}
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	t.Run("then the normal answer", func(t *testing.T) {
		mustInject(t, srv, EndpointPolicy, Fault{Latency: 10 * time.Millisecond, Count: 1})
		if _, err := srv.Client().GetPolicy(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("longer than the caller waits", func(t *testing.T) {
		mustInject(t, srv, EndpointPolicy, Fault{Latency: time.Hour, Count: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := srv.Client().GetPolicy(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want the caller's deadline", err)
		}
	})
}

func TestCloseCutsLatencyShort(t *testing.T) {
	t.Parallel()
	srv, err := StartServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	mustInject(t, srv, EndpointPolicy, Fault{Latency: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, err := srv.Client().GetPolicy(context.Background())
		done <- err
	}()
	// Close only once the request is held, or the test proves nothing.
	for deadline := time.Now().Add(10 * time.Second); srv.Requests(EndpointPolicy) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request did not reach the emulator within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
	srv.Close()
	if err := <-done; err == nil {
		t.Fatal("a request delayed by an hour succeeded after Close")
	}
	srv.Close() // idempotent
}

func TestInjectFaultRefusesNonsense(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	tests := []struct {
		name     string
		endpoint Endpoint
		fault    Fault
	}{
		{"unknown endpoint", "users", Fault{Drop: true}},
		{"success status", EndpointGet, Fault{Status: 200}},
		{"status beyond 599", EndpointGet, Fault{Status: 600}},
		{"error type without status", EndpointGet, Fault{ErrorType: "x"}},
		{"garbage keys off JWKS", EndpointPolicy, Fault{GarbageKeys: true}},
		{"negative latency", EndpointGet, Fault{Latency: -1}},
		{"negative count", EndpointGet, Fault{Drop: true, Count: -1}},
		{"nothing", EndpointGet, Fault{Count: 3}},
	}
	for _, tt := range tests {
		if err := srv.InjectFault(tt.endpoint, tt.fault); err == nil {
			t.Errorf("%s: InjectFault accepted %+v", tt.name, tt.fault)
		}
	}
	if _, err := srv.Client().GetPolicy(context.Background()); err != nil {
		t.Errorf("a refused fault was installed: %v", err)
	}
}

func TestRequestCounters(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	ctx := context.Background()
	c := srv.Client()
	_, g := userSession(t, srv)
	_, _ = c.Get(ctx, client.GetRequest{UserID: g.Session.UserID})
	_, _ = c.Authenticate(ctx, client.AuthenticateRequest{SessionToken: g.SessionToken})
	_, _ = c.Authenticate(ctx, client.AuthenticateRequest{SessionToken: "unknown"})
	_, _ = c.Revoke(ctx, client.RevokeRequest{SessionID: "unknown"})
	_, _ = c.Migrate(ctx, client.MigrateRequest{SessionToken: "unknown"})
	_, _ = c.ExchangeAccessToken(ctx, client.ExchangeAccessTokenRequest{AccessToken: "unknown"})
	_, _ = c.Attest(ctx, client.AttestRequest{ProfileID: "p", Token: "unknown"})
	_, _ = c.GetJWKS(ctx, client.GetJWKSRequest{ProjectID: srv.ProjectID})
	_, _ = c.GetPolicy(ctx)
	call(t, srv, http.MethodGet, "/v1/rbac/policy", nil, false) // 401: counted too
	call(t, srv, http.MethodGet, "/v1/unknown", nil, true)      // no endpoint
	call(t, srv, http.MethodPost, "/emulator/keys/drop-old", nil, true)
	want := map[Endpoint]int{EndpointGet: 1, EndpointAuthenticate: 2, EndpointRevoke: 1, EndpointMigrate: 1,
		EndpointExchangeAccessToken: 1, EndpointAttest: 1, EndpointJWKS: 1, EndpointPolicy: 2}
	for _, e := range endpoints {
		if got := srv.Requests(e); got != want[e] {
			t.Errorf("Requests(%s) = %d, want %d", e, got, want[e])
		}
	}
	srv.ResetCounters()
	for _, e := range endpoints {
		if got := srv.Requests(e); got != 0 {
			t.Errorf("after ResetCounters, Requests(%s) = %d", e, got)
		}
	}
}
