package client

// CustomClaims are session custom claims to set with a request. A key whose
// value is nil is sent as JSON null, which deletes that claim from the
// session. Reserved claim names (iss, sub, aud, exp, nbf, iat, jti and every
// https://stytch.com/ key) are ignored by Stytch, so the client leaves them
// out of the request (see PrepareCustomClaims); the JSON of the rest may take
// at most MaxCustomClaimsBytes.
type CustomClaims map[string]any

// GetRequest lists the active sessions of a user.
type GetRequest struct {
	// UserID is required; Stytch also accepts the user's external_id here.
	UserID string `json:"user_id"`
}

// GetResponse is the answer to Get.
type GetResponse struct {
	RequestID  string    `json:"request_id"`
	Sessions   []Session `json:"sessions"`
	StatusCode int       `json:"status_code"`
}

// AuthenticateRequest authenticates a session by its opaque token or its JWT:
// exactly one of SessionToken and SessionJWT must be set.
type AuthenticateRequest struct {
	SessionToken string `json:"session_token,omitempty"`
	// SessionJWT may be expired by its exp claim: while its signature is
	// valid and its session active, Stytch answers with a fresh JWT.
	SessionJWT string `json:"session_jwt,omitempty"`
	// SessionDurationMinutes, when set (5..527040), extends the session to
	// that many minutes from now. Zero leaves the lifetime unchanged.
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
	// AuthorizationCheck, when set, also checks an RBAC permission: a denial
	// is a 403 (ErrConsumerSessionAuthorization), a success fills Verdict.
	AuthorizationCheck *AuthorizationCheck `json:"authorization_check,omitempty"`
}

// AuthenticateResponse is the answer to Authenticate.
type AuthenticateResponse struct {
	RequestID    string                `json:"request_id"`
	Session      Session               `json:"session"`
	SessionToken string                `json:"session_token"`
	SessionJWT   string                `json:"session_jwt"`
	User         User                  `json:"user"`
	StatusCode   int                   `json:"status_code"`
	Verdict      *AuthorizationVerdict `json:"verdict,omitempty"`
}

// RevokeRequest revokes a session: exactly one field must be set.
type RevokeRequest struct {
	SessionID    string `json:"session_id,omitempty"`
	SessionToken string `json:"session_token,omitempty"`
	SessionJWT   string `json:"session_jwt,omitempty"`
}

// RevokeResponse is the answer to Revoke.
type RevokeResponse struct {
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

// MigrateRequest exchanges an external OIDC provider's session token for a
// Stytch session of the user with the same email address.
type MigrateRequest struct {
	// SessionToken is the external provider's token (required).
	SessionToken           string       `json:"session_token"`
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
	TelemetryID            string       `json:"telemetry_id,omitempty"`
}

// MigrateResponse is the answer to Migrate.
type MigrateResponse = SessionGrantResponse

// ExchangeAccessTokenRequest exchanges a Connected Apps access token (with
// the full_access scope, at most 5 minutes old, usable once) for a session.
type ExchangeAccessTokenRequest struct {
	AccessToken            string       `json:"access_token"`
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
	TelemetryID            string       `json:"telemetry_id,omitempty"`
}

// ExchangeAccessTokenResponse is the answer to ExchangeAccessToken.
type ExchangeAccessTokenResponse = SessionGrantResponse

// AttestRequest exchanges a token of a trusted identity provider, checked
// against the Trusted Auth Token profile ProfileID, for a session. With
// SessionToken or SessionJWT it adds the factor to that existing session.
type AttestRequest struct {
	ProfileID              string       `json:"profile_id"`
	Token                  string       `json:"token"`
	SessionDurationMinutes int          `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    CustomClaims `json:"session_custom_claims,omitempty"`
	SessionToken           string       `json:"session_token,omitempty"`
	SessionJWT             string       `json:"session_jwt,omitempty"`
	TelemetryID            string       `json:"telemetry_id,omitempty"`
}

// AttestResponse is the answer to Attest.
type AttestResponse = SessionGrantResponse

// SessionGrantResponse is the common answer of Migrate, ExchangeAccessToken
// and Attest, which all grant a session to a user.
type SessionGrantResponse struct {
	RequestID    string `json:"request_id"`
	UserID       string `json:"user_id"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
	User         User   `json:"user"`
	StatusCode   int    `json:"status_code"`
	// Session is nil when no session was started.
	Session    *Session    `json:"session,omitempty"`
	UserDevice *DeviceInfo `json:"user_device,omitempty"`
}

// GetJWKSRequest names the project whose keys to fetch.
type GetJWKSRequest struct {
	ProjectID string `json:"project_id"`
}

// GetJWKSResponse is the project's JSON Web Key Set.
type GetJWKSResponse struct {
	Keys       []JWK  `json:"keys"`
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}
