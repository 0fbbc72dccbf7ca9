package client

import "time"

// Attributes are the request attributes Stytch records with a session.
type Attributes struct {
	IPAddress string `json:"ip_address"`
	UserAgent string `json:"user_agent"`
}

// Session is a Stytch session as the API returns it and as the middleware
// rebuilds it from a verified session JWT.
//
// Timestamps are UTC; a zero time means the API did not send the field, and a
// zero time is never sent back (the fields are tagged omitzero).
type Session struct {
	SessionID             string                 `json:"session_id"`
	UserID                string                 `json:"user_id"`
	AuthenticationFactors []AuthenticationFactor `json:"authentication_factors"`
	Roles                 []string               `json:"roles"`
	StartedAt             time.Time              `json:"started_at,omitzero"`
	LastAccessedAt        time.Time              `json:"last_accessed_at,omitzero"`
	ExpiresAt             time.Time              `json:"expires_at,omitzero"`
	Attributes            *Attributes            `json:"attributes,omitempty"`
	// CustomClaims holds the session's custom claims: every top-level JWT
	// claim that is not reserved. It is empty, never nil, in sessions built
	// by this module.
	CustomClaims map[string]any `json:"custom_claims,omitempty"`
}

// AuthenticationFactor is one factor a session was authenticated with. At
// most one of the *Factor fields is set, the one that matches Type.
type AuthenticationFactor struct {
	// Type is the kind of factor: magic_link, otp, oauth, webauthn, totp,
	// crypto, password, signature_challenge, sso, imported, recovery_codes,
	// email_otp, impersonated, trusted_auth_token, or a value Stytch adds later.
	Type string `json:"type"`
	// DeliveryMethod is how the factor was delivered (email, sms,
	// oauth_google, knowledge, …).
	DeliveryMethod      string    `json:"delivery_method"`
	LastAuthenticatedAt time.Time `json:"last_authenticated_at,omitzero"`
	CreatedAt           time.Time `json:"created_at,omitzero"`
	UpdatedAt           time.Time `json:"updated_at,omitzero"`

	EmailFactor                    *EmailFactor                    `json:"email_factor,omitempty"`
	PhoneNumberFactor              *PhoneNumberFactor              `json:"phone_number_factor,omitempty"`
	GoogleOAuthFactor              *OAuthFactor                    `json:"google_oauth_factor,omitempty"`
	MicrosoftOAuthFactor           *OAuthFactor                    `json:"microsoft_oauth_factor,omitempty"`
	AppleOAuthFactor               *OAuthFactor                    `json:"apple_oauth_factor,omitempty"`
	WebAuthnFactor                 *WebAuthnFactor                 `json:"webauthn_factor,omitempty"`
	AuthenticatorAppFactor         *AuthenticatorAppFactor         `json:"authenticator_app_factor,omitempty"`
	GithubOAuthFactor              *OAuthFactor                    `json:"github_oauth_factor,omitempty"`
	RecoveryCodeFactor             *RecoveryCodeFactor             `json:"recovery_code_factor,omitempty"`
	FacebookOAuthFactor            *OAuthFactor                    `json:"facebook_oauth_factor,omitempty"`
	CryptoWalletFactor             *CryptoWalletFactor             `json:"crypto_wallet_factor,omitempty"`
	AmazonOAuthFactor              *OAuthFactor                    `json:"amazon_oauth_factor,omitempty"`
	BitbucketOAuthFactor           *OAuthFactor                    `json:"bitbucket_oauth_factor,omitempty"`
	CoinbaseOAuthFactor            *OAuthFactor                    `json:"coinbase_oauth_factor,omitempty"`
	DiscordOAuthFactor             *OAuthFactor                    `json:"discord_oauth_factor,omitempty"`
	FigmaOAuthFactor               *OAuthFactor                    `json:"figma_oauth_factor,omitempty"`
	GitLabOAuthFactor              *OAuthFactor                    `json:"git_lab_oauth_factor,omitempty"`
	InstagramOAuthFactor           *OAuthFactor                    `json:"instagram_oauth_factor,omitempty"`
	LinkedInOAuthFactor            *OAuthFactor                    `json:"linked_in_oauth_factor,omitempty"`
	ShopifyOAuthFactor             *OAuthFactor                    `json:"shopify_oauth_factor,omitempty"`
	SlackOAuthFactor               *OAuthFactor                    `json:"slack_oauth_factor,omitempty"`
	SnapchatOAuthFactor            *OAuthFactor                    `json:"snapchat_oauth_factor,omitempty"`
	SpotifyOAuthFactor             *OAuthFactor                    `json:"spotify_oauth_factor,omitempty"`
	SteamOAuthFactor               *OAuthFactor                    `json:"steam_oauth_factor,omitempty"`
	TikTokOAuthFactor              *OAuthFactor                    `json:"tik_tok_oauth_factor,omitempty"`
	TwitchOAuthFactor              *OAuthFactor                    `json:"twitch_oauth_factor,omitempty"`
	TwitterOAuthFactor             *OAuthFactor                    `json:"twitter_oauth_factor,omitempty"`
	EmbeddableMagicLinkFactor      *EmbeddableMagicLinkFactor      `json:"embeddable_magic_link_factor,omitempty"`
	BiometricFactor                *BiometricFactor                `json:"biometric_factor,omitempty"`
	SAMLSSOFactor                  *SSOFactor                      `json:"saml_sso_factor,omitempty"`
	OIDCSSOFactor                  *SSOFactor                      `json:"oidc_sso_factor,omitempty"`
	SalesforceOAuthFactor          *OAuthFactor                    `json:"salesforce_oauth_factor,omitempty"`
	YahooOAuthFactor               *OAuthFactor                    `json:"yahoo_oauth_factor,omitempty"`
	HubspotOAuthFactor             *OAuthFactor                    `json:"hubspot_oauth_factor,omitempty"`
	SlackOAuthExchangeFactor       *OAuthExchangeFactor            `json:"slack_oauth_exchange_factor,omitempty"`
	HubspotOAuthExchangeFactor     *OAuthExchangeFactor            `json:"hubspot_oauth_exchange_factor,omitempty"`
	GithubOAuthExchangeFactor      *OAuthExchangeFactor            `json:"github_oauth_exchange_factor,omitempty"`
	GoogleOAuthExchangeFactor      *OAuthExchangeFactor            `json:"google_oauth_exchange_factor,omitempty"`
	ImpersonatedFactor             *ImpersonatedFactor             `json:"impersonated_factor,omitempty"`
	OAuthAccessTokenExchangeFactor *OAuthAccessTokenExchangeFactor `json:"oauth_access_token_exchange_factor,omitempty"`
	TrustedAuthTokenFactor         *TrustedAuthTokenFactor         `json:"trusted_auth_token_factor,omitempty"`
}

