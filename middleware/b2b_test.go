package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// b2bEnv is a B2B project end to end: an emulator in B2B mode with the
// organizations acme and globex, an Authenticator with Config.B2B, and an
// application server whose routes take members, machines or both.
type b2bEnv struct {
	t             testing.TB
	srv           *stytchtest.Server
	auth          *Authenticator
	app           *httptest.Server
	acme, globex  stytchtest.Organization
	reader        *stytchtest.MemberSessionGrant // acme, reader
	admin         *stytchtest.MemberSessionGrant // globex, admin
	m2m           stytchtest.M2MClient           // scopes read:documents write:documents
	readerAccess  string                         // a Connected Apps token of the acme reader: read:documents
	m2mReadToken  string                         // an M2M token with read:documents
	m2mWriteToken string                         // an M2M token with write:documents only
}

// Routes of the B2B application server.
const (
	b2bMe         = "/me"                                // Authenticated
	b2bOwnRead    = "/own/documents"                     // Permission(documents, read): the session's own organization
	b2bOrgRead    = "/orgs/{organization_id}/documents"  // Permission(documents, read) in {organization_id}
	b2bSlugRead   = "/slugs/{slug}/documents"            // Permission(documents, read) in the organization slug {slug}
	b2bMachine    = "/machine/documents"                 // Scope(read:documents)
	b2bMachineOrg = "/machine/orgs/{organization_id}"    // Scope(read:documents) in {organization_id}
	b2bBoth       = "/both/orgs/{organization_id}/read"  // Permission(documents, read) in {organization_id}, or machine
	b2bAnyone     = "/anyone"                            // Authenticated, or machine
	b2bOrgDelete  = "/orgs/{organization_id}/documents/" // Permission(documents, delete) in {organization_id}
)

func newB2BEnv(t testing.TB, config func(*Config)) *b2bEnv {
	t.Helper()
	srv := stytchtest.NewServer(stytchtest.Config{B2B: true})
	t.Cleanup(srv.Close)
	ctx := context.Background()
	e := &b2bEnv{t: t, srv: srv}
	var err error
	if e.acme, err = srv.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: "Acme", Slug: "acme"}); err != nil {
		t.Fatal(err)
	}
	if e.globex, err = srv.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: "Globex", Slug: "globex"}); err != nil {
		t.Fatal(err)
	}
	e.reader = e.member(e.acme, "reader@acme.example", "reader")
	e.admin = e.member(e.globex, "admin@globex.example", "admin")
	if e.m2m, err = srv.CreateM2MClient(ctx, stytchtest.M2MClientParams{Name: "worker", Scopes: []string{"read:documents", "write:documents"}}); err != nil {
		t.Fatal(err)
	}
	if e.m2mReadToken, err = srv.CreateM2MToken(ctx, e.m2m.ClientID, []string{"read:documents"}); err != nil {
		t.Fatal(err)
	}
	if e.m2mWriteToken, err = srv.CreateM2MToken(ctx, e.m2m.ClientID, []string{"write:documents"}); err != nil {
		t.Fatal(err)
	}
	if e.readerAccess, err = srv.CreateAccessToken(ctx, stytchtest.AccessTokenParams{Subject: e.reader.MemberSession.MemberID, Scopes: []string{"read:documents"}}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Client: srv.Client(), B2B: true, Now: srv.Now, HTTPClient: srv.HTTPClient(), Logger: slog.New(slog.DiscardHandler)}
	if config != nil {
		config(&cfg)
	}
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if e.auth, err = New(startCtx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.auth.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	e.app = httptest.NewServer(e.routes())
	t.Cleanup(e.app.Close)
	return e
}

