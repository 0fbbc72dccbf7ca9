package apitest

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
)

// childEnv, set to "1", makes an example's test binary run the program's
// main instead of its tests (see RunMainIfChild).
const childEnv = "STYTCHMW_EXAMPLE_RUN_MAIN"

// RunMainIfChild runs main and exits when the test binary was started by
// Signals as the program itself; otherwise it returns at once. Call it
// first in the example's TestMain.
func RunMainIfChild(main func()) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
}

// Signals starts the example as a process of its own (the test binary,
// running main through RunMainIfChild), in embedded mode, and checks that
// SIGINT and SIGTERM each stop it cleanly: exit status 0, nothing on
// stderr but logs.
func Signals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(environWithout("STYTCH_", "ADDR="), childEnv+"=1", "ADDR=127.0.0.1:0")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			banner := make(chan string, 1)
			go func() {
				var text strings.Builder
				sc := bufio.NewScanner(stdout)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					text.WriteString(sc.Text() + "\n")
					if sc.Text() == docsapi.ReadyLine {
						banner <- text.String()
					}
				}
				_, _ = io.Copy(io.Discard, stdout)
				exited <- cmd.Wait()
			}()

			select {
			case text := <-banner:
				b, err := ParseBanner(text, nil)
				if err != nil {
					t.Fatal(err)
				}
				hc := &http.Client{Transport: &http.Transport{Proxy: nil}}
				resp, err := hc.Get(b.URL + "/healthz")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				hc.CloseIdleConnections()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET /healthz = %d, want 200", resp.StatusCode)
				}
			case err := <-exited:
				t.Fatalf("the program exited before serving: %v\nstderr:\n%s", err, stderr.String())
			case <-time.After(startTimeout):
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("no banner within %s", startTimeout)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("after %s the program exited with %v, want status 0\nstderr:\n%s", sig, err, stderr.String())
				}
			case <-time.After(startTimeout):
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("the program did not stop within %s of %s", startTimeout, sig)
			}
		})
	}
}

// environWithout is the test's environment without the variables whose
// names start with one of prefixes, so that the child runs in embedded
// mode whatever the developer's shell exports.
func environWithout(prefixes ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		keep := true
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}
