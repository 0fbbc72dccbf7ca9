// Command fleetbench measures the fleet mode with 3 replicas in 3
// separate processes on loopback (this binary re-executed with -replica),
// a real redis-server and the stytchtest emulator:
//
//   - propagation: the time from Revoke returning on one replica to the
//     session's JWT being refused by each of the two others (p50, p99, max
//     over -revocations revocations, each polled by its own goroutine);
//   - Stytch calls: sessions/authenticate calls, counted by the emulator,
//     for -tokens opaque tokens each sent to the 3 replicas in turn, with
//     and without fleet mode.
//
// Run it with:
//
//	go run ./internal/cmd/fleetbench [-revocations 200] [-tokens 50] [-redis-server /usr/bin/redis-server]
//
// It is a measurement, not a test: it prints figures and fails only when
// something does not work at all.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/fleet/redisfleet"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

const replicas = 3

func main() {
	var (
		replica     = flag.Bool("replica", false, "run as a replica (internal)")
		stytchURL   = flag.String("stytch-url", "", "replica: the emulator's base URL")
		projectID   = flag.String("project-id", "", "replica: the project id")
		redisURL    = flag.String("redis-url", "", "replica: the fleet's Redis; empty: a single process")
		revocations = flag.Int("revocations", 200, "revocations to time")
		tokens      = flag.Int("tokens", 50, "opaque tokens for the Stytch call count")
		redisBin    = flag.String("redis-server", "redis-server", "the redis-server binary")
	)
	flag.Parse()
	var err error
	if *replica {
		err = runReplica(*stytchURL, *projectID, os.Getenv("FLEETBENCH_SECRET"), *redisURL)
	} else {
		err = run(*redisBin, *revocations, *tokens)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleetbench:", err)
		os.Exit(1)
	}
}

// runReplica serves GET /check (any valid session: 200) and POST /revoke
// (revokes the request's session) until stdin is closed, after printing
// its address on stdout.
func runReplica(stytchURL, projectID, secret, redisURL string) error {
	c, err := client.New(client.Config{ProjectID: projectID, Secret: secret, BaseURL: stytchURL})
	if err != nil {
		return err
	}
	var store fleet.Store
	if redisURL != "" {
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			return err
		}
		s, err := redisfleet.New(redisfleet.Config{Redis: opts, Secret: []byte(secret)})
		if err != nil {
			return err
		}
		defer s.Close()
		store = s
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	auth, err := middleware.New(ctx, middleware.Config{Client: c, Fleet: store})
	if err != nil {
		return err
	}
	defer auth.Close()
	if !auth.Status().Ready() {
		return errors.New("the replica did not load the fleet's revocations")
	}
	mux := http.NewServeMux()
	authenticated := auth.Require(middleware.Authenticated())
	mux.Handle("GET /check", authenticated(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})))
	mux.Handle("POST /revoke", authenticated(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := middleware.FromContext(r.Context())
		if err := auth.Revoke(r.Context(), a); err != nil {
			middleware.WriteError(w, r, middleware.CodeOf(err).Status(), err)
		}
	})))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	fmt.Println("http://" + l.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin) // the parent closes it, or dies
	return srv.Close()
}

func run(redisBin string, revocations, tokens int) error {
	emu, err := stytchtest.StartServer(stytchtest.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer emu.Close()
	redisURL, stopRedis, err := startRedis(redisBin)
	if err != nil {
		return err
	}
	defer stopRedis()
	ctx := context.Background()
	user, err := emu.CreateUser(ctx, stytchtest.UserParams{Email: "bench@example.com"})
	if err != nil {
		return err
	}
	newSession := func() (*stytchtest.SessionGrant, error) {
		return emu.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID, DurationMinutes: 60})
	}

	fmt.Printf("fleetbench: %d replicas (separate processes), redis-server and the emulator on loopback\n\n", replicas)
	fleetURLs, stopFleet, err := startReplicas(emu, redisURL)
	if err != nil {
		return err
	}
	defer stopFleet()
	lat, err := propagation(fleetURLs, newSession, revocations)
	if err != nil {
		return err
	}
	slices.Sort(lat)
	fmt.Printf("propagation, Revoke returned on one replica -> refused on another (%d samples):\n", len(lat))
	fmt.Printf("  p50 %v  p99 %v  max %v\n\n", pct(lat, 50), pct(lat, 99), lat[len(lat)-1])

	withFleet, err := stytchCalls(emu, fleetURLs, newSession, tokens)
	if err != nil {
		return err
	}
	singleURLs, stopSingle, err := startReplicas(emu, "")
	if err != nil {
		return err
	}
	defer stopSingle()
	without, err := stytchCalls(emu, singleURLs, newSession, tokens)
	if err != nil {
		return err
	}
	fmt.Printf("sessions/authenticate calls for %d opaque tokens x %d replicas:\n", tokens, replicas)
	fmt.Printf("  fleet mode: %d   single-process mode: %d\n", withFleet, without)
	return nil
}

