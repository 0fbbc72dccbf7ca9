package stytchtest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// b2bServer is a B2B emulator whose clock stands at fixedNow.
func b2bServer(t *testing.T) *Server {
	t.Helper()
	return newTestServer(t, Config{Now: fixedNow, B2B: true})
}

func mustOrg(t *testing.T, srv *Server, slug string) Organization {
	t.Helper()
	org, err := srv.CreateOrganization(context.Background(), OrganizationParams{Name: "Org " + slug, Slug: slug})
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return org
}

func mustMember(t *testing.T, srv *Server, orgID, email string, roles ...string) Member {
	t.Helper()
	m, err := srv.CreateMember(context.Background(), MemberParams{OrganizationID: orgID, Email: email, Name: "Test Member", Roles: roles})
	if err != nil {
		t.Fatalf("CreateMember: %v", err)
	}
	return m
}

func mustMemberSession(t *testing.T, srv *Server, p MemberSessionParams) *MemberSessionGrant {
	t.Helper()
	g, err := srv.CreateMemberSession(context.Background(), p)
	if err != nil {
		t.Fatalf("CreateMemberSession: %v", err)
	}
	return g
}

// memberSession creates a member of org with roles and a session for it.
func memberSession(t *testing.T, srv *Server, org Organization, roles ...string) (Member, *MemberSessionGrant) {
	t.Helper()
	m := mustMember(t, srv, org.OrganizationID, uniqueEmail("member"), roles...)
	return m, mustMemberSession(t, srv, MemberSessionParams{OrganizationID: org.OrganizationID, MemberID: m.MemberID})
}

// b2bAnswer is the answer of authenticate and exchange.
type b2bAnswer struct {
	StatusCode          int           `json:"status_code"`
	RequestID           string        `json:"request_id"`
	MemberID            string        `json:"member_id"`
	MemberSession       MemberSession `json:"member_session"`
	SessionToken        string        `json:"session_token"`
	SessionJWT          string        `json:"session_jwt"`
	Member              Member        `json:"member"`
	Organization        Organization  `json:"organization"`
	MemberAuthenticated bool          `json:"member_authenticated"`
	Verdict             *struct {
		Authorized    bool     `json:"authorized"`
		GrantingRoles []string `json:"granting_roles"`
	} `json:"verdict"`
}

// b2bAuthenticate posts body to /v1/b2b/sessions/authenticate.
func b2bAuthenticate(t *testing.T, srv *Server, body map[string]any) rawResponse {
	t.Helper()
	return call(t, srv, http.MethodPost, "/v1/b2b/sessions/authenticate", body, true)
}

// mustB2BAuthenticate authenticates and decodes a 200 answer.
func mustB2BAuthenticate(t *testing.T, srv *Server, body map[string]any) b2bAnswer {
	t.Helper()
	var a b2bAnswer
	b2bAuthenticate(t, srv, body).decodeOK(t, &a)
	return a
}

// jsonRaw keeps a JSON value undecoded.
type jsonRaw = json.RawMessage

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
}
