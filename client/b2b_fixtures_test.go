package client

// Bodies shaped like the Stytch B2B answers (stytch-node lib/b2b), with a
// field this client does not know to show the API may grow.

const (
	b2bOrgID     = "organization-test-07971b06-ac8b-4cdb-9c15-63b17e653931"
	b2bMemberID  = "member-test-32fc5024-9c09-4da3-bd2e-c9ce4da9375f"
	b2bSessionID = "member-session-test-5e6f8c2a-1b3d-4f7a-9c0e-2d4b6a8f1c3e"
	b2bToken     = "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q"
)

const memberSessionJSON = `{
  "authentication_factors": [{"delivery_method": "email", "email_factor": {"email_address": "ada@acme.example", "email_id": "email-test-1"},
    "last_authenticated_at": "2025-11-12T10:36:02Z", "type": "magic_link"}],
  "custom_claims": {"plan": "pro"},
  "expires_at": "2025-11-12T11:40:02Z",
  "last_accessed_at": "2025-11-12T10:40:02Z",
  "member_id": "` + b2bMemberID + `",
  "member_session_id": "` + b2bSessionID + `",
  "organization_id": "` + b2bOrgID + `",
  "organization_slug": "acme",
  "roles": ["stytch_member", "editor"],
  "started_at": "2025-11-12T10:35:49Z"
}`

const memberJSON = `{
  "created_at": "2025-11-01T08:00:00Z",
  "email_address": "ada@acme.example",
  "email_address_verified": true,
  "external_id": null,
  "is_admin": false,
  "is_breakglass": false,
  "member_id": "` + b2bMemberID + `",
  "name": "Ada Lovelace",
  "oauth_registrations": [],
  "organization_id": "` + b2bOrgID + `",
  "retired_email_addresses": [],
  "roles": [{"role_id": "stytch_member", "sources": [{"type": "direct_assignment", "details": {}}]},
            {"role_id": "editor", "sources": [{"type": "email_assignment", "details": {"domain": "acme.example"}}]}],
  "sso_registrations": [],
  "status": "active",
  "a_future_field": 1
}`

const organizationJSON = `{
  "created_at": "2025-10-01T08:00:00Z",
  "custom_roles": [{"role_id": "auditor", "description": "Reads logs", "permissions": [{"resource_id": "logs", "actions": ["read"]}]}],
  "email_allowed_domains": ["acme.example"],
  "mfa_policy": "OPTIONAL",
  "organization_id": "` + b2bOrgID + `",
  "organization_name": "Acme",
  "organization_slug": "acme",
  "trusted_metadata": {"tier": "gold"}
}`

const b2bAuthenticateJSON = `{
  "member": ` + memberJSON + `,
  "member_session": ` + memberSessionJSON + `,
  "organization": ` + organizationJSON + `,
  "request_id": "request-id-test-b2b-1",
  "session_jwt": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
  "session_token": "` + b2bToken + `",
  "status_code": 200,
  "verdict": {"authorized": true, "granting_roles": ["editor"]}
}`

const b2bGrantJSON = `{
  "member": ` + memberJSON + `,
  "member_id": "` + b2bMemberID + `",
  "member_session": ` + memberSessionJSON + `,
  "organization": ` + organizationJSON + `,
  "request_id": "request-id-test-b2b-2",
  "session_jwt": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
  "session_token": "` + b2bToken + `",
  "status_code": 200
}`

const b2bExchangeJSON = `{
  "intermediate_session_token": "",
  "intermediate_session_token_expires_at": null,
  "member": ` + memberJSON + `,
  "member_authenticated": true,
  "member_id": "` + b2bMemberID + `",
  "member_session": ` + memberSessionJSON + `,
  "mfa_required": null,
  "organization": ` + organizationJSON + `,
  "primary_required": null,
  "request_id": "request-id-test-b2b-3",
  "session_jwt": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
  "session_token": "` + b2bToken + `",
  "status_code": 200
}`

const orgPolicyJSON = `{"org_policy": {"roles": [{"role_id": "auditor", "description": "Reads logs",
  "permissions": [{"resource_id": "logs", "actions": ["read", "*"]}]}]}, "request_id": "request-id-test-b2b-4", "status_code": 200}`
