package middleware

import (
	"net/http"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/stytchtest"
)

// refreshedCookie returns the Set-Cookie of name in an answer, or nil.
func refreshedCookie(r reply, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestRefreshCookieDefaults(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.RefreshCookie = &CookieOptions{} }})
	old := e.grant.SessionJWT
	e.srv.Advance(stytchtest.JWTLifetime + time.Minute) // the JWT expires; the session (60 min) lives

	r := e.call(routeRequired, cookie(DefaultJWTCookie, old))
	r.want(t, 200, "")
	if r.echo.Verified != "remote" || r.echo.JWT == old || r.echo.JWT == "" {
		t.Fatalf("verified %q, fresh JWT %v: want a remote refresh with a new JWT", r.echo.Verified, r.echo.JWT != old)
	}
	c := refreshedCookie(r, DefaultJWTCookie)
	if c == nil {
		t.Fatal("no refreshed cookie written")
	}
	if c.Value != r.echo.JWT {
		t.Fatal("the cookie does not hold the JWT the handler saw")
	}
	if c.Path != "/" || !c.Secure || c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Domain != "" {
		t.Fatalf("attributes %+v, want Path=/ Secure !HttpOnly SameSite=Lax host-only", c)
	}
	if !c.Expires.Equal(e.grant.Session.ExpiresAt.Truncate(time.Second)) {
		t.Fatalf("Expires %v, want the session's expiry %v", c.Expires, e.grant.Session.ExpiresAt)
	}
	// The fresh JWT verifies locally.
	before := e.count("authenticate")
	r = e.call(routeRequired, cookie(DefaultJWTCookie, c.Value))
	r.want(t, 200, "")
	if r.echo.Verified != "local" || e.count("authenticate") != before {
		t.Fatal("the refreshed JWT should verify locally")
	}
	if refreshedCookie(r, DefaultJWTCookie) != nil {
		t.Fatal("a cookie was written without a refresh")
	}
}

func TestRefreshCookieOnlyForItsSource(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.RefreshCookie = &CookieOptions{} }})
	e.srv.Advance(stytchtest.JWTLifetime + time.Minute)
	r := e.call(routeRequired, bearer(e.grant.SessionJWT))
	r.want(t, 200, "")
	if r.echo.Verified != "remote" || r.echo.JWT == e.grant.SessionJWT {
		t.Fatal("want a refresh")
	}
	if len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatal("a Bearer client was handed a cookie")
	}
	// An opaque-token session gets no JWT cookie either.
	r = e.call(routeRequired, cookie(DefaultTokenCookie, e.grant.SessionToken))
	r.want(t, 200, "")
	if len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatal("an opaque-token request was handed a JWT cookie")
	}
}

func TestRefreshCookieOff(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.Advance(stytchtest.JWTLifetime + time.Minute)
	r := e.call(routeRequired, cookie(DefaultJWTCookie, e.grant.SessionJWT))
	r.want(t, 200, "")
	if len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatal("cookie written with the option off")
	}
}

func TestRefreshCookieOptions(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Sources = []Source{CookieSource("app_jwt", SessionJWT)}
		c.RefreshCookie = &CookieOptions{
			Name: "app_jwt", Path: "/app", Domain: "example.com",
			Insecure: true, HTTPOnly: true, SameSite: http.SameSiteStrictMode,
		}
	}})
	e.srv.Advance(stytchtest.JWTLifetime + time.Minute)
	r := e.call(routeRequired, cookie("app_jwt", e.grant.SessionJWT))
	r.want(t, 200, "")
	c := refreshedCookie(r, "app_jwt")
	if c == nil {
		t.Fatal("no cookie")
	}
	if c.Path != "/app" || c.Domain != "example.com" || c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("attributes %+v", c)
	}
}
