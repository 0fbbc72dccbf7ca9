package stytchtest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

func TestB2BOrganizationsOverHTTP(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	r := call(t, srv, http.MethodPost, "/v1/b2b/organizations", map[string]any{"organization_name": "Acme", "organization_slug": "acme"}, true)
	var body struct {
		StatusCode   int          `json:"status_code"`
		RequestID    string       `json:"request_id"`
		Organization Organization `json:"organization"`
	}
	r.decodeOK(t, &body)
	org := body.Organization
	if body.StatusCode != 200 || !strings.HasPrefix(body.RequestID, "request-id-test-") ||
		!strings.HasPrefix(org.OrganizationID, "organization-test-") || org.OrganizationName != "Acme" ||
		org.OrganizationSlug != "acme" || !org.CreatedAt.Equal(fixedNow) {
		t.Errorf("create organization = %s", r.body)
	}
	var got struct {
		Organization Organization `json:"organization"`
	}
	call(t, srv, http.MethodGet, "/v1/b2b/organizations/"+org.OrganizationID, nil, true).decodeOK(t, &got)
	if got.Organization.OrganizationID != org.OrganizationID || got.Organization.OrganizationSlug != "acme" {
		t.Errorf("get organization = %+v", got.Organization)
	}
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/b2b/organizations/organization-test-unknown", nil, true), 404, client.ErrOrganizationNotFound)
	for name, tt := range map[string]struct {
		body map[string]any
		want client.ErrorType
	}{
		"slug taken":    {map[string]any{"organization_name": "Acme 2", "organization_slug": "acme"}, errSlugTaken},
		"bad slug":      {map[string]any{"organization_name": "X", "organization_slug": "Not A Slug"}, errInvalidSlug},
		"no slug":       {map[string]any{"organization_name": "X"}, errInvalidSlug},
		"no name":       {map[string]any{"organization_slug": "x-y"}, client.ErrBadRequest},
		"wrong type":    {map[string]any{"organization_name": 3, "organization_slug": "x-y"}, client.ErrBadRequest},
		"one-char slug": {map[string]any{"organization_name": "X", "organization_slug": "x"}, errInvalidSlug},
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/organizations", tt.body, true), 400, tt.want)
		})
	}
}

func TestB2BMembersOverHTTP(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	acme, globex := mustOrg(t, srv, "acme"), mustOrg(t, srv, "globex")
	path := "/v1/b2b/organizations/" + acme.OrganizationID + "/members"
	r := call(t, srv, http.MethodPost, path, map[string]any{"organization_id": acme.OrganizationID,
		"email_address": "ada@example.com", "name": "Ada", "roles": []string{"editor", "stytch_member"}}, true)
	var body struct {
		MemberID     string       `json:"member_id"`
		Member       Member       `json:"member"`
		Organization Organization `json:"organization"`
	}
	r.decodeOK(t, &body)
	m := body.Member
	if body.MemberID != m.MemberID || !strings.HasPrefix(m.MemberID, "member-test-") || m.OrganizationID != acme.OrganizationID ||
		m.EmailAddress != "ada@example.com" || m.Name != "Ada" || m.Status != "active" ||
		!slices.Equal(m.RoleIDs(), []string{"stytch_member", "editor"}) || len(m.Roles[1].Sources) != 1 ||
		body.Organization.OrganizationID != acme.OrganizationID {
		t.Errorf("create member = %s", r.body)
	}
	wantErrorBody(t, call(t, srv, http.MethodPost, path, map[string]any{"email_address": "ADA@example.com"}, true), 400, errDuplicateMemberEmail)
	wantErrorBody(t, call(t, srv, http.MethodPost, path, map[string]any{"email_address": "ada"}, true), 400, errInvalidEmail)
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/b2b/organizations/organization-test-x/members",
		map[string]any{"email_address": "x@example.com"}, true), 404, client.ErrOrganizationNotFound)

	other := mustMember(t, srv, globex.OrganizationID, "ada@example.com")
	if other.MemberID == m.MemberID || other.OrganizationID != globex.OrganizationID {
		t.Errorf("the same email in another organization = %+v, want another member", other)
	}

	for _, q := range []string{"?member_id=" + m.MemberID, "?email_address=ADA@example.com"} {
		var got struct {
			MemberID     string       `json:"member_id"`
			Member       Member       `json:"member"`
			Organization Organization `json:"organization"`
		}
		call(t, srv, http.MethodGet, "/v1/b2b/organizations/"+acme.OrganizationID+"/member"+q, nil, true).decodeOK(t, &got)
		if got.MemberID != m.MemberID || got.Member.EmailAddress != "ada@example.com" || got.Organization.OrganizationSlug != "acme" {
			t.Errorf("get member %s = %+v", q, got)
		}
	}
	for name, tt := range map[string]struct {
		path   string
		status int
		want   client.ErrorType
	}{
		"unknown member":       {"/v1/b2b/organizations/" + acme.OrganizationID + "/member?member_id=member-test-x", 404, client.ErrMemberNotFound},
		"another org's member": {"/v1/b2b/organizations/" + acme.OrganizationID + "/member?member_id=" + other.MemberID, 404, client.ErrMemberNotFound},
		"unknown email":        {"/v1/b2b/organizations/" + acme.OrganizationID + "/member?email_address=x@example.com", 404, client.ErrMemberNotFound},
		"unknown organization": {"/v1/b2b/organizations/organization-test-x/member?member_id=" + m.MemberID, 404, client.ErrOrganizationNotFound},
		"neither id nor email": {"/v1/b2b/organizations/" + acme.OrganizationID + "/member", 400, client.ErrBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, http.MethodGet, tt.path, nil, true), tt.status, tt.want)
		})
	}
}

