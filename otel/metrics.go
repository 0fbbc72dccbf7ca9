package stytchotel

import (
	"errors"

	"go.opentelemetry.io/otel/metric"
)

// Metric names, all under the stytchmw. namespace, in the style of the
// OpenTelemetry semantic conventions: durations in seconds (unit "s"),
// counts of things with a {thing} unit.
const (
	MetricDecisions            = "stytchmw.decisions"
	MetricDecisionDuration     = "stytchmw.decision.duration"
	MetricSessionCacheRequests = "stytchmw.session_cache.requests"
	MetricRemoteActiveRequests = "stytchmw.remote.active_requests"
	MetricRemoteDuration       = "stytchmw.remote.duration"
	MetricJWKSAge              = "stytchmw.jwks.age"
	MetricPolicyAge            = "stytchmw.policy.age"
	MetricFleetConnected       = "stytchmw.fleet.connected"
	MetricFleetSyncAge         = "stytchmw.fleet.sync.age"
	MetricFleetRefused         = "stytchmw.fleet.refused"
)

// durationBuckets span a local JWT check (microseconds) to a remote call
// at its timeout: the semantic conventions' HTTP buckets, with finer ones
// below 5 ms, where local verification lands.
var durationBuckets = []float64{
	0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
	0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
}

// instruments are the synchronous instruments; the gauges are created by
// ObserveStatus.
type instruments struct {
	meter          metric.Meter
	decisions      metric.Int64Counter
	decisionTime   metric.Float64Histogram
	cacheRequests  metric.Int64Counter
	activeRequests metric.Int64UpDownCounter
	remoteTime     metric.Float64Histogram
	attrs          decisionAttrs
}

func newInstruments(m metric.Meter) (*instruments, error) {
	in := &instruments{meter: m}
	var errs [5]error
	in.decisions, errs[0] = m.Int64Counter(MetricDecisions, metric.WithUnit("{decision}"),
		metric.WithDescription("Authentication and authorization decisions of the middleware, by outcome and refusal code."))
	in.decisionTime, errs[1] = m.Float64Histogram(MetricDecisionDuration, metric.WithUnit("s"),
		metric.WithDescription("Time a decision took, by outcome and how the session was verified (local, remote, remote_cached, none)."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	in.cacheRequests, errs[2] = m.Int64Counter(MetricSessionCacheRequests, metric.WithUnit("{request}"),
		metric.WithDescription("Remote verifications answered from the session-token cache (hit) or by a call to Stytch (miss)."))
	in.activeRequests, errs[3] = m.Int64UpDownCounter(MetricRemoteActiveRequests, metric.WithUnit("{request}"),
		metric.WithDescription("Requests to the Stytch API in flight, by endpoint."))
	in.remoteTime, errs[4] = m.Float64Histogram(MetricRemoteDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of requests to the Stytch API, by endpoint and outcome."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	return in, errors.Join(errs[:]...)
}
