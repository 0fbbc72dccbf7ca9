package apitest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
	"github.com/stytchmw/stytchmw/examples/internal/docstore"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// Stytch issues session JWTs for five minutes; the emulator does too.
const jwtLifetime = 5 * time.Minute

// Suite checks an example program against the documented contract of the
// documents API, over real HTTP, in embedded mode unless a test says
// otherwise. Each subtest runs its own server, so that moving one
// emulator's clock does not disturb another.
func Suite(t *testing.T, run docsapi.RunFunc) {
	t.Run("BannerCommands", func(t *testing.T) { t.Parallel(); testBannerCommands(t, run) })
	t.Run("Routes", func(t *testing.T) { t.Parallel(); testRoutes(t, run) })
	t.Run("Documents", func(t *testing.T) { t.Parallel(); testDocuments(t, run) })
	t.Run("RefreshedCookie", func(t *testing.T) { t.Parallel(); testRefreshedCookie(t, run) })
	t.Run("LogoutRevokes", func(t *testing.T) { t.Parallel(); testLogoutRevokes(t, run) })
	t.Run("MaxTokenAge", func(t *testing.T) { t.Parallel(); testMaxTokenAge(t, run) })
	t.Run("StytchProject", func(t *testing.T) { t.Parallel(); testStytchProject(t, run) })
	t.Run("StytchUnreachable", func(t *testing.T) { t.Parallel(); testStytchUnreachable(t, run) })
	t.Run("ConfigErrors", func(t *testing.T) { t.Parallel(); testConfigErrors(t, run) })
}

// demo returns the demo session the banner printed.
func (s *Server) demo(t *testing.T) (jwt, token string) {
	t.Helper()
	jwt, token = s.Banner.Env["SESSION_JWT"], s.Banner.Env["SESSION_TOKEN"]
	if strings.Count(jwt, ".") != 2 || token == "" {
		t.Fatalf("the banner exports no demo session JWT and token:\n%s", s.Banner.Text)
	}
	return jwt, token
}

// me calls GET /me and returns its answer, which must be 200.
func (s *Server) me(t *testing.T, c Call) docsapi.Me {
	t.Helper()
	c.Method, c.Path = http.MethodGet, "/me"
	r := s.Do(t, c)
	r.WantStatus(t, http.StatusOK)
	var me docsapi.Me
	r.DecodeJSON(t, &me)
	return me
}

// testBannerCommands runs every curl command of the banner, in order, as
// the HTTP request curl would send, and checks the status its comment
// promises. The commands cover every route.
func testBannerCommands(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	if s.Banner.Emulator == nil {
		t.Fatalf("embedded mode, but the banner does not say how to reach the emulator:\n%s", s.Banner.Text)
	}
	routes := s.runBannerCommands(t, s.Banner)
	for _, want := range []string{"GET /healthz", "GET /me", "GET /documents", "POST /documents",
		"DELETE /documents/doc-1", "POST /logout"} {
		if !slices.Contains(routes, want) {
			t.Errorf("the banner has no command for %s", want)
		}
	}
	// The last command logged the demo user out: the server refuses the
	// session at once, and Stytch no longer knows it.
	jwt, token := s.demo(t)
	s.Do(t, Call{Path: "/me", Bearer: jwt}).WantError(t, http.StatusUnauthorized, "session_not_found")
	s.Do(t, Call{Path: "/me", Cookies: map[string]string{"stytch_session": token}}).WantError(t, http.StatusUnauthorized, "session_not_found")
	s.Advance(t, jwtLifetime+time.Second)
	s.Do(t, Call{Path: "/me", Bearer: jwt}).WantError(t, http.StatusUnauthorized, "session_not_found")
}

