package docsapi

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// RunFunc is an example program's body: it serves until ctx is done, with
// the environment read through getenv, the banner on stdout and the logs on
// stderr. Tests call it in-process.
type RunFunc func(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error

// Main runs run as the process: its environment and outputs, and a context
// cancelled by SIGINT or SIGTERM, so that Ctrl-C shuts the server down
// gracefully. When run fails it prints the error, prefixed by name, and
// exits with status 1.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Open reads the configuration through getenv and starts the Demo (see
// LoadConfig and Start): what every example's run does first.
func Open(ctx context.Context, getenv func(string) string, logOutput io.Writer) (*Demo, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	return Start(ctx, cfg, logOutput)
}
