package middleware

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/stytchtest"
)

// accessClaims are the claims of an M2M token of the env's client, issued
// now on the emulator's clock, for hostile variations.
func (e *b2bEnv) accessClaims(scope string) map[string]any {
	now := e.srv.Now().Unix()
	return map[string]any{
		"iss": e.srv.Issuer(), "aud": []string{e.srv.ProjectID}, "sub": e.m2m.ClientID,
		"iat": now, "nbf": now, "exp": now + 3600, "scope": scope,
	}
}

func (e *b2bEnv) signed(claims map[string]any) string {
	e.t.Helper()
	tok, err := e.srv.SignToken(nil, claims, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func TestMachineCallers(t *testing.T) {
	e := newB2BEnv(t, nil)
	acme, globex := e.acme.OrganizationID, e.globex.OrganizationID
	for _, tc := range []struct {
		name   string
		path   string
		token  string
		status int
		code   Code
		caller string
	}{
		{"M2M token with the scope", b2bMachine, e.m2mReadToken, 200, "", "machine"},
		{"M2M token without the scope", b2bMachine, e.m2mWriteToken, 403, ErrInsufficientScope, ""},
		{"Connected Apps token with the scope", b2bMachine, e.readerAccess, 200, "", "machine"},
		{"M2M token on a member route", b2bMe, e.m2mReadToken, 401, ErrInvalidToken, ""},
		{"M2M token on a Permission route", b2bOwnRead, e.m2mReadToken, 401, ErrInvalidToken, ""},
		{"any machine on Authenticated().OrMachine()", b2bAnyone, e.m2mWriteToken, 200, "", "machine"},
		{"member on Authenticated().OrMachine()", b2bAnyone, e.reader.SessionJWT, 200, "", "member"},
		{"Connected Apps token in its organization", orgPath(b2bBoth, acme), e.readerAccess, 200, "", "machine"},
		{"Connected Apps token in another organization", orgPath(b2bBoth, globex), e.readerAccess, 403, ErrTenancy, ""},
		{"M2M token names no organization", orgPath(b2bBoth, acme), e.m2mReadToken, 403, ErrTenancy, ""},
		{"scope rule in the token's organization", orgPath(b2bMachineOrg, acme), e.readerAccess, 200, "", "machine"},
		{"scope rule in another organization", orgPath(b2bMachineOrg, globex), e.readerAccess, 403, ErrTenancy, ""},
		{"scopes lacking the policy's grant", orgPath(b2bBoth, acme), e.m2mWriteToken, 403, ErrTenancy, ""},
		{"odd separator: tab", b2bMachine, e.signed(e.accessClaims("read:documents\twrite:documents")), 401, ErrInvalidToken, ""},
		{"odd separator: comma", b2bMachine, e.signed(e.accessClaims("write:documents,read:documents")), 403, ErrInsufficientScope, ""},
		{"several spaces", b2bMachine, e.signed(e.accessClaims("  write:documents   read:documents ")), 200, "", "machine"},
		{"huge scope list", b2bMachine, e.signed(e.accessClaims(strings.Repeat("write:x ", 200) + "read:documents")), 401, ErrInvalidToken, ""},
		{"scope not a string", b2bMachine, e.signed(func() map[string]any {
			c := e.accessClaims("")
			c["scope"] = []string{"read:documents"}
			return c
		}()), 401, ErrInvalidToken, ""},
		{"action wildcard satisfies nothing", b2bMachine, e.signed(e.accessClaims("*:documents")), 403, ErrInsufficientScope, ""},
		{"resource wildcard", b2bMachine, e.signed(e.accessClaims("read:*")), 200, "", "machine"},
		{"expired", b2bMachine, e.signed(func() map[string]any {
			c := e.accessClaims("read:documents")
			c["exp"] = e.srv.Now().Add(-time.Minute).Unix()
			return c
		}()), 401, ErrTokenExpired, ""},
		{"wrong audience", b2bMachine, e.signed(func() map[string]any {
			c := e.accessClaims("read:documents")
			c["aud"] = []string{"project-test-00000000-0000-0000-0000-000000000000"}
			return c
		}()), 401, ErrInvalidToken, ""},
		{"session claim makes a session, not a machine", b2bMachine, e.signed(func() map[string]any {
			c := e.srv.MemberJWTClaims(e.reader.MemberSession)
			c["scope"] = "read:documents"
			return c
		}()), 401, ErrInvalidToken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.srv.Requests(stytchtest.EndpointB2BAuthenticate)
			r := e.call("GET", tc.path, bearer(tc.token))
			r.want(t, tc.status, tc.code)
			if e.srv.Requests(stytchtest.EndpointB2BAuthenticate) != before {
				t.Fatal("a machine route asked Stytch to authenticate a session")
			}
			if tc.status == 200 && r.echo.Caller != tc.caller {
				t.Fatalf("caller %q, want %q", r.echo.Caller, tc.caller)
			}
			if tc.caller == "machine" && r.echo.ClientID == "" {
				t.Fatalf("handler saw no client id: %+v", r.echo)
			}
		})
	}
}

// TestInsufficientScopeChallenge: a Bearer caller lacking a scope gets the
// RFC 6750 challenge naming the scopes the route requires.
func TestInsufficientScopeChallenge(t *testing.T) {
	e := newB2BEnv(t, nil)
	r := e.call("GET", b2bMachine, bearer(e.m2mWriteToken))
	r.want(t, 403, ErrInsufficientScope)
	want := `Bearer realm="stytch", error="insufficient_scope", scope="read:documents"`
	if got := r.header.Get("WWW-Authenticate"); got != want {
		t.Fatalf("WWW-Authenticate %q, want %q", got, want)
	}
	// A policy denial of a machine names no scope.
	r = e.call("GET", orgPath(b2bBoth, e.acme.OrganizationID), bearer(e.signed(func() map[string]any {
		c := e.accessClaims("write:documents")
		c["https://stytch.com/organization"] = map[string]any{"organization_id": e.acme.OrganizationID, "slug": "acme"}
		return c
	}())))
	r.want(t, 403, ErrInsufficientScope)
	if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="stytch", error="insufficient_scope"` {
		t.Fatalf("WWW-Authenticate %q", got)
	}
}

// TestConsumerMachineCallers: a consumer project takes machine tokens
// through the same rules, its Permission rules by the policy's scopes.
func TestConsumerMachineCallers(t *testing.T) {
	e := newEnv(t, envOptions{server: func(c *stytchtest.Config) {
		p := stytchtest.DefaultPolicy()
		p.Scopes = stytchtest.DefaultB2BPolicy().Scopes // read:documents grants documents:read
		c.Policy = &p
	}})
	ctx := context.Background()
	m, err := e.srv.CreateM2MClient(ctx, stytchtest.M2MClientParams{Name: "w", Scopes: []string{"read:documents"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.srv.CreateM2MToken(ctx, m.ClientID, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	mux.Handle("/scope", e.auth.Require(Scope("read:documents"))(http.HandlerFunc(echo2)))
	mux.Handle("/perm", e.auth.Require(Permission("documents", "read").OrMachine())(http.HandlerFunc(echo2)))
	mux.Handle("/delete", e.auth.Require(Permission("documents", "delete").OrMachine())(http.HandlerFunc(echo2)))
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/scope", tok, 200}, {"/perm", tok, 200}, {"/delete", tok, 403},
		{"/scope", e.grant.SessionJWT, 401}, {"/perm", e.grant.SessionJWT, 200},
	} {
		status, body, err := get(app, tc.path, tc.token)
		if err != nil || status != tc.status {
			t.Fatalf("%s: %d %s %v, want %d", tc.path, status, body, err, tc.status)
		}
	}
}

func echo2(w http.ResponseWriter, r *http.Request) {
	a, _ := FromContext(r.Context())
	_, _ = w.Write([]byte(a.Caller.String()))
}

// TestMachineRaces mixes members and machines, allowed and refused, from
// many goroutines over one Authenticator (run with -race).
func TestMachineRaces(t *testing.T) {
	e := newB2BEnv(t, nil)
	acme := e.acme.OrganizationID
	cases := []struct {
		path, token string
		status      int
	}{
		{b2bMachine, e.m2mReadToken, 200}, {b2bMachine, e.m2mWriteToken, 403},
		{orgPath(b2bBoth, acme), e.readerAccess, 200}, {orgPath(b2bBoth, acme), e.reader.SessionJWT, 200},
		{orgPath(b2bOrgRead, acme), e.admin.SessionJWT, 403}, {b2bMe, e.m2mReadToken, 401},
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 32 {
		wg.Go(func() {
			for i := range 20 {
				c := cases[(g+i)%len(cases)]
				status, body, err := get(e.app, c.path, c.token)
				if err != nil || status != c.status {
					errs <- fmt.Sprintf("%s: %d %s %v, want %d", c.path, status, body, err, c.status)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
}

// get sends a GET with a Bearer token to app, safely from any goroutine.
func get(app *httptest.Server, path, token string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, app.URL+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := app.Client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}
