package middleware

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/expiring"
)

// Introspection configures the remote check of Connected Apps access
// tokens (Config.Introspection): after a token passed local verification,
// Stytch's introspection endpoint (RFC 7662, POST
// /v1/public/{project_id}/oauth2/introspect) is asked whether it is still
// active, so that a token revoked before its exp is refused.
//
// Only a token that verified locally is sent: nothing forged, expired or
// malformed ever reaches Stytch. Answers are coalesced (requests with the
// same token share one call), count against Tuning.MaxConcurrentRemote,
// are bounded by Tuning.RemoteTimeout and cancelled by Close, as remote
// session authentications are. An inactive token is refused with 401
// invalid_token; when Stytch cannot answer (network, timeout, 429, 5xx, or
// it refuses the client's credentials) the request is refused with 503
// stytch_unavailable: it fails closed.
//
// M2M tokens are not introspected: Stytch offers no remote check of them
// (they live until their exp).
//
// An Introspection never prints its ClientSecret: fmt, slog and
// encoding/json show "[REDACTED]" instead.
type Introspection struct {
	// ClientID is the Connected App's client id the introspection request
	// is made as (required).
	ClientID string
	// ClientSecret is the Connected App's secret; a public client has none.
	// It is sent only in the request's form.
	ClientSecret string
	// CacheTTL is how long an active answer is reused (default 30 s;
	// negative: never, every request asks Stytch). It is the longest time a
	// revoked token can still pass. An answer is never reused past the
	// token's exp; answers are keyed by the token's SHA-256 and bounded to
	// 10,000 entries (when full, new answers are not cached until some
	// expire).
	CacheTTL time.Duration
}

// The defaults of Introspection.
const (
	defaultIntrospectionTTL  = 30 * time.Second
	introspectionCacheSize   = 10_000
	introspectionRedacted    = "[REDACTED]"
	introspectionTokenTypeAT = "access_token"
)

// String formats the configuration with its secret redacted.
func (in Introspection) String() string {
	return fmt.Sprintf("middleware.Introspection{ClientID:%q, ClientSecret:%s, CacheTTL:%s}",
		in.ClientID, in.redactedSecret(), in.CacheTTL)
}

// GoString is String: %#v must not print the secret either.
func (in Introspection) GoString() string { return in.String() }

// Format makes every fmt verb use String, so no verb prints the secret.
func (in Introspection) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(in.String())) }

// LogValue logs the configuration without its secret.
func (in Introspection) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", in.ClientID),
		slog.String("client_secret", in.redactedSecret()), slog.Duration("cache_ttl", in.CacheTTL))
}

// MarshalJSON encodes the configuration with its secret redacted.
func (in Introspection) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ClientID, ClientSecret string
		CacheTTL               time.Duration
	}{in.ClientID, in.redactedSecret(), in.CacheTTL})
}

func (in Introspection) redactedSecret() string {
	if in.ClientSecret == "" {
		return ""
	}
	return introspectionRedacted
}

// check validates an Introspection of a Config.
func (in *Introspection) check() error {
	if in.ClientID == "" {
		return fmt.Errorf("%w: Introspection.ClientID is required", ErrInvalidConfig)
	}
	return nil
}

// introspector asks Stytch whether Connected Apps tokens are active.
type introspector struct {
	clientID, secret string
	ttl              time.Duration // 0: no cache
	cache            *expiring.Map[[sha256.Size]byte, struct{}]
	calls            singleflight.Group
}

func newIntrospector(in *Introspection, now func() time.Time) *introspector {
	if in == nil {
		return nil
	}
	i := &introspector{clientID: in.ClientID, secret: in.ClientSecret}
	if in.CacheTTL >= 0 {
		i.ttl = orDefault(in.CacheTTL, defaultIntrospectionTTL)
		i.cache = expiring.New[[sha256.Size]byte, struct{}](introspectionCacheSize, expiring.RejectNew, now)
	}
	return i
}

// errTokenInactive is the cause of refusing a token Stytch answered
// inactive (revoked, or unknown to it).
var errTokenInactive = errors.New("stytch answered that the access token is not active")

// checkActive asks Stytch, through the cache and the coalescing group,
// whether a locally verified access token is still active. M2M tokens,
// and every token when introspection is off, pass without a question.
func (a *Authenticator) checkActive(ctx context.Context, token string, at *AccessToken) error {
	in := a.introspect
	if in == nil || !at.ConnectedApp {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	if in.cache != nil {
		if _, ok := in.cache.Get(sum); ok {
			return nil
		}
	}
	ch := in.calls.DoChan(string(sum[:]), func() (any, error) {
		return nil, a.callIntrospect(ctx, token, sum, at.ExpiresAt)
	})
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return newError(ErrUnavailable, ctx.Err())
	}
}

// callIntrospect makes the one introspection call of a coalesced group,
// within the lifecycle, MaxConcurrentRemote and RemoteTimeout, and caches
// an active answer until the TTL or the token's exp, whichever is first.
func (a *Authenticator) callIntrospect(ctx context.Context, token string, sum [sha256.Size]byte, exp time.Time) error {
	if !a.enter() {
		return newError(ErrUnavailable, errClosed)
	}
	defer a.inflight.Done()
	in := a.introspect
	err := a.withinRemoteBounds(ctx, func(ctx context.Context) error {
		_, err := a.client.IntrospectToken(ctx, client.IntrospectTokenRequest{
			Token: token, ClientID: in.clientID, ClientSecret: in.secret, TokenTypeHint: introspectionTokenTypeAT,
		})
		return err
	})
	switch {
	case CodeOf(err) == ErrUnavailable:
		return err // too many calls in flight
	case errors.Is(err, client.ErrTokenInactive):
		return newError(ErrInvalidToken, errTokenInactive)
	case err != nil:
		// The token verified locally: any other failure is Stytch's or the
		// configuration's, never the caller's.
		return newError(ErrUnavailable, err)
	}
	if in.cache != nil {
		until := a.now().Add(in.ttl)
		if exp.Before(until) {
			until = exp
		}
		_ = in.cache.Set(sum, struct{}{}, until) // ErrFull: not cached, by design
	}
	return nil
}