// testRoutes checks what each route answers without a credential, with a
// bad one, and with each kind of credential of the demo user (an editor).
func testRoutes(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	jwt, token := s.demo(t)

	r := s.Do(t, Call{Path: "/healthz"})
	if r.Status != http.StatusOK || string(r.Body) != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\\n\"", r.Status, r.Body)
	}

	refusals := []struct {
		name          string
		call          Call
		status        int
		errorType     string
		wantChallenge string // WWW-Authenticate on 401
	}{
		{"no credential", Call{Path: "/me"}, 401, "missing_credential", `Bearer realm="stytch"`},
		{"malformed bearer", Call{Path: "/me", Bearer: "not-a-jwt"}, 401, "malformed_credential", `Bearer realm="stytch", error="invalid_token"`},
		{"tampered JWT", Call{Path: "/me", Bearer: tamper(t, jwt)}, 401, "invalid_token", `Bearer realm="stytch", error="invalid_token"`},
		{"unknown opaque token", Call{Path: "/me", Cookies: map[string]string{"stytch_session": otherToken(token)}}, 401, "session_not_found", `Bearer realm="stytch", error="invalid_token"`},
		{"documents without credential", Call{Path: "/documents"}, 401, "missing_credential", `Bearer realm="stytch"`},
		{"create without credential", Call{Method: "POST", Path: "/documents", JSON: `{"title":"x"}`}, 401, "missing_credential", `Bearer realm="stytch"`},
		{"delete without credential", Call{Method: "DELETE", Path: "/documents/doc-1"}, 401, "missing_credential", `Bearer realm="stytch"`},
		{"logout without credential", Call{Method: "POST", Path: "/logout"}, 401, "missing_credential", `Bearer realm="stytch"`},
		{"delete as editor", Call{Method: "DELETE", Path: "/documents/doc-1", Bearer: jwt}, 403, "consumer_session_authorization_error", ""},
		{"cross-site POST with a cookie credential", Call{Method: "POST", Path: "/documents", JSON: `{"title":"x"}`,
			Cookies: map[string]string{"stytch_session_jwt": jwt}, Header: map[string]string{"Sec-Fetch-Site": "cross-site"}},
			403, "cross_origin_request", ""},
		{"cross-site logout with a cookie credential", Call{Method: "POST", Path: "/logout",
			Cookies: map[string]string{"stytch_session": token}, Header: map[string]string{"Origin": "https://evil.example"}},
			403, "cross_origin_request", ""},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Do(t, tt.call)
			r.WantError(t, tt.status, tt.errorType)
			if got := r.Header.Get("WWW-Authenticate"); got != tt.wantChallenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.wantChallenge)
			}
		})
	}

	// The same session through each credential source, and how it was
	// verified: JWTs locally, the opaque token by Stytch.
	sources := []struct {
		name     string
		call     Call
		verified string
	}{
		{"bearer JWT", Call{Bearer: jwt}, "local"},
		{"JWT cookie", Call{Cookies: map[string]string{"stytch_session_jwt": jwt}}, "local"},
		{"opaque token cookie", Call{Cookies: map[string]string{"stytch_session": token}}, "remote"},
	}
	var sessionID string
	for _, tt := range sources {
		t.Run("me with "+tt.name, func(t *testing.T) {
			me := s.me(t, tt.call)
			if me.Verified != tt.verified {
				t.Errorf("verified %q, want %q", me.Verified, tt.verified)
			}
			if !slices.Equal(me.Roles, []string{"stytch_user", docsapi.DemoRole}) {
				t.Errorf("roles %q, want [stytch_user editor]", me.Roles)
			}
			if me.UserID == "" || me.SessionID == "" || len(me.AuthenticationFactors) == 0 || me.CustomClaims == nil {
				t.Errorf("incomplete /me answer %+v", me)
			}
			if sessionID == "" {
				sessionID = me.SessionID
			} else if me.SessionID != sessionID {
				t.Errorf("session %s, want the same session %s through every source", me.SessionID, sessionID)
			}
		})
	}

	// A router's own answers for what it does not route.
	s.Do(t, Call{Path: "/nowhere", Bearer: jwt}).WantStatus(t, http.StatusNotFound)
	s.Do(t, Call{Method: "PUT", Path: "/documents", Bearer: jwt}).WantStatus(t, http.StatusMethodNotAllowed)
}

// otherToken returns a token of the same shape that differs from token in
// its first character.
func otherToken(token string) string {
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}

