// Package routertest is the test fixture the router adapters (packages
// chi and nethttp) share: a Stytch emulator, an Authenticator for it, a
// session JWT per kind of user, and helpers that call a test server as one
// of them and check the answers.
package routertest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/nethttp"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// Fixture is an emulator, an Authenticator for it, and a session JWT per
// kind of user. Both are closed when the test ends.
type Fixture struct {
	Stytch *stytchtest.Server
	Auth   *middleware.Authenticator
	// JWT holds a session JWT per user: "user" (stytch_user only),
	// "reader", "editor", "admin" (the roles of stytchtest.DefaultPolicy).
	JWT map[string]string
	// Org maps an organization's slug to its id, and B2BPolicy is the
	// Authenticator's policy (NewB2B only).
	Org       map[string]string
	B2BPolicy *policy.B2BCache
}

// New starts a Fixture.
func New(tb testing.TB) *Fixture {
	tb.Helper()
	ctx := context.Background()
	srv := stytchtest.NewServer(stytchtest.Config{})
	tb.Cleanup(srv.Close)
	auth, err := middleware.New(ctx, middleware.Config{Client: srv.Client(), Now: srv.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = auth.Close() })
	f := &Fixture{Stytch: srv, Auth: auth, JWT: map[string]string{}}
	for name, roles := range map[string][]string{"user": nil, "reader": {"reader"}, "editor": {"editor"}, "admin": {"admin"}} {
		u, err := srv.CreateUser(ctx, stytchtest.UserParams{Email: name + "@example.com", Roles: roles})
		if err != nil {
			tb.Fatal(err)
		}
		g, err := srv.CreateSession(ctx, stytchtest.SessionParams{UserID: u.UserID})
		if err != nil {
			tb.Fatal(err)
		}
		f.JWT[name] = g.SessionJWT
	}
	return f
}

// NewB2B starts a Fixture of a B2B project: organizations acme and
// globex (Org maps each slug to its id), an Authenticator with Config.B2B,
// and the credentials JWT["acme-reader"] (a reader of acme),
// JWT["globex-admin"] (an admin of globex), JWT["m2m-read"] and
// JWT["m2m-write"] (M2M tokens with read:documents, write:documents).
func NewB2B(tb testing.TB) *Fixture {
	tb.Helper()
	ctx := context.Background()
	srv := stytchtest.NewServer(stytchtest.Config{B2B: true})
	tb.Cleanup(srv.Close)
	pc, err := policy.NewB2B(ctx, policy.B2BConfig{Client: srv.Client()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = pc.Close() })
	auth, err := middleware.New(ctx, middleware.Config{Client: srv.Client(), B2B: true, B2BPolicy: pc, Now: srv.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = auth.Close() })
	f := &Fixture{Stytch: srv, Auth: auth, JWT: map[string]string{}, Org: map[string]string{}, B2BPolicy: pc}
	for _, m := range []struct{ org, role string }{{"acme", "reader"}, {"globex", "admin"}} {
		o, err := srv.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: m.org, Slug: m.org})
		if err != nil {
			tb.Fatal(err)
		}
		f.Org[m.org] = o.OrganizationID
		mem, err := srv.CreateMember(ctx, stytchtest.MemberParams{OrganizationID: o.OrganizationID, Email: m.role + "@" + m.org + ".example", Roles: []string{m.role}})
		if err != nil {
			tb.Fatal(err)
		}
		g, err := srv.CreateMemberSession(ctx, stytchtest.MemberSessionParams{OrganizationID: o.OrganizationID, MemberID: mem.MemberID})
		if err != nil {
			tb.Fatal(err)
		}
		f.JWT[m.org+"-"+m.role] = g.SessionJWT
	}
	c, err := srv.CreateM2MClient(ctx, stytchtest.M2MClientParams{Name: "worker", Scopes: []string{"read:documents", "write:documents"}})
	if err != nil {
		tb.Fatal(err)
	}
	for name, scope := range map[string]string{"m2m-read": "read:documents", "m2m-write": "write:documents"} {
		if f.JWT[name], err = srv.CreateM2MToken(ctx, c.ClientID, []string{scope}); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// TenantRules are the routes both routers' tenancy tests serve, with
// their rules; TenantCases are the requests to them. ok is the body
// substring of a 200.
func TenantRules() map[string]middleware.Rule {
	in := middleware.PathValue("organization_id")
	return map[string]middleware.Rule{
		"GET /orgs/{organization_id}/documents":         middleware.Permission("documents", "read").InOrganization(in),
		"DELETE /orgs/{organization_id}/documents/{id}": middleware.Permission("documents", "delete").InOrganization(in),
		"GET /machine/documents":                        middleware.Scope("read:documents"),
	}
}

// TenantCases are the requests to the TenantRules routes of a NewB2B
// fixture: tenancy, a role denial, machines and sessions kept apart.
func (f *Fixture) TenantCases(ok string) []Case {
	acme, globex := f.Org["acme"], f.Org["globex"]
	return []Case{
		{Method: "GET", Path: "/orgs/" + acme + "/documents", Who: "acme-reader", Status: 200, Body: ok},
		{Method: "GET", Path: "/orgs/" + globex + "/documents", Who: "acme-reader", Status: 403, Body: string(middleware.ErrTenancy)},
		{Method: "GET", Path: "/orgs/" + acme + "/documents", Who: "globex-admin", Status: 403, Body: string(middleware.ErrTenancy)},
		{Method: "DELETE", Path: "/orgs/" + acme + "/documents/d1", Who: "acme-reader", Status: 403, Body: string(middleware.ErrMemberForbidden)},
		{Method: "DELETE", Path: "/orgs/" + globex + "/documents/d1", Who: "globex-admin", Status: 200, Body: ok},
		{Method: "GET", Path: "/machine/documents", Who: "m2m-read", Status: 200, Body: ok},
		{Method: "GET", Path: "/machine/documents", Who: "m2m-write", Status: 403, Body: string(middleware.ErrInsufficientScope)},
		{Method: "GET", Path: "/machine/documents", Who: "acme-reader", Status: 401, Body: string(middleware.ErrInvalidToken)},
		{Method: "GET", Path: "/orgs/" + acme + "/documents", Who: "m2m-read", Status: 401, Body: string(middleware.ErrInvalidToken)},
	}
}

// Call sends one request to the test server as who ("" for no credential,
// else a key of JWT) and returns the status, the Allow header and the body.
func (f *Fixture) Call(tb testing.TB, ts *httptest.Server, method, path, who string) (status int, allow, body string) {
	tb.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, body := f.Do(tb, ts, req, who)
	return resp.StatusCode, strings.Join(resp.Header.Values("Allow"), ","), body
}

// Do sends req to the test server as who ("" for no credential, else a key
// of JWT), without following a redirect, and returns the response, its
// body read and closed.
func (f *Fixture) Do(tb testing.TB, ts *httptest.Server, req *http.Request, who string) (*http.Response, string) {
	tb.Helper()
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.JWT[who])
	}
	c := *ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(b)
}