// propagation revokes n sessions, each on one replica in turn, and
// returns how long each other replica took to refuse the session's JWT
// after Revoke returned.
func propagation(urls []string, newSession func() (*stytchtest.SessionGrant, error), n int) ([]time.Duration, error) {
	var lat []time.Duration
	for i := range n {
		g, err := newSession()
		if err != nil {
			return nil, err
		}
		for _, u := range urls {
			if st, err := get(u+"/check", g.SessionJWT, http.MethodGet); err != nil || st != http.StatusOK {
				return nil, fmt.Errorf("warm-up: %d %v", st, err)
			}
		}
		from := i % len(urls)
		if st, err := get(urls[from]+"/revoke", g.SessionJWT, http.MethodPost); err != nil || st != http.StatusOK {
			return nil, fmt.Errorf("revoke: %d %v", st, err)
		}
		returned := time.Now()
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		for j, u := range urls {
			if j == from {
				continue
			}
			wg.Go(func() {
				for time.Since(returned) < 10*time.Second {
					st, err := get(u+"/check", g.SessionJWT, http.MethodGet)
					if err == nil && st == http.StatusUnauthorized {
						d := time.Since(returned)
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
						return
					}
				}
				mu.Lock()
				errs = append(errs, fmt.Errorf("replica %d still passes the revoked session after 10 s", j))
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
	}
	return lat, nil
}

// stytchCalls sends k new opaque tokens to every replica in turn and
// returns the sessions/authenticate calls the emulator counted.
func stytchCalls(emu *stytchtest.Server, urls []string, newSession func() (*stytchtest.SessionGrant, error), k int) (int, error) {
	toks := make([]string, k)
	for i := range toks {
		g, err := newSession()
		if err != nil {
			return 0, err
		}
		toks[i] = g.SessionToken
	}
	emu.ResetCounters()
	for _, tok := range toks {
		for _, u := range urls {
			req, _ := http.NewRequest(http.MethodGet, u+"/check", nil)
			req.AddCookie(&http.Cookie{Name: middleware.DefaultTokenCookie, Value: tok})
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, err
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return 0, fmt.Errorf("opaque token refused: %d", res.StatusCode)
			}
		}
	}
	return emu.Requests(stytchtest.EndpointAuthenticate), nil
}

func get(url, jwt, method string) (int, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+jwt)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, (len(sorted)*p+99)/100-1)]
}

// startReplicas starts the replicas (this binary with -replica) and
// returns their base URLs and the function that stops them.
func startReplicas(emu *stytchtest.Server, redisURL string) ([]string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	var (
		urls  []string
		stops []func()
	)
	stop := func() {
		for _, s := range stops {
			s()
		}
	}
	for range replicas {
		cmd := exec.Command(self, "-replica", "-stytch-url", emu.URL, "-project-id", emu.ProjectID, "-redis-url", redisURL)
		cmd.Env = append(os.Environ(), "FLEETBENCH_SECRET="+emu.Secret) // not on the command line
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			stop()
			return nil, nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			stop()
			return nil, nil, err
		}
		if err := cmd.Start(); err != nil {
			stop()
			return nil, nil, err
		}
		stops = append(stops, func() { _ = stdin.Close(); _ = cmd.Wait() })
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("replica did not start: %w", err)
		}
		urls = append(urls, strings.TrimSpace(line))
	}
	return urls, stop, nil
}

// startRedis starts a redis-server without persistence on a free loopback
// port and returns its URL and the function that stops it.
func startRedis(bin string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "fleetbench")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start %s: %w", bin, err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = os.RemoveAll(dir) }
	url := "redis://127.0.0.1:" + strconv.Itoa(port)
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return url, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("redis-server did not answer: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