// tamper rewrites a JWT's subject, keeping its header and signature: a
// well-formed token whose signature no longer verifies.
func tamper(t *testing.T, jwt string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims["sub"] = "user-test-someone-else"
	if payload, err = json.Marshal(claims); err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// testDocuments walks the documents through their life: listed, created by
// the editor, refused to a reader, deleted by an admin (204, then 404).
func testDocuments(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	editorJWT, _ := s.demo(t)
	editor := s.me(t, Call{Bearer: editorJWT})

	list := func(t *testing.T, jwt string) []string {
		t.Helper()
		r := s.Do(t, Call{Path: "/documents", Bearer: jwt})
		r.WantStatus(t, http.StatusOK)
		var l docsapi.DocumentList
		r.DecodeJSON(t, &l)
		ids := make([]string, len(l.Documents))
		for i, d := range l.Documents {
			ids[i] = d.ID
		}
		return ids
	}
	if got := list(t, editorJWT); !slices.Equal(got, []string{"doc-1"}) {
		t.Fatalf("documents at start %q, want [doc-1]", got)
	}

	r := s.Do(t, Call{Method: "POST", Path: "/documents", Bearer: editorJWT, JSON: `{"title":"Plan","body":"Ship it."}`})
	r.WantStatus(t, http.StatusCreated)
	var doc docstore.Document
	r.DecodeJSON(t, &doc)
	if doc.ID != "doc-2" || doc.Title != "Plan" || doc.Body != "Ship it." || doc.OwnerID != editor.UserID || doc.CreatedAt.IsZero() {
		t.Errorf("created %+v, want doc-2 owned by %s", doc, editor.UserID)
	}
	if loc := r.Header.Get("Location"); loc != "/documents/doc-2" {
		t.Errorf("Location %q, want /documents/doc-2", loc)
	}

	badBodies := []struct {
		name, contentType, body string
		status                  int
		errorType               string
	}{
		{"not JSON", "application/json", `{"title":`, 400, "invalid_request_body"},
		{"unknown field", "application/json", `{"title":"x","owner_id":"someone"}`, 400, "invalid_request_body"},
		{"two objects", "application/json", `{"title":"x"}{"title":"y"}`, 400, "invalid_request_body"},
		{"no title", "application/json", `{"body":"x"}`, 400, "invalid_document"},
		{"too large", "application/json", `{"title":"x","body":"` + strings.Repeat("b", 1<<20) + `"}`, 413, "request_too_large"},
		{"not JSON media type", "text/plain", `{"title":"x"}`, 415, "unsupported_media_type"},
	}
	for _, tt := range badBodies {
		t.Run(tt.name, func(t *testing.T) {
			s.Do(t, Call{Method: "POST", Path: "/documents", Bearer: editorJWT, JSON: tt.body,
				Header: map[string]string{"Content-Type": tt.contentType}}).WantError(t, tt.status, tt.errorType)
		})
	}

	reader := s.NewSession(t, "reader@example.com", "reader")
	if got := list(t, reader.JWT); !slices.Equal(got, []string{"doc-1", "doc-2"}) {
		t.Errorf("documents for the reader %q, want [doc-1 doc-2]", got)
	}
	s.Do(t, Call{Method: "POST", Path: "/documents", Bearer: reader.JWT, JSON: `{"title":"x"}`}).
		WantError(t, http.StatusForbidden, "consumer_session_authorization_error")

	admin := s.NewSession(t, "admin@example.com", "admin")
	for _, step := range []struct {
		id     string
		status int
	}{{"doc-2", 204}, {"doc-2", 404}, {"doc-1", 204}, {"doc-404", 404}} {
		r := s.Do(t, Call{Method: "DELETE", Path: "/documents/" + step.id, Bearer: admin.JWT})
		if step.status == http.StatusNotFound {
			r.WantError(t, step.status, "document_not_found")
		} else if r.WantStatus(t, step.status); len(r.Body) != 0 {
			t.Errorf("DELETE %s: 204 with a body %q", step.id, r.Body)
		}
	}
	if got := list(t, admin.JWT); len(got) != 0 {
		t.Errorf("documents after the admin's deletes %q, want none", got)
	}
}

// testRefreshedCookie checks that an expired JWT from the cookie is
// refreshed by Stytch and written back, and that a Bearer client gets no
// cookie. The emulator's clock, which the API uses in embedded mode, moves
// past the JWT's exp while the session (60 minutes) lives on.
func testRefreshedCookie(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	jwt, _ := s.demo(t)
	s.Advance(t, jwtLifetime+time.Second)

	r := s.Do(t, Call{Path: "/me", Cookies: map[string]string{"stytch_session_jwt": jwt}})
	r.WantStatus(t, http.StatusOK)
	var me docsapi.Me
	r.DecodeJSON(t, &me)
	if me.Verified != "remote" {
		t.Errorf("an expired JWT was verified %q, want remote (refreshed by Stytch)", me.Verified)
	}
	c := r.Cookie("stytch_session_jwt")
	switch {
	case c == nil:
		t.Fatalf("no stytch_session_jwt cookie after a refresh; Set-Cookie %q", r.Header.Values("Set-Cookie"))
	case c.Value == jwt || strings.Count(c.Value, ".") != 2:
		t.Errorf("the cookie does not hold a fresh JWT")
	case c.Path != "/" || !c.Secure || c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Expires.IsZero():
		t.Errorf("cookie attributes %s, want Path=/; Secure; SameSite=Lax; Expires with the session; not HttpOnly", c)
	}
	// The fresh JWT verifies locally again.
	if me := s.me(t, Call{Cookies: map[string]string{"stytch_session_jwt": c.Value}}); me.Verified != "local" {
		t.Errorf("the refreshed JWT was verified %q, want local", me.Verified)
	}
	// A Bearer client is refreshed too, but never handed a cookie.
	r = s.Do(t, Call{Path: "/me", Bearer: jwt})
	r.WantStatus(t, http.StatusOK)
	if len(r.Cookies) != 0 {
		t.Errorf("a Bearer request got cookies %q", r.Header.Values("Set-Cookie"))
	}
}

// testLogoutRevokes checks that POST /logout logs the session out for
// good on this server: its JWT and its opaque token (whose answer Stytch
// gave before the logout is cached) are refused at once, not when the JWT
// expires or the cached answer does (the bounds another server of the
// project still has; the middleware's tests show those). Another user's
// session is left alone.
func testLogoutRevokes(t *testing.T, run docsapi.RunFunc) {
	for _, maxTokenAge := range []string{"", "0s"} {
		t.Run("STYTCH_MAX_TOKEN_AGE="+maxTokenAge, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			if maxTokenAge != "" {
				env[docsapi.EnvMaxTokenAge] = maxTokenAge
			}
			s := Start(t, run, env)
			jwt, token := s.demo(t)
			tokenCookie := map[string]string{"stytch_session": token}
			s.me(t, Call{Bearer: jwt})
			s.me(t, Call{Cookies: tokenCookie}) // Stytch's answer for the token is now cached
			other := s.NewSession(t, "grace@example.com", "reader")
			s.me(t, Call{Bearer: other.JWT})

			r := s.Do(t, Call{Method: "POST", Path: "/logout", Bearer: jwt})
			r.WantStatus(t, http.StatusNoContent)
			for _, name := range []string{"stytch_session_jwt", "stytch_session"} {
				if c := r.Cookie(name); c == nil || c.Value != "" || c.MaxAge >= 0 || c.Path != "/" {
					t.Errorf("logout does not clear the %s cookie: %v", name, c)
				}
			}

			for _, c := range []Call{
				{Path: "/me", Bearer: jwt},
				{Path: "/me", Cookies: tokenCookie},
				{Path: "/me", Cookies: map[string]string{"stytch_session_jwt": jwt}},
				{Path: "/documents", Bearer: jwt},
				{Method: "POST", Path: "/logout", Bearer: jwt},
			} {
				s.Do(t, c).WantError(t, http.StatusUnauthorized, "session_not_found")
			}
			s.me(t, Call{Bearer: other.JWT})
			s.Do(t, Call{Method: "POST", Path: "/logout", Bearer: other.JWT}).WantStatus(t, http.StatusNoContent)
			s.Do(t, Call{Path: "/me", Bearer: other.JWT}).WantError(t, http.StatusUnauthorized, "session_not_found")
		})
	}
}

