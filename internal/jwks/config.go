package jwks

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Defaults and limits.
const (
	// DefaultTimeout bounds one JWKS request when Config.Timeout is zero.
	DefaultTimeout = 10 * time.Second
	// DefaultRefreshInterval is how often the set is refreshed in the
	// background when Config.RefreshInterval is zero.
	DefaultRefreshInterval = time.Hour
	// DefaultMinRefreshInterval is the least time between two successful
	// refreshes triggered by unknown kids when Config.MinRefreshInterval is
	// zero.
	DefaultMinRefreshInterval = 30 * time.Second
	// DefaultRetryInterval is the first delay before retrying a failed fetch
	// when Config.RetryInterval is zero.
	DefaultRetryInterval = time.Second
	// MaxBodyBytes caps the JWKS response body; a larger body fails the fetch.
	MaxBodyBytes = 1 << 20
	// MinRSABits and MaxRSABits bound the modulus of the keys kept.
	MinRSABits = 2048
	MaxRSABits = 8192
	// MaxKeyIDBytes is the longest kid kept (and looked up).
	MaxKeyIDBytes = 256
)

// Config configures a Set. Only URL is required. A zero field means its
// default; no duration can be turned off, so a negative one is an error.
type Config struct {
	// URL is the JWKS endpoint, e.g. https://test.stytch.com/v1/sessions/jwks/<project_id>.
	URL string
	// HTTPClient sends the requests (default: a client of its own). Timeout
	// applies on top of the client's own timeout.
	HTTPClient *http.Client
	// Timeout bounds each JWKS request, body included (default DefaultTimeout).
	Timeout time.Duration
	// RefreshInterval is the period of the background refresh (default
	// DefaultRefreshInterval).
	RefreshInterval time.Duration
	// MinRefreshInterval is the least time between a successful fetch and a
	// refresh triggered by an unknown kid (default DefaultMinRefreshInterval).
	// It also caps the backoff between failed attempts.
	MinRefreshInterval time.Duration
	// RetryInterval is the first delay after a failed fetch; it doubles after
	// each further failure up to MinRefreshInterval, with jitter (default
	// DefaultRetryInterval).
	RetryInterval time.Duration
	// Logger receives fetch failures and skipped keys (default: discarded).
	Logger *slog.Logger
	// Now is the clock of the rate limit on early refreshes and of the
	// backoff after a failure (default time.Now): the middleware passes its
	// own, so that one clock governs all its time decisions. The background
	// schedule runs on the runtime's clock.
	Now func() time.Time
}

// withDefaults checks c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return c, fmt.Errorf("%w: URL must be an absolute http(s) URL", ErrInvalidConfig)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Timeout", c.Timeout}, {"RefreshInterval", c.RefreshInterval}, {"MinRefreshInterval", c.MinRefreshInterval}, {"RetryInterval", c.RetryInterval}} {
		if d.v < 0 {
			// None of them can be turned off: the keys must stay fresh.
			return c, fmt.Errorf("%w: %s must not be negative (0 means the default)", ErrInvalidConfig, d.name)
		}
	}
	if c.HTTPClient == nil {
		// A transport of its own, so that Close can drop its idle
		// connections without touching anyone else's. Redirects are not
		// followed: the key set decides which tokens verify, so it comes
		// from the configured URL or not at all (a 3xx is a failed fetch),
		// as the API client does for its own requests.
		c.HTTPClient = &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RefreshInterval == 0 {
		c.RefreshInterval = DefaultRefreshInterval
	}
	if c.MinRefreshInterval == 0 {
		c.MinRefreshInterval = DefaultMinRefreshInterval
	}
	if c.RetryInterval == 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