// EmailFactor identifies the email address of an email factor.
type EmailFactor struct {
	EmailID      string `json:"email_id"`
	EmailAddress string `json:"email_address"`
}

// PhoneNumberFactor identifies the phone number of an SMS or WhatsApp factor.
type PhoneNumberFactor struct {
	PhoneID     string `json:"phone_id"`
	PhoneNumber string `json:"phone_number"`
}

// OAuthFactor is the factor of every OAuth provider (the seed's
// GoogleOAuthFactor, GithubOAuthFactor, … all share this shape).
type OAuthFactor struct {
	ID              string `json:"id"`
	ProviderSubject string `json:"provider_subject"`
	EmailID         string `json:"email_id,omitempty"`
}

// The seed declares one interface per OAuth provider, all of the OAuthFactor
// shape; these aliases give each its seed name.

// GoogleOAuthFactor is the OAuthFactor of google_oauth_factor.
type GoogleOAuthFactor = OAuthFactor

// MicrosoftOAuthFactor is the OAuthFactor of microsoft_oauth_factor.
type MicrosoftOAuthFactor = OAuthFactor

// AppleOAuthFactor is the OAuthFactor of apple_oauth_factor.
type AppleOAuthFactor = OAuthFactor

// GithubOAuthFactor is the OAuthFactor of github_oauth_factor.
type GithubOAuthFactor = OAuthFactor

// FacebookOAuthFactor is the OAuthFactor of facebook_oauth_factor.
type FacebookOAuthFactor = OAuthFactor

