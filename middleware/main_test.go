package middleware

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// Authenticator, emulator and server a test starts must be closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// eventually polls cond until it holds, or fails after 10 s: a bound for a
// loaded machine, not a measurement. It waits for what another goroutine or
// process does (a fetch, a broadcast); time itself moves with the
// emulator's clock (Server.Advance).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// alwaysRemote is a MaxTokenAge below iat's one-second resolution: every
// JWT is authenticated with Stytch.
const alwaysRemote = time.Nanosecond

// env is one end-to-end setup: a Stytch emulator, an Authenticator pointed
// at it (with the emulator's clock), and an application server over real
// HTTP whose routes are guarded in every way the package offers.
type env struct {
	t     testing.TB
	srv   *stytchtest.Server
	auth  *Authenticator
	app   *httptest.Server
	user  client.User
	grant *stytchtest.SessionGrant
}

// Routes of the application server.
const (
	routeRequired   = "/required"          // Authenticated
	routeOptional   = "/optional"          // Optional
	routeRead       = "/documents/read"    // Permission(documents, read) alone
	routeDelete     = "/documents/delete"  // Permission(documents, delete) alone
	routeChainRead  = "/chain/read"        // Authenticated, then Permission(documents, read)
	routeAuthorize  = "/authorize/create"  // Authenticated; the handler calls Authorize(documents, create)
	routeUnknownRes = "/documents/unknown" // Permission(reports, read): undefined resource
)

// envOptions tune newEnv.
type envOptions struct {
	config func(*Config)            // edits the Config before New
	server func(*stytchtest.Config) // edits the emulator's Config
	roles  []string                 // the user's roles besides stytch_user (default reader)
	before func(*stytchtest.Server) // runs before New (inject faults, …)
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	scfg := stytchtest.Config{}
	if o.server != nil {
		o.server(&scfg)
	}
	srv := stytchtest.NewServer(scfg)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	roles := o.roles
	if roles == nil {
		roles = []string{"reader"}
	}
	user, err := srv.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Name: "Ada Lovelace", Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	grant, err := srv.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		t.Fatal(err)
	}
	if o.before != nil {
		o.before(srv)
	}
	// The policy cache logs to the Config's Logger; tests that read logs set
	// their own.
	cfg := Config{Client: srv.Client(), Now: srv.Now, HTTPClient: srv.HTTPClient(), Logger: slog.New(slog.DiscardHandler)}
	if o.config != nil {
		o.config(&cfg)
	}
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a, err := New(startCtx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	e := &env{t: t, srv: srv, auth: a, user: user, grant: grant}
	e.app = httptest.NewServer(e.routes())
	t.Cleanup(e.app.Close)
	return e
}

func (e *env) routes() http.Handler {
	a := e.auth
	mux := http.NewServeMux()
	mux.Handle(routeRequired, a.Require(Authenticated())(http.HandlerFunc(echo)))
	mux.Handle(routeOptional, a.Require(Optional())(http.HandlerFunc(echo)))
	mux.Handle(routeRead, a.Require(Permission("documents", "read"))(http.HandlerFunc(echo)))
	mux.Handle(routeDelete, a.Require(Permission("documents", "delete"))(http.HandlerFunc(echo)))
	mux.Handle(routeChainRead, a.Require(Authenticated())(a.Require(Permission("documents", "read"))(http.HandlerFunc(echo))))
	mux.Handle(routeUnknownRes, a.Require(Permission("reports", "read"))(http.HandlerFunc(echo)))
	mux.Handle(routeAuthorize, a.Require(Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		verdict, err := a.Authorize(r, "documents", "create")
		if err != nil {
			WriteError(w, r, CodeOf(err).Status(), err)
			return
		}
		auth := *mustAuth(r)
		auth.Verdict = verdict
		r = r.WithContext(NewContext(r.Context(), &auth))
		echo(w, r)
	})))
	return mux
}

func mustAuth(r *http.Request) *Auth {
	a, _ := FromContext(r.Context())
	return a
}

