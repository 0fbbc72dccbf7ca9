package stytchgrpc_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	stytchgrpc "github.com/stytchmw/stytchmw/grpc"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// A gRPC server whose health service answers Check to anyone and List only
// to a signed-in caller. The stytchtest emulator plays Stytch; the server
// listens in memory.
func Example() {
	ctx := context.Background()
	emulator := stytchtest.NewServer(stytchtest.Config{})
	defer emulator.Close()
	user, err := emulator.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	session, err := emulator.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(ctx, middleware.Config{Client: emulator.Client(), HTTPClient: emulator.HTTPClient()})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	table, err := stytchgrpc.New(stytchgrpc.Config{Authenticator: auth, Rules: stytchgrpc.Rules{
		healthpb.Health_Check_FullMethodName: middleware.Public(),
		healthpb.Health_List_FullMethodName:  middleware.Authenticated(),
		healthpb.Health_Watch_FullMethodName: middleware.Authenticated(),
	}})
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(table.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(table.StreamServerInterceptor()),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	// Every registered method has a rule, and every rule a method.
	fmt.Println("audit:", table.Audit(srv.GetServiceInfo()))

	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///health",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	healthClient := healthpb.NewHealthClient(conn)

	check, err := healthClient.Check(ctx, &healthpb.HealthCheckRequest{})
	fmt.Println("Check:", check.GetStatus(), status.Code(err))
	_, err = healthClient.List(ctx, &healthpb.HealthListRequest{})
	fmt.Println("List without a credential:", status.Code(err), status.Convert(err).Message())
	signedIn := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+session.SessionJWT)
	_, err = healthClient.List(signedIn, &healthpb.HealthListRequest{})
	fmt.Println("List with a session JWT:", status.Code(err))
	// Output:
	// audit: <nil>
	// Check: SERVING OK
	// List without a credential: Unauthenticated missing_credential: No session credential was provided.
	// List with a session JWT: OK
}
