// Command grpc is a gRPC service protected by stytchmw: one public method
// and one that needs a session allowed to read documents, from one method
// table audited at start-up.
//
//	go run ./examples/grpc                     # the server, on the embedded emulator
//	go run ./examples/grpc -call Whoami        # a client call, with $SESSION_JWT
//
// Without STYTCH_PROJECT_ID and STYTCH_SECRET the server starts an
// embedded Stytch emulator and prints a demo session JWT and the client
// commands to try; the environment is the documents API's (see
// examples/chi). The service, example.v1.Greeter, is written by hand over
// protobuf's well-known types, so the example needs no code generation.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
	stytchgrpc "github.com/stytchmw/stytchmw/grpc"
	"github.com/stytchmw/stytchmw/middleware"
)

// The service's methods.
const (
	service      = "example.v1.Greeter"
	methodPing   = "/" + service + "/Ping"   // public: answers "pong"
	methodWhoami = "/" + service + "/Whoami" // Permission(documents, read): answers the caller
)

func main() {
	method := flag.String("call", "", "call a method (Ping or Whoami) of the running server, with $SESSION_JWT, instead of serving")
	flag.Parse()
	if *method != "" {
		addr := os.Getenv(docsapi.EnvAddr)
		if addr == "" {
			addr = docsapi.DefaultAddr
		}
		if err := call(context.Background(), addr, *method, os.Getenv("SESSION_JWT"), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "examples/grpc:", err)
			os.Exit(1)
		}
		return
	}
	docsapi.Main("examples/grpc", run)
}

// run serves the service until ctx is done.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := docsapi.LoadConfig(getenv)
	if err != nil {
		return err
	}
	demo, err := docsapi.Start(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer demo.Close()
	stytch, err := client.New(demo.Stytch)
	if err != nil {
		return fmt.Errorf("the Stytch client: %w", err)
	}
	startCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	auth, err := middleware.New(startCtx, middleware.Config{Client: stytch, MaxTokenAge: demo.MaxTokenAge, Now: demo.Now, Logger: demo.Logger})
	if err != nil {
		return fmt.Errorf("authenticator: %w", err)
	}
	defer auth.Close()

	// One rule per method; a method registered without one is refused,
	// and the audit below stops the start.
	table, err := stytchgrpc.New(stytchgrpc.Config{Authenticator: auth, Rules: stytchgrpc.Rules{
		methodPing:   middleware.Public(),
		methodWhoami: middleware.Permission("documents", "read"),
	}})
	if err != nil {
		return err
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(table.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(table.StreamServerInterceptor()),
	)
	srv.RegisterService(&greeterDesc, nil)
	if err := table.Audit(srv.GetServiceInfo()); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}

	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	printBanner(stdout, l.Addr().String(), demo.SessionJWT())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	srv.GracefulStop()
	<-served
	return nil
}

// printBanner says where the server listens and how to call it.
func printBanner(w io.Writer, addr, jwt string) {
	fmt.Fprintf(w, "examples/grpc: %s listening on %s\n", service, addr)
	if jwt != "" {
		fmt.Fprintf(w, "\nThe embedded emulator's demo session (role %q):\n\n  export SESSION_JWT=%s\n", docsapi.DemoRole, jwt)
	}
	fmt.Fprintf(w, "\nTry, from another shell (ADDR=%s):\n\n", addr)
	fmt.Fprintln(w, "  go run ./examples/grpc -call Ping                      # public: pong")
	fmt.Fprintln(w, "  env -u SESSION_JWT go run ./examples/grpc -call Whoami # Unauthenticated, missing_credential")
	fmt.Fprintln(w, "  go run ./examples/grpc -call Whoami                    # the demo user, documents:read")
}

// greeterDesc is example.v1.Greeter, as protoc-gen-go-grpc would write it.
var greeterDesc = grpc.ServiceDesc{
	ServiceName: service,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Ping", Handler: unary(methodPing, func(context.Context) string { return "pong" })},
		{MethodName: "Whoami", Handler: unary(methodWhoami, func(ctx context.Context) string {
			auth, _ := middleware.FromContext(ctx) // always there: the rule asks for a session
			return fmt.Sprintf("user %s, roles %v", auth.Session.UserID, auth.Session.Roles)
		})},
	},
}

// unary is the handler of a method taking Empty and answering a string.
func unary(method string, answer func(context.Context) string) func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
	return func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		in := new(emptypb.Empty)
		if err := dec(in); err != nil {
			return nil, err
		}
		h := func(ctx context.Context, _ any) (any, error) { return wrapperspb.String(answer(ctx)), nil }
		if interceptor == nil {
			return h(ctx, in)
		}
		return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: method}, h)
	}
}

// call is the client mode: one call of a Greeter method, its answer or
// its status printed to out. A refusal is printed, not returned: it is
// what the example shows.
func call(ctx context.Context, addr, method, jwt string, out io.Writer) error {
	if method != "Ping" && method != "Whoami" {
		return errors.New("-call takes Ping or Whoami")
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials())) // a loopback demo
	if err != nil {
		return err
	}
	defer conn.Close()
	if jwt != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+jwt)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	answer := new(wrapperspb.StringValue)
	if err := conn.Invoke(ctx, "/"+service+"/"+method, new(emptypb.Empty), answer); err != nil {
		st := status.Convert(err)
		fmt.Fprintf(out, "%s: %s\n", st.Code(), st.Message())
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				fmt.Fprintf(out, "  ErrorInfo reason=%s domain=%s\n", info.GetReason(), info.GetDomain())
			}
		}
		return nil
	}
	fmt.Fprintln(out, answer.GetValue())
	return nil
}
