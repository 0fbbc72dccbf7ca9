package apitest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
	"github.com/stytchmw/stytchmw/examples/internal/docstore"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// B2BSuite checks the B2B example (examples/b2b) against its documented
// contract, over real HTTP, in embedded mode unless a test says otherwise:
// the banner's commands, every route for every seeded member in its own
// organization and in the other one, documents kept per organization,
// logout, a Stytch project given by the environment, an unreachable
// Stytch and a bad environment.
func B2BSuite(t *testing.T, run docsapi.RunFunc) {
	t.Run("BannerCommands", func(t *testing.T) { t.Parallel(); testB2BBannerCommands(t, run) })
	t.Run("Me", func(t *testing.T) { t.Parallel(); testB2BMe(t, run) })
	t.Run("Tenancy", func(t *testing.T) { t.Parallel(); testB2BTenancy(t, run) })
	t.Run("Documents", func(t *testing.T) { t.Parallel(); testB2BDocuments(t, run) })
	t.Run("LogoutRevokes", func(t *testing.T) { t.Parallel(); testB2BLogoutRevokes(t, run) })
	t.Run("StytchProject", func(t *testing.T) { t.Parallel(); testB2BStytchProject(t, run) })
	t.Run("StytchUnreachable", func(t *testing.T) { t.Parallel(); testB2BStytchUnreachable(t, run) })
	t.Run("ConfigErrors", func(t *testing.T) { t.Parallel(); testConfigErrors(t, run) })
}

// member is a seeded member the banner exports: its organization's slug
// and id, its role and its session JWT.
type member struct {
	org, orgID, role, jwt string
}

// members returns the seeded members the banner exports, by organization
// then role, as docsapi.DemoOrganizations and DemoMemberRoles list them.
func (s *Server) members(t *testing.T) []member {
	t.Helper()
	var ms []member
	for _, org := range docsapi.DemoOrganizations {
		id := s.Banner.Env[strings.ToUpper(org)+"_ID"]
		if !strings.HasPrefix(id, "organization-") {
			t.Fatalf("the banner exports no id for the organization %s:\n%s", org, s.Banner.Text)
		}
		for _, role := range docsapi.DemoMemberRoles {
			jwt := s.Banner.Env[strings.ToUpper(org)+"_"+strings.ToUpper(role)+"_JWT"]
			if strings.Count(jwt, ".") != 2 {
				t.Fatalf("the banner exports no session JWT for the %s of %s", role, org)
			}
			ms = append(ms, member{org: org, orgID: id, role: role, jwt: jwt})
		}
	}
	return ms
}

// memberMe calls GET /me and returns its answer, which must be 200.
func (s *Server) memberMe(t *testing.T, c Call) docsapi.MemberMe {
	t.Helper()
	c.Method, c.Path = http.MethodGet, "/me"
	r := s.Do(t, c)
	r.WantStatus(t, http.StatusOK)
	var me docsapi.MemberMe
	r.DecodeJSON(t, &me)
	return me
}

// runBannerCommands runs b's commands in order, as the requests curl
// would send, checks the statuses their comments promise, and returns the
// routes they reached ("METHOD /path", the banner's URL cut off).
func (s *Server) runBannerCommands(t *testing.T, b Banner) []string {
	t.Helper()
	var routes []string
	for _, c := range b.Commands {
		if !strings.HasPrefix(c.URL, s.URL+"/") {
			t.Errorf("%s: URL not under %s", c.Line, s.URL)
		}
		req, err := c.Request()
		if err != nil {
			t.Fatalf("%s: %v", c.Line, err)
		}
		if r := s.send(t, req); r.Status != c.Want {
			t.Errorf("%s\n  got %d, the comment promises %d; body %s", c.Line, r.Status, c.Want, r.Body)
		}
		routes = append(routes, c.Method+" "+strings.TrimPrefix(c.URL, s.URL))
	}
	return routes
}

