package client

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Version is this module's version, sent in the default User-Agent.
const Version = "0.1.0"

// Client calls Stytch's consumer Sessions API and RBAC policy endpoint.
// It is safe for concurrent use.
//
// A *Client never prints its secret: fmt (every verb), slog and errors show
// only the project id and base URL.
type Client struct {
	projectID string
	// credentials returns the Authorization header value and the secret.
	// A closure, because fmt's reflection (a bad verb, a Client nested in
	// an unexported field) prints a func as an address: it cannot reach
	// what the closure holds, as it could a string or struct field.
	credentials func() (header, secret string)
	baseURL     string // scheme://host[/prefix], no trailing slash
	httpClient  *http.Client
	timeout     time.Duration
	userAgent   string
	maxRetries  int
	// retryBase is the first retry's mean backoff; later ones double it.
	retryBase time.Duration
	// sleep waits d or until ctx ends, whichever is first (tests observe
	// the waits through it instead of sleeping).
	sleep func(ctx context.Context, d time.Duration) error
}

// New checks cfg and returns a client. It makes no request. Every error it
// returns wraps ErrInvalidConfig and never holds the secret.
func New(cfg Config) (*Client, error) {
	if err := validateProjectID(cfg.ProjectID); err != nil {
		return nil, err
	}
	if err := validateSecret(cfg.ProjectID, cfg.Secret); err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = defaultBaseURL(cfg.ProjectID)
	}
	base, err := normalizeBaseURL(base)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: Timeout must not be negative", ErrInvalidConfig)
	}
	if cfg.MaxRetries > MaxMaxRetries {
		return nil, fmt.Errorf("%w: MaxRetries must be at most %d", ErrInvalidConfig, MaxMaxRetries)
	}
	if err := validateUserAgent(cfg.UserAgent); err != nil {
		return nil, err
	}
	c := &Client{
		projectID:   cfg.ProjectID,
		credentials: newCredentials(cfg.ProjectID, cfg.Secret),
		baseURL:     base,
		httpClient:  cfg.HTTPClient,
		timeout:     cfg.Timeout,
		userAgent:   cfg.UserAgent,
		maxRetries:  cfg.MaxRetries,
		retryBase:   defaultRetryBase,
		sleep:       sleepContext,
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.httpClient == nil {
		// The API never redirects. Following one could resend the Basic
		// credentials over plain HTTP (net/http keeps them for the same
		// host), so the default client stops and reports it instead.
		c.httpClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "stytchmw/" + Version
	}
	return c, nil
}

// newCredentials returns the credentials getter of a Client: the HTTP
// Basic Authorization value (computed once) and the secret.
func newCredentials(projectID, secret string) func() (string, string) {
	header := "Basic " + base64.StdEncoding.EncodeToString([]byte(projectID+":"+secret))
	return func() (string, string) { return header, secret }
}

// ProjectID returns the project id the client authenticates as.
func (c *Client) ProjectID() string { return c.projectID }

// BaseURL returns the API base URL in use, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// String describes the client without its secret.
func (c *Client) String() string {
	if c == nil {
		return "client.Client(nil)"
	}
	return fmt.Sprintf("client.Client{ProjectID:%q, BaseURL:%q}", c.projectID, c.baseURL)
}

// GoString is String, so %#v does not print the secret.
func (c *Client) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %d, …) print String,
// for a Client and a *Client alike: fmt's default would walk the fields.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs the client as its project id and base URL.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(
		slog.String("project_id", c.projectID),
		slog.String("base_url", c.baseURL),
	)
}

func validateProjectID(id string) error {
	var rest string
	switch {
	case id == "":
		return fmt.Errorf("%w: ProjectID is required", ErrInvalidConfig)
	case strings.HasPrefix(id, "project-test-"):
		rest = id[len("project-test-"):]
	case strings.HasPrefix(id, "project-live-"):
		rest = id[len("project-live-"):]
	default:
		return fmt.Errorf("%w: ProjectID must start with project-test- or project-live-", ErrInvalidConfig)
	}
	if rest == "" || len(id) > 128 {
		return fmt.Errorf("%w: ProjectID has no id after its prefix or is too long", ErrInvalidConfig)
	}
	for _, r := range rest {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("%w: ProjectID may hold only letters, digits and '-'", ErrInvalidConfig)
		}
	}
	return nil
}

// validateSecret never puts the secret, or any part of it, in its errors.
func validateSecret(projectID, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: Secret is required", ErrInvalidConfig)
	}
	if len(secret) > 256 {
		return fmt.Errorf("%w: Secret is longer than 256 bytes", ErrInvalidConfig)
	}
	for i := 0; i < len(secret); i++ {
		if secret[i] <= ' ' || secret[i] >= 0x7f {
			return fmt.Errorf("%w: Secret holds a space, control or non-ASCII byte (at offset %d)", ErrInvalidConfig, i)
		}
	}
	live := strings.HasPrefix(projectID, "project-live-")
	if live && strings.HasPrefix(secret, "secret-test-") || !live && strings.HasPrefix(secret, "secret-live-") {
		return fmt.Errorf("%w: Secret is for the other environment than ProjectID", ErrInvalidConfig)
	}
	return nil
}

// validateUserAgent keeps the header value to printable ASCII, so that it
// can neither split a header nor be refused by net/http at request time.
func validateUserAgent(ua string) error {
	if len(ua) > 256 {
		return fmt.Errorf("%w: UserAgent is longer than 256 bytes", ErrInvalidConfig)
	}
	for i := 0; i < len(ua); i++ {
		if ua[i] < ' ' || ua[i] > '~' {
			return fmt.Errorf("%w: UserAgent must be printable ASCII", ErrInvalidConfig)
		}
	}
	return nil
}

func normalizeBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: BaseURL does not parse", ErrInvalidConfig)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("%w: BaseURL must be an absolute http or https URL", ErrInvalidConfig)
	}
	if u.User != nil {
		return "", fmt.Errorf("%w: BaseURL must not carry credentials; set ProjectID and Secret", ErrInvalidConfig)
	}
	if u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "#") {
		return "", fmt.Errorf("%w: BaseURL must not have a query or fragment", ErrInvalidConfig)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}
