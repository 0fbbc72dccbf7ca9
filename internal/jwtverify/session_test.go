package jwtverify

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// TestSessionMatchesTheRemoteAnswer maps a token's claims and compares the
// Session with the one client decodes from the authenticate answer that
// Stytch gives for the same session (spec §2.2, §4.4).
func TestSessionMatchesTheRemoteAnswer(t *testing.T) {
	f := newFixture(t, nil)
	tok := makeToken(keyA, kidA, func(_, c map[string]any) {
		c["email"] = "sandbox@stytch.com"
		c["reference_id"] = 42
		c["org"] = map[string]any{"plan": "pro", "seats": []any{1, 2}}
		c["jti"] = "ignored: reserved"
		c["https://stytch.com/other"] = map[string]any{"ignored": "reserved"}
		c["scope"] = 7 // a session's custom claim, of any type
	})
	res, err := f.v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	remote := `{
		"session_id": "session-test-46ae1f2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
		"user_id": "user-test-5c36e3a1-7f0b-4d3c-9a2e-1b2c3d4e5f60",
		"started_at": "2025-11-12T09:35:49Z",
		"last_accessed_at": "2025-11-12T10:35:49Z",
		"expires_at": "2025-11-12T13:35:49Z",
		"attributes": {"ip_address": "", "user_agent": ""},
		"authentication_factors": [{"type": "magic_link", "delivery_method": "email",
			"last_authenticated_at": "2025-11-12T09:35:49Z",
			"email_factor": {"email_id": "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953",
				"email_address": "sandbox@stytch.com"}}],
		"roles": ["stytch_user", "admin"],
		"custom_claims": {"email": "sandbox@stytch.com", "reference_id": 42, "org": {"plan": "pro", "seats": [1, 2]}, "scope": 7}
	}`
	var want client.Session
	if err := json.Unmarshal([]byte(remote), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*res.Session, want) {
		t.Fatalf("Session = %+v\nwant      %+v", *res.Session, want)
	}
	for _, ts := range []time.Time{res.Session.StartedAt, res.Session.LastAccessedAt, res.Session.ExpiresAt,
		res.Session.AuthenticationFactors[0].LastAuthenticatedAt} {
		if ts.Location() != time.UTC {
			t.Errorf("%v is not in UTC", ts)
		}
	}
}

func TestSessionMappingOfOptionalAndOddFields(t *testing.T) {
	exp := t0.Add(5 * time.Minute)
	for _, tc := range []struct {
		name  string
		edit  func(s, c map[string]any)
		check func(t *testing.T, s *client.Session)
	}{
		{"no expires_at: exp", func(s, _ map[string]any) { delete(s, "expires_at") }, func(t *testing.T, s *client.Session) {
			if !s.ExpiresAt.Equal(exp) {
				t.Errorf("ExpiresAt = %v, want exp %v", s.ExpiresAt, exp)
			}
		}},
		{"empty expires_at: exp", func(s, _ map[string]any) { s["expires_at"] = "" }, func(t *testing.T, s *client.Session) {
			if !s.ExpiresAt.Equal(exp) {
				t.Errorf("ExpiresAt = %v, want exp %v", s.ExpiresAt, exp)
			}
		}},
		{"offset timestamps to UTC", func(s, _ map[string]any) { s["started_at"] = "2025-11-12T11:35:49+02:00" },
			func(t *testing.T, s *client.Session) {
				if want := time.Date(2025, 11, 12, 9, 35, 49, 0, time.UTC); s.StartedAt != want {
					t.Errorf("StartedAt = %v, want %v", s.StartedAt, want)
				}
			}},
		{"null attributes", func(s, _ map[string]any) { s["attributes"] = nil }, func(t *testing.T, s *client.Session) {
			if s.Attributes == nil || *s.Attributes != (client.Attributes{}) {
				t.Errorf("Attributes = %v, want empty and non-nil", s.Attributes)
			}
		}},
		{"no attributes, roles, factors", func(s, _ map[string]any) {
			delete(s, "attributes")
			delete(s, "roles")
			delete(s, "authentication_factors")
		}, func(t *testing.T, s *client.Session) {
			if s.Attributes == nil || s.Roles == nil || s.AuthenticationFactors == nil || len(s.Roles) != 0 {
				t.Errorf("Session = %+v, want non-nil empty fields", s)
			}
		}},
		{"attributes kept", func(s, _ map[string]any) {
			s["attributes"] = map[string]any{"ip_address": "203.0.113.7", "user_agent": "curl/8"}
		}, func(t *testing.T, s *client.Session) {
			if *s.Attributes != (client.Attributes{IPAddress: "203.0.113.7", UserAgent: "curl/8"}) {
				t.Errorf("Attributes = %+v", s.Attributes)
			}
		}},
		{"no custom claims: empty map", nil, func(t *testing.T, s *client.Session) {
			if s.CustomClaims == nil || len(s.CustomClaims) != 0 {
				t.Errorf("CustomClaims = %#v, want empty and non-nil", s.CustomClaims)
			}
		}},
		{"non-ASCII custom claim name", func(_, c map[string]any) { c["café"] = true }, func(t *testing.T, s *client.Session) {
			if s.CustomClaims["café"] != true {
				t.Errorf("CustomClaims = %#v", s.CustomClaims)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			res, err := f.v.Verify(t.Context(), makeToken(keyA, kidA, func(_, c map[string]any) {
				if tc.edit != nil {
					tc.edit(session(c), c)
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, res.Session)
		})
	}
}

func TestEscapedCustomClaimNameIsUnescaped(t *testing.T) {
	f := newFixture(t, nil)
	payload := `{"caf\u00e9":1,` + mustJSON(stytchClaims(t0))[1:]
	res, err := f.v.Verify(t.Context(), rawToken(keyA, mustJSON(stytchHeader(kidA)), payload))
	if err != nil {
		t.Fatal(err)
	}
	if res.Session.CustomClaims["café"] != 1.0 {
		t.Fatalf("CustomClaims = %#v", res.Session.CustomClaims)
	}
	// And a reserved name spelled with an escape is still reserved.
	payload = `{"\u006a\u0074\u0069":"x",` + mustJSON(stytchClaims(t0))[1:]
	res, err = f.v.Verify(t.Context(), rawToken(keyA, mustJSON(stytchHeader(kidA)), payload))
	if err != nil || len(res.Session.CustomClaims) != 0 {
		t.Fatalf("escaped jti: %v, %#v", err, res)
	}
}
