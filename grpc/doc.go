// Package stytchgrpc puts Stytch authentication and RBAC authorization in
// front of a gRPC server (google.golang.org/grpc), method by method, from
// one table. (The package is named stytchgrpc so that it does not clash
// with grpc itself in your imports; its directory is grpc.)
//
// A MethodTable maps each full method name ("/docs.v1.Documents/Delete")
// to a middleware.Rule, the same values the net/http and chi route tables
// use: Permission(resource, action), Authenticated(), Optional() or
// Public(). Its interceptors authenticate the call's authorization
// metadata ("Bearer <session JWT>") with the same Authenticator, and so
// the same keys, caches, limits, revocations, policy, Logger and Observer,
// as the HTTP middleware (see middleware.Authenticator.RequireBearer):
//
//	table, err := stytchgrpc.New(stytchgrpc.Config{Authenticator: auth, Rules: stytchgrpc.Rules{
//		"/docs.v1.Documents/Get":    middleware.Permission("documents", "read"),
//		"/docs.v1.Documents/Delete": middleware.Permission("documents", "delete"),
//		"/grpc.health.v1.Health/Check": middleware.Public(),
//	}})
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(table.UnaryServerInterceptor()),
//		grpc.ChainStreamInterceptor(table.StreamServerInterceptor()),
//	)
//	// register the services, then:
//	if err := table.Audit(srv.GetServiceInfo()); err != nil { … }
//
// The handler reads the session with middleware.FromContext(ctx). A
// method without a rule is refused before any authentication (so a method
// added without a rule is closed rather than open), and Audit lists the
// registered methods without a rule, from the server's service info, so a
// test or a start-up check fails before one ships. Validate checks every
// rule against the loaded RBAC policy.
//
// Refusals are gRPC status errors a client can act on, never Unknown or
// Internal: Unauthenticated for a missing or bad credential (HTTP's 401),
// PermissionDenied for a denied authorization or a method without a rule
// (403), Unavailable when Stytch or the RBAC policy was needed and could
// not be had (503). The status message starts with the stable code of
// package middleware ("missing_credential: No session credential was
// provided."), and the status details hold a
// google.rpc.ErrorInfo{Reason: code, Domain: "stytch"}; see Status.
//
// For go-grpc-middleware v2's auth interceptors, MethodTable.AuthFunc has
// the shape of its auth.AuthFunc; this package does not depend on it.
package stytchgrpc
