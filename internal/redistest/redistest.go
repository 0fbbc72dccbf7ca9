// Package redistest starts a real redis-server for tests: Debian's
// package, on a free loopback port, in a temporary directory, without
// persistence (--save ” --appendonly no), so a restart loses every key
// as a Redis without persistence does in production.
//
// When redis-server is not installed, Start skips the test and says so —
// in the skip's reason and, once per test binary, on the terminal, since go
// test shows a passing package's skips only with -v — unless
// STYTCHMW_REQUIRE_REDIS=1 is set (CI sets it): then it fails.
// Nothing here mocks Redis.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RequireEnv names the variable that turns a missing redis-server from a
// skip into a failure.
const RequireEnv = "STYTCHMW_REQUIRE_REDIS"

// startTimeout bounds waiting for a server to answer PING.
const startTimeout = 10 * time.Second

// Server is one redis-server process. Its methods are for the test
// goroutine.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	mu  sync.Mutex
	cmd *exec.Cmd
	// exited is closed when cmd's process has been waited for.
	exited chan struct{}
}

// Start starts a redis-server and stops it when the test ends. It skips
// the test when redis-server is missing, or fails it if RequireEnv is
// "1".
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := lookPath()
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("redis-server is required (%s=1) but not found: %v", RequireEnv, err)
		}
		msg := fmt.Sprintf("SKIPPED: redis-server not found (%v): the fleet tests against a real Redis did not run; "+
			"install Debian's redis-server (apt-get install redis-server) to run them, or set %s=1 to make this a failure", err, RequireEnv)
		announceSkip(msg)
		t.Skip(msg)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	var lastErr error
	for range 3 { // a free port may be taken between finding and binding it
		if s.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("redistest: %v", lastErr)
	return nil
}

// skipAnnounced makes announceSkip speak once per test binary.
var skipAnnounced sync.Once

// announceSkip says, once per test binary, that the Redis tests were
// skipped, on the terminal the tests were started from: go test shows a
// passing package's output (t.Skip's reason included) only with -v, and a
// skip that nobody sees is a test that silently did not run. Without a
// terminal (CI) nothing is written; CI sets RequireEnv instead.
func announceSkip(msg string) {
	skipAnnounced.Do(func() {
		tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer tty.Close()
		exe := filepath.Base(os.Args[0])
		fmt.Fprintf(tty, "\n*** %s: %s\n", strings.TrimSuffix(exe, ".test"), msg)
	})
}

func lookPath() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat(debianPath); err != nil {
		return "", errors.New("no redis-server in PATH nor at " + debianPath)
	}
	return debianPath, nil
}

// debianPath is where Debian installs redis-server, looked at when PATH
// (a CI's, a sudo's) lacks /usr/bin. A variable for the test of a
// missing server.
var debianPath = "/usr/bin/redis-server"

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Options are go-redis options for the server.
func (s *Server) Options() *redis.Options { return &redis.Options{Addr: s.Addr()} }

func (s *Server) start() error {
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--dir", s.dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--protected-mode", "yes",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	if err := s.waitReady(exited); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// waitReady polls PING until the server answers or exits.
func (s *Server) waitReady(exited <-chan struct{}) error {
	c := s.client()
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server on port %d exited: %s", s.port, lastLines(string(log), 5))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on port %d did not answer PING within %v: %v", s.port, startTimeout, err)
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// client is an admin connection of its own, never one of the code under
// test.
func (s *Server) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
}

// Stop stops the server (SIGKILL, so nothing is saved) and waits for it.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGCONT) // a paused server (Pause) is resumed first
	_ = cmd.Process.Kill()
	<-exited
}

// Restart stops the server and starts a new one on the same port, which
// holds no key: what a Redis without persistence does when it restarts.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// Pause stops the server's process (SIGSTOP) without closing its
// connections: clients wait as for a hung or partitioned server. Resume
// undoes it; Stop and the test's cleanup resume it first.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatal("redistest: the server is not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redistest: %v: %v", sig, err)
	}
}

// KillClients closes every client connection but the admin's own, pub/sub
// ones included (CLIENT KILL), and returns how many it closed.
func (s *Server) KillClients() int {
	s.t.Helper()
	c := s.client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.ClientKillByFilter(ctx, "SKIPME", "yes").Result()
	if err != nil {
		s.t.Fatalf("redistest: CLIENT KILL: %v", err)
	}
	return int(n)
}

// Do runs one command on an admin connection, as an attacker or an
// operator with access to the server would.
func (s *Server) Do(args ...any) (any, error) {
	c := s.client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Do(ctx, args...).Result()
}

// Client returns an admin client, closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := s.client()
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}
