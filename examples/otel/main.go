// Command otel is the documents API with OpenTelemetry: every call to
// Stytch (the JWKS, sessions/authenticate, the RBAC policy) as a client
// span under the span of the request that caused it, and the middleware's
// decisions as metrics, printed to stdout by the SDK's stdout exporters.
//
//	go run ./examples/otel
//
// It starts an embedded Stytch emulator with a demo user (role reader),
// serves the API on a loopback port, sends it a few requests (a session
// JWT, an opaque session token twice, no credential, an unknown token, a
// delete the reader may not do), then stops and flushes the metrics. The
// spans are printed as they end. No token, secret or user id appears in
// the output.
//
// The OpenTelemetry SDK and its exporters are this program's choice:
// package stytchotel uses only the OpenTelemetry API.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
	stytchotel "github.com/stytchmw/stytchmw/otel"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func main() {
	if _, err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "examples/otel:", err)
		os.Exit(1)
	}
}

// credentials are what the demo must never print; run returns them for
// the test that checks so.
type credentials struct {
	secret, sessionToken, sessionJWT, userID string
}

// run sets up the telemetry, the emulator and the API, sends the demo
// requests, and writes the spans and metrics to out.
func run(ctx context.Context, out io.Writer) (creds credentials, err error) {
	// The program's SDK: spans printed as each ends, metrics when the
	// provider shuts down.
	spanExporter, err := stdouttrace.New(stdouttrace.WithWriter(out), stdouttrace.WithPrettyPrint())
	if err != nil {
		return creds, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spanExporter))
	metricExporter, err := stdoutmetric.New(stdoutmetric.WithWriter(out), stdoutmetric.WithPrettyPrint())
	if err != nil {
		return creds, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExporter)))
	defer func() {
		err = errors.Join(err, tp.Shutdown(context.Background()), mp.Shutdown(context.Background()))
	}()

	tel, err := stytchotel.New(stytchotel.Config{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		return creds, err
	}
	defer tel.Close()

	emu, err := stytchtest.StartServer(stytchtest.Config{})
	if err != nil {
		return creds, err
	}
	defer emu.Close()
	user, err := emu.CreateUser(ctx, stytchtest.UserParams{Email: "demo@example.com", Roles: []string{"reader"}})
	if err != nil {
		return creds, err
	}
	grant, err := emu.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		return creds, err
	}
	creds = credentials{secret: emu.Secret, sessionToken: grant.SessionToken, sessionJWT: grant.SessionJWT, userID: user.UserID}

	// One HTTP client for every call to Stytch, through the telemetry's
	// Transport: the client's (sessions/authenticate, the RBAC policy) and
	// the middleware's (the JWKS).
	hc := &http.Client{Transport: tel.Transport(emu.HTTPClient().Transport), Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	c, err := client.New(client.Config{ProjectID: emu.ProjectID, Secret: emu.Secret, BaseURL: emu.URL, HTTPClient: hc})
	if err != nil {
		return creds, err
	}
	auth, err := middleware.New(ctx, middleware.Config{Client: c, HTTPClient: hc, Now: emu.Now, Observer: tel.Observe})
	if err != nil {
		return creds, err
	}
	defer auth.Close()

	base, stop, err := serve(api(auth, tp.Tracer("examples/otel")))
	if err != nil {
		return creds, err
	}
	defer stop()
	return creds, demo(ctx, base, grant)
}

// api is the documents API behind the middleware, each request in a server
// span (an instrumented router, such as otelhttp's, would start it; the
// example keeps to the SDK).
func api(auth *middleware.Authenticator, tracer trace.Tracer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /documents", auth.Require(middleware.Permission("documents", "read"))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"id":"doc-1","title":"Welcome"}]`)
	})))
	mux.Handle("DELETE /documents/{id}", auth.Require(middleware.Permission("documents", "delete"))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		mux.ServeHTTP(w, r.WithContext(ctx))
	})
}

// serve serves h on a loopback port; stop shuts it down.
func serve(h http.Handler) (base string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	return "http://" + l.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// demo sends the requests whose telemetry the program prints.
func demo(ctx context.Context, base string, grant *stytchtest.SessionGrant) error {
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+grant.SessionJWT) }
	cookie := func(token string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "stytch_session", Value: token}) }
	}
	requests := []struct {
		method, path string
		credential   func(*http.Request)
		want         int
	}{
		{"GET", "/documents", bearer, http.StatusOK},                                                       // JWT verified locally
		{"GET", "/documents", cookie(grant.SessionToken), http.StatusOK},                                   // opaque token: Stytch
		{"GET", "/documents", cookie(grant.SessionToken), http.StatusOK},                                   // from the cache
		{"GET", "/documents", nil, http.StatusUnauthorized},                                                // no credential
		{"GET", "/documents", cookie("no-such-session-token-000000000000000000"), http.StatusUnauthorized}, // Stytch refuses
		{"DELETE", "/documents/doc-1", bearer, http.StatusForbidden},                                       // a reader may not delete
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	for _, r := range requests {
		req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, nil)
		if err != nil {
			return err
		}
		if r.credential != nil {
			r.credential(req)
		}
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if res.StatusCode != r.want {
			return fmt.Errorf("%s %s: %d, want %d", r.method, r.path, res.StatusCode, r.want)
		}
	}
	return nil
}