func TestB2BModeSeparation(t *testing.T) {
	t.Parallel()
	b2b, consumer := b2bServer(t), sharedServer(t)
	ctx := context.Background()
	if _, err := b2b.CreateUser(ctx, UserParams{}); !errors.Is(err, errNotConsumer) {
		t.Errorf("CreateUser on a B2B project: %v", err)
	}
	if _, err := b2b.CreateSession(ctx, SessionParams{UserID: "user-test-x"}); !errors.Is(err, errNotConsumer) {
		t.Errorf("CreateSession on a B2B project: %v", err)
	}
	if _, err := consumer.CreateOrganization(ctx, OrganizationParams{Name: "A", Slug: "aa"}); !errors.Is(err, errNotB2B) {
		t.Errorf("CreateOrganization on a consumer project: %v", err)
	}
	if err := consumer.SetOrgPolicy("organization-test-x", nil); !errors.Is(err, errNotB2B) {
		t.Errorf("SetOrgPolicy on a consumer project: %v", err)
	}
	for _, path := range []string{"/v1/sessions/authenticate", "/emulator/users", "/emulator/sessions", "/v1/rbac/policy"} {
		wantErrorBody(t, call(t, b2b, http.MethodPost, path, map[string]any{}, true), 404, client.ErrRouteNotFound)
	}
	for _, path := range []string{"/v1/b2b/sessions/authenticate", "/emulator/member_sessions", "/v1/b2b/organizations"} {
		wantErrorBody(t, call(t, consumer, http.MethodPost, path, map[string]any{}, true), 404, client.ErrRouteNotFound)
	}
	r := call(t, b2b, http.MethodDelete, "/v1/b2b/rbac/organizations/organization-test-x", nil, true)
	wantErrorBody(t, r, 405, client.ErrMethodNotAllowed)
	if allow := r.header.Get("Allow"); allow != "GET, PUT" {
		t.Errorf("Allow = %q, want GET, PUT", allow)
	}
}

