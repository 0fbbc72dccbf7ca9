// Command loadserver is the server of the load test (see load.sh): a
// trivial handler, with or without stytchmw's middleware in front of it,
// and a stytchtest emulator in the same process as its Stytch.
//
// It creates -tokens sessions on the emulator, writes their session JWTs
// to -tokens-file (one a line, for the load generator), listens on -addr
// (loopback only), writes its URL to -ready-file once it accepts
// connections, and serves until SIGINT or SIGTERM.
//
//	loadserver -mode stytchmw -tokens-file tokens.txt -ready-file url.txt
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadserver:", err)
		os.Exit(1)
	}
}

// options are the command line's.
type options struct {
	mode       string
	addr       string
	tokens     int
	tokensFile string
	readyFile  string
	cpuProfile string
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.mode, "mode", modeStytchMW, "what is in front of the handler: "+modeStytchMW+" or "+modePlain)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "loopback address to listen on")
	fs.IntVar(&o.tokens, "tokens", 1000, "number of distinct sessions, hence of session JWTs")
	fs.StringVar(&o.tokensFile, "tokens-file", "", "file to write the session JWTs to (required)")
	fs.StringVar(&o.readyFile, "ready-file", "", "file to write the server's URL to once it listens")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "file to write a CPU profile of the serving time to (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.mode != modeStytchMW && o.mode != modePlain:
		return o, fmt.Errorf("-mode must be %s or %s", modeStytchMW, modePlain)
	case o.tokens < 1 || o.tokens > 100_000:
		return o, errors.New("-tokens must be 1..100000")
	case o.tokensFile == "":
		return o, errors.New("-tokens-file is required")
	}
	return o, nil
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s is not a loopback address", o.addr)
	}

	stack, err := newStack(ctx, o.mode, o.tokens)
	if err != nil {
		return err
	}
	defer stack.Close()
	if err := writeFile(o.tokensFile, stack.tokens); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: stack.handler, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	if o.readyFile != "" {
		if err := writeFile(o.readyFile, []string{url}); err != nil {
			_ = srv.Close()
			return err
		}
	}
	fmt.Fprintf(stderr, "loadserver: %s on %s with %d session JWTs\n", o.mode, url, len(stack.tokens))
	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			_ = srv.Close()
			return err
		}
		defer stopProfile()
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startCPUProfile profiles the process into path until the returned
// function is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// writeFile writes lines to path atomically (a reader polling for the file
// never sees half of it).
func writeFile(path string, lines []string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := io.WriteString(f, l+"\n"); err != nil {
			_ = f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
