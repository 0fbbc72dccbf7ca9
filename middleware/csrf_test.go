package middleware

import (
	"errors"
	"net/http"
	"testing"
)

func TestCrossOriginProtection(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.TrustedOrigins = []string{"https://app.example"}
	}})
	jwt, token := e.grant.SessionJWT, e.grant.SessionToken
	jwtCookie, tokenCookie := cookie(DefaultJWTCookie, jwt), cookie(DefaultTokenCookie, token)
	tests := []struct {
		name   string
		opts   []reqOption
		status int
	}{
		{"cross-site POST with jwt cookie", []reqOption{method("POST"), crossSite(), jwtCookie}, 403},
		{"cross-site POST with token cookie", []reqOption{method("POST"), crossSite(), tokenCookie}, 403},
		{"cross-site PUT with cookie", []reqOption{method("PUT"), crossSite(), jwtCookie}, 403},
		{"cross-site PATCH with cookie", []reqOption{method("PATCH"), crossSite(), jwtCookie}, 403},
		{"cross-site DELETE with cookie", []reqOption{method("DELETE"), crossSite(), jwtCookie}, 403},
		{"origin mismatch without Sec-Fetch-Site", []reqOption{method("POST"), header("Origin", "https://evil.example"), jwtCookie}, 403},
		{"cross-site POST with bearer", []reqOption{method("POST"), crossSite(), bearer(jwt)}, 200},
		{"cross-site POST with bearer and cookie", []reqOption{method("POST"), crossSite(), bearer(jwt), jwtCookie}, 200},
		{"cross-site GET with cookie", []reqOption{crossSite(), jwtCookie}, 200},
		{"cross-site HEAD-safe OPTIONS with cookie", []reqOption{method("OPTIONS"), crossSite(), jwtCookie}, 200},
		{"same-origin POST with cookie", []reqOption{method("POST"), header("Sec-Fetch-Site", "same-origin"), jwtCookie}, 200},
		{"non-browser POST with cookie", []reqOption{method("POST"), jwtCookie}, 200},
		{"trusted origin POST with cookie", []reqOption{method("POST"), header("Sec-Fetch-Site", "cross-site"), header("Origin", "https://app.example"), jwtCookie}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.count("authenticate")
			r := e.call(routeRequired, tt.opts...)
			if tt.status == 403 {
				r.want(t, 403, ErrCrossOrigin)
				if e.count("authenticate") != before {
					t.Fatal("a refused cross-origin request reached Stytch")
				}
				return
			}
			r.want(t, tt.status, "")
		})
	}
}

func TestCrossOriginProtectionDisabled(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.DisableCrossOriginProtection = true }})
	e.call(routeRequired, method("POST"), crossSite(), cookie(DefaultJWTCookie, e.grant.SessionJWT)).want(t, 200, "")
}

func TestCrossOriginConfigErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	for name, cfg := range map[string]Config{
		"bad origin":           {TrustedOrigins: []string{"not an origin"}},
		"origin with path":     {TrustedOrigins: []string{"https://app.example/path"}},
		"disabled and trusted": {DisableCrossOriginProtection: true, TrustedOrigins: []string{"https://app.example"}},
	} {
		cfg.Client = e.srv.Client()
		if _, err := New(t.Context(), cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err %v, want ErrInvalidConfig", name, err)
		}
	}
}

// TestCrossOriginAppliesToPermission: the guard that authenticates by
// itself applies the same protection.
func TestCrossOriginAppliesToPermission(t *testing.T) {
	e := newEnv(t, envOptions{})
	jwtCookie := cookie(DefaultJWTCookie, e.grant.SessionJWT)
	e.call(routeRead, method(http.MethodPost), crossSite(), jwtCookie).want(t, 403, ErrCrossOrigin)
	e.call(routeRead, method(http.MethodPost), crossSite(), bearer(e.grant.SessionJWT)).want(t, 200, "")
}
