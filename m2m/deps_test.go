package m2m

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServersDoNotLinkOAuth2: the middleware and its adapters must not
// import this package (or golang.org/x/oauth2), so that a server that only
// verifies tokens does not link them.
func TestServersDoNotLinkOAuth2(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../middleware", "../nethttp", "../chi", "../client").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "golang.org/x/oauth2") || pkg == "github.com/stytchmw/stytchmw/m2m" {
			t.Fatalf("a server package depends on %s", pkg)
		}
	}
}