// testB2BBannerCommands runs every curl command of the banner and checks
// that they cover every route, a role denial and a tenancy denial, and
// that the logout they end with holds.
func testB2BBannerCommands(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	if s.Banner.Emulator == nil {
		t.Fatalf("embedded mode, but the banner does not say how to reach the emulator:\n%s", s.Banner.Text)
	}
	ms := s.members(t)
	acme, globex := ms[0].orgID, ms[3].orgID
	routes := s.runBannerCommands(t, s.Banner)
	for _, want := range []string{"GET /healthz", "GET /me", "GET /orgs/" + acme + "/documents", "POST /orgs/" + acme + "/documents",
		"DELETE /orgs/" + acme + "/documents/doc-1", "GET /orgs/" + globex + "/documents", "POST /logout"} {
		if !slices.Contains(routes, want) {
			t.Errorf("the banner has no command for %s", want)
		}
	}
	for _, want := range []string{"403: role denial: session_authorization_error", "403: tenancy denial: session_authorization_tenancy_error"} {
		if !strings.Contains(s.Banner.Text, want) {
			t.Errorf("the banner shows no %q", want)
		}
	}
	// The last command logged acme's editor out.
	editor := s.Banner.Env["ACME_EDITOR_JWT"]
	s.Do(t, Call{Path: "/me", Bearer: editor}).WantError(t, http.StatusUnauthorized, "session_not_found")
	s.Do(t, Call{Path: "/me", Cookies: map[string]string{"stytch_session": s.Banner.Env["ACME_EDITOR_TOKEN"]}}).
		WantError(t, http.StatusUnauthorized, "session_not_found")
}

// testB2BMe checks /me for every seeded member, through each credential
// source, and the refusals of credentials that are not member sessions.
func testB2BMe(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	r := s.Do(t, Call{Path: "/healthz"})
	if r.Status != http.StatusOK || string(r.Body) != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\\n\"", r.Status, r.Body)
	}
	ids := map[string]bool{}
	for _, m := range s.members(t) {
		for _, c := range []struct {
			name     string
			call     Call
			verified string
		}{
			{"bearer", Call{Bearer: m.jwt}, "local"},
			{"cookie", Call{Cookies: map[string]string{"stytch_session_jwt": m.jwt}}, "local"},
		} {
			me := s.memberMe(t, c.call)
			if me.OrganizationID != m.orgID || me.OrganizationSlug != m.org || me.Verified != c.verified ||
				!slices.Equal(me.Roles, []string{"stytch_member", m.role}) ||
				!strings.HasPrefix(me.MemberID, "member-") || !strings.HasPrefix(me.MemberSessionID, "member-session-") {
				t.Errorf("%s of %s by %s: /me %+v", m.role, m.org, c.name, me)
			}
			ids[me.MemberSessionID] = true
		}
	}
	if len(ids) != len(docsapi.DemoOrganizations)*len(docsapi.DemoMemberRoles) {
		t.Errorf("%d distinct member sessions, want one per seeded member", len(ids))
	}
	me := s.memberMe(t, Call{Cookies: map[string]string{"stytch_session": s.Banner.Env["ACME_EDITOR_TOKEN"]}})
	if me.Verified != "remote" || me.OrganizationSlug != "acme" || !slices.Equal(me.Roles, []string{"stytch_member", "editor"}) {
		t.Errorf("/me by acme's editor's opaque token %+v, want remote, acme, [stytch_member editor]", me)
	}

	jwt := s.Banner.Env["ACME_ADMIN_JWT"]
	for _, tt := range []struct {
		name      string
		call      Call
		status    int
		errorType string
	}{
		{"no credential", Call{Path: "/me"}, 401, "missing_credential"},
		{"malformed", Call{Path: "/me", Bearer: "not-a-jwt"}, 401, "malformed_credential"},
		{"tampered", Call{Path: "/me", Bearer: tamper(t, jwt)}, 401, "invalid_token"},
		{"intermediate session token", Call{Path: "/me", Cookies: map[string]string{"stytch_intermediate_session_token": jwt}}, 401, "missing_credential"},
		{"cross-site POST with a cookie", Call{Method: "POST", Path: "/orgs/" + s.Banner.Env["ACME_ID"] + "/documents", JSON: `{"title":"x"}`,
			Cookies: map[string]string{"stytch_session_jwt": jwt}, Header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403, "cross_origin_request"},
	} {
		t.Run(tt.name, func(t *testing.T) { s.Do(t, tt.call).WantError(t, tt.status, tt.errorType) })
	}
}

