package stytchgrpc

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// UnaryServerInterceptor returns the interceptor that enforces the table
// on unary calls: a call its method's rule refuses is answered with the
// refusal's status (see Status) and never reaches the handler; one that
// passes reaches it with the session in its context (middleware.
// FromContext).
func (t *MethodTable) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := t.authenticate(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor returns the interceptor that enforces the table
// on streaming calls, once, when the stream opens, as
// UnaryServerInterceptor does on unary ones; the handler's
// stream.Context() carries the session.
func (t *MethodTable) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := t.authenticate(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
	}
}

// AuthFunc enforces the rule of the call's method (grpc.Method(ctx)) on
// the call, in the shape of go-grpc-middleware v2's auth.AuthFunc, for its
// auth.UnaryServerInterceptor and auth.StreamServerInterceptor:
//
//	grpc.ChainUnaryInterceptor(auth.UnaryServerInterceptor(table.AuthFunc))
//
// It returns the context carrying the session, or a status error (see
// Status). A context whose method cannot be known (outside a gRPC server's
// handler chain) is refused as a method without a rule.
func (t *MethodTable) AuthFunc(ctx context.Context) (context.Context, error) {
	method, ok := grpc.Method(ctx)
	if !ok {
		return t.refuse(ctx, t.unknown)
	}
	return t.authenticate(ctx, method)
}

// authenticate enforces the rule of method on the call of ctx.
func (t *MethodTable) authenticate(ctx context.Context, method string) (context.Context, error) {
	check, ok := t.checks[method]
	if !ok {
		if t.unmapped == nil {
			return ctx, nil
		}
		check = t.unmapped
	}
	return t.refuse(ctx, check)
}

// refuse runs check on the call's authorization metadata and turns a
// refusal into its status error.
func (t *MethodTable) refuse(ctx context.Context, check check) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	// The metadata keys are lower case: gRPC lowers them on arrival.
	out, err := check(ctx, md["authorization"])
	if err != nil {
		return ctx, Status(err).Err()
	}
	return out, nil
}

// serverStream is a ServerStream whose Context carries the session.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the stream's context with the session.
func (s *serverStream) Context() context.Context { return s.ctx }
