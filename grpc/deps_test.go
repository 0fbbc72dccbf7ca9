package stytchgrpc

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHTTPServersDoNotLinkRPC: a program that uses only the net/http
// middleware (with its chi and ServeMux adapters, the client and the
// resource metadata) links neither gRPC, protobuf, Connect nor the MCP
// SDK: only this package, mcpauth (and the tests) bring them in.
func TestHTTPServersDoNotLinkRPC(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../middleware", "../nethttp", "../chi", "../client", "../policy", "../resourcemeta").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"google.golang.org/grpc", "google.golang.org/protobuf", "google.golang.org/genproto", "connectrpc.com/", "github.com/stytchmw/stytchmw/grpc",
			"github.com/modelcontextprotocol/", "github.com/stytchmw/stytchmw/mcpauth"} {
			if strings.HasPrefix(pkg, banned) {
				t.Fatalf("an HTTP server package depends on %s", pkg)
			}
		}
	}
}
