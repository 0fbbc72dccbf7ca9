package stytchotel

import (
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/middleware"
)

// TestObserveStatus: the gauges report the ages and the fleet's state the
// status function gives, and vanish with Close.
func TestObserveStatus(t *testing.T) {
	e := newEnv(t, Config{})
	status := middleware.Status{}
	if err := e.tel.ObserveStatus(func() middleware.Status { return status }); err != nil {
		t.Fatal(err)
	}
	if err := e.tel.ObserveStatus(func() middleware.Status { return status }); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a second ObserveStatus: %v, want ErrInvalidConfig", err)
	}

	ms := e.collect()
	for _, name := range []string{MetricJWKSAge, MetricPolicyAge, MetricFleetConnected, MetricFleetSyncAge, MetricFleetRefused} {
		if m, ok := ms[name]; ok && dataPoints(m) > 0 {
			t.Errorf("%s reported without a status", name)
		}
	}

	now := time.Now()
	status = middleware.Status{
		KeysFetchedAt:   now.Add(-90 * time.Second),
		PolicyFetchedAt: now.Add(-30 * time.Second),
		Fleet:           &fleet.Status{Connected: true, Loaded: true, LastSync: now.Add(-10 * time.Second), Refused: 3},
	}
	ms = e.collect()
	for _, tt := range []struct {
		name   string
		lo, hi float64
	}{
		{MetricJWKSAge, 90, 100},
		{MetricPolicyAge, 30, 40},
		{MetricFleetSyncAge, 10, 20},
		{MetricFleetConnected, 1, 1},
		{MetricFleetRefused, 3, 3},
	} {
		if v, ok := value(ms[tt.name]); !ok || v < tt.lo || v > tt.hi {
			t.Errorf("%s = %v (present %v), want within [%v, %v]", tt.name, v, ok, tt.lo, tt.hi)
		}
	}
	if ms[MetricJWKSAge].Unit != "s" {
		t.Errorf("%s unit %q, want s", MetricJWKSAge, ms[MetricJWKSAge].Unit)
	}

	status.Fleet.Connected = false
	if v, _ := value(e.collect()[MetricFleetConnected]); v != 0 {
		t.Errorf("a disconnected fleet reports %v", v)
	}

	if err := e.tel.Close(); err != nil {
		t.Fatal(err)
	}
	if v, ok := value(e.collect()[MetricJWKSAge]); ok {
		t.Errorf("after Close the JWKS age is still reported: %v", v)
	}
}

func dataPoints(m metricdata.Metrics) int {
	switch d := m.Data.(type) {
	case metricdata.Gauge[float64]:
		return len(d.DataPoints)
	case metricdata.Gauge[int64]:
		return len(d.DataPoints)
	case metricdata.Sum[int64]:
		return len(d.DataPoints)
	}
	return 0
}

// value is the only point of a gauge or an observable counter.
func value(m metricdata.Metrics) (float64, bool) {
	switch d := m.Data.(type) {
	case metricdata.Gauge[float64]:
		if len(d.DataPoints) == 1 {
			return d.DataPoints[0].Value, true
		}
	case metricdata.Gauge[int64]:
		if len(d.DataPoints) == 1 {
			return float64(d.DataPoints[0].Value), true
		}
	case metricdata.Sum[int64]:
		if len(d.DataPoints) == 1 {
			return float64(d.DataPoints[0].Value), true
		}
	}
	return 0, false
}

// TestObserveAuthenticatorStatus: wired to an Authenticator's Status, the
// gauges report the age of its key set from the start and of its policy
// once a Permission rule has loaded one.
func TestObserveAuthenticatorStatus(t *testing.T) {
	e := newEnv(t, Config{})
	if err := e.tel.ObserveStatus(e.auth.Status); err != nil {
		t.Fatal(err)
	}
	if e.get("/read", e.grant.SessionJWT) != 200 {
		t.Fatal("the policy-checked route must pass")
	}
	ms := e.collect()
	for _, name := range []string{MetricJWKSAge, MetricPolicyAge} {
		if v, ok := value(ms[name]); !ok || v < 0 || v > 60 {
			t.Errorf("%s = %v (present %v), want the age of a fetch made by this test", name, v, ok)
		}
	}
	if _, ok := value(ms[MetricFleetConnected]); ok {
		t.Error("a fleet state is reported without a fleet")
	}
}
