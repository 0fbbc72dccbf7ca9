package middleware

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stytchmw/stytchmw/client"
)

// TestAuthorizeIn: a handler's check of a named organization applies the
// tenancy rule first, then the member's roles, whether the request was
// authenticated by a rule earlier in the chain or by AuthorizeIn itself.
func TestAuthorizeIn(t *testing.T) {
	e := newB2BEnv(t, nil)
	acme, globex := e.acme.OrganizationID, e.globex.OrganizationID
	guarded := e.auth.Require(Authenticated())
	tests := []struct {
		name     string
		jwt      string // "" for none
		org      string
		action   string
		wantCode Code // "" for a pass
	}{
		{"own organization, granted", e.reader.SessionJWT, acme, "read", ""},
		{"own organization, role lacks the action", e.reader.SessionJWT, acme, "delete", ErrMemberForbidden},
		{"other organization", e.reader.SessionJWT, globex, "read", ErrTenancy},
		{"other organization, whatever the roles", e.admin.SessionJWT, acme, "delete", ErrTenancy},
		{"admin in its own", e.admin.SessionJWT, globex, "delete", ""},
		{"no organization", e.admin.SessionJWT, "", "read", ErrTenancy},
		{"unknown organization", e.admin.SessionJWT, "organization-test-00000000-0000-0000-0000-000000000000", "read", ErrTenancy},
		{"no credential", "", acme, "read", ErrNoCredential},
	}
	for _, tt := range tests {
		for _, behindRule := range []bool{false, true} {
			if behindRule && tt.jwt == "" {
				continue
			}
			name := tt.name
			if behindRule {
				name += ", behind Require"
			}
			t.Run(name, func(t *testing.T) {
				var verdict *client.AuthorizationVerdict
				var err error
				h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					verdict, err = e.auth.AuthorizeIn(r, tt.org, "documents", tt.action)
				}))
				if behindRule {
					h = guarded(h)
				}
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if tt.jwt != "" {
					req.Header.Set("Authorization", "Bearer "+tt.jwt)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					t.Fatalf("the guard refused: %d %s", w.Code, w.Body)
				}
				switch {
				case tt.wantCode == "" && (err != nil || verdict == nil || !verdict.Authorized):
					t.Fatalf("AuthorizeIn = %+v, %v; want a verdict", verdict, err)
				case tt.wantCode != "" && (CodeOf(err) != tt.wantCode || !errors.Is(err, tt.wantCode) || verdict != nil):
					t.Fatalf("AuthorizeIn = %+v, %v; want %s", verdict, err, tt.wantCode)
				}
			})
		}
	}
}

// TestAuthorizeInInvalid: AuthorizeIn on a consumer Authenticator, or
// with no resource, is a programming error that checks nothing.
func TestAuthorizeInInvalid(t *testing.T) {
	consumer := newEnv(t, envOptions{roles: []string{"admin"}})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+consumer.grant.SessionJWT)
	if v, err := consumer.auth.AuthorizeIn(req, "organization-test-x", "documents", "read"); !errors.Is(err, ErrInvalidParams) || v != nil {
		t.Fatalf("consumer: %+v, %v; want ErrInvalidParams", v, err)
	}
	e := newB2BEnv(t, nil)
	req.Header.Set("Authorization", "Bearer "+e.reader.SessionJWT)
	if v, err := e.auth.AuthorizeIn(req, e.acme.OrganizationID, "", "read"); !errors.Is(err, ErrInvalidParams) || v != nil {
		t.Fatalf("no resource: %+v, %v; want ErrInvalidParams", v, err)
	}
}

// TestAuthenticateJWTInOrganization: the programmatic API's authorization
// check names an organization in a B2B project, with the tenancy rule
// first, locally and with Stytch.
func TestAuthenticateJWTInOrganization(t *testing.T) {
	e := newB2BEnv(t, nil)
	ctx := context.Background()
	acme, globex := e.acme.OrganizationID, e.globex.OrganizationID
	check := func(action string) *client.AuthorizationCheck {
		return &client.AuthorizationCheck{ResourceID: "documents", Action: action}
	}
	type call func(jwt, org string, c *client.AuthorizationCheck) (*Auth, error)
	calls := map[string]call{
		"AuthenticateJWT": func(jwt, org string, c *client.AuthorizationCheck) (*Auth, error) {
			return e.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: jwt, OrganizationID: org, AuthorizationCheck: c})
		},
		"AuthenticateJWTLocal": func(jwt, org string, c *client.AuthorizationCheck) (*Auth, error) {
			return e.auth.AuthenticateJWTLocal(ctx, AuthenticateJWTLocalParams{SessionJWT: jwt, OrganizationID: org, AuthorizationCheck: c})
		},
	}
	tests := []struct {
		name     string
		jwt, org string
		check    *client.AuthorizationCheck
		wantErr  error // nil for a pass
	}{
		{"own organization", e.reader.SessionJWT, acme, check("read"), nil},
		{"session's own by default", e.reader.SessionJWT, "", check("read"), nil},
		{"role lacks the action", e.reader.SessionJWT, acme, check("create"), ErrMemberForbidden},
		{"other organization", e.reader.SessionJWT, globex, check("read"), ErrTenancy},
		{"other organization, whatever the roles", e.admin.SessionJWT, acme, check("read"), ErrTenancy},
		{"organization without a check", e.reader.SessionJWT, acme, nil, ErrInvalidParams},
		{"check without a resource", e.reader.SessionJWT, acme, &client.AuthorizationCheck{Action: "read"}, ErrInvalidParams},
	}
	for name, do := range calls {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				auth, err := do(tt.jwt, tt.org, tt.check)
				if tt.wantErr == nil {
					if err != nil || auth.Verdict == nil || !auth.Verdict.Authorized {
						t.Fatalf("%+v, %v; want a verdict", auth, err)
					}
					return
				}
				if !errors.Is(err, tt.wantErr) || auth != nil {
					t.Fatalf("%+v, %v; want %v", auth, err, tt.wantErr)
				}
			})
		}
	}

	consumer := newEnv(t, envOptions{roles: []string{"admin"}})
	if _, err := consumer.auth.AuthenticateJWT(ctx, AuthenticateJWTParams{SessionJWT: consumer.grant.SessionJWT,
		OrganizationID: acme, AuthorizationCheck: check("read")}); !errors.Is(err, ErrInvalidParams) {
		t.Fatalf("consumer with an organization: %v, want ErrInvalidParams", err)
	}
}
