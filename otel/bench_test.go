package stytchotel

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// BenchmarkRequest is the cost of the Observer on a request that the
// middleware accepts with a session JWT verified before (the common case):
// without telemetry, with it on no-op providers, and with the SDK's.
func BenchmarkRequest(b *testing.B) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	b.Cleanup(srv.Close)
	ctx := context.Background()
	user, err := srv.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	grant, err := srv.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		b.Fatal(err)
	}
	sdkMeters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	sdkTracer := sdktrace.NewTracerProvider()
	b.Cleanup(func() {
		_ = sdkMeters.Shutdown(ctx)
		_ = sdkTracer.Shutdown(ctx)
	})
	cases := []struct {
		name string
		cfg  *Config // nil: no telemetry
	}{
		{"off", nil},
		{"noop", &Config{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider()}},
		{"sdk", &Config{TracerProvider: sdkTracer, MeterProvider: sdkMeters}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cfg := middleware.Config{Client: srv.Client(), HTTPClient: srv.HTTPClient(), Now: srv.Now}
			if c.cfg != nil {
				tel, err := New(*c.cfg)
				if err != nil {
					b.Fatal(err)
				}
				cfg.Observer = tel.Observe
			}
			startCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			auth, err := middleware.New(startCtx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer auth.Close()
			h := auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Authorization", "Bearer "+grant.SessionJWT)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req) // the JWT enters the verified cache on its second sight
			h.ServeHTTP(w, req)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkTransport is the cost the Transport adds to a call to Stytch
// (a JWKS fetch from the emulator, over loopback), with the SDK's
// providers.
func BenchmarkTransport(b *testing.B) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	b.Cleanup(srv.Close)
	ctx := context.Background()
	sdkMeters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	sdkTracer := sdktrace.NewTracerProvider()
	b.Cleanup(func() {
		_ = sdkMeters.Shutdown(ctx)
		_ = sdkTracer.Shutdown(ctx)
	})
	tel, err := New(Config{TracerProvider: sdkTracer, MeterProvider: sdkMeters})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"off", srv.HTTPClient().Transport},
		{"sdk", tel.Transport(srv.HTTPClient().Transport)},
	} {
		b.Run(c.name, func(b *testing.B) {
			hc := &http.Client{Transport: c.rt}
			url := srv.URL + "/v1/sessions/jwks/" + srv.ProjectID
			b.ReportAllocs()
			for b.Loop() {
				res, err := hc.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
		})
	}
}
