package client

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Version is this module's version, sent in the default User-Agent.
const Version = "0.1.0"

// Client calls Stytch's consumer Sessions API and RBAC policy endpoint.
// It is safe for concurrent use.
type Client struct {
	projectID  string
	secret     string
	baseURL    string // scheme://host[/prefix], no trailing slash
	httpClient *http.Client
	timeout    time.Duration
	userAgent  string
	maxRetries int
}

// New checks cfg and returns a client. It makes no request.
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
	c := &Client{
		projectID:  cfg.ProjectID,
		secret:     cfg.Secret,
		baseURL:    base,
		httpClient: cfg.HTTPClient,
		timeout:    cfg.Timeout,
		userAgent:  cfg.UserAgent,
		maxRetries: 2,
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "stytchmw/" + Version
	}
	return c, nil
}

// ProjectID returns the project id the client authenticates as.
func (c *Client) ProjectID() string { return c.projectID }

// BaseURL returns the API base URL in use, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// String describes the client without its secret.
func (c *Client) String() string {
	return fmt.Sprintf("client.Client{ProjectID:%q, BaseURL:%q}", c.projectID, c.baseURL)
}

// GoString is String, so %#v does not print the secret.
func (c *Client) GoString() string { return c.String() }

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
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: BaseURL must not have a query or fragment", ErrInvalidConfig)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}
