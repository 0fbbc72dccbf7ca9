package stytchgrpc

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHTTPServersDoNotLinkRPC: a program that uses only the net/http
// middleware (with its chi and ServeMux adapters and the client) links
// neither gRPC, protobuf nor Connect: only this package (and the tests)
// bring them in.
func TestHTTPServersDoNotLinkRPC(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../middleware", "../nethttp", "../chi", "../client", "../policy").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"google.golang.org/grpc", "google.golang.org/protobuf", "google.golang.org/genproto", "connectrpc.com/", "github.com/stytchmw/stytchmw/grpc"} {
			if strings.HasPrefix(pkg, banned) {
				t.Fatalf("an HTTP server package depends on %s", pkg)
			}
		}
	}
}