// AmazonOAuthFactor is the OAuthFactor of amazon_oauth_factor.
type AmazonOAuthFactor = OAuthFactor

// BitbucketOAuthFactor is the OAuthFactor of bitbucket_oauth_factor.
type BitbucketOAuthFactor = OAuthFactor

// CoinbaseOAuthFactor is the OAuthFactor of coinbase_oauth_factor.
type CoinbaseOAuthFactor = OAuthFactor

// DiscordOAuthFactor is the OAuthFactor of discord_oauth_factor.
type DiscordOAuthFactor = OAuthFactor

// FigmaOAuthFactor is the OAuthFactor of figma_oauth_factor.
type FigmaOAuthFactor = OAuthFactor

// GitLabOAuthFactor is the OAuthFactor of git_lab_oauth_factor.
type GitLabOAuthFactor = OAuthFactor

// InstagramOAuthFactor is the OAuthFactor of instagram_oauth_factor.
type InstagramOAuthFactor = OAuthFactor

// LinkedInOAuthFactor is the OAuthFactor of linked_in_oauth_factor.
type LinkedInOAuthFactor = OAuthFactor

// ShopifyOAuthFactor is the OAuthFactor of shopify_oauth_factor.
type ShopifyOAuthFactor = OAuthFactor

// SlackOAuthFactor is the OAuthFactor of slack_oauth_factor.
type SlackOAuthFactor = OAuthFactor

// SnapchatOAuthFactor is the OAuthFactor of snapchat_oauth_factor.
type SnapchatOAuthFactor = OAuthFactor

// SpotifyOAuthFactor is the OAuthFactor of spotify_oauth_factor.
type SpotifyOAuthFactor = OAuthFactor

// SteamOAuthFactor is the OAuthFactor of steam_oauth_factor.
type SteamOAuthFactor = OAuthFactor

// TikTokOAuthFactor is the OAuthFactor of tik_tok_oauth_factor.
type TikTokOAuthFactor = OAuthFactor

// TwitchOAuthFactor is the OAuthFactor of twitch_oauth_factor.
type TwitchOAuthFactor = OAuthFactor

// TwitterOAuthFactor is the OAuthFactor of twitter_oauth_factor.
type TwitterOAuthFactor = OAuthFactor

// SalesforceOAuthFactor is the OAuthFactor of salesforce_oauth_factor.
type SalesforceOAuthFactor = OAuthFactor

// YahooOAuthFactor is the OAuthFactor of yahoo_oauth_factor.
type YahooOAuthFactor = OAuthFactor

// HubspotOAuthFactor is the OAuthFactor of hubspot_oauth_factor.
type HubspotOAuthFactor = OAuthFactor

// OAuthExchangeFactor is the factor of an exchanged OAuth session (the
// seed's SlackOAuthExchangeFactor, GoogleOAuthExchangeFactor, …).
type OAuthExchangeFactor struct {
	EmailID string `json:"email_id"`
}

// The seed's per-provider names for OAuthExchangeFactor.

// SlackOAuthExchangeFactor is the OAuthExchangeFactor of slack_oauth_exchange_factor.
type SlackOAuthExchangeFactor = OAuthExchangeFactor

// HubspotOAuthExchangeFactor is the OAuthExchangeFactor of hubspot_oauth_exchange_factor.
type HubspotOAuthExchangeFactor = OAuthExchangeFactor

// GithubOAuthExchangeFactor is the OAuthExchangeFactor of github_oauth_exchange_factor.
type GithubOAuthExchangeFactor = OAuthExchangeFactor

// GoogleOAuthExchangeFactor is the OAuthExchangeFactor of google_oauth_exchange_factor.
type GoogleOAuthExchangeFactor = OAuthExchangeFactor

// WebAuthnFactor identifies a WebAuthn registration.
type WebAuthnFactor struct {
	WebAuthnRegistrationID string `json:"webauthn_registration_id"`
	Domain                 string `json:"domain"`
	UserAgent              string `json:"user_agent,omitempty"`
}

// AuthenticatorAppFactor identifies a TOTP registration.
type AuthenticatorAppFactor struct {
	TOTPID string `json:"totp_id"`
}

// RecoveryCodeFactor identifies a TOTP recovery code.
type RecoveryCodeFactor struct {
	TOTPRecoveryCodeID string `json:"totp_recovery_code_id"`
}