// member adds a member with a role to org and starts a session for it.
func (e *b2bEnv) member(org stytchtest.Organization, email, role string) *stytchtest.MemberSessionGrant {
	e.t.Helper()
	ctx := context.Background()
	m, err := e.srv.CreateMember(ctx, stytchtest.MemberParams{OrganizationID: org.OrganizationID, Email: email, Roles: []string{role}})
	if err != nil {
		e.t.Fatal(err)
	}
	g, err := e.srv.CreateMemberSession(ctx, stytchtest.MemberSessionParams{OrganizationID: org.OrganizationID, MemberID: m.MemberID})
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

// session starts another session of a member.
func (e *b2bEnv) session(org stytchtest.Organization, memberID string) *stytchtest.MemberSessionGrant {
	e.t.Helper()
	g, err := e.srv.CreateMemberSession(context.Background(), stytchtest.MemberSessionParams{OrganizationID: org.OrganizationID, MemberID: memberID})
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

func (e *b2bEnv) routes() http.Handler {
	a := e.auth
	in := PathValue("organization_id")
	mux := http.NewServeMux()
	handle := func(pattern string, rule Rule) { mux.Handle(pattern, a.Require(rule)(http.HandlerFunc(echoCaller))) }
	handle("GET "+b2bMe, Authenticated())
	handle("GET "+b2bOwnRead, Permission("documents", "read"))
	handle("GET "+b2bOrgRead, Permission("documents", "read").InOrganization(in))
	handle("GET "+b2bSlugRead, Permission("documents", "read").InOrganization(PathSlug("slug")))
	handle("GET "+b2bMachine, Scope("read:documents"))
	handle("GET "+b2bMachineOrg, Scope("read:documents").InOrganization(in))
	handle("GET "+b2bBoth, Permission("documents", "read").InOrganization(in).OrMachine())
	handle("GET "+b2bAnyone, Authenticated().OrMachine())
	handle("DELETE "+b2bOrgDelete+"{id}", Permission("documents", "delete").InOrganization(in))
	mux.Handle("POST /logout", a.Require(Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, _ := FromContext(r.Context())
		if err := a.Revoke(r.Context(), auth); err != nil {
			WriteError(w, r, CodeOf(err).Status(), err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	return mux
}

// callerEcho is what echoCaller answers: what the handler saw.
type callerEcho struct {
	Caller           string   `json:"caller"`
	MemberID         string   `json:"member_id"`
	MemberSessionID  string   `json:"member_session_id"`
	OrganizationID   string   `json:"organization_id"`
	OrganizationSlug string   `json:"organization_slug"`
	Roles            []string `json:"roles"`
	ClientID         string   `json:"client_id"`
	Scopes           []string `json:"scopes"`
	Verified         string   `json:"verified"`
	HasMember        bool     `json:"has_member"`
	Verdict          bool     `json:"verdict"`
}

func echoCaller(w http.ResponseWriter, r *http.Request) {
	a, _ := FromContext(r.Context())
	out := callerEcho{Caller: a.Caller.String(), Verified: a.Verified.String(), HasMember: a.Member != nil, Verdict: a.Verdict != nil && a.Verdict.Authorized}
	if m := a.MemberSession; m != nil {
		out.MemberID, out.MemberSessionID, out.OrganizationID, out.OrganizationSlug, out.Roles = m.MemberID, m.MemberSessionID, m.OrganizationID, m.OrganizationSlug, m.Roles
	}
	if t := a.AccessToken; t != nil {
		out.ClientID, out.Scopes, out.OrganizationID = t.ClientID, t.Scopes, t.OrganizationID
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// b2bReply is an answer of the B2B application server.
type b2bReply struct {
	status int
	header http.Header
	body   []byte
	echo   callerEcho
	err    errorBody
}

func (e *b2bEnv) call(m, path string, opts ...reqOption) b2bReply {
	e.t.Helper()
	req, err := http.NewRequest(m, e.app.URL+path, nil)
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
	body, _ := io.ReadAll(res.Body)
	rep := b2bReply{status: res.StatusCode, header: res.Header, body: body}
	if res.StatusCode == http.StatusOK {
		err = json.Unmarshal(body, &rep.echo)
	} else if res.StatusCode != http.StatusNoContent {
		err = json.Unmarshal(body, &rep.err)
	}
	if err != nil {
		e.t.Fatalf("%d answer: %v: %s", res.StatusCode, err, body)
	}
	return rep
}

func (r b2bReply) want(t *testing.T, status int, code Code) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if status >= 400 && r.err.ErrorType != string(code) {
		t.Fatalf("error_type %q, want %q", r.err.ErrorType, code)
	}
}

func orgPath(pattern, orgID string) string {
	return strings.Replace(pattern, "{organization_id}", orgID, 1)
}

func TestB2BMemberSessions(t *testing.T) {
	e := newB2BEnv(t, nil)
	acme, globex := e.acme.OrganizationID, e.globex.OrganizationID
	reader := e.reader.MemberSession
	for _, tc := range []struct {
		name     string
		method   string
		path     string
		opts     []reqOption
		status   int
		code     Code
		verified string
	}{
		{"JWT, any member route", "GET", b2bMe, []reqOption{bearer(e.reader.SessionJWT)}, 200, "", "local"},
		{"JWT cookie", "GET", b2bMe, []reqOption{cookie(DefaultJWTCookie, e.reader.SessionJWT)}, 200, "", "local"},
		{"opaque token cookie", "GET", b2bMe, []reqOption{cookie(DefaultTokenCookie, e.reader.SessionToken)}, 200, "", "remote"},
		{"own organization", "GET", b2bOwnRead, []reqOption{bearer(e.reader.SessionJWT)}, 200, "", "local"},
		{"path organization is the member's", "GET", orgPath(b2bOrgRead, acme), []reqOption{bearer(e.reader.SessionJWT)}, 200, "", "local"},
		{"path organization is another", "GET", orgPath(b2bOrgRead, globex), []reqOption{bearer(e.reader.SessionJWT)}, 403, ErrTenancy, ""},
		{"admin of another organization", "GET", orgPath(b2bOrgRead, acme), []reqOption{bearer(e.admin.SessionJWT)}, 403, ErrTenancy, ""},
		{"opaque token, another organization", "GET", orgPath(b2bOrgRead, globex), []reqOption{cookie(DefaultTokenCookie, e.reader.SessionToken)}, 403, ErrTenancy, ""},
		{"role lacks the action", "DELETE", orgPath(b2bOrgDelete, acme) + "d1", []reqOption{bearer(e.reader.SessionJWT)}, 403, ErrMemberForbidden, ""},
		{"admin may delete in its own", "DELETE", orgPath(b2bOrgDelete, globex) + "d1", []reqOption{bearer(e.admin.SessionJWT)}, 200, "", "local"},
		{"slug is the member's", "GET", "/slugs/acme/documents", []reqOption{bearer(e.reader.SessionJWT)}, 200, "", "local"},
		{"slug is another", "GET", "/slugs/globex/documents", []reqOption{bearer(e.reader.SessionJWT)}, 403, ErrTenancy, ""},
		{"member session on a machine route", "GET", b2bMachine, []reqOption{bearer(e.reader.SessionJWT)}, 401, ErrInvalidToken, ""},
		{"opaque token on a machine route", "GET", b2bMachine, []reqOption{cookie(DefaultTokenCookie, e.reader.SessionToken)}, 401, ErrInvalidToken, ""},
		{"member on a both route", "GET", orgPath(b2bBoth, acme), []reqOption{bearer(e.reader.SessionJWT)}, 200, "", "local"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.srv.Requests(stytchtest.EndpointB2BAuthenticate)
			r := e.call(tc.method, tc.path, tc.opts...)
			r.want(t, tc.status, tc.code)
			if tc.status != 200 {
				return
			}
			if r.echo.Caller != "member" || r.echo.MemberID != reader.MemberID && r.echo.MemberID != e.admin.MemberSession.MemberID || r.echo.Verified != tc.verified {
				t.Fatalf("handler saw %+v", r.echo)
			}
			if r.echo.MemberID == reader.MemberID && (r.echo.OrganizationID != acme || r.echo.OrganizationSlug != "acme" || r.echo.MemberSessionID != reader.MemberSessionID || !contains(r.echo.Roles, "reader")) {
				t.Fatalf("handler saw %+v, want the reader's session in acme", r.echo)
			}
			if tc.verified == "remote" && (!r.echo.HasMember || e.srv.Requests(stytchtest.EndpointB2BAuthenticate) == before) {
				t.Fatal("a remote authentication must go to b2b/sessions/authenticate and bring the member")
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestB2BIntermediateSessionToken: the intermediate session token is never
// a session, whether a valid member JWT or an opaque token is put under
// its cookie name or sent as a Bearer credential.
func TestB2BIntermediateSessionToken(t *testing.T) {
	e := newB2BEnv(t, nil)
	const ist = "stytch_intermediate_session_token"
	for _, tc := range []struct {
		name string
		opt  reqOption
		code Code
	}{
		{"member JWT in the IST cookie", cookie(ist, e.reader.SessionJWT), ErrNoCredential},
		{"opaque token in the IST cookie", cookie(ist, e.reader.SessionToken), ErrNoCredential},
		{"an IST as Bearer", bearer("ist-test-6zqE5ZUBSK1PPKAHLdkPMIrjTbPHbAkPMPk8J1sVhGE="), ErrMalformedCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.srv.Requests(stytchtest.EndpointB2BAuthenticate)
			e.call("GET", b2bMe, tc.opt).want(t, 401, tc.code)
			if e.srv.Requests(stytchtest.EndpointB2BAuthenticate) != before {
				t.Fatal("an intermediate session token was sent to Stytch")
			}
		})
	}
}

func TestB2BHostileMemberTokens(t *testing.T) {
	e := newB2BEnv(t, nil)
	consumer := newEnv(t, envOptions{})
	claims := func(edit func(map[string]any)) string {
		c := e.srv.MemberJWTClaims(e.reader.MemberSession)
		edit(c)
		tok, err := e.srv.SignToken(nil, c, "")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// A consumer session's claims signed by the B2B project's own key:
	// authentic, but no organization.
	consumerClaims := consumer.claims()
	consumerClaims["iss"], consumerClaims["aud"] = e.srv.Issuer(), []string{e.srv.ProjectID}
	consumerShaped, err := e.srv.SignToken(nil, consumerClaims, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"consumer JWT of another project", consumer.grant.SessionJWT},
		{"consumer-shaped JWT of this project", consumerShaped},
		{"organization claim missing", claims(func(c map[string]any) { delete(c, stytchtest.OrganizationClaim) })},
		{"organization claim a string", claims(func(c map[string]any) { c[stytchtest.OrganizationClaim] = e.acme.OrganizationID })},
		{"organization id empty", claims(func(c map[string]any) {
			c[stytchtest.OrganizationClaim] = map[string]any{"organization_id": "", "slug": "acme"}
		})},
		{"organization claim member in another case", claims(func(c map[string]any) {
			c[stytchtest.OrganizationClaim] = map[string]any{"Organization_ID": e.acme.OrganizationID, "slug": "acme"}
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.srv.Requests(stytchtest.EndpointB2BAuthenticate)
			r := e.call("GET", b2bMe, bearer(tc.token))
			r.want(t, 401, ErrInvalidToken)
			if e.srv.Requests(stytchtest.EndpointB2BAuthenticate) != before {
				t.Fatal("a hostile token was sent to Stytch")
			}
		})
	}
	t.Run("member JWT on a consumer Authenticator", func(t *testing.T) {
		consumer.call(routeRequired, bearer(e.reader.SessionJWT)).want(t, 401, ErrInvalidToken)
	})
	t.Run("consumer JWT on a B2B Authenticator, opaque path", func(t *testing.T) {
		// An opaque consumer token is Stytch's to refuse: the B2B endpoint does.
		e.call("GET", b2bMe, cookie(DefaultTokenCookie, consumer.grant.SessionToken)).want(t, 401, ErrSessionNotFound)
	})
}

// TestB2BOrganizationClaimDisagrees: a JWT whose organization claim names
// another organization than its session's (only the project's signing key
// can make one). Whenever Stytch is asked (MaxTokenAge), Stytch's answer
// decides: it refuses the token, on any route.
func TestB2BOrganizationClaimDisagrees(t *testing.T) {
	e := newB2BEnv(t, func(c *Config) { c.MaxTokenAge = alwaysRemote })
	c := e.srv.MemberJWTClaims(e.reader.MemberSession)
	c[stytchtest.OrganizationClaim] = map[string]any{"organization_id": e.globex.OrganizationID, "slug": "globex"}
	tok, err := e.srv.SignToken(nil, c, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{e.globex.OrganizationID, e.acme.OrganizationID} {
		e.call("GET", orgPath(b2bOrgRead, org), bearer(tok)).want(t, 401, ErrSessionNotFound)
	}
	// The session's own JWT passes, remotely.
	r := e.call("GET", orgPath(b2bOrgRead, e.acme.OrganizationID), bearer(e.reader.SessionJWT))
	r.want(t, 200, "")
	if r.echo.Verified != "remote" || !r.echo.HasMember {
		t.Fatalf("handler saw %+v, want a remote authentication", r.echo)
	}
}

func TestB2BRevokeMemberSession(t *testing.T) {
	e := newB2BEnv(t, nil)
	e.call("GET", b2bMe, bearer(e.reader.SessionJWT)).want(t, 200, "")
	if r := e.call("POST", "/logout", bearer(e.reader.SessionJWT)); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if e.srv.Requests(stytchtest.EndpointB2BRevoke) != 1 {
		t.Fatal("logout must revoke the member session with b2b/sessions/revoke")
	}
	e.call("GET", b2bMe, bearer(e.reader.SessionJWT)).want(t, 401, ErrSessionNotFound)
	e.call("GET", b2bMe, cookie(DefaultTokenCookie, e.reader.SessionToken)).want(t, 401, ErrSessionNotFound)
}

// TestB2BRevokeUser: RevokeUser in a B2B project takes a member id, revokes
// every session of the member with one b2b/sessions/revoke and refuses them
// here at once (their JWTs verify locally until exp); a session the member
// starts afterwards passes, and another member is untouched.
func TestB2BRevokeUser(t *testing.T) {
	e := newB2BEnv(t, nil)
	second := e.session(e.acme, e.reader.MemberSession.MemberID)
	e.call("GET", b2bMe, bearer(e.reader.SessionJWT)).want(t, 200, "")
	e.call("GET", b2bMe, bearer(second.SessionJWT)).want(t, 200, "")
	e.srv.Advance(time.Second) // the not-before is this clock's now: a later session starts after it
	if err := e.auth.RevokeUser(context.Background(), e.reader.MemberSession.MemberID); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Requests(stytchtest.EndpointB2BRevoke); n != 1 {
		t.Fatalf("%d calls to b2b/sessions/revoke, want 1", n)
	}
	e.call("GET", b2bMe, bearer(e.reader.SessionJWT)).want(t, 401, ErrSessionNotFound)
	e.call("GET", b2bMe, bearer(second.SessionJWT)).want(t, 401, ErrSessionNotFound)
	e.call("GET", b2bMe, bearer(e.admin.SessionJWT)).want(t, 200, "")
	e.srv.Advance(time.Second)
	later := e.session(e.acme, e.reader.MemberSession.MemberID)
	e.call("GET", b2bMe, bearer(later.SessionJWT)).want(t, 200, "")
}

func TestB2BOutages(t *testing.T) {
	t.Run("b2b authenticate down", func(t *testing.T) {
		e := newB2BEnv(t, nil)
		if err := e.srv.InjectFault(stytchtest.EndpointB2BAuthenticate, stytchtest.Fault{Status: 503}); err != nil {
			t.Fatal(err)
		}
		e.call("GET", b2bMe, cookie(DefaultTokenCookie, e.reader.SessionToken)).want(t, 503, ErrUnavailable)
		e.call("GET", b2bMe, bearer(e.reader.SessionJWT)).want(t, 200, "") // local JWTs do not need Stytch
	})
	t.Run("organization roles never loaded", func(t *testing.T) {
		e := newB2BEnv(t, nil)
		if err := e.srv.InjectFault(stytchtest.EndpointOrgPolicy, stytchtest.Fault{Status: 500}); err != nil {
			t.Fatal(err)
		}
		e.call("GET", orgPath(b2bOrgRead, e.acme.OrganizationID), bearer(e.reader.SessionJWT)).want(t, 503, ErrPolicyUnavailable)
		// The tenancy rule needs no policy: still a 403.
		e.call("GET", orgPath(b2bOrgRead, e.globex.OrganizationID), bearer(e.reader.SessionJWT)).want(t, 403, ErrTenancy)
	})
}

func TestB2BConfigKinds(t *testing.T) {
	srv := stytchtest.NewServer(stytchtest.Config{B2B: true})
	defer srv.Close()
	for _, cfg := range []Config{
		{Client: srv.Client(), B2B: true, Policy: new(policy.Cache)},
		{Client: srv.Client(), B2BPolicy: new(policy.B2BCache)},
	} {
		if a, err := New(context.Background(), cfg); !errors.Is(err, ErrInvalidConfig) {
			if a != nil {
				_ = a.Close()
			}
			t.Fatalf("New: %v, want ErrInvalidConfig", err)
		}
	}
}

// TestRuleForConsumer: a tenant-scoped rule on a consumer Authenticator
// refuses every request (fail closed).
func TestTenantRuleOnConsumer(t *testing.T) {
	e := newEnv(t, envOptions{})
	h := e.auth.Require(Permission("documents", "read").InOrganization(PathValue("organization_id")))(http.HandlerFunc(echo))
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+e.grant.SessionJWT)
	h.ServeHTTP(w, r)
	if w.Code != 403 || !strings.Contains(w.Body.String(), string(ErrNoRule)) {
		t.Fatalf("%d %s, want 403 route_has_no_rule", w.Code, w.Body)
	}
}
