package middleware

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func TestRequireAction(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"reader"}})
	jwt := e.grant.SessionJWT

	for _, route := range []string{routeRead, routeChainRead} {
		r := e.call(route, bearer(jwt))
		r.want(t, 200, "")
		if !r.echo.Verdict || strings.Join(r.echo.GrantingRoles, ",") != "reader" || r.echo.UserID != e.user.UserID {
			t.Fatalf("%s: echo %+v, want the verdict next to the session", route, r.echo)
		}
	}
	r := e.call(routeDelete, bearer(jwt))
	r.want(t, 403, ErrForbidden)
	if r.err.ErrorType != "consumer_session_authorization_error" || r.header.Get("WWW-Authenticate") != "" {
		t.Fatalf("denial %s", r.body)
	}
	e.call(routeRead).want(t, 401, ErrNoCredential)
	e.call(routeRead, bearer("x.y.z")).want(t, 401, ErrMalformedCredential)
	// A rule naming a resource the policy lacks is a denial.
	e.call(routeUnknownRes, bearer(jwt)).want(t, 403, ErrForbidden)
	if n := e.count("authenticate"); n != 0 {
		t.Fatalf("%d authenticate calls: a denial is final, and local sessions need none", n)
	}
}

// TestPermissionDenialIsFinal: even a session verified remotely is not
// asked about again when denied.
func TestPermissionDenialIsFinal(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.MaxTokenAge = alwaysRemote }})
	e.call(routeDelete, bearer(e.grant.SessionJWT)).want(t, 403, ErrForbidden)
	if n := e.count("authenticate"); n != 1 {
		t.Fatalf("%d authenticate calls, want only the authentication", n)
	}
}

func TestRequireActionRoles(t *testing.T) {
	tests := []struct {
		roles    []string
		route    string
		status   int
		granting string
	}{
		{[]string{}, routeRead, 403, ""},
		{[]string{"reader"}, routeRead, 200, "reader"},
		{[]string{"editor", "reader"}, routeRead, 200, "editor,reader"},
		{[]string{"admin"}, routeDelete, 200, "admin"},
		{[]string{"editor"}, routeDelete, 403, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.roles, "+")+tt.route, func(t *testing.T) {
			e := newEnv(t, envOptions{roles: tt.roles})
			r := e.call(tt.route, bearer(e.grant.SessionJWT))
			if r.status != tt.status {
				t.Fatalf("status %d, want %d", r.status, tt.status)
			}
			if tt.status == 200 && strings.Join(r.echo.GrantingRoles, ",") != tt.granting {
				t.Fatalf("granting roles %v, want %s", r.echo.GrantingRoles, tt.granting)
			}
		})
	}
}

func TestAuthorizeFromHandler(t *testing.T) {
	for _, tt := range []struct {
		roles  []string
		status int
	}{{[]string{"reader"}, 403}, {[]string{"editor"}, 200}} {
		e := newEnv(t, envOptions{roles: tt.roles})
		r := e.call(routeAuthorize, bearer(e.grant.SessionJWT))
		if r.status != tt.status {
			t.Fatalf("%v: status %d, want %d", tt.roles, r.status, tt.status)
		}
		if tt.status == 200 && strings.Join(r.echo.GrantingRoles, ",") != "editor" {
			t.Fatalf("verdict %v", r.echo.GrantingRoles)
		}
	}
}

// TestAuthorizeAuthenticatesItself: called from a handler no middleware
// guards, Authorize authenticates the request.
func TestAuthorizeAuthenticatesItself(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"editor"}})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := e.auth.Authorize(req, "documents", "create"); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("no credential: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+e.grant.SessionJWT)
	v, err := e.auth.Authorize(req, "documents", "create")
	if err != nil || !v.Authorized || v.GrantingRoles[0] != "editor" {
		t.Fatalf("verdict %+v, %v", v, err)
	}
	if _, err := e.auth.Authorize(req, "documents", "delete"); !errors.Is(err, ErrForbidden) || CodeOf(err).Status() != 403 {
		t.Fatalf("denial: %v", err)
	}
}

// TestPolicyNeverLoaded: checks fail closed with 503 while the policy
// endpoint has never answered, and pass once it does.
func TestPolicyNeverLoaded(t *testing.T) {
	e := newEnv(t, envOptions{
		before: func(s *stytchtest.Server) {
			if err := s.InjectFault(stytchtest.EndpointPolicy, stytchtest.Fault{Status: 503}); err != nil {
				t.Fatal(err)
			}
		},
		config: func(c *Config) { c.Tuning.RemoteTimeout = 300 * time.Millisecond },
	})
	r := e.call(routeRead, bearer(e.grant.SessionJWT))
	r.want(t, 503, ErrPolicyUnavailable)
	e.call(routeRequired, bearer(e.grant.SessionJWT)).want(t, 200, "") // authentication alone is unaffected
	e.srv.ClearFaults()
	eventually(t, "the read passes", func() bool { return e.call(routeRead, bearer(e.grant.SessionJWT)).status == 200 })
}

