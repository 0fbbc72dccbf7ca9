package nethttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stytchmw/stytchmw/internal/routertest"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// A Connect service is a set of net/http handlers, one per procedure,
// POSTed to "/package.Service/Method": the route table protects it with a
// rule per procedure, and its refusals reach Connect clients, of the
// Connect and the gRPC protocols, as the Connect codes of their HTTP
// statuses.
const (
	connectRead   = "/stytchmw.test.Docs/Read"   // unary, Permission(documents, read)
	connectDelete = "/stytchmw.test.Docs/Delete" // unary, Permission(documents, delete)
	connectHealth = "/stytchmw.test.Docs/Health" // unary, Public
	connectWatch  = "/stytchmw.test.Docs/Watch"  // server stream, Permission(documents, read)
	connectOther  = "/stytchmw.test.Docs/Other"  // unary, no rule
)

// connectCaller answers the user of the session in the context.
func connectCaller(ctx context.Context) string {
	if a, ok := middleware.FromContext(ctx); ok {
		return a.Session.UserID
	}
	return "anonymous"
}

// connectServer serves the test service behind a table of auth's, over
// HTTP/2 with TLS so that gRPC-protocol clients can call it too.
func connectServer(t *testing.T, auth *middleware.Authenticator) *httptest.Server {
	t.Helper()
	table := newTable(t, nethttp.Config{Authenticator: auth, Rules: nethttp.Rules{
		"POST " + connectRead:   middleware.Permission("documents", "read"),
		"POST " + connectDelete: middleware.Permission("documents", "delete"),
		"POST " + connectHealth: middleware.Public(),
		"POST " + connectWatch:  middleware.Permission("documents", "read"),
	}})
	mux := table.NewServeMux()
	unary := func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[wrapperspb.StringValue], error) {
		return connect.NewResponse(wrapperspb.String(connectCaller(ctx))), nil
	}
	for _, p := range []string{connectRead, connectDelete, connectHealth, connectOther} {
		mux.Handle("POST "+p, connect.NewUnaryHandler(p, unary))
	}
	mux.Handle("POST "+connectWatch, connect.NewServerStreamHandler(connectWatch,
		func(ctx context.Context, _ *connect.Request[emptypb.Empty], s *connect.ServerStream[wrapperspb.StringValue]) error {
			for i := range 2 {
				if err := s.Send(wrapperspb.String(fmt.Sprintf("%s %d", connectCaller(ctx), i))); err != nil {
					return err
				}
			}
			return nil
		}))
	if err := table.Audit(mux.Patterns()); err == nil {
		t.Fatal("Audit must report the procedure without a rule")
	}
	ts := httptest.NewUnstartedServer(mux)
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

// connectCall calls a unary procedure with a Bearer JWT ("" for none).
func connectCall(t *testing.T, ts *httptest.Server, opt connect.ClientOption, procedure, jwt string) (string, error) {
	t.Helper()
	c := connect.NewClient[emptypb.Empty, wrapperspb.StringValue](ts.Client(), ts.URL+procedure, opt)
	req := connect.NewRequest(&emptypb.Empty{})
	if jwt != "" {
		req.Header().Set("Authorization", "Bearer "+jwt)
	}
	res, err := c.CallUnary(t.Context(), req)
	if err != nil {
		return "", err
	}
	return res.Msg.GetValue(), nil
}

// connectStream reads a server stream with a Bearer JWT ("" for none).
func connectStream(t *testing.T, ts *httptest.Server, opt connect.ClientOption, jwt string) ([]string, error) {
	t.Helper()
	c := connect.NewClient[emptypb.Empty, wrapperspb.StringValue](ts.Client(), ts.URL+connectWatch, opt)
	req := connect.NewRequest(&emptypb.Empty{})
	if jwt != "" {
		req.Header().Set("Authorization", "Bearer "+jwt)
	}
	s, err := c.CallServerStream(t.Context(), req)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var got []string
	for s.Receive() {
		got = append(got, s.Msg().GetValue())
	}
	return got, s.Err()
}

func wantConnectCode(t *testing.T, err error, want connect.Code) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return
	}
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != want {
		t.Fatalf("error %v, want Connect code %v", err, want)
	}
}

func TestConnect(t *testing.T) {
	f := routertest.New(t)
	ts := connectServer(t, f.Auth)
	reader := f.JWT["reader"]
	forged := reader[:len(reader)-4] + "AAAA"
	protocols := map[string]connect.ClientOption{
		"connect": connect.WithProtoJSON(),
		"grpc":    connect.WithGRPC(),
		"grpcweb": connect.WithGRPCWeb(),
	}
	for name, protocol := range protocols {
		t.Run(name, func(t *testing.T) {
			tests := []struct {
				procedure, jwt string
				want           connect.Code
			}{
				{connectHealth, "", 0},
				{connectRead, "", connect.CodeUnauthenticated},
				{connectRead, forged, connect.CodeUnauthenticated},
				{connectRead, reader, 0},
				{connectDelete, reader, connect.CodePermissionDenied},
				{connectOther, reader, connect.CodePermissionDenied},
			}
			for _, tt := range tests {
				got, err := connectCall(t, ts, protocol, tt.procedure, tt.jwt)
				wantConnectCode(t, err, tt.want)
				if tt.want == 0 && tt.jwt != "" && got == "anonymous" {
					t.Fatalf("%s: the handler saw no session", tt.procedure)
				}
			}
			got, err := connectStream(t, ts, protocol, reader)
			wantConnectCode(t, err, 0)
			if len(got) != 2 || got[0] == "anonymous 0" {
				t.Fatalf("stream sent %q", got)
			}
			got, err = connectStream(t, ts, protocol, "")
			wantConnectCode(t, err, connect.CodeUnauthenticated)
			if len(got) != 0 {
				t.Fatalf("a refused stream sent %q", got)
			}
		})
	}
}

// TestConnectStytchDown: when Stytch is needed and down, a Connect client
// is told Unavailable.
func TestConnectStytchDown(t *testing.T) {
	f := routertest.New(t)
	auth, err := middleware.New(t.Context(), middleware.Config{Client: f.Stytch.Client(), Now: f.Stytch.Now, MaxTokenAge: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = auth.Close() })
	ts := connectServer(t, auth)
	if err := f.Stytch.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	for _, protocol := range []connect.ClientOption{connect.WithProtoJSON(), connect.WithGRPC()} {
		_, err := connectCall(t, ts, protocol, connectRead, f.JWT["reader"])
		wantConnectCode(t, err, connect.CodeUnavailable)
		_, err = connectStream(t, ts, protocol, f.JWT["reader"])
		wantConnectCode(t, err, connect.CodeUnavailable)
	}
}
