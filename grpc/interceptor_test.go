package stytchgrpc

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// TestUnary: each rule over a real gRPC server, with the emulator's JWTs:
// the status a client sees, and the session the handler sees.
func TestUnary(t *testing.T) {
	e := newEnv(t, envOptions{})
	bearer := "Bearer " + e.jwt
	forged := "Bearer " + e.jwt[:len(e.jwt)-4] + "AAAA"
	tests := []struct {
		name          string
		method        string
		authorization []string
		code          codes.Code
		reason        middleware.Code
		caller        string // "user" for the env's user
	}{
		{"public, anonymous", methodHealth, nil, codes.OK, "", "anonymous"},
		{"public ignores a forged JWT", methodHealth, []string{forged}, codes.OK, "", "anonymous"},
		{"optional, anonymous", methodWhoami, nil, codes.OK, "", "anonymous"},
		{"optional with a JWT", methodWhoami, []string{bearer}, codes.OK, "", "user"},
		{"optional with a forged JWT", methodWhoami, []string{forged}, codes.Unauthenticated, middleware.ErrInvalidToken, ""},
		{"authenticated, no credential", methodRead, nil, codes.Unauthenticated, middleware.ErrNoCredential, ""},
		{"authenticated, forged JWT", methodRead, []string{forged}, codes.Unauthenticated, middleware.ErrInvalidToken, ""},
		{"authenticated, Bearer without a token", methodRead, []string{"Bearer"}, codes.Unauthenticated, middleware.ErrMalformedCredential, ""},
		{"authenticated, two credentials", methodRead, []string{bearer, bearer}, codes.Unauthenticated, middleware.ErrMultipleCredentials, ""},
		{"authenticated, too large", methodRead, []string{bearer + strings.Repeat("A", 9000)}, codes.Unauthenticated, middleware.ErrCredentialTooLarge, ""},
		{"authenticated with a JWT", methodRead, []string{bearer}, codes.OK, "", "user"},
		{"forbidden", methodDelete, []string{bearer}, codes.PermissionDenied, middleware.ErrForbidden, ""},
		{"permission, no credential", methodDelete, nil, codes.Unauthenticated, middleware.ErrNoCredential, ""},
		{"unmapped, with a JWT", methodUnmapped, []string{bearer}, codes.PermissionDenied, middleware.ErrNoRule, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.unary(tt.method, tt.authorization...)
			wantStatus(t, err, tt.code, tt.reason)
			want := tt.caller
			if want == "user" {
				want = e.user.UserID
			}
			if got != want {
				t.Fatalf("handler saw %q, want %q", got, want)
			}
		})
	}
	if n := e.srv.Requests(stytchtest.EndpointAuthenticate); n != 0 {
		t.Fatalf("%d calls to Stytch; every JWT here verifies locally", n)
	}
}

// TestStream: the rule of a server-streaming method is enforced when the
// stream opens, and the handler's stream context carries the session.
func TestStream(t *testing.T) {
	e := newEnv(t, envOptions{})
	got, err := e.stream(methodWatch, "Bearer "+e.jwt)
	wantStatus(t, err, codes.OK, "")
	if want := []string{e.user.UserID + " 0", e.user.UserID + " 1", e.user.UserID + " 2"}; !slices.Equal(got, want) {
		t.Fatalf("stream sent %q, want %q", got, want)
	}
	got, err = e.stream(methodWatch)
	wantStatus(t, err, codes.Unauthenticated, middleware.ErrNoCredential)
	if len(got) != 0 {
		t.Fatalf("a refused stream sent %q", got)
	}
	_, err = e.stream(methodTail, "Bearer "+e.jwt)
	wantStatus(t, err, codes.PermissionDenied, middleware.ErrNoRule)
}