// testB2BTenancy checks every document route for every seeded member, in
// its own organization (the roles decide) and in the other (403
// session_authorization_tenancy_error whatever the roles).
func testB2BTenancy(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	ms := s.members(t)
	grants := map[string][]string{"reader": {"read"}, "editor": {"read", "create"}, "admin": {"read", "create", "delete"}}
	routes := []struct {
		method, path, action string
		status               int // when permitted
	}{
		{"GET", "/documents", "read", 200},
		{"POST", "/documents", "create", 201},
		{"DELETE", "/documents/doc-404", "delete", 404}, // permitted, and absent
	}
	for _, m := range ms {
		for _, org := range []string{ms[0].orgID, ms[3].orgID} {
			for _, rt := range routes {
				c := Call{Method: rt.method, Path: "/orgs/" + org + rt.path, Bearer: m.jwt}
				if rt.method == "POST" {
					c.JSON = `{"title":"by ` + m.role + `"}`
				}
				r := s.Do(t, c)
				switch {
				case org != m.orgID:
					r.WantError(t, http.StatusForbidden, "session_authorization_tenancy_error")
				case slices.Contains(grants[m.role], rt.action):
					r.WantStatus(t, rt.status)
				default:
					r.WantError(t, http.StatusForbidden, "session_authorization_error")
				}
			}
		}
	}
	// An organization that does not exist is another organization too.
	s.Do(t, Call{Path: "/orgs/organization-test-00000000-0000-0000-0000-000000000000/documents", Bearer: ms[2].jwt}).
		WantError(t, http.StatusForbidden, "session_authorization_tenancy_error")
}

