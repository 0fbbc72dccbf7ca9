package stytchotel_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
	stytchotel "github.com/stytchmw/stytchmw/otel"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// One Telemetry traces the calls to Stytch (through its Transport) and
// counts the middleware's decisions (through Observe). The SDK's in-memory
// recorders stand in for a program's exporters, and the stytchtest
// emulator plays Stytch.
func Example() {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(ctx)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	tel, err := stytchotel.New(stytchotel.Config{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		log.Fatal(err)
	}
	defer tel.Close()

	emulator := stytchtest.NewServer(stytchtest.Config{})
	defer emulator.Close()
	user, err := emulator.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	session, err := emulator.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		log.Fatal(err)
	}

	// The wiring: the client's and the Authenticator's HTTP clients go
	// through the Transport; the Observer is Observe.
	hc := &http.Client{Transport: tel.Transport(emulator.HTTPClient().Transport)}
	stytch, err := client.New(client.Config{ProjectID: emulator.ProjectID, Secret: emulator.Secret, BaseURL: emulator.URL, HTTPClient: hc})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(ctx, middleware.Config{Client: stytch, HTTPClient: hc, Observer: tel.Observe})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	app := httptest.NewServer(auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	defer app.Close()

	for _, credential := range []string{"Bearer " + session.SessionJWT, "", "Bearer " + session.SessionJWT} {
		req, _ := http.NewRequest(http.MethodGet, app.URL, nil)
		if credential != "" {
			req.Header.Set("Authorization", credential)
		}
		res, err := app.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
	}

	// The JWKS fetch at start is the only call to Stytch: the JWTs were
	// verified locally.
	for _, s := range spans.Ended() {
		fmt.Println("span:", s.Name())
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	var decisions []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == stytchotel.MetricDecisions {
				for _, dp := range sum.DataPoints {
					decisions = append(decisions, fmt.Sprintf("%s=%d", dp.Attributes.Encoded(attribute.DefaultEncoder()), dp.Value))
				}
			}
		}
	}
	slices.Sort(decisions)
	for _, d := range decisions {
		fmt.Println(stytchotel.MetricDecisions+":", d)
	}
	// Output:
	// span: GET /v1/sessions/jwks/{project_id}
	// stytchmw.decisions: stytchmw.code=missing_credential,stytchmw.outcome=rejected,stytchmw.verification=none=1
	// stytchmw.decisions: stytchmw.credential.source=bearer,stytchmw.outcome=authenticated,stytchmw.verification=local=2
}
