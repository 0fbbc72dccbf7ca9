package stytchotel

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/stytchmw/stytchmw/client"
)

// badToken is an opaque session token Stytch does not know.
const badToken = "tOtAlLyMaDeUpSeSsIoNtOkEnThAtStYtChDoEsNoTkNoW"

// TestSpansOfRemoteCalls: the JWKS fetch, a remote authentication and the
// policy fetch each make one client span with the semantic conventions'
// attributes, nested under the span of what caused them.
func TestSpansOfRemoteCalls(t *testing.T) {
	e := newEnv(t, Config{})
	if got := e.get("/me", e.grant.SessionToken); got != http.StatusOK {
		t.Fatalf("/me with the session token: %d", got)
	}
	if got := e.get("/read", e.grant.SessionJWT); got != http.StatusOK {
		t.Fatalf("/read with the JWT: %d", got)
	}
	if got := e.get("/me", badToken); got != http.StatusUnauthorized {
		t.Fatalf("/me with an unknown token: %d", got)
	}
	u, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())

	tests := []struct {
		endpoint, name, method, template string
		parent                           func() trace.SpanContext // nil: a root span
		status                           int
	}{
		{"sessions.jwks", "GET /v1/sessions/jwks/{project_id}", "GET", "/v1/sessions/jwks/{project_id}",
			func() trace.SpanContext { return e.startup }, 200},
		{"sessions.authenticate", "POST /v1/sessions/authenticate", "POST", "/v1/sessions/authenticate",
			func() trace.SpanContext { return e.serverSpan("/me").SpanContext() }, 200},
		{"rbac.policy", "GET /v1/rbac/policy", "GET", "/v1/rbac/policy", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			spans := e.ended(tt.endpoint)
			if len(spans) == 0 {
				t.Fatalf("no span for %s", tt.endpoint)
			}
			s := spans[0]
			if s.Name() != tt.name || s.SpanKind() != trace.SpanKindClient {
				t.Errorf("span %q kind %v, want %q client", s.Name(), s.SpanKind(), tt.name)
			}
			want := map[attribute.Key]attribute.Value{
				semconv.HTTPRequestMethodKey:      attribute.StringValue(tt.method),
				semconv.URLTemplateKey:            attribute.StringValue(tt.template),
				semconv.ServerAddressKey:          attribute.StringValue(u.Hostname()),
				semconv.ServerPortKey:             attribute.IntValue(port),
				semconv.HTTPResponseStatusCodeKey: attribute.IntValue(tt.status),
			}
			for k, v := range want {
				if got, ok := attr(s.Attributes(), k); !ok || got != v {
					t.Errorf("%s = %v (present %v), want %v", k, got.String(), ok, v.String())
				}
			}
			if _, ok := attr(s.Attributes(), semconv.ErrorTypeKey); ok || s.Status().Code == codes.Error {
				t.Errorf("a successful call has error.type or status Error: %v", s.Status())
			}
			if tt.parent == nil {
				if s.Parent().IsValid() {
					t.Errorf("background fetch has parent %v, want a root span", s.Parent().SpanID())
				}
				return
			}
			p := tt.parent()
			if s.Parent().SpanID() != p.SpanID() || s.SpanContext().TraceID() != p.TraceID() {
				t.Errorf("parent %v in trace %v, want %v in %v", s.Parent().SpanID(), s.SpanContext().TraceID(), p.SpanID(), p.TraceID())
			}
		})
	}

	t.Run("refused by Stytch", func(t *testing.T) {
		var refused sdktrace.ReadOnlySpan
		for _, s := range e.ended("sessions.authenticate") {
			if v, _ := attr(s.Attributes(), semconv.HTTPResponseStatusCodeKey); v.AsInt64() >= 400 {
				refused = s
			}
		}
		if refused == nil {
			t.Fatal("no span of the refused authentication")
		}
		code, _ := attr(refused.Attributes(), semconv.HTTPResponseStatusCodeKey)
		errType, ok := attr(refused.Attributes(), semconv.ErrorTypeKey)
		if !ok || errType.AsString() != strconv.FormatInt(code.AsInt64(), 10) || refused.Status().Code != codes.Error {
			t.Errorf("error.type %v (present %v), status %v; want the status code and Error", errType.String(), ok, refused.Status())
		}
	})

	t.Run("no credential recorded", func(t *testing.T) {
		noneOf(t, e, map[string]string{
			"session token": e.grant.SessionToken, "session JWT": e.grant.SessionJWT, "unknown token": badToken,
			"secret": e.srv.Secret, "user id": e.user.UserID, "session id": e.grant.Session.SessionID,
			"project id": e.srv.ProjectID,
		})
	})
}