// testMaxTokenAge checks how /me is verified as the demo JWT ages, for
// STYTCH_MAX_TOKEN_AGE unset, 0s and 1m.
func testMaxTokenAge(t *testing.T, run docsapi.RunFunc) {
	type step struct {
		advance  time.Duration // before the request
		verified string
	}
	tests := []struct {
		maxTokenAge string
		steps       []step
	}{
		{"", []step{{0, "local"}, {61 * time.Second, "local"}}},
		{"0s", []step{{0, "remote"}, {61 * time.Second, "remote"}}},
		{"1m", []step{{0, "local"}, {61 * time.Second, "remote"}}},
	}
	for _, tt := range tests {
		t.Run("STYTCH_MAX_TOKEN_AGE="+tt.maxTokenAge, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			if tt.maxTokenAge != "" {
				env[docsapi.EnvMaxTokenAge] = tt.maxTokenAge
			}
			s := Start(t, run, env)
			jwt, _ := s.demo(t)
			for _, st := range tt.steps {
				if st.advance > 0 {
					s.Advance(t, st.advance)
				}
				if me := s.me(t, Call{Bearer: jwt}); me.Verified != st.verified {
					t.Errorf("after %s: verified %q, want %q", st.advance, me.Verified, st.verified)
				}
			}
		})
	}
}

