package client

import "time"

// User is the user object the Sessions endpoints return, with the fields
// Stytch sends (see Stytch's Get User endpoint for their meaning).
type User struct {
	UserID                 string                  `json:"user_id"`
	Status                 string                  `json:"status"`
	Name                   *Name                   `json:"name,omitempty"`
	Emails                 []Email                 `json:"emails"`
	PhoneNumbers           []PhoneNumber           `json:"phone_numbers"`
	Providers              []OAuthProvider         `json:"providers"`
	WebAuthnRegistrations  []WebAuthnRegistration  `json:"webauthn_registrations"`
	TOTPs                  []TOTP                  `json:"totps"`
	CryptoWallets          []CryptoWallet          `json:"crypto_wallets"`
	BiometricRegistrations []BiometricRegistration `json:"biometric_registrations"`
	// Password is nil when the user has no password.
	Password          *Password      `json:"password"`
	Roles             []string       `json:"roles"`
	IsLocked          bool           `json:"is_locked"`
	LockCreatedAt     time.Time      `json:"lock_created_at,omitzero"`
	LockExpiresAt     time.Time      `json:"lock_expires_at,omitzero"`
	CreatedAt         time.Time      `json:"created_at,omitzero"`
	TrustedMetadata   map[string]any `json:"trusted_metadata,omitempty"`
	UntrustedMetadata map[string]any `json:"untrusted_metadata,omitempty"`
	// ExternalID is empty when the API sent null.
	ExternalID string `json:"external_id,omitempty"`
}

// Name is a user's name; each part is optional.
type Name struct {
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	LastName   string `json:"last_name"`
}

// Email is one of a user's email addresses.
type Email struct {
	EmailID  string `json:"email_id"`
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
}

// PhoneNumber is one of a user's phone numbers.
type PhoneNumber struct {
	PhoneID     string `json:"phone_id"`
	PhoneNumber string `json:"phone_number"`
	Verified    bool   `json:"verified"`
}

// OAuthProvider is an OAuth identity linked to a user.
type OAuthProvider struct {
	ProviderType            string `json:"provider_type"`
	ProviderSubject         string `json:"provider_subject"`
	ProfilePictureURL       string `json:"profile_picture_url"`
	Locale                  string `json:"locale"`
	OAuthUserRegistrationID string `json:"oauth_user_registration_id"`
}

// WebAuthnRegistration is a WebAuthn device registered by a user.
type WebAuthnRegistration struct {
	WebAuthnRegistrationID string `json:"webauthn_registration_id"`
	Domain                 string `json:"domain"`
	UserAgent              string `json:"user_agent"`
	Verified               bool   `json:"verified"`
	AuthenticatorType      string `json:"authenticator_type"`
	Name                   string `json:"name,omitempty"`
}

// TOTP is an authenticator-app registration.
type TOTP struct {
	TOTPID   string `json:"totp_id"`
	Verified bool   `json:"verified"`
}

// CryptoWallet is a crypto wallet linked to a user.
type CryptoWallet struct {
	CryptoWalletID      string `json:"crypto_wallet_id"`
	CryptoWalletAddress string `json:"crypto_wallet_address"`
	CryptoWalletType    string `json:"crypto_wallet_type"`
	Verified            bool   `json:"verified"`
}

// BiometricRegistration is a biometric registration of a user.
type BiometricRegistration struct {
	BiometricRegistrationID string `json:"biometric_registration_id"`
	Verified                bool   `json:"verified"`
}

// Password describes a user's password.
type Password struct {
	PasswordID    string `json:"password_id"`
	RequiresReset bool   `json:"requires_reset"`
}
