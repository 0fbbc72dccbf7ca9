package stytchotel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/stytchmw/stytchmw/middleware"
)

// ObserveStatus registers the gauges of the background state, computed
// from status — an Authenticator's Status method — each time the metrics
// are collected (on the reader's goroutine):
//
//   - stytchmw.jwks.age, stytchmw.policy.age (s): time since the key set
//     and the policy in force were fetched; absent while none is.
//   - stytchmw.fleet.connected (1 or 0): whether the fleet feed is live;
//     stytchmw.fleet.sync.age (s): time since the full set was last
//     loaded; stytchmw.fleet.refused: entries the store refused. Absent
//     without a fleet.
//
// It is separate from New because the Authenticator whose status it reads
// is built with Telemetry's Transport. It may be called once; Close
// unregisters the callback.
func (t *Telemetry) ObserveStatus(status func() middleware.Status) error {
	if status == nil {
		return fmt.Errorf("%w: ObserveStatus needs a status function", ErrInvalidConfig)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.registration != nil {
		return fmt.Errorf("%w: ObserveStatus was already called", ErrInvalidConfig)
	}
	m := t.metrics.meter
	var errs [5]error
	var (
		jwksAge, policyAge, syncAge metric.Float64ObservableGauge
		connected                   metric.Int64ObservableGauge
		refused                     metric.Int64ObservableCounter
	)
	jwksAge, errs[0] = m.Float64ObservableGauge(MetricJWKSAge, metric.WithUnit("s"),
		metric.WithDescription("Time since the JWKS in force was fetched."))
	policyAge, errs[1] = m.Float64ObservableGauge(MetricPolicyAge, metric.WithUnit("s"),
		metric.WithDescription("Time since the RBAC policy in force was fetched."))
	connected, errs[2] = m.Int64ObservableGauge(MetricFleetConnected, metric.WithUnit("1"),
		metric.WithDescription("1 while the fleet's feed of revocations is live, else 0."))
	syncAge, errs[3] = m.Float64ObservableGauge(MetricFleetSyncAge, metric.WithUnit("s"),
		metric.WithDescription("Time since the fleet's full set of revocations was last loaded."))
	refused, errs[4] = m.Int64ObservableCounter(MetricFleetRefused, metric.WithUnit("{entry}"),
		metric.WithDescription("Fleet entries refused as not authentic or not understood."))
	if err := errors.Join(errs[:]...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st, now := status(), time.Now()
		if !st.KeysFetchedAt.IsZero() {
			o.ObserveFloat64(jwksAge, now.Sub(st.KeysFetchedAt).Seconds())
		}
		if !st.PolicyFetchedAt.IsZero() {
			o.ObserveFloat64(policyAge, now.Sub(st.PolicyFetchedAt).Seconds())
		}
		if f := st.Fleet; f != nil {
			up := int64(0)
			if f.Connected {
				up = 1
			}
			o.ObserveInt64(connected, up)
			if !f.LastSync.IsZero() {
				o.ObserveFloat64(syncAge, now.Sub(f.LastSync).Seconds())
			}
			o.ObserveInt64(refused, int64(min(f.Refused, 1<<63-1)))
		}
		return nil
	}, jwksAge, policyAge, connected, syncAge, refused)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	t.registration = reg
	return nil
}