// noneOf fails if any span's name, attribute, status or event holds one
// of the secrets.
func noneOf(t *testing.T, e *env, secrets map[string]string) {
	t.Helper()
	spans := e.spans.Ended()
	if len(spans) == 0 {
		t.Fatal("no span recorded")
	}
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description}
		for _, kv := range s.Attributes() {
			texts = append(texts, string(kv.Key), kv.Value.String())
		}
		for _, ev := range s.Events() {
			texts = append(texts, ev.Name)
			for _, kv := range ev.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		for what, secret := range secrets {
			for _, text := range texts {
				if secret != "" && strings.Contains(text, secret) {
					t.Errorf("span %q records the %s: %q", s.Name(), what, text)
				}
			}
		}
	}
}

// TestRecordPathIDs: the ids of a path are recorded only when asked.
func TestRecordPathIDs(t *testing.T) {
	e := newEnv(t, Config{RecordPathIDs: true})
	spans := e.ended("sessions.jwks")
	if len(spans) == 0 {
		t.Fatal("no JWKS span")
	}
	if v, ok := attr(spans[0].Attributes(), "stytch.project_id"); !ok || v.AsString() != e.srv.ProjectID {
		t.Errorf("stytch.project_id = %q (present %v), want %q", v.AsString(), ok, e.srv.ProjectID)
	}
	noneOf(t, e, map[string]string{"secret": e.srv.Secret})
}

// TestTransportFailures: a call that gets no answer ends its span with an
// error.type, and leaves nothing in flight.
func TestTransportFailures(t *testing.T) {
	e := newEnv(t, Config{})
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release) // before Close, which waits for the handler
	hc := &http.Client{Transport: e.tel.Transport(nil)}
	defer hc.CloseIdleConnections()

	tests := []struct {
		name, base, errType string
		timeout             time.Duration
	}{
		{"connection refused", down.URL, "*net.OpError", time.Second},
		{"timeout", slow.URL, "timeout", 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := client.New(client.Config{ProjectID: "project-test-00000000-0000-0000-0000-000000000000", Secret: "secret-test-abc",
				BaseURL: tt.base, HTTPClient: hc, MaxRetries: -1, Timeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: badToken})
			if err == nil {
				t.Fatal("the call succeeded")
			}
			var spans []sdktrace.ReadOnlySpan
			for _, s := range e.ended("sessions.authenticate") {
				if v, _ := attr(s.Attributes(), semconv.ServerPortKey); strings.HasSuffix(tt.base, ":"+v.String()) {
					spans = append(spans, s)
				}
			}
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			s := spans[0]
			if v, _ := attr(s.Attributes(), semconv.ErrorTypeKey); v.AsString() != tt.errType || s.Status().Code != codes.Error {
				t.Errorf("error.type %q, status %v; want %q and Error", v.AsString(), s.Status(), tt.errType)
			}
			if _, ok := attr(s.Attributes(), semconv.HTTPResponseStatusCodeKey); ok {
				t.Error("a call without an answer has a status code")
			}
			if errors.Is(err, context.Canceled) {
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	if n := activeRequests(e.collect()); n != 0 {
		t.Errorf("%d requests in flight after the calls ended", n)
	}
}