// testB2BDocuments checks that documents are kept per organization, and
// the answers of the document routes.
func testB2BDocuments(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	ms := s.members(t)
	acmeEditor, acmeAdmin, globexReader := ms[1], ms[2], ms[3]
	list := func(t *testing.T, m member) []string {
		t.Helper()
		r := s.Do(t, Call{Path: "/orgs/" + m.orgID + "/documents", Bearer: m.jwt})
		r.WantStatus(t, http.StatusOK)
		var l docsapi.DocumentList
		r.DecodeJSON(t, &l)
		ids := make([]string, len(l.Documents))
		for i, d := range l.Documents {
			ids[i] = d.ID
		}
		return ids
	}
	if a, g := list(t, acmeEditor), list(t, globexReader); !slices.Equal(a, []string{"doc-1"}) || !slices.Equal(g, []string{"doc-1"}) {
		t.Fatalf("documents at start: acme %q, globex %q; want [doc-1] each", a, g)
	}
	editor := s.memberMe(t, Call{Bearer: acmeEditor.jwt})
	r := s.Do(t, Call{Method: "POST", Path: "/orgs/" + acmeEditor.orgID + "/documents", Bearer: acmeEditor.jwt, JSON: `{"title":"Plan","body":"Ship it."}`})
	r.WantStatus(t, http.StatusCreated)
	var doc docstore.Document
	r.DecodeJSON(t, &doc)
	if doc.ID != "doc-2" || doc.Title != "Plan" || doc.Body != "Ship it." || doc.OwnerID != editor.MemberID || doc.CreatedAt.IsZero() {
		t.Errorf("created %+v, want doc-2 owned by %s", doc, editor.MemberID)
	}
	if loc, want := r.Header.Get("Location"), "/orgs/"+acmeEditor.orgID+"/documents/doc-2"; loc != want {
		t.Errorf("Location %q, want %q", loc, want)
	}
	if a, g := list(t, acmeEditor), list(t, globexReader); !slices.Equal(a, []string{"doc-1", "doc-2"}) || !slices.Equal(g, []string{"doc-1"}) {
		t.Errorf("after a create in acme: acme %q, globex %q", a, g)
	}
	for _, tt := range []struct {
		name, contentType, body string
		status                  int
		errorType               string
	}{
		{"not JSON", "application/json", `{"title":`, 400, "invalid_request_body"},
		{"unknown field", "application/json", `{"title":"x","owner_id":"someone"}`, 400, "invalid_request_body"},
		{"no title", "application/json", `{"body":"x"}`, 400, "invalid_document"},
		{"too large", "application/json", `{"title":"x","body":"` + strings.Repeat("b", 1<<20) + `"}`, 413, "request_too_large"},
		{"not JSON media type", "text/plain", `{"title":"x"}`, 415, "unsupported_media_type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s.Do(t, Call{Method: "POST", Path: "/orgs/" + acmeEditor.orgID + "/documents", Bearer: acmeEditor.jwt, JSON: tt.body,
				Header: map[string]string{"Content-Type": tt.contentType}}).WantError(t, tt.status, tt.errorType)
		})
	}
	for _, step := range []struct {
		id     string
		status int
	}{{"doc-2", 204}, {"doc-2", 404}, {"doc-1", 204}, {"doc-1", 404}} {
		r := s.Do(t, Call{Method: "DELETE", Path: "/orgs/" + acmeAdmin.orgID + "/documents/" + step.id, Bearer: acmeAdmin.jwt})
		if step.status == http.StatusNotFound {
			r.WantError(t, step.status, "document_not_found")
		} else if r.WantStatus(t, step.status); len(r.Body) != 0 {
			t.Errorf("DELETE %s: 204 with a body %q", step.id, r.Body)
		}
	}
	if a, g := list(t, acmeAdmin), list(t, globexReader); len(a) != 0 || !slices.Equal(g, []string{"doc-1"}) {
		t.Errorf("after acme's deletes: acme %q, globex %q; want [] and [doc-1]", a, g)
	}
}

// testB2BLogoutRevokes checks that POST /logout revokes the member
// session at once on this server, JWT and opaque token, clears the
// cookies, and leaves the other members alone.
func testB2BLogoutRevokes(t *testing.T, run docsapi.RunFunc) {
	s := Start(t, run, nil)
	ms := s.members(t)
	editor, token := ms[1], s.Banner.Env["ACME_EDITOR_TOKEN"]
	tokenCookie := map[string]string{"stytch_session": token}
	s.memberMe(t, Call{Cookies: tokenCookie}) // Stytch's answer for the token is now cached

	r := s.Do(t, Call{Method: "POST", Path: "/logout", Bearer: editor.jwt})
	r.WantStatus(t, http.StatusNoContent)
	for _, name := range []string{"stytch_session_jwt", "stytch_session"} {
		if c := r.Cookie(name); c == nil || c.Value != "" || c.MaxAge >= 0 || c.Path != "/" {
			t.Errorf("logout does not clear the %s cookie: %v", name, c)
		}
	}
	for _, c := range []Call{
		{Path: "/me", Bearer: editor.jwt},
		{Path: "/me", Cookies: tokenCookie},
		{Path: "/orgs/" + editor.orgID + "/documents", Bearer: editor.jwt},
		{Method: "POST", Path: "/logout", Bearer: editor.jwt},
	} {
		s.Do(t, c).WantError(t, http.StatusUnauthorized, "session_not_found")
	}
	for _, m := range ms {
		if m != editor {
			s.memberMe(t, Call{Bearer: m.jwt})
		}
	}
	// Stytch no longer knows the session either: once its JWT expires, a
	// refresh fails.
	s.Advance(t, jwtLifetime+time.Second)
	s.Do(t, Call{Path: "/me", Bearer: editor.jwt}).WantError(t, http.StatusUnauthorized, "session_not_found")
}

