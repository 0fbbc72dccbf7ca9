package client

import (
	"testing"
	"time"
)

// Bodies shaped like the Stytch answers documented for the consumer API
// (authenticate, session, user, JWKS, policy), keys in the alphabetical
// order the API uses, with null for absent optional scalars and a field
// this client does not know ("a_future_field") to show the API may grow.

const sessionJSON = `{
  "attributes": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0"},
  "authentication_factors": [
    {"created_at": "2025-11-12T10:35:49Z", "delivery_method": "knowledge", "last_authenticated_at": "2025-11-12T10:35:49Z",
     "type": "password", "updated_at": "2025-11-12T10:35:49Z"},
    {"delivery_method": "email", "email_factor": {"email_address": "sandbox@stytch.com", "email_id": "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953"},
     "last_authenticated_at": "2025-11-12T10:36:02Z", "type": "magic_link"}
  ],
  "custom_claims": {"plan": "pro", "seats": 5},
  "expires_at": "2025-11-12T11:40:02Z",
  "last_accessed_at": "2025-11-12T10:40:02Z",
  "roles": ["stytch_user", "admin"],
  "session_id": "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
  "started_at": "2025-11-12T10:35:49Z",
  "a_future_field": {"anything": [1, 2, 3]},
  "user_id": "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6"
}`

const userJSON = `{
  "biometric_registrations": [],
  "created_at": "2025-11-01T08:00:00Z",
  "crypto_wallets": [],
  "emails": [{"email": "sandbox@stytch.com", "email_id": "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953", "verified": true}],
  "external_id": null,
  "is_locked": false,
  "lock_created_at": null,
  "lock_expires_at": null,
  "name": {"first_name": "Ada", "last_name": "Lovelace", "middle_name": ""},
  "password": {"password_id": "password-test-3a0f2c9e-6b4d-4c1e-9f7a-2d5b8e1c4a6f", "requires_reset": false},
  "phone_numbers": [{"phone_id": "phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0", "phone_number": "+12025550162", "verified": true}],
  "providers": [],
  "roles": ["stytch_user", "admin"],
  "status": "active",
  "totps": [],
  "trusted_metadata": {"tier": "gold"},
  "untrusted_metadata": {},
  "a_future_field": true,
  "user_id": "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6",
  "webauthn_registrations": []
}`

const authenticateJSON = `{
  "request_id": "request-id-test-00000000-0000-0000-0000-000000000001",
  "session": ` + sessionJSON + `,
  "session_jwt": "eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0LTEiLCJ0eXAiOiJKV1QifQ.e30.c2ln",
  "session_token": "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
  "status_code": 200,
  "user": ` + userJSON + `,
  "user_device": null,
  "user_id": "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6",
  "verdict": {"authorized": true, "granting_roles": ["admin"]}
}`

const grantJSON = `{
  "request_id": "request-id-test-00000000-0000-0000-0000-000000000002",
  "session": ` + sessionJSON + `,
  "session_jwt": "eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0LTEiLCJ0eXAiOiJKV1QifQ.e30.c2ln",
  "session_token": "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
  "status_code": 200,
  "user": ` + userJSON + `,
  "user_device": {
    "ip_address": "203.0.113.7",
    "ip_address_details": {"first_seen_at": "2025-10-01T09:00:00Z", "is_new": false, "last_seen_at": "2025-11-12T10:35:49Z"},
    "ip_geo_city": "Lisbon", "ip_geo_country": "PT",
    "ip_geo_country_details": {"first_seen_at": "2025-10-01T09:00:00Z", "is_new": false, "last_seen_at": "2025-11-12T10:35:49Z"},
    "ip_geo_region": "Lisbon",
    "visitor_id": "visitor-4f1a2b3c",
    "visitor_id_details": {"is_new": true}
  },
  "user_id": "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6"
}`

const getJSON = `{
  "request_id": "request-id-test-00000000-0000-0000-0000-000000000003",
  "sessions": [` + sessionJSON + `],
  "status_code": 200
}`

const revokeJSON = `{"request_id": "request-id-test-00000000-0000-0000-0000-000000000004", "status_code": 200}`

const jwksJSON = `{
  "keys": [{"alg": "RS256", "e": "AQAB", "key_ops": ["verify"], "kid": "jwk-test-22c9a1c4-5a3b-4d0e-8f5e-6f0b3c2d1a09", "kty": "RSA",
            "n": "DUmfotQviq7_5bBKW6v-dBZDV-A6I3MxKljP7SQ3qZJSdKwRPf5hIoENlKI_nqWDoKO26fMLC8UW27MnD2exTkGAve2DivKrY3xAG4otRXBUIfG2VV50y_ZBiPTipeQe1pZxF1fWWlZa_D5p4atlZi8bFq-3pQWZN7xoH4x1YdfvMEOBkKLnJdm1UGV_WoJFClp2ibQonxA0GtBAhrdtCKfWJDIuLPu4LzvWouwDSRMt659nEptylAg3rV8Mwfo_LGg_fMzNmPOIU4tQiAOF5PaAqX4RbN_v8vGv608YMvjX9VXFrFUiNjykXVCgJe1S73ptQ0R2gwN4YSHE-p9qAA",
            "use": "sig", "x5c": ["MIIDCTCCAfGgAwIBAgIUQ3pMgYf0Rg=="], "x5tS256": "Vf4zY2Qx8m0yNw1bq3rC5d7e9f1g3h5j7k9l1m3n5p7"}],
  "request_id": "request-id-test-00000000-0000-0000-0000-000000000005",
  "status_code": 200
}`

