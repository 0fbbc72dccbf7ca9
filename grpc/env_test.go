package stytchgrpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// testRules are the rules of the test service; Unmapped and Tail have none.
var testRules = Rules{
	methodHealth: middleware.Public(),
	methodWhoami: middleware.Optional(),
	methodRead:   middleware.Authenticated(),
	methodDelete: middleware.Permission("documents", "delete"),
	methodWatch:  middleware.Permission("documents", "read"),
}

// env is one end-to-end setup: a Stytch emulator, an Authenticator pointed
// at it, and a real gRPC server (over an in-memory listener) guarded by a
// MethodTable, with a client connection to it.
type env struct {
	t     *testing.T
	srv   *stytchtest.Server
	auth  *middleware.Authenticator
	table *MethodTable
	grpc  *grpc.Server
	conn  *grpc.ClientConn
	user  client.User
	jwt   string
}

type envOptions struct {
	config    func(*middleware.Config)
	interpose func(*MethodTable) []grpc.ServerOption // the server's interceptors; default the table's own
	allow     bool                                   // AllowUnmapped
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	srv := stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(srv.Close)
	ctx := t.Context()
	user, err := srv.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Roles: []string{"reader"}})
	if err != nil {
		t.Fatal(err)
	}
	grant, err := srv.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		t.Fatal(err)
	}
	cfg := middleware.Config{Client: srv.Client(), Now: srv.Now, HTTPClient: srv.HTTPClient(), Logger: slog.New(slog.DiscardHandler)}
	if o.config != nil {
		o.config(&cfg)
	}
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	auth, err := middleware.New(startCtx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = auth.Close() })
	table, err := New(Config{Authenticator: auth, Rules: testRules, AllowUnmapped: o.allow})
	if err != nil {
		t.Fatal(err)
	}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(table.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(table.StreamServerInterceptor()),
	}
	if o.interpose != nil {
		opts = o.interpose(table)
	}
	gs := grpc.NewServer(opts...)
	gs.RegisterService(&docsDesc, nil)
	lis := bufconn.Listen(1 << 20)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = gs.Serve(lis)
	}()
	conn, err := grpc.NewClient("passthrough:///docs",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		gs.Stop()
		<-served
	})
	return &env{t: t, srv: srv, auth: auth, table: table, grpc: gs, conn: conn, user: user, jwt: grant.SessionJWT}
}

// withAuthorization returns a context sending the authorization metadata
// values.
func withAuthorization(ctx context.Context, values ...string) context.Context {
	for _, v := range values {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", v)
	}
	return ctx
}

// unary calls a unary method and returns who the handler saw.
func (e *env) unary(method string, authorization ...string) (string, error) {
	e.t.Helper()
	out := new(wrapperspb.StringValue)
	err := e.conn.Invoke(withAuthorization(e.t.Context(), authorization...), method, new(emptypb.Empty), out)
	return out.GetValue(), err
}

// stream opens a server stream and returns every message it sent.
func (e *env) stream(method string, authorization ...string) ([]string, error) {
	e.t.Helper()
	ctx := withAuthorization(e.t.Context(), authorization...)
	s, err := e.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method)
	if err != nil {
		return nil, err
	}
	if err := s.SendMsg(new(emptypb.Empty)); err != nil {
		return nil, err
	}
	if err := s.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		m := new(wrapperspb.StringValue)
		if err := s.RecvMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
		got = append(got, m.GetValue())
	}
}

// wantStatus fails unless err is a status with code c whose message and
// ErrorInfo carry the stable code.
func wantStatus(t *testing.T, err error, c codes.Code, code middleware.Code) {
	t.Helper()
	if c == codes.OK {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != c {
		t.Fatalf("error %v, want status %v", err, c)
	}
	if want := string(code) + ": " + code.Message(); st.Message() != want {
		t.Fatalf("message %q, want %q", st.Message(), want)
	}
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if i, ok := d.(*errdetails.ErrorInfo); ok {
			info = i
		}
	}
	if info == nil || info.GetReason() != string(code) || info.GetDomain() != ErrorDomain {
		t.Fatalf("details %v, want ErrorInfo{Reason: %q, Domain: %q}", st.Details(), code, ErrorDomain)
	}
}