// b2bProject is a B2B Stytch project the test starts (the emulator), with
// organizations and members seeded through its Go API, and the banner's
// variables for them.
func b2bProject(t *testing.T) (*stytchtest.Server, map[string]string) {
	t.Helper()
	project := stytchtest.NewServer(stytchtest.Config{B2B: true})
	ctx := context.Background()
	env := map[string]string{}
	for _, slug := range []string{"initech", "umbrella"} {
		org, err := project.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: slug, Slug: slug})
		if err != nil {
			t.Fatal(err)
		}
		prefix := "ACME"
		if slug == "umbrella" {
			prefix = "GLOBEX"
		}
		env[prefix+"_ID"] = org.OrganizationID
		for _, role := range docsapi.DemoMemberRoles {
			m, err := project.CreateMember(ctx, stytchtest.MemberParams{OrganizationID: org.OrganizationID, Email: role + "@" + slug + ".example.com", Roles: []string{role}})
			if err != nil {
				t.Fatal(err)
			}
			g, err := project.CreateMemberSession(ctx, stytchtest.MemberSessionParams{OrganizationID: org.OrganizationID, MemberID: m.MemberID})
			if err != nil {
				t.Fatal(err)
			}
			env[prefix+"_"+strings.ToUpper(role)+"_JWT"] = g.SessionJWT
			if prefix == "ACME" && role == "editor" {
				env["ACME_EDITOR_TOKEN"] = g.SessionToken
			}
		}
	}
	return project, env
}

// testB2BStytchProject runs against a B2B project given by the
// environment: no demo is seeded, and the banner's commands, with the
// project's organizations and members in its variables, get the statuses
// they promise.
func testB2BStytchProject(t *testing.T, run docsapi.RunFunc) {
	project, vars := b2bProject(t)
	t.Cleanup(project.Close) // after the program stops
	s := Start(t, run, map[string]string{
		docsapi.EnvProjectID: project.ProjectID,
		docsapi.EnvSecret:    project.Secret,
		docsapi.EnvAPIURL:    project.URL,
	})
	if s.Banner.Emulator != nil || !strings.Contains(s.Banner.Text, "Stytch: B2B project "+project.ProjectID+" at "+project.URL) {
		t.Fatalf("the banner does not name the project:\n%s", s.Banner.Text)
	}
	if strings.Contains(s.Banner.Text, project.Secret) {
		t.Fatalf("the banner prints the project's secret")
	}
	banner, err := ParseBanner(s.Banner.Text, vars)
	if err != nil {
		t.Fatal(err)
	}
	if len(banner.Commands) == 0 {
		t.Fatal("no commands in the banner")
	}
	s.runBannerCommands(t, banner)
}

// testB2BStytchUnreachable starts the program against a B2B Stytch that
// does not answer: the public route serves, and every request that needs
// Stytch gets 503, never a pass.
func testB2BStytchUnreachable(t *testing.T, run docsapi.RunFunc) {
	gone, vars := b2bProject(t)
	gone.Close()
	s := Start(t, run, map[string]string{
		docsapi.EnvProjectID: gone.ProjectID,
		docsapi.EnvSecret:    gone.Secret,
		docsapi.EnvAPIURL:    gone.URL,
	})
	admin := vars["ACME_ADMIN_JWT"]
	s.Do(t, Call{Path: "/healthz"}).WantStatus(t, http.StatusOK)
	s.Do(t, Call{Path: "/me", Bearer: admin}).WantError(t, http.StatusServiceUnavailable, "stytch_unavailable")
	s.Do(t, Call{Path: "/me", Cookies: map[string]string{"stytch_session": vars["ACME_EDITOR_TOKEN"]}}).
		WantError(t, http.StatusServiceUnavailable, "stytch_unavailable")
	s.Do(t, Call{Path: "/orgs/" + vars["ACME_ID"] + "/documents", Bearer: admin}).WantError(t, http.StatusServiceUnavailable, "stytch_unavailable")
	s.Do(t, Call{Path: "/me"}).WantError(t, http.StatusUnauthorized, "missing_credential")
}
