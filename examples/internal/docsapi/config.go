package docsapi

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// The environment variables the examples read. They are part of the
// public documentation (README.md): keep them stable.
const (
	EnvProjectID   = "STYTCH_PROJECT_ID"
	EnvSecret      = "STYTCH_SECRET"
	EnvAPIURL      = "STYTCH_API_URL"
	EnvMaxTokenAge = "STYTCH_MAX_TOKEN_AGE"
	EnvAddr        = "ADDR"
	EnvRedisURL    = "STYTCH_REDIS_URL"
)

// DefaultAddr is the listen address when ADDR is unset: loopback only, so
// the demo is not reachable from the network by accident.
const DefaultAddr = "127.0.0.1:8080"

// ErrConfig is wrapped by every error LoadConfig returns.
var ErrConfig = errors.New("docsapi: invalid configuration")

// Config is the examples' configuration, read from the environment by
// LoadConfig.
type Config struct {
	// Stytch holds the project's credentials and API base URL. Its
	// ProjectID is empty in embedded mode, when the examples start a
	// stytchtest emulator of their own. (client.Config never prints its
	// secret.)
	Stytch client.Config
	// MaxTokenAge is middleware.Config.MaxTokenAge: 0 when
	// STYTCH_MAX_TOKEN_AGE is unset (a JWT is trusted until its exp), and
	// below one second for "0s" (every JWT is authenticated with Stytch).
	MaxTokenAge time.Duration
	// Addr is the address to listen on.
	Addr string
	// RedisURL, when set (redis://…), runs the example in fleet mode
	// (middleware.Config.Fleet on Redis); empty, a single process.
	RedisURL string
}

// Embedded reports whether the examples run against their own emulator:
// no project credentials were given.
func (c Config) Embedded() bool { return c.Stytch.ProjectID == "" }

// LoadConfig reads the configuration through getenv (os.Getenv, or a map
// in tests):
//
//   - STYTCH_PROJECT_ID and STYTCH_SECRET: both, to use that Stytch project;
//     neither, to start the embedded emulator. One without the other is an
//     error rather than a silent fallback to the emulator.
//   - STYTCH_API_URL: the API base URL (a custom domain, a proxy, or an
//     emulator started elsewhere); it needs the project credentials.
//   - STYTCH_MAX_TOKEN_AGE: a Go duration ("5m", "0s"), not negative.
//   - ADDR: the listen address (default DefaultAddr).
//   - STYTCH_REDIS_URL: a redis:// (or rediss://) URL: fleet mode.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	cfg := Config{
		Stytch:   client.Config{ProjectID: get(EnvProjectID), Secret: get(EnvSecret), BaseURL: get(EnvAPIURL)},
		Addr:     get(EnvAddr),
		RedisURL: get(EnvRedisURL),
	}
	switch {
	case cfg.Stytch.ProjectID == "" && cfg.Stytch.Secret != "":
		return Config{}, fmt.Errorf("%w: %s is set but %s is not; set both to use a Stytch project, or neither for the embedded emulator",
			ErrConfig, EnvSecret, EnvProjectID)
	case cfg.Stytch.ProjectID != "" && cfg.Stytch.Secret == "":
		return Config{}, fmt.Errorf("%w: %s is set but %s is not; set both to use a Stytch project, or neither for the embedded emulator",
			ErrConfig, EnvProjectID, EnvSecret)
	case cfg.Stytch.ProjectID == "" && cfg.Stytch.BaseURL != "":
		return Config{}, fmt.Errorf("%w: %s needs %s and %s (an emulator started elsewhere prints its own)",
			ErrConfig, EnvAPIURL, EnvProjectID, EnvSecret)
	}
	if raw := get(EnvMaxTokenAge); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return Config{}, fmt.Errorf("%w: %s=%q is not a Go duration such as 5m or 0s", ErrConfig, EnvMaxTokenAge, raw)
		}
		if d < 0 {
			return Config{}, fmt.Errorf("%w: %s must not be negative", ErrConfig, EnvMaxTokenAge)
		}
		// The variable's "0s" means "always ask Stytch"; the middleware's
		// 0 means "no limit", and any age below iat's one-second
		// resolution means "always".
		cfg.MaxTokenAge = max(d, time.Nanosecond)
	}
	if u := cfg.RedisURL; u != "" && !strings.HasPrefix(u, "redis://") && !strings.HasPrefix(u, "rediss://") {
		return Config{}, fmt.Errorf("%w: %s must be a redis:// or rediss:// URL", ErrConfig, EnvRedisURL)
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	return cfg, nil
}