// TestStytchDown: a call that needs Stytch while Stytch fails is
// Unavailable (the client may retry), for unary and streaming calls alike.
func TestStytchDown(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *middleware.Config) {
		c.MaxTokenAge = 1 // below iat's resolution: every JWT goes to Stytch
		c.Tuning.SessionTokenCacheTTL = -1
	}})
	if _, err := e.unary(methodRead, "Bearer "+e.jwt); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	if err := e.srv.InjectFault(stytchtest.EndpointAuthenticate, stytchtest.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	_, err := e.unary(methodRead, "Bearer "+e.jwt)
	wantStatus(t, err, codes.Unavailable, middleware.ErrUnavailable)
	_, err = e.stream(methodWatch, "Bearer "+e.jwt)
	wantStatus(t, err, codes.Unavailable, middleware.ErrUnavailable)
	e.srv.ClearFaults()
	if _, err := e.unary(methodRead, "Bearer "+e.jwt); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

// TestAllowUnmapped: under AllowUnmapped a method without a rule is served
// without authentication.
func TestAllowUnmapped(t *testing.T) {
	e := newEnv(t, envOptions{allow: true})
	got, err := e.unary(methodUnmapped, "Bearer "+e.jwt)
	if err != nil || got != "anonymous" {
		t.Fatalf("unmapped under AllowUnmapped: %q, %v", got, err)
	}
	if _, err := e.stream(methodTail); err != nil {
		t.Fatal(err)
	}
}

// goGRPCMiddlewareAuth is what go-grpc-middleware v2's auth interceptors
// do with an auth.AuthFunc (reproduced, not imported): call it with the
// call's context and go on with the context it returns.
func goGRPCMiddlewareAuth(authFunc func(context.Context) (context.Context, error)) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			ctx, err := authFunc(ctx)
			if err != nil {
				return nil, err
			}
			return handler(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			ctx, err := authFunc(ss.Context())
			if err != nil {
				return err
			}
			return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
		}),
	}
}

// TestAuthFunc: the table's AuthFunc, in go-grpc-middleware's shape, finds
// the method from the call's context and enforces its rule; outside a
// server it refuses.
func TestAuthFunc(t *testing.T) {
	e := newEnv(t, envOptions{interpose: func(table *MethodTable) []grpc.ServerOption {
		return goGRPCMiddlewareAuth(table.AuthFunc)
	}})
	got, err := e.unary(methodRead, "Bearer "+e.jwt)
	if err != nil || got != e.user.UserID {
		t.Fatalf("Read: %q, %v", got, err)
	}
	_, err = e.unary(methodDelete, "Bearer "+e.jwt)
	wantStatus(t, err, codes.PermissionDenied, middleware.ErrForbidden)
	_, err = e.unary(methodUnmapped, "Bearer "+e.jwt)
	wantStatus(t, err, codes.PermissionDenied, middleware.ErrNoRule)
	if _, err := e.stream(methodWatch, "Bearer "+e.jwt); err != nil {
		t.Fatal(err)
	}
	_, err = e.table.AuthFunc(t.Context())
	wantStatus(t, err, codes.PermissionDenied, middleware.ErrNoRule)
}

// TestAudit lists the registered methods without a rule and the rules
// matching no method, from the server's service info.
func TestAudit(t *testing.T) {
	e := newEnv(t, envOptions{})
	err := e.table.Audit(e.grpc.GetServiceInfo())
	var audit *AuditError
	if !errors.As(err, &audit) {
		t.Fatalf("Audit = %v, want an *AuditError", err)
	}
	if want := []string{methodTail, methodUnmapped}; !slices.Equal(audit.Unmapped, want) || len(audit.Unused) != 0 {
		t.Fatalf("Audit: unmapped %v, unused %v; want unmapped %v", audit.Unmapped, audit.Unused, want)
	}

	rules := Rules{"/stytchmw.test.Docs/Reed": middleware.Authenticated()}
	for m, r := range testRules {
		rules[m] = r
	}
	rules[methodTail] = middleware.Authenticated()
	rules[methodUnmapped] = middleware.Public()
	full, err := New(Config{Authenticator: e.auth, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	err = full.Audit(e.grpc.GetServiceInfo())
	if !errors.As(err, &audit) || len(audit.Unmapped) != 0 || !slices.Equal(audit.Unused, []string{"/stytchmw.test.Docs/Reed"}) {
		t.Fatalf("Audit = %v, want the misspelt rule only", err)
	}
	delete(rules, "/stytchmw.test.Docs/Reed")
	full, err = New(Config{Authenticator: e.auth, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if err := full.Audit(e.grpc.GetServiceInfo()); err != nil {
		t.Fatalf("Audit of a complete table = %v", err)
	}
	if r, ok := full.Rule(methodDelete); !ok || r != middleware.Permission("documents", "delete") {
		t.Fatalf("Rule(%s) = %v, %v", methodDelete, r, ok)
	}
}