const policyJSON = `{
  "policy": {
    "resources": [{"actions": ["create", "read", "write", "delete"], "description": "Shared documents", "resource_id": "documents"}],
    "roles": [
      {"description": "Every user", "permissions": [], "role_id": "stytch_user"},
      {"description": "Edits documents", "permissions": [
         {"actions": ["read", "write"], "resource_id": "documents"},
         {"actions": ["*"], "resource_id": "images"}], "role_id": "editor"}
    ],
    "scopes": [{"description": "Read data", "permissions": [{"actions": ["read"], "resource_id": "documents"}], "scope": "read:data"}]
  },
  "request_id": "request-id-test-00000000-0000-0000-0000-000000000006",
  "status_code": 200
}`

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantSession is sessionJSON decoded.
func wantSession(t *testing.T) Session {
	return Session{
		SessionID: "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
		UserID:    "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6",
		AuthenticationFactors: []AuthenticationFactor{
			{
				Type: "password", DeliveryMethod: "knowledge",
				LastAuthenticatedAt: mustTime(t, "2025-11-12T10:35:49Z"),
				CreatedAt:           mustTime(t, "2025-11-12T10:35:49Z"),
				UpdatedAt:           mustTime(t, "2025-11-12T10:35:49Z"),
			},
			{
				Type: "magic_link", DeliveryMethod: "email",
				LastAuthenticatedAt: mustTime(t, "2025-11-12T10:36:02Z"),
				EmailFactor: &EmailFactor{
					EmailID: "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953", EmailAddress: "sandbox@stytch.com",
				},
			},
		},
		Roles:          []string{"stytch_user", "admin"},
		StartedAt:      mustTime(t, "2025-11-12T10:35:49Z"),
		LastAccessedAt: mustTime(t, "2025-11-12T10:40:02Z"),
		ExpiresAt:      mustTime(t, "2025-11-12T11:40:02Z"),
		Attributes:     &Attributes{IPAddress: "203.0.113.7", UserAgent: "Mozilla/5.0"},
		CustomClaims:   map[string]any{"plan": "pro", "seats": float64(5)},
	}
}

// wantUser is userJSON decoded.
func wantUser(t *testing.T) User {
	return User{
		UserID: "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6",
		Status: "active",
		Name:   &Name{FirstName: "Ada", LastName: "Lovelace"},
		Emails: []Email{{EmailID: "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953", Email: "sandbox@stytch.com", Verified: true}},
		PhoneNumbers: []PhoneNumber{{
			PhoneID: "phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0", PhoneNumber: "+12025550162", Verified: true,
		}},
		Providers:              []OAuthProvider{},
		WebAuthnRegistrations:  []WebAuthnRegistration{},
		TOTPs:                  []TOTP{},
		CryptoWallets:          []CryptoWallet{},
		BiometricRegistrations: []BiometricRegistration{},
		Password:               &Password{PasswordID: "password-test-3a0f2c9e-6b4d-4c1e-9f7a-2d5b8e1c4a6f"},
		Roles:                  []string{"stytch_user", "admin"},
		CreatedAt:              mustTime(t, "2025-11-01T08:00:00Z"),
		TrustedMetadata:        map[string]any{"tier": "gold"},
		UntrustedMetadata:      map[string]any{},
	}
}

const (
	fixtureJWT   = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0LTEiLCJ0eXAiOiJKV1QifQ.e30.c2ln"
	fixtureToken = "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q"
)

func wantGrant(t *testing.T) SessionGrantResponse {
	s := wantSession(t)
	seen := &DeviceAttributeDetails{
		FirstSeenAt: mustTime(t, "2025-10-01T09:00:00Z"), LastSeenAt: mustTime(t, "2025-11-12T10:35:49Z"),
	}
	return SessionGrantResponse{
		RequestID:    "request-id-test-00000000-0000-0000-0000-000000000002",
		UserID:       "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6",
		SessionToken: fixtureToken,
		SessionJWT:   fixtureJWT,
		User:         wantUser(t),
		StatusCode:   200,
		Session:      &s,
		UserDevice: &DeviceInfo{
			VisitorID:           "visitor-4f1a2b3c",
			VisitorIDDetails:    &DeviceAttributeDetails{IsNew: true},
			IPAddress:           "203.0.113.7",
			IPAddressDetails:    seen,
			IPGeoCity:           "Lisbon",
			IPGeoRegion:         "Lisbon",
			IPGeoCountry:        "PT",
			IPGeoCountryDetails: seen,
		},
	}
}
