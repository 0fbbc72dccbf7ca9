package client

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Stytch's API hosts. The environment is chosen from the project id, as
// every official SDK does: project-live-… uses LiveBaseURL, anything else
// TestBaseURL.
const (
	TestBaseURL = "https://test.stytch.com"
	LiveBaseURL = "https://api.stytch.com"
)

// DefaultTimeout bounds one HTTP request when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config configures a Client. Only ProjectID and Secret are required.
//
// A Config never prints its Secret: fmt verbs and slog show it redacted.
type Config struct {
	// ProjectID is the Stytch project id, project-test-… or project-live-….
	ProjectID string
	// Secret is the project's API secret. It is sent only as the password of
	// HTTP Basic authentication and never appears in errors or logs.
	Secret string
	// BaseURL overrides the API base URL chosen from ProjectID: a custom
	// domain, a proxy, or a stytchtest emulator. Scheme and host; a trailing
	// slash is ignored.
	BaseURL string
	// HTTPClient sends the requests. Default: a client of its own whose
	// requests are bounded by Timeout.
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt (default DefaultTimeout). It applies
	// on top of HTTPClient's own timeout and the caller's context.
	Timeout time.Duration
	// UserAgent is sent as the User-Agent header (default "stytchmw/<version>").
	UserAgent string
}

const redacted = "[REDACTED]"

// String formats the configuration with its secret redacted.
func (c Config) String() string {
	secret := ""
	if c.Secret != "" {
		secret = redacted
	}
	return fmt.Sprintf("client.Config{ProjectID:%q, Secret:%s, BaseURL:%q, Timeout:%s, UserAgent:%q}",
		c.ProjectID, secret, c.BaseURL, c.Timeout, c.UserAgent)
}

// GoString is String: %#v must not print the secret either.
func (c Config) GoString() string { return c.String() }

// Format makes every fmt verb use String, so no verb prints the secret.
func (c Config) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue logs the configuration without its secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("project_id", c.ProjectID),
		slog.String("base_url", c.BaseURL),
		slog.Duration("timeout", c.Timeout),
	)
}

// defaultBaseURL picks Stytch's API host from the project id.
func defaultBaseURL(projectID string) string {
	if strings.HasPrefix(projectID, "project-live-") {
		return LiveBaseURL
	}
	return TestBaseURL
}