// testStytchProject runs against a Stytch project given by
// STYTCH_PROJECT_ID, STYTCH_SECRET and STYTCH_API_URL (an emulator started
// by the test): no demo user is seeded, and the banner's commands work
// with a session of the project's.
func testStytchProject(t *testing.T, run docsapi.RunFunc) {
	project := stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(project.Close) // after the program stops
	s := Start(t, run, map[string]string{
		docsapi.EnvProjectID: project.ProjectID,
		docsapi.EnvSecret:    project.Secret,
		docsapi.EnvAPIURL:    project.URL,
	})
	if s.Banner.Emulator != nil || !strings.Contains(s.Banner.Text, "Stytch: project "+project.ProjectID+" at "+project.URL) {
		t.Fatalf("the banner does not name the project:\n%s", s.Banner.Text)
	}
	if strings.Contains(s.Banner.Text, project.Secret) {
		t.Fatalf("the banner prints the project's secret")
	}

	ctx := context.Background()
	user, err := project.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Roles: []string{docsapi.DemoRole}})
	if err != nil {
		t.Fatal(err)
	}
	grant, err := project.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		t.Fatal(err)
	}
	banner, err := ParseBanner(s.Banner.Text, map[string]string{"SESSION_JWT": grant.SessionJWT, "SESSION_TOKEN": grant.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(banner.Commands) == 0 {
		t.Fatal("no commands in the banner")
	}
	s.runBannerCommands(t, banner)
}

// testStytchUnreachable starts the program against a Stytch that does not
// answer: it starts (keys and policy are fetched in the background), the
// public route serves, and every request that needs Stytch gets 503 —
// never a pass, never a 401 that blames the credential.
func testStytchUnreachable(t *testing.T, run docsapi.RunFunc) {
	gone := stytchtest.NewServer(stytchtest.Config{})
	ctx := context.Background()
	user, err := gone.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	grant, err := gone.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		t.Fatal(err)
	}
	gone.Close() // its port now refuses connections

	s := Start(t, run, map[string]string{
		docsapi.EnvProjectID: gone.ProjectID,
		docsapi.EnvSecret:    gone.Secret,
		docsapi.EnvAPIURL:    gone.URL,
	})
	s.Do(t, Call{Path: "/healthz"}).WantStatus(t, http.StatusOK)
	s.Do(t, Call{Path: "/me", Bearer: grant.SessionJWT}).WantError(t, http.StatusServiceUnavailable, "stytch_unavailable")
	s.Do(t, Call{Path: "/me", Cookies: map[string]string{"stytch_session": grant.SessionToken}}).
		WantError(t, http.StatusServiceUnavailable, "stytch_unavailable")
	s.Do(t, Call{Path: "/documents", Bearer: grant.SessionJWT}).WantError(t, http.StatusServiceUnavailable, "stytch_unavailable")
	s.Do(t, Call{Path: "/me"}).WantError(t, http.StatusUnauthorized, "missing_credential")
}

// testConfigErrors checks that a bad environment stops the program before
// it serves, with an error that says why.
func testConfigErrors(t *testing.T, run docsapi.RunFunc) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr error
		want    string
	}{
		{"secret without project", map[string]string{docsapi.EnvSecret: "s"}, docsapi.ErrConfig, docsapi.EnvProjectID},
		{"project without secret", map[string]string{docsapi.EnvProjectID: "project-test-x"}, docsapi.ErrConfig, docsapi.EnvSecret},
		{"API URL without project", map[string]string{docsapi.EnvAPIURL: "http://127.0.0.1:1"}, docsapi.ErrConfig, docsapi.EnvAPIURL},
		{"max token age not a duration", map[string]string{docsapi.EnvMaxTokenAge: "5 minutes"}, docsapi.ErrConfig, docsapi.EnvMaxTokenAge},
		{"negative max token age", map[string]string{docsapi.EnvMaxTokenAge: "-1s"}, docsapi.ErrConfig, docsapi.EnvMaxTokenAge},
		{"bad listen address", map[string]string{docsapi.EnvAddr: "127.0.0.1:http-alt-x"}, nil, "listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(name string) string { return tt.env[name] }
			var stdout strings.Builder
			err := run(context.Background(), getenv, &stdout, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("run = %v, want an error mentioning %s (errors.Is %v)", err, tt.want, tt.wantErr)
			}
			if strings.Contains(stdout.String(), docsapi.ReadyLine) {
				t.Errorf("the banner was printed for a refused configuration")
			}
		})
	}
}
