package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// jwtLifetime is the lifetime of the emulator's session JWTs, Stytch's.
const jwtLifetime = stytchtest.JWTLifetime

// logoutServer serves, on any path, a route guarded by a.Handler whose
// handler logs the session out with a.Revoke and then echoes it (200), or
// answers Revoke's error.
func logoutServer(t *testing.T, a *Authenticator) *env {
	t.Helper()
	app := httptest.NewServer(a.Require(Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, _ := FromContext(r.Context())
		if err := a.Revoke(r.Context(), auth); err != nil {
			WriteError(w, r, CodeOf(err).Status(), err)
			return
		}
		echo(w, r)
	})))
	t.Cleanup(app.Close)
	return &env{t: t, app: app}
}

// secondAuthenticator is another Authenticator on the env's emulator, as
// another process behind the same load balancer would run, with a server
// whose every path is guarded by its Handler.
func (e *env) secondAuthenticator(t *testing.T) (*Authenticator, *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := New(ctx, Config{Client: e.srv.Client(), Now: e.srv.Now, HTTPClient: e.srv.HTTPClient(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	app := httptest.NewServer(b.Require(Authenticated())(http.HandlerFunc(echo)))
	t.Cleanup(app.Close)
	return b, &env{t: t, app: app}
}

// TestRevokeRefusesAtOnce: after Revoke, the Authenticator it was called on
// refuses the session's JWT and opaque token at once, leaves the user's
// other sessions alone, and another Authenticator still sees the
// revocation only within the documented bounds.
func TestRevokeRefusesAtOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	logout := logoutServer(t, e.auth)
	_, other := e.secondAuthenticator(t)
	jwt, token := e.grant.SessionJWT, e.grant.SessionToken
	kept := e.newSession(60) // another session of the same user

	for _, app := range []*env{e, other} {
		for _, c := range []reqOption{bearer(jwt), cookie(DefaultTokenCookie, token), bearer(kept.SessionJWT), cookie(DefaultTokenCookie, kept.SessionToken)} {
			app.call(routeRequired, c).want(t, http.StatusOK, "")
		}
	}
	if n := e.auth.tokens.entries.Len(); n != 2 {
		t.Fatalf("%d cached opaque-token answers, want 2", n)
	}
	calls := e.count(stytchtest.EndpointAuthenticate) // 4: two tokens, two Authenticators

	r := logout.call("/logout", method(http.MethodPost), bearer(jwt))
	r.want(t, http.StatusOK, "")
	if r.echo.SessionID != e.grant.Session.SessionID {
		t.Fatalf("logged out session %q, want %q", r.echo.SessionID, e.grant.Session.SessionID)
	}
	if n := e.count(stytchtest.EndpointRevoke); n != 1 {
		t.Fatalf("%d revoke calls, want 1", n)
	}
	if n := e.auth.tokens.entries.Len(); n != 1 {
		t.Fatalf("%d cached opaque-token answers after the logout, want 1: the other session's", n)
	}

	// The same Authenticator: refused at once. The JWT without asking
	// Stytch; the token's cached answer is gone, so Stytch is asked.
	e.call(routeRequired, bearer(jwt)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	e.call(routeRead, bearer(jwt)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	if n := e.count(stytchtest.EndpointAuthenticate); n != calls {
		t.Fatalf("the revoked JWT was refused with %d authenticate calls, want none", n-calls)
	}
	e.call(routeRequired, cookie(DefaultTokenCookie, token)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	if n := e.count(stytchtest.EndpointAuthenticate); n != calls+1 {
		t.Fatalf("the revoked token was refused with %d authenticate calls, want 1", n-calls)
	}
	_, err := e.auth.AuthenticateJWT(context.Background(), AuthenticateJWTParams{SessionJWT: jwt})
	if !errors.Is(err, ErrSessionNotFound) || !errors.Is(err, errRevokedHere) {
		t.Fatalf("AuthenticateJWT: %v, want ErrSessionNotFound (revoked here)", err)
	}
	_, err = e.auth.AuthenticateJWTLocal(context.Background(), AuthenticateJWTLocalParams{SessionJWT: jwt})
	if !errors.Is(err, ErrSessionNotFound) {
		t.Fatalf("AuthenticateJWTLocal: %v, want ErrSessionNotFound", err)
	}
	// The user's other session is untouched, its cached answer included.
	calls = e.count(stytchtest.EndpointAuthenticate)
	e.call(routeRequired, bearer(kept.SessionJWT)).want(t, http.StatusOK, "")
	e.call(routeRequired, cookie(DefaultTokenCookie, kept.SessionToken)).want(t, http.StatusOK, "")
	if n := e.count(stytchtest.EndpointAuthenticate); n != calls {
		t.Fatalf("the other session cost %d authenticate calls, want its cached answer", n-calls)
	}

	// Another Authenticator: the documented bounds. The token passes while
	// its cached answer lives, the JWT until its exp.
	other.call(routeRequired, bearer(jwt)).want(t, http.StatusOK, "")
	other.call(routeRequired, cookie(DefaultTokenCookie, token)).want(t, http.StatusOK, "")
	e.srv.Advance(defaultSessionTokenCacheTTL)
	other.call(routeRequired, cookie(DefaultTokenCookie, token)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	other.call(routeRequired, bearer(jwt)).want(t, http.StatusOK, "")
	e.srv.Advance(jwtLifetime - defaultSessionTokenCacheTTL)
	other.call(routeRequired, bearer(jwt)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	e.call(routeRequired, bearer(jwt)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
}

// TestRevokeSessionAlreadyGone: a session Stytch no longer knows (revoked
// elsewhere, or twice) is logged out all the same, and refused at once.
func TestRevokeSessionAlreadyGone(t *testing.T) {
	e := newEnv(t, envOptions{})
	auth, err := e.auth.AuthenticateJWT(context.Background(), AuthenticateJWTParams{SessionJWT: e.grant.SessionJWT})
	if err != nil {
		t.Fatal(err)
	}
	e.revoke(e.grant.SessionToken) // through the client alone: the gap
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")

	for range 2 {
		if err := e.auth.Revoke(context.Background(), auth); err != nil {
			t.Fatalf("Revoke of a revoked session: %v, want nil", err)
		}
	}
	if n := e.count(stytchtest.EndpointRevoke); n != 3 {
		t.Fatalf("%d revoke calls, want 3", n)
	}
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
}

// TestRevokeFailure: when Stytch does not revoke the session, neither does
// the Authenticator, and the error says Stytch is at fault.
func TestRevokeFailure(t *testing.T) {
	tests := []struct {
		name  string
		fault stytchtest.Fault
		match error
	}{
		{"server error", stytchtest.Fault{Status: http.StatusInternalServerError}, client.ErrInternalServerError},
		{"rate limited", stytchtest.Fault{Status: http.StatusTooManyRequests}, client.ErrTooManyRequests},
		{"connection dropped", stytchtest.Fault{Drop: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			logout := logoutServer(t, e.auth)
			if err := e.srv.InjectFault(stytchtest.EndpointRevoke, tt.fault); err != nil {
				t.Fatal(err)
			}
			logout.call("/logout", method(http.MethodPost), bearer(e.grant.SessionJWT)).want(t, http.StatusServiceUnavailable, ErrUnavailable)

			auth := &Auth{Session: &e.grant.Session, JWT: e.grant.SessionJWT}
			err := e.auth.Revoke(context.Background(), auth)
			if !errors.Is(err, ErrUnavailable) || tt.match != nil && !errors.Is(err, tt.match) {
				t.Fatalf("Revoke: %v, want ErrUnavailable wrapping %v", err, tt.match)
			}
			e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusOK, "")
			e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken)).want(t, http.StatusOK, "")

			e.srv.ClearFaults()
			if err := e.auth.Revoke(context.Background(), auth); err != nil {
				t.Fatalf("Revoke once Stytch is back: %v", err)
			}
			e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
		})
	}
}

// TestRevokeCancelledContext: a logout whose client stopped waiting still
// completes.
func TestRevokeCancelledContext(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.auth.Revoke(ctx, &Auth{Session: &e.grant.Session}); err != nil {
		t.Fatalf("Revoke with a cancelled context: %v", err)
	}
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
	if _, err := e.srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: e.grant.SessionToken}); !errors.Is(err, client.ErrSessionNotFound) {
		t.Fatalf("Stytch still knows the session: %v", err)
	}
}

func TestRevokeInvalid(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, auth := range []*Auth{nil, {}, {Session: &client.Session{UserID: e.user.UserID}}} {
		if err := e.auth.Revoke(context.Background(), auth); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Revoke(%+v) = %v, want ErrInvalidParams", auth, err)
		}
	}
	if err := e.auth.Close(); err != nil {
		t.Fatal(err)
	}
	err := e.auth.Revoke(context.Background(), &Auth{Session: &e.grant.Session})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, errClosed) {
		t.Fatalf("Revoke after Close = %v, want ErrUnavailable (closed)", err)
	}
	if n := e.count(stytchtest.EndpointRevoke); n != 0 {
		t.Fatalf("%d revoke calls, want none", n)
	}
}

// TestRevokeWindow: a revoked session is remembered as long as one of its
// credentials could still pass without Stytch.
func TestRevokeWindow(t *testing.T) {
	tests := []struct {
		name   string
		config func(*Config)
		jwtExp time.Duration // the JWT at hand expires this long after now; 0: the emulator's
		want   time.Duration
	}{
		{"defaults", nil, 0, jwtLifetime},
		{"clock tolerance", func(c *Config) { c.ClockTolerance = time.Minute }, 0, jwtLifetime + time.Minute},
		{"long token cache", func(c *Config) {
			c.Tuning.SessionTokenCacheTTL = 10 * time.Minute
			c.Tuning.RemoteTimeout = 2 * time.Second
		}, 0, 10*time.Minute + 2*time.Second},
		{"token cache disabled", func(c *Config) { c.Tuning.SessionTokenCacheTTL = -1 }, 0, jwtLifetime},
		{"JWT of a longer life", nil, 20 * time.Minute, 20 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A frozen clock on a whole second (a JWT's exp has one-second
			// resolution), moved only by Advance: the window is exact.
			frozen := func(c *stytchtest.Config) { c.Now = time.Now().Truncate(time.Second) }
			e := newEnv(t, envOptions{server: frozen, config: tt.config})
			jwt := e.grant.SessionJWT
			if tt.jwtExp > 0 {
				claims := e.claims()
				claims["exp"] = e.srv.Now().Add(tt.jwtExp).Unix()
				jwt = e.sign(nil, claims, "")
			}
			auth, err := e.auth.AuthenticateJWT(context.Background(), AuthenticateJWTParams{SessionJWT: jwt})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.auth.Revoke(context.Background(), auth); err != nil {
				t.Fatal(err)
			}
			id := e.grant.Session.SessionID
			e.srv.Advance(tt.want - time.Nanosecond)
			if !e.auth.revoked.has(id) {
				t.Fatalf("forgotten before %v", tt.want)
			}
			e.srv.Advance(time.Nanosecond)
			if e.auth.revoked.has(id) {
				t.Fatalf("still remembered after %v", tt.want)
			}
		})
	}
}

// TestRevokedCallerIsNotReused: a caller verified earlier in a context is
// not reused by a later Permission rule once its session was revoked or
// its user logged out, as happens when a context outlives the check that
// verified it (a stream, a WebSocket whose messages are checked with
// RequireBearer): the credential is authenticated again, and refused.
func TestRevokedCallerIsNotReused(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(a *Authenticator, auth *Auth) error
	}{
		{"Revoke", func(a *Authenticator, auth *Auth) error { return a.Revoke(context.Background(), auth) }},
		{"RevokeUser", func(a *Authenticator, auth *Auth) error {
			return a.RevokeUser(context.Background(), auth.Session.UserID)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			a := e.auth
			read := a.Require(Permission("documents", "read"))(http.HandlerFunc(echo))
			readCall := a.RequireBearer(Permission("documents", "read"))
			var callErr error
			app := httptest.NewServer(a.Require(Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth, _ := FromContext(r.Context())
				if err := tt.revoke(a, auth); err != nil {
					WriteError(w, r, CodeOf(err).Status(), err)
					return
				}
				_, callErr = readCall(r.Context(), nil)
				read.ServeHTTP(w, r)
			})))
			t.Cleanup(app.Close)
			stream := &env{t: t, app: app}

			stream.call("/", bearer(e.grant.SessionJWT)).want(t, http.StatusUnauthorized, ErrSessionNotFound)
			if CodeOf(callErr) != ErrNoCredential {
				t.Fatalf("RequireBearer after the logout, without a credential of its own: %v, want %s", callErr, ErrNoCredential)
			}
		})
	}
}
