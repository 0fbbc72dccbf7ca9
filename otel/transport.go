package stytchotel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// AttrEndpoint names the Stytch operation of a request
// (sessions.authenticate, sessions.jwks, rbac.policy, …; "other" for a path
// the package does not know).
const AttrEndpoint = attribute.Key("stytch.endpoint")

// Transport returns an http.RoundTripper that sends each request with base
// (nil: http.DefaultTransport) inside a client span, and counts it in
// stytchmw.remote.active_requests and stytchmw.remote.duration. Install it
// as the Transport of the HTTP clients that call Stytch:
//
//	hc := &http.Client{Transport: tel.Transport(nil)}
//	client.Config{…, HTTPClient: hc}      // sessions/authenticate, RBAC policy, …
//	middleware.Config{…, HTTPClient: hc}  // the JWKS
//
// The span follows the HTTP client semantic conventions v1.40.0: named
// "{method} {url.template}" ("POST /v1/sessions/authenticate"), with
// http.request.method, server.address, server.port, url.template,
// http.response.status_code and error.type, and stytch.endpoint. It never
// records a header (so never the Authorization header and its secret), a
// query string, a body, or, unless Config.RecordPathIDs, an id of the path:
// url.full, which would hold them, is left out. It is a child of the span
// in the request's context: the middleware's remote calls carry the
// incoming request's context values, the background refreshes of the JWKS
// and the policy start root spans. The trace context is not propagated to
// Stytch (no traceparent header is sent to a third party).
func (t *Telemetry) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, base: base}
}

type transport struct {
	t    *Telemetry
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ep, ids := match(req.Method, req.URL.EscapedPath(), tr.t.ids)
	method, known := knownMethod(req.Method)
	name, spanName := otherEndpoint, method
	if !known {
		spanName = "HTTP"
	}
	attrs := make([]attribute.KeyValue, 0, 8+len(ids))
	attrs = append(attrs, semconv.HTTPRequestMethodKey.String(method))
	if !known {
		attrs = append(attrs, semconv.HTTPRequestMethodOriginal(req.Method))
	}
	if ep != nil {
		name, spanName = ep.name, spanName+" "+ep.template
		attrs = append(attrs, semconv.URLTemplate(ep.template))
	}
	attrs = append(attrs, AttrEndpoint.String(name))
	host, port := serverOf(req)
	attrs = append(attrs, semconv.ServerAddress(host), semconv.ServerPort(port))
	for _, id := range ids {
		attrs = append(attrs, attribute.String("stytch."+id.name, id.value))
	}
	ctx, span := tr.t.tracer.Start(req.Context(), spanName, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if span.IsRecording() {
		req = req.WithContext(ctx) // a traced base transport nests its spans under this one
	}

	m := tr.t.metrics
	active := metric.WithAttributeSet(attribute.NewSet(AttrEndpoint.String(name), semconv.HTTPRequestMethodKey.String(method)))
	m.activeRequests.Add(ctx, 1, active)
	start := time.Now()
	c := &call{ctx: ctx, span: span, m: m, active: active, start: start, endpoint: name, method: method}

	res, err := tr.base.RoundTrip(req)
	if err != nil {
		c.end(0, errorType(err))
		return nil, err
	}
	errType := ""
	if res.StatusCode >= 400 {
		errType = strconv.Itoa(res.StatusCode)
	}
	c.status = res.StatusCode
	if res.Body == nil || res.Body == http.NoBody {
		c.end(res.StatusCode, errType)
		return res, nil
	}
	c.errType = errType
	res.Body = &body{ReadCloser: res.Body, call: c}
	return res, nil
}

// call is one request in flight: it ends when its answer's body is read to
// its end or closed, whichever comes first.
type call struct {
	ctx      context.Context
	span     trace.Span
	m        *instruments
	active   metric.AddOption
	start    time.Time
	endpoint string
	method   string
	status   int
	errType  string
	once     sync.Once
}

// end records the outcome: status is 0 when no answer came.
func (c *call) end(status int, errType string) {
	c.once.Do(func() {
		elapsed := time.Since(c.start).Seconds()
		attrs := []attribute.KeyValue{AttrEndpoint.String(c.endpoint), semconv.HTTPRequestMethodKey.String(c.method)}
		if status != 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(status))
			c.span.SetAttributes(semconv.HTTPResponseStatusCode(status))
		}
		if errType != "" {
			attrs = append(attrs, semconv.ErrorTypeKey.String(errType))
			c.span.SetAttributes(semconv.ErrorTypeKey.String(errType))
			// The description is the error type, never the error's text,
			// which may quote a URL or a header.
			c.span.SetStatus(codes.Error, errType)
		}
		c.span.End()
		c.m.activeRequests.Add(c.ctx, -1, c.active)
		c.m.remoteTime.Record(c.ctx, elapsed, metric.WithAttributeSet(attribute.NewSet(attrs...)))
	})
}

// body ends its call at the first read error (io.EOF included) or Close.
type body struct {
	io.ReadCloser
	call *call
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		errType := b.call.errType
		if err != io.EOF && errType == "" {
			errType = errorType(err)
		}
		b.call.end(b.call.status, errType)
	}
	return n, err
}

func (b *body) Close() error {
	err := b.ReadCloser.Close()
	b.call.end(b.call.status, b.call.errType)
	return err
}

// knownMethod returns the method as the semantic conventions record it:
// one of the methods of RFC 9110 and PATCH, else "_OTHER" (and false).
func knownMethod(m string) (string, bool) {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch,
		http.MethodHead, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m, true
	}
	return "_OTHER", false
}

// serverOf is the host and port the request is sent to, the port from the
// scheme when the URL has none.
func serverOf(req *http.Request) (string, int) {
	host := req.URL.Hostname()
	if p := req.URL.Port(); p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			return host, n
		}
	}
	if req.URL.Scheme == "http" {
		return host, 80
	}
	return host, 443
}

// errorType names a transport failure with a low-cardinality identifier:
// "timeout", "canceled", or the error's Go type.
func errorType(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return fmt.Sprintf("%T", err)
}
