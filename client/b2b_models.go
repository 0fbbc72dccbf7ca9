package client

import "time"

// MemberSession is a Stytch B2B session: a member's session in one
// organization. Timestamps are UTC; a zero time means the API did not send
// the field.
type MemberSession struct {
	MemberSessionID       string                 `json:"member_session_id"`
	MemberID              string                 `json:"member_id"`
	StartedAt             time.Time              `json:"started_at,omitzero"`
	LastAccessedAt        time.Time              `json:"last_accessed_at,omitzero"`
	ExpiresAt             time.Time              `json:"expires_at,omitzero"`
	AuthenticationFactors []AuthenticationFactor `json:"authentication_factors"`
	OrganizationID        string                 `json:"organization_id"`
	// Roles are the member's roles, stytch_member included, and the
	// organization's custom roles the member holds.
	Roles            []string       `json:"roles"`
	OrganizationSlug string         `json:"organization_slug"`
	CustomClaims     map[string]any `json:"custom_claims,omitempty"`
}

// Member is a member of a B2B organization, with the fields Stytch sends
// (see Stytch's Member object for their meaning).
type Member struct {
	OrganizationID         string              `json:"organization_id"`
	MemberID               string              `json:"member_id"`
	EmailAddress           string              `json:"email_address"`
	Status                 string              `json:"status"`
	Name                   string              `json:"name"`
	SSORegistrations       []SSORegistration   `json:"sso_registrations"`
	IsBreakglass           bool                `json:"is_breakglass"`
	MemberPasswordID       string              `json:"member_password_id"`
	OAuthRegistrations     []OAuthRegistration `json:"oauth_registrations"`
	EmailAddressVerified   bool                `json:"email_address_verified"`
	MFAPhoneNumberVerified bool                `json:"mfa_phone_number_verified"`
	IsAdmin                bool                `json:"is_admin"`
	TOTPRegistrationID     string              `json:"totp_registration_id"`
	RetiredEmailAddresses  []RetiredEmail      `json:"retired_email_addresses"`
	IsLocked               bool                `json:"is_locked"`
	MFAEnrolled            bool                `json:"mfa_enrolled"`
	MFAPhoneNumber         string              `json:"mfa_phone_number"`
	DefaultMFAMethod       string              `json:"default_mfa_method"`
	// Roles are the member's roles with where each comes from; a session's
	// roles are only their ids.
	Roles             []MemberRole      `json:"roles"`
	TrustedMetadata   map[string]any    `json:"trusted_metadata,omitempty"`
	UntrustedMetadata map[string]any    `json:"untrusted_metadata,omitempty"`
	CreatedAt         time.Time         `json:"created_at,omitzero"`
	UpdatedAt         time.Time         `json:"updated_at,omitzero"`
	SCIMRegistration  *SCIMRegistration `json:"scim_registration,omitempty"`
	ExternalID        string            `json:"external_id,omitempty"`
	LockCreatedAt     time.Time         `json:"lock_created_at,omitzero"`
	LockExpiresAt     time.Time         `json:"lock_expires_at,omitzero"`
}

// MemberRole is a role a member holds and the sources that grant it.
type MemberRole struct {
	RoleID  string             `json:"role_id"`
	Sources []MemberRoleSource `json:"sources"`
}

// MemberRoleSource is how a role was given: direct_assignment,
// email_assignment, sso_connection, sso_connection_group or
// scim_connection_group, with details that depend on the type.
type MemberRoleSource struct {
	Type    string         `json:"type"`
	Details map[string]any `json:"details,omitempty"`
}

// SSORegistration is a SAML or OIDC connection a member authenticated with.
type SSORegistration struct {
	ConnectionID   string         `json:"connection_id"`
	ExternalID     string         `json:"external_id"`
	RegistrationID string         `json:"registration_id"`
	SSOAttributes  map[string]any `json:"sso_attributes,omitempty"`
}

// OAuthRegistration is an OAuth identity provider a member authenticated with.
type OAuthRegistration struct {
	ProviderType              string `json:"provider_type"`
	ProviderSubject           string `json:"provider_subject"`
	MemberOAuthRegistrationID string `json:"member_oauth_registration_id"`
	ProfilePictureURL         string `json:"profile_picture_url,omitempty"`
	Locale                    string `json:"locale,omitempty"`
}

// RetiredEmail is an email address a member no longer uses.
type RetiredEmail struct {
	EmailID      string `json:"email_id"`
	EmailAddress string `json:"email_address"`
}

// SCIMRegistration is the SCIM connection that provisioned a member.
type SCIMRegistration struct {
	ConnectionID   string         `json:"connection_id"`
	RegistrationID string         `json:"registration_id"`
	ExternalID     string         `json:"external_id,omitempty"`
	SCIMAttributes map[string]any `json:"scim_attributes,omitempty"`
}

