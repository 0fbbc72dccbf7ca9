package stytchotel

import (
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/stytchmw/stytchmw/otel"

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytchotel: invalid config")

// Config configures a Telemetry. Every field has a default.
type Config struct {
	// TracerProvider creates the tracer of the remote calls' spans
	// (default otel.GetTracerProvider(): the global one, a no-op until the
	// program installs an SDK).
	TracerProvider trace.TracerProvider
	// MeterProvider creates the meter of the metrics (default
	// otel.GetMeterProvider()).
	MeterProvider metric.MeterProvider
	// RecordPathIDs, when true, records the ids a Stytch API path holds
	// (organization_id, client_id, project_id) as span attributes
	// stytch.organization_id, stytch.client_id and stytch.project_id.
	// Default false: a path's ids are replaced by their template
	// ({organization_id}) and recorded nowhere, since an organization or a
	// machine client may identify a customer. User and member ids are never
	// recorded: they travel in request bodies, which are never read.
	RecordPathIDs bool
}

// Telemetry emits the spans and metrics of stytchmw. Create one with New,
// install Transport as the Transport of the HTTP clients that call Stytch
// (client.Config.HTTPClient, middleware.Config.HTTPClient), Observe as
// middleware.Config.Observer, and, when the program has an Authenticator,
// its status with ObserveStatus. Close it when done. It is safe for
// concurrent use.
type Telemetry struct {
	tracer  trace.Tracer
	ids     bool
	metrics *instruments

	mu           sync.Mutex
	registration metric.Registration // ObserveStatus's callback; nil before it
}

// New creates the tracer and the instruments. It fails only when the
// MeterProvider refuses an instrument.
func New(cfg Config) (*Telemetry, error) {
	tp := cfg.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	mp := cfg.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m, err := newInstruments(mp.Meter(ScopeName))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return &Telemetry{tracer: tp.Tracer(ScopeName), ids: cfg.RecordPathIDs, metrics: m}, nil
}

// Close unregisters the status callback of ObserveStatus, so that the
// MeterProvider no longer calls it. Spans and counters need no closing.
func (t *Telemetry) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.registration == nil {
		return nil
	}
	err := t.registration.Unregister()
	t.registration = nil
	return err
}
