package middleware

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServersLinkOnlyWhatTheyUse: a program that uses only the net/http
// middleware (with its chi and ServeMux adapters, the client, the policy
// and the resource metadata) links none of the dependencies of the other
// integrations: they come only with the packages that need them.
func TestServersLinkOnlyWhatTheyUse(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps",
		".", "../nethttp", "../chi", "../client", "../policy", "../resourcemeta").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	banned := map[string]string{ // import path prefix → the package that may bring it
		"google.golang.org/grpc":                  "grpc",
		"google.golang.org/protobuf":              "grpc",
		"google.golang.org/genproto":              "grpc",
		"connectrpc.com/":                         "the application",
		"go.opentelemetry.io/":                    "otel",
		"github.com/redis/":                       "fleet/redisfleet",
		"golang.org/x/oauth2":                     "m2m",
		"github.com/modelcontextprotocol/":        "mcpauth",
		"github.com/stytchmw/stytchmw/grpc":       "",
		"github.com/stytchmw/stytchmw/otel":       "",
		"github.com/stytchmw/stytchmw/fleet/":     "",
		"github.com/stytchmw/stytchmw/m2m":        "",
		"github.com/stytchmw/stytchmw/mcpauth":    "",
		"github.com/stytchmw/stytchmw/stytchtest": "tests",
	}
	for _, pkg := range strings.Fields(string(out)) {
		for prefix, owner := range banned {
			if strings.HasPrefix(pkg, prefix) {
				t.Errorf("a server package links %s (only %q should)", pkg, owner)
			}
		}
	}
}
