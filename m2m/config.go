package m2m

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Config configures a TokenSource. ProjectID, ClientID and ClientSecret are
// required.
//
// A Config never prints its ClientSecret: fmt (every verb but %p), slog and
// encoding/json show it redacted. As for client.Config, fmt calls no method
// of a Config stored in an unexported field of another struct: hold a
// Config by pointer, or keep only the *TokenSource.
type Config struct {
	// ProjectID is the Stytch project the M2M client belongs to.
	ProjectID string
	// ClientID and ClientSecret are the M2M client's credentials.
	ClientID     string
	ClientSecret string
	// Scopes narrows the tokens to these of the client's scopes; none means
	// all of them.
	Scopes []string
	// BaseURL overrides the API base URL chosen from ProjectID (a custom
	// domain, a proxy or a stytchtest emulator), as client.Config.BaseURL.
	BaseURL string
	// HTTPClient fetches the tokens. Default: a client with a Timeout of
	// client.DefaultTimeout that follows no redirect (the endpoint sends
	// none, and following one could send the secret elsewhere). A client
	// of your own must not follow redirects either: a 307 to another
	// origin would resend the form, client_secret included.
	HTTPClient *http.Client
}

const redacted = "[REDACTED]"

// redactedSecret says whether a secret is set without showing it.
func (c Config) redactedSecret() string {
	if c.ClientSecret == "" {
		return ""
	}
	return redacted
}

// redactedBaseURL hides a password in BaseURL, or the whole of one that
// does not parse (New rejects both, but a Config may be printed first).
func (c Config) redactedBaseURL() string {
	if c.BaseURL == "" {
		return ""
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return redacted
	}
	return u.Redacted()
}

// String formats the configuration with its secret redacted.
func (c Config) String() string {
	return fmt.Sprintf("m2m.Config{ProjectID:%q, ClientID:%q, ClientSecret:%s, Scopes:%q, BaseURL:%q}",
		c.ProjectID, c.ClientID, c.redactedSecret(), c.Scopes, c.redactedBaseURL())
}

// GoString is String: %#v must not print the secret either.
func (c Config) GoString() string { return c.String() }

// Format makes every fmt verb use String, so no verb prints the secret.
func (c Config) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue logs the configuration without its secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("project_id", c.ProjectID),
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", c.redactedSecret()),
		slog.Any("scopes", c.Scopes),
		slog.String("base_url", c.redactedBaseURL()),
	)
}

// MarshalJSON encodes the configuration with its secret redacted.
// Decoding a Config from JSON is unaffected.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ProjectID    string
		ClientID     string
		ClientSecret string
		Scopes       []string
		BaseURL      string
	}{c.ProjectID, c.ClientID, c.redactedSecret(), c.Scopes, c.redactedBaseURL()})
}

// defaultHTTPClient fetches tokens when Config.HTTPClient is nil.
func defaultHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