// Case is one request and the answer it must get.
type Case struct {
	Method, Path, Who string
	Status            int
	// Body is a substring the body must hold; for a 401 or 403, the
	// error_type of its JSON body. Not checked for HEAD.
	Body string
	// Allow is the Allow header, its values joined with ","; the order
	// does not count.
	Allow string
}

// Run sends each case to ts as a subtest and checks the answer.
func (f *Fixture) Run(t *testing.T, ts *httptest.Server, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Method+" "+tc.Path+" as "+tc.Who, func(t *testing.T) {
			status, allow, body := f.Call(t, ts, tc.Method, tc.Path, tc.Who)
			if status != tc.Status {
				t.Fatalf("status %d, want %d (body %q)", status, tc.Status, body)
			}
			if methodSet(allow) != methodSet(tc.Allow) {
				t.Errorf("Allow %q, want %q", allow, tc.Allow)
			}
			switch {
			case tc.Method == http.MethodHead:
			case status == http.StatusUnauthorized || status == http.StatusForbidden:
				if got := errorType(t, body); got != tc.Body {
					t.Errorf("error_type %q, want %q", got, tc.Body)
				}
			case !strings.Contains(body, tc.Body):
				t.Errorf("body %q, want it to hold %q", body, tc.Body)
			}
		})
	}
}

// methodSet spells a list of methods ("GET, DELETE") sorted, for
// comparing Allow headers: chi lists the methods in no fixed order.
func methodSet(list string) string {
	var methods []string
	for m := range strings.SplitSeq(list, ",") {
		if m = strings.TrimSpace(m); m != "" {
			methods = append(methods, m)
		}
	}
	slices.Sort(methods)
	return strings.Join(methods, ",")
}

// errorType decodes the error_type of a JSON refusal.
func errorType(tb testing.TB, body string) string {
	tb.Helper()
	var e struct {
		ErrorType string `json:"error_type"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		tb.Fatalf("refusal body %q is not JSON: %v", body, err)
	}
	return e.ErrorType
}

// CheckAudit checks an audit's result: nil when unmapped and unused are
// both nil, else an *nethttp.AuditError with exactly those lists, each
// entry named in its message.
func CheckAudit(tb testing.TB, err error, unmapped, unused []string) {
	tb.Helper()
	if unmapped == nil && unused == nil {
		if err != nil {
			tb.Fatalf("Audit: %v, want nil", err)
		}
		return
	}
	var audit *nethttp.AuditError
	if !errors.As(err, &audit) {
		tb.Fatalf("Audit: %v, want an *AuditError", err)
	}
	if !slices.Equal(audit.Unmapped, unmapped) || !slices.Equal(audit.Unused, unused) {
		tb.Errorf("Audit: unmapped %q unused %q, want %q and %q", audit.Unmapped, audit.Unused, unmapped, unused)
	}
	for _, s := range append(slices.Clone(unmapped), unused...) {
		if !strings.Contains(err.Error(), s) {
			tb.Errorf("Audit error %q does not name %q", err, s)
		}
	}
}

// Serve benchmarks h serving one GET request for path, which must answer
// 200, with allocations reported.
func Serve(b *testing.B, h http.Handler, path string) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		h.ServeHTTP(w, req)
	}
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
}
