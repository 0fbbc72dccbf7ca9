// Package stytchtest is an in-process Stytch emulator for tests, the way
// net/http/httptest gives tests a server. It is for development and tests
// only: it is not Stytch, keeps everything in memory and trusts whatever a
// test registers.
//
// NewServer serves over real HTTP on loopback; its URL is the client's
// BaseURL and Client returns a client configured for it. The emulator
// behaves like Stytch on the wire, closely enough for Stytch's official SDKs:
//
//   - the consumer Sessions endpoints (get, authenticate, revoke, migrate,
//     exchange_access_token, attest), the session JWKS (served with or without
//     credentials) and the RBAC policy, at the host root, runs of "/"
//     tolerated, with Stytch's validation, response shapes and error bodies
//     (status_code, request_id, error_type, error_message, error_url);
//   - session JWTs signed RS256 by 2048-bit keys, with exactly Stytch's header
//     and claims (iss stytch.com/<project_id>, aud [project_id], sub, iat = nbf,
//     exp five minutes later, the https://stytch.com/session claim, custom
//     claims at the top level);
//   - authenticate with Stytch's rules: an expired JWT whose signature is
//     valid and whose session is active is accepted and answered with a fresh
//     one, session_duration_minutes extends the session, custom claims are
//     updated (null deletes, reserved names are ignored, 4 KB at most), and an
//     authorization_check is decided by Stytch's RBAC rule;
//   - with Config.B2B, a B2B project instead of a consumer one: Stytch's
//     organizations (create, get), members (create, get by id or email),
//     B2B sessions (get, authenticate with an authorization_check, revoke by
//     session id, token, JWT or member, exchange, exchange_access_token,
//     attest, migrate), the B2B JWKS (without
//     credentials), the B2B policy with scopes and the organizations'
//     custom roles (org policy get and put). Member session JWTs carry
//     exactly Stytch's claims, with the https://stytch.com/organization
//     claim {organization_id, slug}. An authorization_check refuses another
//     organization first (403 session_authorization_tenancy_error), then
//     looks at the project's roles and the session organization's custom
//     roles (403 session_authorization_error);
//   - in both kinds of project, M2M clients (create, with a generated or
//     the caller's own client_id and client_secret; get), the OAuth token
//     endpoint (client credentials, form-encoded, OAuth-shaped errors
//     invalid_client and invalid_scope), Connected Apps access tokens
//     for users and members (CreateAccessToken), RFC 7662 introspection and
//     the key set at /v1/public/{project_id}/.well-known/jwks.json. Access
//     tokens are signed by the project's keys, live an hour, carry a scope
//     claim and no session claim, and are refused as session_jwt.
//
// Tests control it from Go: users and sessions (CreateUser, CreateSession),
// organizations, members and member sessions (CreateOrganization,
// CreateMember, CreateMemberSession, SetOrgPolicy), M2M clients and tokens
// (CreateM2MClient, CreateM2MToken, CreateAccessToken, RevokeAccessToken),
// the policy (SetPolicy), the clock (Now, Advance), key rotation (RotateKeys,
// DropOldKeys), hostile tokens (SignToken, JWTClaims), fault injection
// (InjectFault), request counters (Requests) and the outside parties of the
// grant endpoints (RegisterExternalToken, for users or members). The same
// controls are served
// under /emulator/ for the standalone command, stytchtest/cmd/stytch-emulator
// (access tokens at /emulator/access-tokens, external tokens at
// /emulator/external-tokens, in both kinds of project).
//
// Consumer and B2B share one implementation wherever Stytch's rules are
// the same: the session store, authenticate's update of a session, revoke,
// the grant endpoints' token rules and checks, and the key set.
//
// # Where Stytch's behaviour is unconfirmed
//
// The emulator follows the project's decisions: every user holds
// "stytch_user" first, then its own roles; granting_roles lists the session's
// roles that satisfy a check, in the session's order; argument errors
// (too_many_session_arguments, no_session_arguments, their revoke variants,
// invalid_session_duration_minutes, custom-claim errors) are 400; an unknown,
// revoked or expired session is 404 session_not_found; bad credentials are
// 401 unauthorized_credentials; a denied check is 403
// consumer_session_authorization_error; error_url is
// https://stytch.com/docs/api/errors/<status>. A JWT the emulator could not
// have issued (malformed, unknown kid, bad signature, alg other than RS256)
// is 400 unable_to_parse_session_jwt, and one with another audience, issuer or
// no session claim is 400 jwt_invalid_audience, jwt_invalid_issuer or
// jwt_invalid_claims.
//
// B2B and M2M choices of the same kind: every member holds "stytch_member"
// first, each role with the source "direct_assignment"; a member's session
// keeps the roles it had when it started; organization slugs are 2 to 128
// of a-z, 0-9 and "-._~"; an unknown organization or member (or a member of
// another organization) is 404 organization_not_found or
// member_not_found; a slug or member email already used is 400
// organization_slug_already_used or duplicate_member_email; custom roles may
// not reuse a project role's id; exchange leaves the original session
// active; the token endpoint answers 401 invalid_client for an unknown
// client or a wrong secret; introspection takes any client_id (Connected
// Apps clients are not modelled) but checks an M2M client's secret, and
// answers M2M tokens active while their client exists. A caller's own
// client_id is 1 to 128 of A-Z, a-z, 0-9 and "-._~" (it must fit a URL
// path segment) and, when taken, 400 duplicate_client_id; its own
// client_secret is 8 (Stytch's documented minimum) to 256 printable ASCII
// bytes, Stytch's entropy rule not modelled. B2B migrate and attest find
// the member with the registered token's email address in the request's
// organization (attest: or its session's) and never create one (Stytch
// documents that the member must exist); exchange_access_token needs the
// token registered for a member id, since its request names no
// organization; a trusted auth token naming another member than the
// session's is 400 invalid_trusted_auth_token. A JWT without the
// organization claim sent to a B2B project is 400 jwt_invalid_claims. In
// the Go API a zero DurationMinutes means the default of 60; the admin API
// refuses an explicit session_duration_minutes of 0.
//
// # Tokens
//
// The emulator never stores a raw token: session tokens are derived from the
// session id with a key drawn at start, every token it looks up is indexed
// by its SHA-256, and M2M client secrets are kept only as their SHA-256.
package stytchtest
