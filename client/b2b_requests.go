package client

import "time"

// B2BGetRequest lists a member's active sessions.
type B2BGetRequest struct {
	// OrganizationID and MemberID are required (Stytch also accepts the
	// organization's slug or external id, and the member's external id).
	OrganizationID string `json:"organization_id"`
	MemberID       string `json:"member_id"`
}

// B2BGetResponse is the answer to B2BClient.Get.
type B2BGetResponse struct {
	RequestID      string          `json:"request_id"`
	MemberSessions []MemberSession `json:"member_sessions"`
	StatusCode     int             `json:"status_code"`
}

// B2BAuthenticateRequest authenticates a member session by its opaque token
// or its JWT: exactly one of SessionToken and SessionJWT must be set.
type B2BAuthenticateRequest struct {
	SessionToken string `json:"session_token,omitempty"`
	// SessionJWT may be expired by its exp claim: while its signature is
	// valid and its session active, Stytch answers with a fresh JWT.
	SessionJWT string `json:"session_jwt,omitempty"`
	// SessionDurationMinutes, when set (5..527040), extends the session to
	// that many minutes from now. Zero leaves the lifetime unchanged.
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
	// AuthorizationCheck, when set, also checks an RBAC permission in an
	// organization: another organization than the session's is a 403
	// ErrSessionAuthorizationTenancy, a missing permission a 403
	// ErrSessionAuthorization, and a success fills Verdict.
	AuthorizationCheck *B2BAuthorizationCheck `json:"authorization_check,omitempty"`
}

// B2BAuthenticateResponse is the answer to B2BClient.Authenticate.
type B2BAuthenticateResponse struct {
	RequestID     string                `json:"request_id"`
	MemberSession MemberSession         `json:"member_session"`
	SessionToken  string                `json:"session_token"`
	SessionJWT    string                `json:"session_jwt"`
	Member        Member                `json:"member"`
	Organization  Organization          `json:"organization"`
	StatusCode    int                   `json:"status_code"`
	Verdict       *AuthorizationVerdict `json:"verdict,omitempty"`
}

// B2BRevokeRequest revokes member sessions: exactly one field must be set.
// MemberID revokes every session of that member.
type B2BRevokeRequest struct {
	MemberSessionID string `json:"member_session_id,omitempty"`
	SessionToken    string `json:"session_token,omitempty"`
	SessionJWT      string `json:"session_jwt,omitempty"`
	MemberID        string `json:"member_id,omitempty"`
}

// B2BExchangeRequest exchanges a member session for a session of the member
// with the same email address in OrganizationID. Exactly one of
// SessionToken and SessionJWT must be set.
type B2BExchangeRequest struct {
	OrganizationID         string       `json:"organization_id"`
	SessionToken           string       `json:"session_token,omitempty"`
	SessionJWT             string       `json:"session_jwt,omitempty"`
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
	// Locale is the language of any MFA message sent (en, es, pt-br, …).
	Locale      string `json:"locale,omitempty"`
	TelemetryID string `json:"telemetry_id,omitempty"`
}

// B2BExchangeResponse is the answer to B2BClient.Exchange. When the target
// organization requires MFA or another primary factor, MemberAuthenticated
// is false, MemberSession is nil and IntermediateSessionToken continues the
// login.
type B2BExchangeResponse struct {
	RequestID                         string           `json:"request_id"`
	MemberID                          string           `json:"member_id"`
	SessionToken                      string           `json:"session_token"`
	SessionJWT                        string           `json:"session_jwt"`
	Member                            Member           `json:"member"`
	Organization                      Organization     `json:"organization"`
	MemberAuthenticated               bool             `json:"member_authenticated"`
	IntermediateSessionToken          string           `json:"intermediate_session_token"`
	StatusCode                        int              `json:"status_code"`
	MemberSession                     *MemberSession   `json:"member_session,omitempty"`
	MFARequired                       *MFARequired     `json:"mfa_required,omitempty"`
	PrimaryRequired                   *PrimaryRequired `json:"primary_required,omitempty"`
	MemberDevice                      *DeviceInfo      `json:"member_device,omitempty"`
	IntermediateSessionTokenExpiresAt time.Time        `json:"intermediate_session_token_expires_at,omitzero"`
}

// B2BExchangeAccessTokenRequest exchanges a Connected Apps access token (with
// the full_access scope, at most 5 minutes old, usable once) for a member
// session.
type B2BExchangeAccessTokenRequest struct {
	AccessToken            string       `json:"access_token"`
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
	TelemetryID            string       `json:"telemetry_id,omitempty"`
}

// B2BAttestRequest exchanges a token of a trusted identity provider, checked
// against the Trusted Auth Token profile ProfileID, for a member session.
// With SessionToken or SessionJWT it adds the factor to that session.
type B2BAttestRequest struct {
	ProfileID              string       `json:"profile_id"`
	Token                  string       `json:"token"`
	OrganizationID         string       `json:"organization_id,omitempty"`
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
	SessionToken           string       `json:"session_token,omitempty"`
	SessionJWT             string       `json:"session_jwt,omitempty"`
	TelemetryID            string       `json:"telemetry_id,omitempty"`
}

// B2BMigrateRequest exchanges an external OIDC provider's session token for
// a session of the member of OrganizationID with the same email address.
type B2BMigrateRequest struct {
	// SessionToken is the external provider's token (required).
	SessionToken           string       `json:"session_token"`
	OrganizationID         string       `json:"organization_id"`
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
}

// B2BSessionGrantResponse is the common answer of B2B ExchangeAccessToken,
// Attest and Migrate, which all grant a member session.
type B2BSessionGrantResponse struct {
	RequestID    string       `json:"request_id"`
	MemberID     string       `json:"member_id"`
	SessionToken string       `json:"session_token"`
	SessionJWT   string       `json:"session_jwt"`
	Member       Member       `json:"member"`
	Organization Organization `json:"organization"`
	StatusCode   int          `json:"status_code"`
	// MemberSession is nil when no session was started.
	MemberSession *MemberSession `json:"member_session,omitempty"`
	MemberDevice  *DeviceInfo    `json:"member_device,omitempty"`
}