// TestSharedPolicy: a cache passed in Config is used and left open by Close.
func TestSharedPolicy(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()
	pc, err := policy.New(t.Context(), policy.Config{Client: srv.Client(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	a, err := New(t.Context(), Config{Client: srv.Client(), Now: srv.Now, Policy: pc})
	if err != nil {
		t.Fatal(err)
	}
	user, _ := srv.CreateUser(t.Context(), stytchtest.UserParams{Roles: []string{"reader"}})
	grant, _ := srv.CreateSession(t.Context(), stytchtest.SessionParams{UserID: user.UserID})
	policyFetches := srv.Requests(stytchtest.EndpointPolicy)
	auth, err := a.AuthenticateJWT(t.Context(), AuthenticateJWTParams{
		SessionJWT: grant.SessionJWT, AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "read"}})
	if err != nil || auth.Verdict == nil {
		t.Fatalf("%+v %v", auth, err)
	}
	if srv.Requests(stytchtest.EndpointPolicy) != policyFetches {
		t.Fatal("the Authenticator fetched a policy of its own")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Authorize([]string{"reader"}, "documents", "read"); err != nil {
		t.Fatal("Close closed a policy cache it does not own:", err)
	}
}

// TestPermissionWarnsAboutUndefinedRules: a typo in a rule is reported
// when the rule is built.
func TestPermissionWarnsAboutUndefinedRules(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	}})
	_ = e.auth.Require(Permission("documents", "raed"))
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), "raed") || !strings.Contains(buf.String(), "WARN") {
		t.Fatalf("no warning for an undefined action:\n%s", buf.String())
	}
}

// TestOnlyOwnSessionsAreTrusted: Permission rules and Authorize rely only on
// a session their own Authenticator verified. Behind project 1's Handler,
// project 2's guards authenticate the request themselves, and refuse
// project 1's admin JWT as project 2's Handler would (another iss and
// aud); each project still passes its own sessions through its own chain.
func TestOnlyOwnSessionsAreTrusted(t *testing.T) {
	p1 := newEnv(t, envOptions{roles: []string{"admin"}})
	p2 := newEnv(t, envOptions{roles: []string{"admin"}})
	authorize := func(a *Authenticator) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := a.Authorize(r, "documents", "delete"); err != nil {
				WriteError(w, r, CodeOf(err).Status(), err)
				return
			}
			echo(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/p1/then/p2/require", p1.auth.Require(Authenticated())(p2.auth.Require(Permission("documents", "delete"))(http.HandlerFunc(echo))))
	mux.Handle("/p1/then/p2/authorize", p1.auth.Require(Authenticated())(authorize(p2.auth)))
	mux.Handle("/p1/optional/then/p2/require", p1.auth.Require(Optional())(p2.auth.Require(Permission("documents", "delete"))(http.HandlerFunc(echo))))
	mux.Handle("/p1/then/p1/require", p1.auth.Require(Authenticated())(p1.auth.Require(Permission("documents", "delete"))(http.HandlerFunc(echo))))
	mux.Handle("/p1/then/p1/authorize", p1.auth.Require(Authenticated())(authorize(p1.auth)))
	mux.Handle("/p2/then/p2/require", p2.auth.Require(Authenticated())(p2.auth.Require(Permission("documents", "delete"))(http.HandlerFunc(echo))))
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	e := &env{t: t, app: app}

	p1JWT := p1.grant.SessionJWT
	for _, tc := range []struct {
		route  string
		jwt    string
		status int
		code   Code
	}{
		{"/p1/then/p2/require", p1JWT, 401, ErrInvalidToken},
		{"/p1/then/p2/authorize", p1JWT, 401, ErrInvalidToken},
		{"/p1/optional/then/p2/require", p1JWT, 401, ErrInvalidToken},
		{"/p1/then/p1/require", p1JWT, 200, ""},
		{"/p1/then/p1/authorize", p1JWT, 200, ""},
		{"/p2/then/p2/require", p2.grant.SessionJWT, 200, ""},
	} {
		r := e.call(tc.route, bearer(tc.jwt))
		if r.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.route, r.status, r.body, tc.status)
			continue
		}
		r.want(t, tc.status, tc.code)
	}
	if n := p1.count("authenticate") + p2.count("authenticate"); n != 0 {
		t.Fatalf("%d sessions/authenticate calls, want none", n)
	}
}

// TestNewContextGrantsNothing: a record NewContext stored serves the
// handlers that read it (FromContext, UserID, …) but never satisfies
// a Permission rule or Authorize, even stored after the Authenticator's own
// Handler: they authenticate the request's credential themselves, and its
// roles decide.
func TestNewContextGrantsNothing(t *testing.T) {
	e := newEnv(t, envOptions{roles: []string{"reader"}})
	// asAdmin stores a record that claims an admin session.
	asAdmin := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), &Auth{
				Session: &client.Session{SessionID: "session-test-x", UserID: "user-test-x", Roles: []string{"admin"}},
			})))
		})
	}
	deleteGuard := e.auth.Require(Permission("documents", "delete"))
	authorize := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := e.auth.Authorize(r, "documents", "delete"); err != nil {
			WriteError(w, r, CodeOf(err).Status(), err)
			return
		}
		echo(w, r)
	})
	mux := http.NewServeMux()
	mux.Handle("/require", asAdmin(deleteGuard(http.HandlerFunc(echo))))
	mux.Handle("/handler/require", e.auth.Require(Authenticated())(asAdmin(deleteGuard(http.HandlerFunc(echo)))))
	mux.Handle("/handler/authorize", e.auth.Require(Authenticated())(asAdmin(authorize)))
	mux.Handle("/read", asAdmin(http.HandlerFunc(echo)))
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	c := &env{t: t, app: app}

	reader := bearer(e.grant.SessionJWT)
	c.call("/require").want(t, 401, ErrNoCredential)
	c.call("/require", reader).want(t, 403, ErrForbidden)
	c.call("/handler/require", reader).want(t, 403, ErrForbidden)
	c.call("/handler/authorize", reader).want(t, 403, ErrForbidden)
	// What NewContext is for: a handler reading the record.
	r := c.call("/read")
	r.want(t, 200, "")
	if r.echo.UserID != "user-test-x" || strings.Join(r.echo.Roles, ",") != "admin" {
		t.Fatalf("the handler read %+v, want NewContext's record", r.echo)
	}
}
