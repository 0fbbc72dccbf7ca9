package stytchotel

import (
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestDecisionMetrics: after a mix of accepted and refused requests, the
// decision counter, the durations, the cache counter and the remote
// metrics say what happened.
func TestDecisionMetrics(t *testing.T) {
	e := newEnv(t, Config{})
	requests := []struct {
		path, credential string
		status           int
	}{
		{"/me", e.grant.SessionJWT, http.StatusOK},            // local
		{"/me", e.grant.SessionJWT, http.StatusOK},            // local
		{"/me", e.grant.SessionToken, http.StatusOK},          // remote: a miss
		{"/me", e.grant.SessionToken, http.StatusOK},          // remote: a hit
		{"/me", "", http.StatusUnauthorized},                  // no credential
		{"/me", badToken, http.StatusUnauthorized},            // Stytch refuses
		{"/read", e.grant.SessionJWT, http.StatusOK},          // authorized
		{"/delete", e.grant.SessionJWT, http.StatusForbidden}, // a reader may not delete
	}
	for _, r := range requests {
		if got := e.get(r.path, r.credential); got != r.status {
			t.Fatalf("%s: %d, want %d", r.path, got, r.status)
		}
	}
	ms := e.collect()

	decisions := sumOf(t, ms, MetricDecisions)
	for _, want := range []struct {
		attrs []attribute.KeyValue
		n     int64
	}{
		{[]attribute.KeyValue{AttrOutcome.String("authenticated"), AttrVerification.String("local")}, 4}, // /read and /delete authenticate too
		{[]attribute.KeyValue{AttrOutcome.String("authenticated"), AttrVerification.String("remote")}, 1},
		{[]attribute.KeyValue{AttrOutcome.String("authenticated"), AttrVerification.String("remote_cached")}, 1},
		{[]attribute.KeyValue{AttrOutcome.String("rejected"), AttrCode.String("missing_credential")}, 1},
		{[]attribute.KeyValue{AttrOutcome.String("rejected"), AttrCode.String("session_not_found")}, 1},
		{[]attribute.KeyValue{AttrOutcome.String("authorized")}, 1},
		{[]attribute.KeyValue{AttrOutcome.String("denied"), AttrCode.String("consumer_session_authorization_error")}, 1},
	} {
		if got := count(decisions, want.attrs...); got != want.n {
			t.Errorf("decisions %v: %d, want %d (all: %v)", want.attrs, got, want.n, points(decisions))
		}
	}
	for _, dp := range decisions {
		if v, ok := dp.Attributes.Value(AttrOutcome); ok && v.AsString() == "authenticated" {
			if _, ok := dp.Attributes.Value(AttrCode); ok {
				t.Errorf("an accepted decision has a code: %v", dp.Attributes.ToSlice())
			}
		}
	}

	cache := sumOf(t, ms, MetricSessionCacheRequests)
	if hit, miss := count(cache, AttrCacheResult.String("hit")), count(cache, AttrCacheResult.String("miss")); hit != 1 || miss != 1 {
		t.Errorf("cache hits %d misses %d, want 1 and 1", hit, miss)
	}

	hist, ok := ms[MetricDecisionDuration].Data.(metricdata.Histogram[float64])
	if !ok || ms[MetricDecisionDuration].Unit != "s" {
		t.Fatalf("%s is %T in %q", MetricDecisionDuration, ms[MetricDecisionDuration].Data, ms[MetricDecisionDuration].Unit)
	}
	byVerification := map[string]uint64{}
	for _, dp := range hist.DataPoints {
		v, _ := dp.Attributes.Value(AttrVerification)
		byVerification[v.AsString()] += dp.Count
		if dp.Sum <= 0 {
			t.Errorf("durations %v sum to %v", dp.Attributes.ToSlice(), dp.Sum)
		}
	}
	if byVerification["local"] < 2 || byVerification["remote"] != 1 {
		t.Errorf("durations by verification %v, want ≥2 local and 1 remote", byVerification)
	}

	if n := activeRequests(ms); n != 0 {
		t.Errorf("%d requests in flight after the answers", n)
	}
	remote, ok := ms[MetricRemoteDuration].Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is %T", MetricRemoteDuration, ms[MetricRemoteDuration].Data)
	}
	calls := map[string]uint64{}
	for _, dp := range remote.DataPoints {
		v, _ := dp.Attributes.Value(AttrEndpoint)
		calls[v.AsString()] += dp.Count
	}
	if calls["sessions.authenticate"] != 2 || calls["sessions.jwks"] < 1 || calls["rbac.policy"] < 1 {
		t.Errorf("remote calls by endpoint %v, want 2 authentications, a JWKS and a policy fetch", calls)
	}
}

func sumOf(t *testing.T, ms map[string]metricdata.Metrics, name string) []metricdata.DataPoint[int64] {
	t.Helper()
	s, ok := ms[name].Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is %T", name, ms[name].Data)
	}
	return s.DataPoints
}

// count adds the points whose attributes include every one of attrs.
func count(dps []metricdata.DataPoint[int64], attrs ...attribute.KeyValue) int64 {
	var n int64
points:
	for _, dp := range dps {
		for _, kv := range attrs {
			if v, ok := dp.Attributes.Value(kv.Key); !ok || v != kv.Value {
				continue points
			}
		}
		n += dp.Value
	}
	return n
}

func points(dps []metricdata.DataPoint[int64]) []string {
	var out []string
	for _, dp := range dps {
		out = append(out, dp.Attributes.Encoded(attribute.DefaultEncoder())+"="+attribute.Int64Value(dp.Value).String())
	}
	return out
}

// activeRequests adds every point of the in-flight counter.
func activeRequests(ms map[string]metricdata.Metrics) int64 {
	s, _ := ms[MetricRemoteActiveRequests].Data.(metricdata.Sum[int64])
	var n int64
	for _, dp := range s.DataPoints {
		n += dp.Value
	}
	return n
}