// echoed is what the echo handler answers: what the handler saw.
type echoed struct {
	Anonymous     bool     `json:"anonymous"`
	UserID        string   `json:"user_id"`
	SessionID     string   `json:"session_id"`
	Roles         []string `json:"roles"`
	JWT           string   `json:"jwt"`
	Source        string   `json:"source"`
	Verified      string   `json:"verified"`
	HasUser       bool     `json:"has_user"`
	GrantingRoles []string `json:"granting_roles"`
	Verdict       bool     `json:"verdict"`
}

func echo(w http.ResponseWriter, r *http.Request) {
	var out echoed
	if a, ok := FromContext(r.Context()); ok {
		out = echoed{
			UserID: a.Session.UserID, SessionID: a.Session.SessionID, Roles: a.Session.Roles,
			JWT: a.JWT, Source: a.Source, Verified: a.Verified.String(), HasUser: a.User != nil,
		}
		if v := a.Verdict; v != nil {
			out.Verdict, out.GrantingRoles = v.Authorized, v.GrantingRoles
		}
	} else {
		out.Anonymous = true
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// reply is an answer of the application server.
type reply struct {
	status int
	header http.Header
	body   []byte
	echo   echoed
	err    errorBody
}

type reqOption func(*http.Request)

func bearer(token string) reqOption {
	return func(r *http.Request) { r.Header.Add("Authorization", "Bearer "+token) }
}

func header(k, v string) reqOption { return func(r *http.Request) { r.Header.Add(k, v) } }

func cookie(name, value string) reqOption {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

func method(m string) reqOption { return func(r *http.Request) { r.Method = m } }

// crossSite makes the request look like a browser's from another site.
func crossSite() reqOption {
	return func(r *http.Request) {
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		r.Header.Set("Origin", "https://evil.example")
	}
}

// call sends a request to the application server and decodes its answer.
func (e *env) call(path string, opts ...reqOption) reply {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.app.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range opts {
		o(req)
	}
	res, err := e.app.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	rep := reply{status: res.StatusCode, header: res.Header, body: body}
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &rep.echo); err != nil {
			e.t.Fatalf("200 answer is not the echo: %v: %s", err, body)
		}
	} else if err := json.Unmarshal(body, &rep.err); err != nil {
		e.t.Fatalf("%d answer is not a JSON error: %v: %s", res.StatusCode, err, body)
	}
	return rep
}

// want checks the status and, for a refusal, the error_type and body shape.
func (r reply) want(t *testing.T, status int, code Code) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if status == http.StatusOK {
		return
	}
	if r.err.StatusCode != status || r.err.ErrorType != string(code) || r.err.ErrorMessage == "" {
		t.Fatalf("body %s, want status_code %d and error_type %q", r.body, status, code)
	}
}

// newSession starts another session of the env's user.
func (e *env) newSession(minutes int) *stytchtest.SessionGrant {
	e.t.Helper()
	g, err := e.srv.CreateSession(context.Background(), stytchtest.SessionParams{UserID: e.user.UserID, DurationMinutes: minutes})
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

// count is how many requests the emulator saw on an endpoint.
func (e *env) count(ep stytchtest.Endpoint) int { return e.srv.Requests(ep) }

// claimsOf returns the claims the emulator would put in a JWT for the env's
// session, for hostile variations.
func (e *env) claims() map[string]any {
	return e.srv.JWTClaims(e.grant.Session)
}

// sign signs claims with a header over the emulator's current key.
func (e *env) sign(header, claims map[string]any, kid string) string {
	e.t.Helper()
	tok, err := e.srv.SignToken(header, claims, kid)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// noToken fails when a response leaks the credential.
func noToken(t *testing.T, r reply, token string) {
	t.Helper()
	if token == "" {
		return
	}
	if strings.Contains(string(r.body), token) || strings.Contains(fmt.Sprint(r.header), token) {
		t.Fatalf("the answer echoes the credential")
	}
}
