package stytchotel

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/stytchmw/stytchmw/middleware"
)

// Attribute keys of the decision metrics. Their values come from small
// fixed sets (outcomes, codes, verifications) or from the program's own
// configuration (source names): never from a request.
const (
	AttrOutcome      = attribute.Key("stytchmw.outcome")
	AttrCode         = attribute.Key("stytchmw.code")
	AttrVerification = attribute.Key("stytchmw.verification")
	AttrSource       = attribute.Key("stytchmw.credential.source")
	AttrCacheResult  = attribute.Key("stytchmw.cache.result")
)

// Observe records one decision of the middleware: install it as
// middleware.Config.Observer (Observer: tel.Observe). It adds one to
// stytchmw.decisions, records the decision's time in
// stytchmw.decision.duration, and counts a remote verification in
// stytchmw.session_cache.requests as a hit (answered from the cache) or a
// miss (Stytch was called). The Observation holds no user id, so none is
// ever recorded. ctx is the request's: exemplars link to its span.
func (t *Telemetry) Observe(ctx context.Context, o middleware.Observation) {
	m := t.metrics
	opts := m.attrs.of(o)
	m.decisions.Add(ctx, 1, opts.add...)
	m.decisionTime.Record(ctx, o.Duration.Seconds(), opts.record...)
	switch {
	case o.Cached:
		m.cacheRequests.Add(ctx, 1, cacheHit...)
	case o.Verification == middleware.VerifiedRemote:
		m.cacheRequests.Add(ctx, 1, cacheMiss...)
	}
}

var (
	cacheHit  = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(AttrCacheResult.String("hit")))}
	cacheMiss = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(AttrCacheResult.String("miss")))}
)

// verification names how a session was verified, telling a remote answer
// from the cache apart from a call to Stytch.
func verification(o middleware.Observation) string {
	if o.Cached {
		return "remote_cached"
	}
	return o.Verification.String()
}

// decisionKey is what a decision's attributes depend on.
type decisionKey struct {
	outcome      middleware.Outcome
	code         middleware.Code
	verification string
	source       string
}

// decisionOptions are the options of one decisionKey, built once.
type decisionOptions struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

// maxDecisionKeys bounds the memoized attribute sets. The keys come from
// fixed sets and the configured sources, so a few dozen exist; the bound
// only guards memory should that ever change.
const maxDecisionKeys = 1024

// decisionAttrs memoizes the attribute sets of decisions, so that
// recording one allocates nothing once its set was seen.
type decisionAttrs struct {
	sets sync.Map // decisionKey → *decisionOptions
	n    atomic.Int64
}

func (d *decisionAttrs) of(o middleware.Observation) *decisionOptions {
	key := decisionKey{outcome: o.Outcome, code: o.Code, verification: verification(o), source: o.Source}
	if v, ok := d.sets.Load(key); ok {
		return v.(*decisionOptions)
	}
	opts := key.options()
	if d.n.Load() < maxDecisionKeys {
		if v, loaded := d.sets.LoadOrStore(key, opts); loaded {
			return v.(*decisionOptions)
		}
		d.n.Add(1)
	}
	return opts
}

func (k decisionKey) options() *decisionOptions {
	attrs := []attribute.KeyValue{AttrOutcome.String(k.outcome.String()), AttrVerification.String(k.verification)}
	timing := metric.WithAttributeSet(attribute.NewSet(attrs...))
	if k.code != "" {
		attrs = append(attrs, AttrCode.String(string(k.code)))
	}
	if k.source != "" {
		attrs = append(attrs, AttrSource.String(k.source))
	}
	return &decisionOptions{
		add:    []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attrs...))},
		record: []metric.RecordOption{timing},
	}
}
