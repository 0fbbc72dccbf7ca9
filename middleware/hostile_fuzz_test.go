package middleware

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/internal/jwks"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// FuzzRequest drives the whole request path — credential extraction, the
// JWT checks, the remote decision, authorization and the error answer —
// with made-up Authorization and Cookie headers, against a stytchtest
// emulator over real HTTP. Whatever the input:
//
//   - nothing panics, and the answer is 200, or 401 or 403 with the
//     documented JSON body (the code's fixed message, so nothing of the
//     request is echoed) and, on 401, the RFC 6750 challenge; never 503,
//     since Stytch is up;
//   - a session is granted only to the seeded session, and a JWT is
//     verified locally only when it is one of the seeded tokens;
//   - sessions/authenticate is called only for an opaque session token
//     (the emulator's clock stands still, so the seeded JWTs never
//     expire), and unknown kids cost at most one JWKS fetch per
//     JWKSMinRefreshInterval.
//
// The committed corpus (testdata/fuzz/FuzzRequest) replays on every go
// test; to search for new inputs:
//
//	go test -run '^$' -fuzz '^FuzzRequest$' ./middleware
func FuzzRequest(f *testing.F) {
	var sources []string
	e := newEnv(f, envOptions{
		server: func(c *stytchtest.Config) { c.Now = time.Now().Truncate(time.Second) },
		config: func(c *Config) {
			c.Observer = func(_ context.Context, o Observation) { sources = append(sources, o.Source) }
		},
	})
	jwt, token := e.grant.SessionJWT, e.grant.SessionToken
	custom := e.claims()
	custom["plan"] = "pro"
	signedJWTs := map[string]bool{jwt: true, e.sign(nil, custom, ""): true}
	for seeded := range signedJWTs {
		f.Add("Bearer "+seeded, "", uint8(0))
		f.Add("", DefaultJWTCookie+"="+seeded, uint8(2))
		f.Add("bearer   "+seeded, DefaultTokenCookie+"="+token, uint8(3))
	}
	f.Add("", DefaultTokenCookie+"="+token, uint8(1))
	f.Add("Basic dXNlcjpwYXNz", DefaultJWTCookie+"=; "+DefaultTokenCookie+"="+token, uint8(0))
	parts := strings.Split(jwt, ".")
	f.Add("Bearer "+parts[0]+"."+parts[1]+".", "", uint8(0))
	f.Add("Bearer "+parts[0]+".."+parts[2], "", uint8(3))

	handler := e.app.Config.Handler
	routes := []string{routeRequired, routeOptional, routeRead, routeDelete}
	start := time.Now()
	f.Fuzz(func(t *testing.T, authorization, cookies string, route uint8) {
		r := httptest.NewRequest(http.MethodGet, routes[int(route)%len(routes)], nil)
		if authorization != "" {
			r.Header["Authorization"] = []string{authorization}
		}
		if cookies != "" {
			r.Header["Cookie"] = []string{cookies}
		}
		sources = sources[:0]
		before := e.count(stytchtest.EndpointAuthenticate)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)

		switch w.Code {
		case http.StatusOK:
			var got echoed
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("200 without the echo: %s", w.Body)
			}
			if got.Anonymous {
				break
			}
			if got.SessionID != e.grant.Session.SessionID || got.UserID != e.user.UserID {
				t.Fatalf("a session nobody was granted: %+v", got)
			}
			if got.Verified == VerifiedLocal.String() && !signedJWTs[got.JWT] {
				t.Fatal("a JWT verified locally that was never signed")
			}
		case http.StatusUnauthorized, http.StatusForbidden:
			checkFuzzedRefusal(t, w)
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}

		if e.count(stytchtest.EndpointAuthenticate) != before && !slices.Contains(sources, "cookie:"+DefaultTokenCookie) {
			t.Fatalf("sessions/authenticate called for a credential from %q", sources)
		}
		allowed := 2 + int(time.Since(start)/jwks.DefaultMinRefreshInterval)
		if n := e.count(stytchtest.EndpointJWKS); n > allowed {
			t.Fatalf("%d JWKS fetches in %v", n, time.Since(start))
		}
	})
}
