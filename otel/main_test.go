package stytchotel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// env is an emulator, a Telemetry on the SDK's in-memory exporters, a
// client and an Authenticator whose HTTP clients go through its Transport,
// and an application server over real HTTP whose handler starts a server
// span for each request, as an instrumented router would.
type env struct {
	t      testing.TB
	srv    *stytchtest.Server
	tel    *Telemetry
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tracer trace.Tracer
	auth   *middleware.Authenticator
	app    *httptest.Server
	user   client.User
	grant  *stytchtest.SessionGrant
	// startup is the span in the context New was given.
	startup trace.SpanContext
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	e := &env{t: t, spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	e.tracer = tp.Tracer("test")
	cfg.TracerProvider, cfg.MeterProvider = tp, mp
	tel, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Close() })
	e.tel = tel

	e.srv = stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(e.srv.Close)
	ctx := context.Background()
	if e.user, err = e.srv.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Roles: []string{"reader"}}); err != nil {
		t.Fatal(err)
	}
	if e.grant, err = e.srv.CreateSession(ctx, stytchtest.SessionParams{UserID: e.user.UserID}); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: tel.Transport(e.srv.HTTPClient().Transport)}
	c, err := client.New(client.Config{ProjectID: e.srv.ProjectID, Secret: e.srv.Secret, BaseURL: e.srv.URL, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	startCtx, span := e.tracer.Start(ctx, "startup")
	e.startup = span.SpanContext()
	startCtx, cancel := context.WithTimeout(startCtx, 5*time.Second)
	defer cancel()
	e.auth, err = middleware.New(startCtx, middleware.Config{Client: c, HTTPClient: hc, Now: e.srv.Now, Observer: tel.Observe})
	span.End()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.auth.Close() })

	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.Handle("/me", e.auth.Require(middleware.Authenticated())(ok))
	mux.Handle("/read", e.auth.Require(middleware.Permission("documents", "read"))(ok))
	mux.Handle("/delete", e.auth.Require(middleware.Permission("documents", "delete"))(ok))
	e.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := e.tracer.Start(r.Context(), "server "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		mux.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(e.app.Close)
	return e
}

// get calls the application with a credential (none if empty): a JWT as a
// bearer token, an opaque session token in the stytch_session cookie. It
// returns the status.
func (e *env) get(path, credential string) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.app.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case strings.Count(credential, ".") == 2:
		req.Header.Set("Authorization", "Bearer "+credential)
	case credential != "":
		req.AddCookie(&http.Cookie{Name: "stytch_session", Value: credential})
	}
	res, err := e.app.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// ended returns the ended spans with the given stytch.endpoint.
func (e *env) ended(endpoint string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range e.spans.Ended() {
		if v, ok := attr(s.Attributes(), AttrEndpoint); ok && v.AsString() == endpoint {
			out = append(out, s)
		}
	}
	return out
}

// serverSpan returns the application's span for path.
func (e *env) serverSpan(path string) sdktrace.ReadOnlySpan {
	e.t.Helper()
	for _, s := range e.spans.Ended() {
		if s.Name() == "server "+path {
			return s
		}
	}
	e.t.Fatalf("no server span for %s", path)
	return nil
}

func attr(kvs []attribute.KeyValue, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// collect reads the metrics.
func (e *env) collect() map[string]metricdata.Metrics {
	e.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}
