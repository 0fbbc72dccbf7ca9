package stytchotel

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServersDoNotLinkOpenTelemetry: the middleware, its adapters and the
// client must not import OpenTelemetry, so that a program that does not
// use this package does not link it.
func TestServersDoNotLinkOpenTelemetry(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../middleware", "../nethttp", "../chi", "../client").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "go.opentelemetry.io/") || pkg == "github.com/stytchmw/stytchmw/otel" {
			t.Fatalf("a server package depends on %s", pkg)
		}
	}
}
