package stytchgrpc

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stytchmw/stytchmw/middleware"
)

// The test service, stytchmw.test.Docs, written by hand over well-known
// types (no protoc): every method answers who called it.
const (
	svcName        = "stytchmw.test.Docs"
	methodHealth   = "/" + svcName + "/Health"   // unary, Public
	methodWhoami   = "/" + svcName + "/Whoami"   // unary, Optional
	methodRead     = "/" + svcName + "/Read"     // unary, Authenticated
	methodDelete   = "/" + svcName + "/Delete"   // unary, Permission(documents, delete)
	methodWatch    = "/" + svcName + "/Watch"    // server stream, Permission(documents, read)
	methodUnmapped = "/" + svcName + "/Unmapped" // unary, no rule
	methodTail     = "/" + svcName + "/Tail"     // server stream, no rule
)

// caller is what a handler answers: the user of the session in its
// context, "anonymous" without one.
func caller(ctx context.Context) string {
	if a, ok := middleware.FromContext(ctx); ok {
		return a.Session.UserID
	}
	return "anonymous"
}

// unaryCaller is a unary handler answering caller, through the server's
// interceptor as generated code does.
func unaryCaller(method string) grpc.MethodDesc {
	name := method[len(svcName)+2:]
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(emptypb.Empty)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, _ any) (any, error) { return wrapperspb.String(caller(ctx)), nil }
			if interceptor == nil {
				return h(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: method}, h)
		},
	}
}

// streamCaller is a server-streaming handler sending caller three times.
func streamCaller(method string) grpc.StreamDesc {
	return grpc.StreamDesc{
		StreamName:    method[len(svcName)+2:],
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			if err := stream.RecvMsg(new(emptypb.Empty)); err != nil {
				return err
			}
			for i := range 3 {
				if err := stream.SendMsg(wrapperspb.String(fmt.Sprintf("%s %d", caller(stream.Context()), i))); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

var docsDesc = grpc.ServiceDesc{
	ServiceName: svcName,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unaryCaller(methodHealth), unaryCaller(methodWhoami), unaryCaller(methodRead),
		unaryCaller(methodDelete), unaryCaller(methodUnmapped),
	},
	Streams: []grpc.StreamDesc{streamCaller(methodWatch), streamCaller(methodTail)},
}
