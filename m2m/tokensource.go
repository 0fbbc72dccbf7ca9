package m2m

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/stytchmw/stytchmw/client"
)

// EarlyExpiry is how long before its expiry a token is renewed, so that a
// token sent just before it expires is not refused by a server whose clock
// runs a little ahead, or after a slow network.
const EarlyExpiry = time.Minute

// maxSecretBytes bounds ClientID and ClientSecret.
const maxSecretBytes = 256

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("stytch m2m: invalid config")

// TokenSource is an oauth2.TokenSource of a Stytch M2M client's access
// tokens. It fetches a token on first use, returns it until EarlyExpiry
// before it expires, then fetches a new one; concurrent callers share one
// fetch. It is safe for concurrent use and starts no goroutine.
//
// A *TokenSource never prints its secret: fmt (every verb) shows only the
// token endpoint and client id.
type TokenSource struct {
	tokenURL, path, clientID string
	source                   oauth2.TokenSource
	// secret returns the client secret, which errors are cleaned of. A
	// closure, as in client.Client: fmt cannot reach into it.
	secret func() string
}

// New checks cfg and returns its token source. It makes no request.
func New(cfg Config) (*TokenSource, error) {
	switch {
	case cfg.ClientID == "":
		return nil, fmt.Errorf("%w: ClientID is required", ErrInvalidConfig)
	case cfg.ClientSecret == "":
		return nil, fmt.Errorf("%w: ClientSecret is required", ErrInvalidConfig)
	case len(cfg.ClientID) > maxSecretBytes || len(cfg.ClientSecret) > maxSecretBytes:
		return nil, fmt.Errorf("%w: ClientID and ClientSecret take at most %d bytes", ErrInvalidConfig, maxSecretBytes)
	}
	for _, s := range cfg.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			return nil, fmt.Errorf("%w: a scope must be non-empty and hold no whitespace", ErrInvalidConfig)
		}
	}
	tokenURL, err := client.OAuth2TokenURL(cfg.ProjectID, cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient(client.DefaultTimeout)
	}
	cc := &clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     tokenURL,
		Scopes:       append([]string(nil), cfg.Scopes...),
		// In the form, as Stytch's token endpoint wants, never in a Basic
		// header: and so no probing of both styles either.
		AuthStyle: oauth2.AuthStyleInParams,
	}
	// The context is only where oauth2 finds the HTTP client; every fetch
	// is bounded by that client's Timeout.
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	secret := cfg.ClientSecret
	u, _ := url.Parse(tokenURL) // OAuth2TokenURL built it
	return &TokenSource{
		tokenURL: tokenURL,
		path:     u.EscapedPath(),
		clientID: cfg.ClientID,
		source:   oauth2.ReuseTokenSourceWithExpiry(nil, cc.TokenSource(ctx), EarlyExpiry),
		secret:   func() string { return secret },
	}, nil
}

// Token returns a current access token, fetching a new one when there is
// none or it expires within EarlyExpiry. Its errors are described in the
// package documentation.
func (ts *TokenSource) Token() (*oauth2.Token, error) {
	t, err := ts.source.Token()
	if err != nil {
		return nil, ts.convert(err)
	}
	return t, nil
}

// Client returns an *http.Client that sends every request through base (nil
// means http.DefaultTransport) with "Authorization: Bearer" and a current
// token. It follows a redirect only to the same scheme and host as the
// request it answers, since the token would be sent along.
func (ts *TokenSource) Client(base http.RoundTripper) *http.Client {
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{
		Transport:     &oauth2.Transport{Source: ts, Base: base},
		CheckRedirect: sameOrigin,
	}
}

// ErrCrossOriginRedirect is why Client refuses a redirect to another host.
var ErrCrossOriginRedirect = errors.New("stytch m2m: refusing to send the access token to another origin on redirect")

// sameOrigin allows a redirect only within the first request's origin, and
// at most 10 of them, as net/http's default does.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) {
		return ErrCrossOriginRedirect
	}
	return nil
}

// TokenURL returns the token endpoint the tokens come from.
func (ts *TokenSource) TokenURL() string { return ts.tokenURL }

// String describes the token source without its secret.
func (ts *TokenSource) String() string {
	if ts == nil {
		return "m2m.TokenSource(nil)"
	}
	return fmt.Sprintf("m2m.TokenSource{TokenURL:%q, ClientID:%q}", ts.tokenURL, ts.clientID)
}

// GoString is String, so %#v does not print the secret.
func (ts *TokenSource) GoString() string { return ts.String() }

// Format makes every fmt verb print String.
func (ts TokenSource) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, ts.String()) }