func TestMemberSessionJWTShape(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	org := mustOrg(t, srv, "acme")
	m := mustMember(t, srv, org.OrganizationID, "ada@example.com", "editor")
	g := mustMemberSession(t, srv, MemberSessionParams{OrganizationID: org.OrganizationID, MemberID: m.MemberID,
		DurationMinutes: 90, CustomClaims: map[string]any{"tier": "gold", "iss": "evil", "https://stytch.com/x": 1}})

	header := jwtSegment(t, g.SessionJWT, 0)
	if keys := objectKeys(t, header); !slices.Equal(keys, []string{"alg", "kid", "typ"}) {
		t.Errorf("header keys = %v", keys)
	}
	if !strings.Contains(string(header), `"alg":"RS256"`) || !strings.Contains(string(header), `"typ":"JWT"`) {
		t.Errorf("header = %s", header)
	}
	payload := jwtSegment(t, g.SessionJWT, 1)
	wantKeys := []string{"aud", "exp", OrganizationClaim, SessionClaim, "iat", "iss", "nbf", "sub", "tier"}
	if keys := objectKeys(t, payload); !slices.Equal(keys, wantKeys) {
		t.Errorf("claim keys = %v, want %v (alphabetical)", keys, wantKeys)
	}
	claims := verifyJWX(t, srv, g.SessionJWT)
	if claims["sub"] != m.MemberID || claims["iss"] != "stytch.com/"+srv.ProjectID || claims["tier"] != "gold" ||
		claims["iat"] != claims["nbf"] || claims["exp"].(float64)-claims["iat"].(float64) != 300 ||
		claims["iat"] != float64(fixedNow.Unix()) {
		t.Errorf("claims = %v", claims)
	}
	if aud, isList := claims["aud"].([]any); !isList || len(aud) != 1 || aud[0] != srv.ProjectID {
		t.Errorf("aud = %v, want [%s]", claims["aud"], srv.ProjectID)
	}
	orgClaim := claims[OrganizationClaim].(map[string]any)
	if len(orgClaim) != 2 || orgClaim["organization_id"] != org.OrganizationID || orgClaim["slug"] != "acme" {
		t.Errorf("organization claim = %v", orgClaim)
	}
	var raw map[string]jsonRaw
	mustUnmarshal(t, payload, &raw)
	if keys := objectKeys(t, raw[SessionClaim]); !slices.Equal(keys, []string{"id", "started_at", "last_accessed_at",
		"expires_at", "attributes", "authentication_factors", "roles"}) {
		t.Errorf("session claim keys = %v", keys)
	}
	sc := claims[SessionClaim].(map[string]any)
	if sc["id"] != g.MemberSession.MemberSessionID || !strings.HasPrefix(g.MemberSession.MemberSessionID, "member-session-test-") ||
		sc["started_at"] != fixedNow.Format(timeFormat) || sc["expires_at"] != fixedNow.Add(90*time.Minute).Format(timeFormat) ||
		!stytchTimestamp.MatchString(sc["last_accessed_at"].(string)) {
		t.Errorf("session claim = %v", sc)
	}
	if roles := sc["roles"].([]any); len(roles) != 2 || roles[0] != "stytch_member" || roles[1] != "editor" {
		t.Errorf("roles = %v", roles)
	}
	factors := sc["authentication_factors"].([]any)
	if len(factors) != 1 || factors[0].(map[string]any)["type"] != "magic_link" ||
		factors[0].(map[string]any)["email_factor"].(map[string]any)["email_address"] != "ada@example.com" {
		t.Errorf("default factor = %v", factors)
	}
	ms := g.MemberSession
	if ms.MemberID != m.MemberID || ms.OrganizationID != org.OrganizationID || ms.OrganizationSlug != "acme" ||
		!slices.Equal(ms.Roles, []string{"stytch_member", "editor"}) || ms.CustomClaims["tier"] != "gold" || len(ms.CustomClaims) != 1 ||
		!ms.ExpiresAt.Equal(fixedNow.Add(90*time.Minute)) || !sessionTokenForm.MatchString(g.SessionToken) {
		t.Errorf("member session = %+v", ms)
	}
}

func TestB2BJWKS(t *testing.T) {
	t.Parallel()
	srv := b2bServer(t)
	for _, path := range []string{"/v1/b2b/sessions/jwks/" + srv.ProjectID, "//v1/b2b/sessions/jwks/" + srv.ProjectID} {
		r := call(t, srv, http.MethodGet, path, nil, false)
		var body struct {
			Keys []map[string]any `json:"keys"`
		}
		r.decodeOK(t, &body)
		if len(body.Keys) != 1 || len(body.Keys[0]) != 9 {
			t.Fatalf("JWKS at %s = %s, want one key of nine fields", path, r.body)
		}
		der, err := base64.StdEncoding.DecodeString(body.Keys[0]["x5c"].([]any)[0].(string))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(der); body.Keys[0]["x5tS256"] != base64.RawURLEncoding.EncodeToString(sum[:]) {
			t.Errorf("x5tS256 = %v, want the SHA-256 of x5c[0]", body.Keys[0]["x5tS256"])
		}
	}
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/b2b/sessions/jwks/project-test-other", nil, false), 404, client.ErrInvalidProjectID)
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/sessions/jwks/"+srv.ProjectID, nil, false), 404, client.ErrRouteNotFound)
}
