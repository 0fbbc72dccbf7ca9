package client

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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

// Config configures a Client. Only ProjectID and Secret are required. A
// zero field means its default; a negative number means "off" only where
// the field says so (MaxRetries) and is an error elsewhere.
//
// A Config never prints its Secret: fmt (every verb but %p), slog and
// encoding/json show it redacted. fmt calls no method of a Config printed
// with %p, or stored in an unexported field of another struct, and prints
// it field by field: hold a Config by pointer, or keep only the *Client,
// whose secret no printing reaches.
type Config struct {
	// ProjectID is the Stytch project id, project-test-… or project-live-….
	ProjectID string
	// Secret is the project's API secret. It is sent only as the password of
	// HTTP Basic authentication and never appears in errors or logs.
	Secret string
	// BaseURL overrides the API base URL chosen from ProjectID: a custom
	// domain, a proxy, or a stytchtest emulator. An absolute http or https
	// URL without credentials, query or fragment; a path prefix is kept (a
	// proxy mounted under /stytch gets /stytch/v1/…) and trailing slashes
	// are ignored.
	BaseURL string
	// HTTPClient sends the requests. Default: a client of its own that does
	// not follow redirects (the API sends none, and following one could
	// resend the credentials over plain HTTP).
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt (default DefaultTimeout; it cannot
	// be turned off, so a negative value is an error). It applies on top of
	// HTTPClient's own timeout and the caller's context.
	Timeout time.Duration
	// UserAgent is sent as the User-Agent header (default "stytchmw/<version>").
	// It must be printable ASCII.
	UserAgent string
	// MaxRetries is how many times an idempotent read (Get, GetJWKS,
	// GetPolicy) is retried after a network error, a timeout, a 5xx or a
	// 429 answer: 0 means DefaultMaxRetries, a negative value no retry, and
	// at most MaxMaxRetries are allowed. POST requests are never retried,
	// since the API may have acted on them.
	MaxRetries int
}

// Retry bounds for Config.MaxRetries.
const (
	DefaultMaxRetries = 2
	MaxMaxRetries     = 10
)

const redacted = "[REDACTED]"

// String formats the configuration with its secret (and any password in
// BaseURL) redacted.
func (c Config) String() string {
	return fmt.Sprintf("client.Config{ProjectID:%q, Secret:%s, BaseURL:%q, Timeout:%s, UserAgent:%q, MaxRetries:%d}",
		c.ProjectID, c.redactedSecret(), redactURL(c.BaseURL), c.Timeout, c.UserAgent, c.MaxRetries)
}

// redactedSecret says whether a secret is set without showing it.
func (c Config) redactedSecret() string {
	if c.Secret == "" {
		return ""
	}
	return redacted
}

// redactURL hides the password of a URL; New rejects such a BaseURL, but
// a Config may be printed before New sees it. A URL that does not parse is
// hidden whole, as it may hold anything.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return redacted
	}
	return u.Redacted()
}

// GoString is String: %#v must not print the secret either.
func (c Config) GoString() string { return c.String() }

// Format makes every fmt verb use String, so no verb prints the secret.
func (c Config) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue logs the configuration without its secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("project_id", c.ProjectID),
		slog.String("secret", c.redactedSecret()),
		slog.String("base_url", redactURL(c.BaseURL)),
		slog.Duration("timeout", c.Timeout),
		slog.String("user_agent", c.UserAgent),
		slog.Int("max_retries", c.MaxRetries),
	)
}

// MarshalJSON encodes the configuration with its secret redacted, for
// loggers that serialise values with encoding/json rather than slog or fmt.
// Decoding a Config from JSON is unaffected.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ProjectID  string
		Secret     string
		BaseURL    string
		Timeout    time.Duration
		UserAgent  string
		MaxRetries int
	}{c.ProjectID, c.redactedSecret(), redactURL(c.BaseURL), c.Timeout, c.UserAgent, c.MaxRetries})
}

// defaultBaseURL picks Stytch's API host from the project id.
func defaultBaseURL(projectID string) string {
	if strings.HasPrefix(projectID, "project-live-") {
		return LiveBaseURL
	}
	return TestBaseURL
}