// CryptoWalletFactor identifies a crypto wallet.
type CryptoWalletFactor struct {
	CryptoWalletID      string `json:"crypto_wallet_id"`
	CryptoWalletAddress string `json:"crypto_wallet_address"`
	CryptoWalletType    string `json:"crypto_wallet_type"`
}

// EmbeddableMagicLinkFactor identifies an embeddable magic link.
type EmbeddableMagicLinkFactor struct {
	EmbeddedID string `json:"embedded_id"`
}

// BiometricFactor identifies a biometric registration.
type BiometricFactor struct {
	BiometricRegistrationID string `json:"biometric_registration_id"`
}

// SSOFactor is the factor of a SAML or OIDC SSO login (the seed's
// SAMLSSOFactor and OIDCSSOFactor).
type SSOFactor struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	ExternalID string `json:"external_id"`
}

// The seed's names for the two kinds of SSOFactor.

// SAMLSSOFactor is the SSOFactor of saml_sso_factor.
type SAMLSSOFactor = SSOFactor

// OIDCSSOFactor is the SSOFactor of oidc_sso_factor.
type OIDCSSOFactor = SSOFactor

// ImpersonatedFactor names who impersonated the user.
type ImpersonatedFactor struct {
	ImpersonatorID           string `json:"impersonator_id"`
	ImpersonatorEmailAddress string `json:"impersonator_email_address"`
}

// OAuthAccessTokenExchangeFactor names the connected app whose access token
// was exchanged for the session.
type OAuthAccessTokenExchangeFactor struct {
	ClientID string `json:"client_id"`
}

// TrustedAuthTokenFactor identifies a trusted auth token.
type TrustedAuthTokenFactor struct {
	TokenID string `json:"token_id"`
}

// JWK is one key of the project's JSON Web Key Set.
type JWK struct {
	Kty     string   `json:"kty"`
	Use     string   `json:"use"`
	KeyOps  []string `json:"key_ops"`
	Alg     string   `json:"alg"`
	Kid     string   `json:"kid"`
	X5c     []string `json:"x5c"`
	X5tS256 string   `json:"x5tS256"`
	N       string   `json:"n"`
	E       string   `json:"e"`
}

// AuthorizationCheck asks Authenticate to check that the session's user may
// perform Action on the RBAC resource ResourceID.
type AuthorizationCheck struct {
	ResourceID string `json:"resource_id"`
	Action     string `json:"action"`
}

// AuthorizationVerdict is the answer to a successful AuthorizationCheck.
type AuthorizationVerdict struct {
	// Authorized is always true when the request succeeded; a denial is a
	// 403 error (ErrConsumerSessionAuthorization).
	Authorized bool `json:"authorized"`
	// GrantingRoles lists the session's roles that grant the permission, in
	// the session's order.
	GrantingRoles []string `json:"granting_roles"`
}

// DeviceInfo describes the device of a telemetry lookup. Stytch fills it only
// when a telemetry_id was sent and Device Fingerprinting is enabled.
type DeviceInfo struct {
	// VisitorID identifies the device's fingerprint.
	VisitorID           string                  `json:"visitor_id"`
	VisitorIDDetails    *DeviceAttributeDetails `json:"visitor_id_details,omitempty"`
	IPAddress           string                  `json:"ip_address,omitempty"`
	IPAddressDetails    *DeviceAttributeDetails `json:"ip_address_details,omitempty"`
	IPGeoCity           string                  `json:"ip_geo_city,omitempty"`
	IPGeoRegion         string                  `json:"ip_geo_region,omitempty"`
	IPGeoCountry        string                  `json:"ip_geo_country,omitempty"`
	IPGeoCountryDetails *DeviceAttributeDetails `json:"ip_geo_country_details,omitempty"`
}

// DeviceAttributeDetails says whether, and when, the user was seen before
// with one device attribute (visitor id, IP address or country).
type DeviceAttributeDetails struct {
	IsNew       bool      `json:"is_new"`
	FirstSeenAt time.Time `json:"first_seen_at,omitzero"`
	LastSeenAt  time.Time `json:"last_seen_at,omitzero"`
}
