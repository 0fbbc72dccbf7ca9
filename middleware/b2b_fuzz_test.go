package middleware

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/internal/jwks"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// FuzzB2BRequest is FuzzRequest on a B2B Authenticator: member session
// JWTs and opaque tokens, M2M and Connected Apps access tokens and made-up
// headers, on routes that take members, machines or both, some
// tenant-scoped. Whatever the input:
//
//   - nothing panics, and the answer is 200, or 401 or 403 with the
//     documented JSON body and, on 401, the RFC 6750 challenge; never 503,
//     since Stytch is up;
//   - a caller is granted only as a seeded member session or machine
//     client, and a tenant-scoped route only to a caller of the path's
//     organization;
//   - b2b/sessions/authenticate is called only for an opaque session token
//     (the middleware's clock stands still, so no seeded JWT expires), and
//     unknown kids cost at most one JWKS fetch per JWKSMinRefreshInterval.
//
// To search for new inputs:
//
//	go test -run '^$' -fuzz '^FuzzB2BRequest$' ./middleware
func FuzzB2BRequest(f *testing.F) {
	var sources []string
	var frozen atomic.Pointer[time.Time]
	e := newB2BEnv(f, func(c *Config) {
		c.Observer = func(_ context.Context, o Observation) { sources = append(sources, o.Source) }
		c.Now = func() time.Time {
			if t := frozen.Load(); t != nil {
				return *t
			}
			return time.Now()
		}
	})
	now := e.srv.Now()
	frozen.Store(&now)
	acme, globex := e.acme.OrganizationID, e.globex.OrganizationID
	intermediate := e.session(e.acme, e.reader.MemberSession.MemberID)

	routes := []struct{ method, path, org string }{ // org: the tenant-scoped route's organization
		{"GET", b2bMe, ""},
		{"GET", b2bOwnRead, ""},
		{"GET", orgPath(b2bOrgRead, acme), acme},
		{"GET", orgPath(b2bOrgRead, globex), globex},
		{"GET", "/slugs/acme/documents", acme},
		{"GET", b2bMachine, ""},
		{"GET", orgPath(b2bMachineOrg, acme), acme},
		{"GET", orgPath(b2bBoth, acme), acme},
		{"GET", orgPath(b2bBoth, globex), globex},
		{"GET", b2bAnyone, ""},
		{"DELETE", orgPath(b2bOrgDelete, globex) + "doc-1", globex},
	}
	for i, jwt := range []string{e.reader.SessionJWT, e.admin.SessionJWT} {
		f.Add("Bearer "+jwt, "", uint8(i*3))
		f.Add("", DefaultJWTCookie+"="+jwt, uint8(2+i))
		f.Add("bearer  "+jwt, DefaultTokenCookie+"="+e.reader.SessionToken, uint8(7+i))
	}
	f.Add("", DefaultTokenCookie+"="+e.admin.SessionToken, uint8(3))
	f.Add("", "stytch_intermediate_session_token="+intermediate.SessionJWT, uint8(0))
	for i, token := range []string{e.m2mReadToken, e.m2mWriteToken, e.readerAccess} {
		f.Add("Bearer "+token, "", uint8(5+i))
		f.Add("Bearer "+token, "", uint8(9))
		f.Add("", DefaultJWTCookie+"="+token, uint8(7))
	}
	parts := strings.Split(e.readerAccess, ".")
	f.Add("Bearer "+parts[0]+"."+parts[1]+".", "", uint8(6))
	f.Add("Bearer "+parts[0]+".."+parts[2], "", uint8(9))

	handler := e.app.Config.Handler
	serve := func(authorization, cookies string, route uint8) *httptest.ResponseRecorder {
		rt := routes[int(route)%len(routes)]
		r := httptest.NewRequest(rt.method, rt.path, nil)
		if authorization != "" {
			r.Header["Authorization"] = []string{authorization}
		}
		if cookies != "" {
			r.Header["Cookie"] = []string{cookies}
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		return w
	}
	// The callers that may be granted: the seeded member sessions and the
	// seeded tokens' clients, as the route taking both answers them.
	granted := map[string]bool{}
	for _, token := range []string{e.reader.SessionJWT, e.admin.SessionJWT, e.m2mReadToken, e.readerAccess} {
		var got callerEcho
		w := serve("Bearer "+token, "", 9)
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
			f.Fatalf("seed: %d %s", w.Code, w.Body)
		}
		granted[got.MemberSessionID+"|"+got.ClientID] = true
	}

	start := time.Now()
	f.Fuzz(func(t *testing.T, authorization, cookies string, route uint8) {
		sources = sources[:0]
		before := e.srv.Requests(stytchtest.EndpointB2BAuthenticate)
		w := serve(authorization, cookies, route)
		switch w.Code {
		case http.StatusOK:
			var got callerEcho
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("200 without the echo: %s", w.Body)
			}
			if !granted[got.MemberSessionID+"|"+got.ClientID] {
				t.Fatalf("a caller nobody was granted: %+v", got)
			}
			if org := routes[int(route)%len(routes)].org; org != "" && got.OrganizationID != org {
				t.Fatalf("a caller of %q let into %q", got.OrganizationID, org)
			}
		case http.StatusUnauthorized, http.StatusForbidden:
			checkFuzzedRefusal(t, w)
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if e.srv.Requests(stytchtest.EndpointB2BAuthenticate) != before && !slices.Contains(sources, "cookie:"+DefaultTokenCookie) {
			t.Fatalf("b2b/sessions/authenticate called for a credential from %q", sources)
		}
		allowed := 2 + int(time.Since(start)/jwks.DefaultMinRefreshInterval)
		if n := e.srv.Requests(stytchtest.EndpointB2BJWKS); n > allowed {
			t.Fatalf("%d JWKS fetches in %v", n, time.Since(start))
		}
	})
}

// checkFuzzedRefusal checks a fuzzed request's 401 or 403: the documented JSON
// body (the code's fixed message, so nothing of the request is echoed)
// and, on 401 only, the RFC 6750 challenge.
func checkFuzzedRefusal(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("%d without a JSON body: %s", w.Code, w.Body)
	}
	code := Code(body.ErrorType)
	if body.StatusCode != w.Code || code.Status() != w.Code || body.ErrorMessage != code.Message() {
		t.Fatalf("%d with body %s", w.Code, w.Body)
	}
	challenge := w.Header().Get("WWW-Authenticate")
	if (w.Code == http.StatusUnauthorized) != strings.HasPrefix(challenge, `Bearer realm="stytch"`) {
		t.Fatalf("%d with challenge %q", w.Code, challenge)
	}
}
