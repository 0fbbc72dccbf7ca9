package redistest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestServer: the server answers, a restart loses every key (no
// persistence), and KillClients closes other clients' connections.
func TestServer(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	id := c.ClientID(ctx).Val()
	if n := s.KillClients(); n < 1 {
		t.Fatalf("KillClients closed %d connections, want at least the test's", n)
	}
	if again := c.ClientID(ctx).Val(); again == id {
		t.Fatal("the client's connection survived KillClients")
	}
	s.Restart()
	admin := s.Client()
	if err := admin.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("after a restart GET k = %v, want nil: the server kept data", err)
	}
	s.Stop()
	s.Stop() // twice is fine
	if err := admin.Ping(ctx).Err(); err == nil {
		t.Fatal("a stopped server answered")
	}
}

// TestMissingServer: without redis-server, Start skips, or fails when
// RequireEnv is set. Run in a child process with an empty PATH and no
// Debian path.
func TestMissingServer(t *testing.T) {
	if os.Getenv("REDISTEST_CHILD") == "1" {
		debianPath = "/nonexistent/redis-server"
		Start(t)
		return
	}
	for _, require := range []string{"", "1"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingServer$", "-test.v")
		cmd.Env = append(os.Environ(), "REDISTEST_CHILD=1", "PATH=", RequireEnv+"="+require)
		out, err := cmd.CombinedOutput()
		failed := err != nil
		if failed != (require == "1") {
			t.Fatalf("%s=%q: failed %v; output:\n%s", RequireEnv, require, failed, out)
		}
	}
}