// Organization is a B2B organization, with the fields Stytch sends (see
// Stytch's Organization object for their meaning).
type Organization struct {
	OrganizationID                       string                        `json:"organization_id"`
	OrganizationName                     string                        `json:"organization_name"`
	OrganizationLogoURL                  string                        `json:"organization_logo_url"`
	OrganizationSlug                     string                        `json:"organization_slug"`
	SSOJITProvisioning                   string                        `json:"sso_jit_provisioning"`
	SSOJITProvisioningAllowedConnections []string                      `json:"sso_jit_provisioning_allowed_connections"`
	SSOActiveConnections                 []ActiveSSOConnection         `json:"sso_active_connections"`
	EmailAllowedDomains                  []string                      `json:"email_allowed_domains"`
	EmailJITProvisioning                 string                        `json:"email_jit_provisioning"`
	EmailInvites                         string                        `json:"email_invites"`
	AuthMethods                          string                        `json:"auth_methods"`
	AllowedAuthMethods                   []string                      `json:"allowed_auth_methods"`
	MFAPolicy                            string                        `json:"mfa_policy"`
	RBACEmailImplicitRoleAssignments     []EmailImplicitRoleAssignment `json:"rbac_email_implicit_role_assignments"`
	MFAMethods                           string                        `json:"mfa_methods"`
	AllowedMFAMethods                    []string                      `json:"allowed_mfa_methods"`
	OAuthTenantJITProvisioning           string                        `json:"oauth_tenant_jit_provisioning"`
	ClaimedEmailDomains                  []string                      `json:"claimed_email_domains"`
	FirstPartyConnectedAppsAllowedType   string                        `json:"first_party_connected_apps_allowed_type"`
	AllowedFirstPartyConnectedApps       []string                      `json:"allowed_first_party_connected_apps"`
	ThirdPartyConnectedAppsAllowedType   string                        `json:"third_party_connected_apps_allowed_type"`
	AllowedThirdPartyConnectedApps       []string                      `json:"allowed_third_party_connected_apps"`
	// CustomRoles are the organization's own roles, as GetOrgPolicy
	// returns them.
	CustomRoles            []PolicyRole          `json:"custom_roles"`
	TrustedMetadata        map[string]any        `json:"trusted_metadata,omitempty"`
	CreatedAt              time.Time             `json:"created_at,omitzero"`
	UpdatedAt              time.Time             `json:"updated_at,omitzero"`
	OrganizationExternalID string                `json:"organization_external_id,omitempty"`
	SSODefaultConnectionID string                `json:"sso_default_connection_id,omitempty"`
	SCIMActiveConnection   *ActiveSCIMConnection `json:"scim_active_connection,omitempty"`
	AllowedOAuthTenants    map[string]any        `json:"allowed_oauth_tenants,omitempty"`
}

// ActiveSSOConnection names an organization's active SAML or OIDC connection.
type ActiveSSOConnection struct {
	ConnectionID     string `json:"connection_id"`
	DisplayName      string `json:"display_name"`
	IdentityProvider string `json:"identity_provider"`
}

// ActiveSCIMConnection names an organization's active SCIM connection.
type ActiveSCIMConnection struct {
	ConnectionID         string    `json:"connection_id"`
	DisplayName          string    `json:"display_name"`
	BearerTokenLastFour  string    `json:"bearer_token_last_four"`
	BearerTokenExpiresAt time.Time `json:"bearer_token_expires_at,omitzero"`
}

// EmailImplicitRoleAssignment grants RoleID to every member whose email
// address is in Domain.
type EmailImplicitRoleAssignment struct {
	Domain string `json:"domain"`
	RoleID string `json:"role_id"`
}

// B2BAuthorizationCheck asks B2B Authenticate to check that the session's
// member may perform Action on ResourceID in OrganizationID. An
// organization other than the session's is refused (403
// ErrSessionAuthorizationTenancy) before any role is looked at.
type B2BAuthorizationCheck struct {
	OrganizationID string `json:"organization_id"`
	ResourceID     string `json:"resource_id"`
	Action         string `json:"action"`
}

// MFARequired says how a member may complete MFA after Exchange.
type MFARequired struct {
	MemberOptions          *MFAMemberOptions `json:"member_options,omitempty"`
	SecondaryAuthInitiated string            `json:"secondary_auth_initiated,omitempty"`
}

// MFAMemberOptions are the MFA factors a member has registered.
type MFAMemberOptions struct {
	MFAPhoneNumber     string `json:"mfa_phone_number"`
	TOTPRegistrationID string `json:"totp_registration_id"`
}

// PrimaryRequired lists the primary authentication methods an organization
// accepts when Exchange could not authenticate the member in it.
type PrimaryRequired struct {
	AllowedAuthMethods []string `json:"allowed_auth_methods"`
}
