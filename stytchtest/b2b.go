package stytchtest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// DefaultMemberRole is the role Stytch gives every member of a B2B
// organization.
const DefaultMemberRole = "stytch_member"

// Bounds on B2B records.
const (
	maxOrganizations = 10_000
	maxMembers       = 100_000
	maxSlugBytes     = 128
)

// Error types of B2B projects that client does not name: the emulator's
// choice where Stytch's are unconfirmed (the authorization and not-found
// ones are client's ErrSessionAuthorization… constants).
const (
	errSlugTaken            client.ErrorType = "organization_slug_already_used"
	errInvalidSlug          client.ErrorType = "invalid_organization_slug"
	errDuplicateMemberEmail client.ErrorType = "duplicate_member_email"
	errNotB2B               client.ErrorType = "b2b_project_only"
	errNotConsumer          client.ErrorType = "consumer_project_only"
)

// Messages of the B2B errors.
const (
	msgOrganizationNotFound = "Organization could not be found."
	msgMemberNotFound       = "Member could not be found."
	msgSessionNotAuthorized = "Member is not authorized to perform the requested action on that resource."
	msgTenancy              = "OrganizationID in AuthorizationCheck request does not match session's Organization ID."
)

// Organization is a B2B organization as the API shows it (the fields the
// emulator keeps).
type Organization struct {
	OrganizationID   string         `json:"organization_id"`
	OrganizationName string         `json:"organization_name"`
	OrganizationSlug string         `json:"organization_slug"`
	TrustedMetadata  map[string]any `json:"trusted_metadata"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

// MemberRole is one role a member holds, with where it comes from.
type MemberRole struct {
	RoleID  string             `json:"role_id"`
	Sources []MemberRoleSource `json:"sources"`
}

// MemberRoleSource says how a member came to hold a role.
type MemberRoleSource struct {
	Type    string         `json:"type"`
	Details map[string]any `json:"details"`
}

// Member is a member of an organization as the API shows it (the fields
// the emulator keeps).
type Member struct {
	MemberID             string         `json:"member_id"`
	OrganizationID       string         `json:"organization_id"`
	EmailAddress         string         `json:"email_address"`
	EmailAddressVerified bool           `json:"email_address_verified"`
	Status               string         `json:"status"`
	Name                 string         `json:"name"`
	Roles                []MemberRole   `json:"roles"`
	TrustedMetadata      map[string]any `json:"trusted_metadata"`
	UntrustedMetadata    map[string]any `json:"untrusted_metadata"`
	CreatedAt            time.Time      `json:"created_at"`
	UpdatedAt            time.Time      `json:"updated_at"`
}

// RoleIDs lists the ids of the member's roles, DefaultMemberRole first.
func (m Member) RoleIDs() []string {
	ids := make([]string, len(m.Roles))
	for i, r := range m.Roles {
		ids[i] = r.RoleID
	}
	return ids
}

// MemberSession is a member session as the API shows it.
type MemberSession struct {
	MemberSessionID       string                        `json:"member_session_id"`
	MemberID              string                        `json:"member_id"`
	OrganizationID        string                        `json:"organization_id"`
	OrganizationSlug      string                        `json:"organization_slug"`
	Roles                 []string                      `json:"roles"`
	CustomClaims          map[string]any                `json:"custom_claims"`
	StartedAt             time.Time                     `json:"started_at"`
	LastAccessedAt        time.Time                     `json:"last_accessed_at"`
	ExpiresAt             time.Time                     `json:"expires_at"`
	AuthenticationFactors []client.AuthenticationFactor `json:"authentication_factors"`
}

// MemberSessionGrant is a member session the emulator started, with its
// credentials.
type MemberSessionGrant struct {
	SessionToken  string
	SessionJWT    string
	MemberSession MemberSession
}

// organization is the emulator's record of an organization.
type organization struct {
	Organization
	customRoles []client.PolicyRole // the org policy's roles
}

// member is the emulator's record of a member.
type member struct {
	Member
	emailID string
}

// OrganizationParams describes an organization to create.
type OrganizationParams struct {
	// Name is the organization's display name (required).
	Name string
	// Slug is its unique URL-safe name (required): 2 to 128 of a-z, 0-9,
	// "-", ".", "_" and "~".
	Slug string
}

// MemberParams describes a member to add to an organization.
type MemberParams struct {
	// OrganizationID names the organization (required).
	OrganizationID string
	// Email is the member's email address (required, unique within the
	// organization; the same address in another organization is another
	// member).
	Email string
	// Name is the member's display name.
	Name string
	// Roles are the member's roles besides "stytch_member", which every
	// member holds first: the project policy's or the organization's custom
	// roles (not checked, as a role may be defined later).
	Roles []string
}

// MemberSessionParams describes a session to create for a member.
type MemberSessionParams struct {
	// OrganizationID and MemberID name the member (both required).
	OrganizationID string
	MemberID       string
	// DurationMinutes is the session's lifetime: 1..527040 minutes, 60 when
	// zero (see SessionParams.DurationMinutes).
	DurationMinutes int
	// CustomClaims are the session's custom claims, as for SessionParams.
	CustomClaims map[string]any
	// AuthenticationFactors are the factors the session was authenticated
	// with. Empty means one email magic link factor for the member's email.
	AuthenticationFactors []client.AuthenticationFactor
}

// errModeOnly refuses a call that the project's kind does not serve.
func (s *Server) errModeOnly(wantB2B bool) *client.StytchError {
	if s.b2b == wantB2B {
		return nil
	}
	if wantB2B {
		return badRequest(errNotB2B, "This is a consumer project; start the emulator with Config.B2B for organizations and members.")
	}
	return badRequest(errNotConsumer, "This is a B2B project; users and their sessions belong to consumer projects.")
}

// validSlug reports whether slug is a usable organization slug.
func validSlug(slug string) bool {
	if len(slug) < 2 || len(slug) > maxSlugBytes {
		return false
	}
	return !strings.ContainsFunc(slug, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r))
	})
}

// CreateOrganization stores an organization (B2B projects only) and returns
// it as the API shows it.
func (s *Server) CreateOrganization(ctx context.Context, p OrganizationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	org, e := s.createOrganization(p)
	if e != nil {
		return Organization{}, e
	}
	return org, nil
}

func (s *Server) createOrganization(p OrganizationParams) (Organization, *client.StytchError) {
	if e := s.errModeOnly(true); e != nil {
		return Organization{}, e
	}
	switch {
	case p.Name == "" || len(p.Name) > maxFieldBytes:
		return Organization{}, badRequest(client.ErrBadRequest, "organization_name is required and may take at most %d bytes.", maxFieldBytes)
	case !validSlug(p.Slug):
		return Organization{}, badRequest(errInvalidSlug, "organization_slug must be 2 to %d of a-z, 0-9, '-', '.', '_' and '~'.", maxSlugBytes)
	}
	now := s.stamp()
	org := &organization{Organization: Organization{OrganizationID: s.newID("organization"), OrganizationName: p.Name,
		OrganizationSlug: p.Slug, TrustedMetadata: map[string]any{}, CreatedAt: now, UpdatedAt: now}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.orgsBySlug[p.Slug]; taken {
		return Organization{}, badRequest(errSlugTaken, "An organization with this organization_slug already exists.")
	}
	if len(s.orgs) >= maxOrganizations {
		return Organization{}, badRequest(client.ErrBadRequest, "The emulator holds its maximum of %d organizations.", maxOrganizations)
	}
	s.orgs[org.OrganizationID] = org
	s.orgsBySlug[p.Slug] = org.OrganizationID
	return org.view(), nil
}

// view returns the organization as the API shows it, sharing nothing.
func (o *organization) view() Organization {
	v := o.Organization
	v.TrustedMetadata = map[string]any{}
	return v
}

// orgLocked returns the organization with id, or organization_not_found.
// s.mu must be held.
func (s *Server) orgLocked(id string) (*organization, *client.StytchError) {
	if org := s.orgs[id]; org != nil {
		return org, nil
	}
	return nil, apiError(http.StatusNotFound, client.ErrOrganizationNotFound, msgOrganizationNotFound)
}

// memberLocked returns the member id of the organization orgID, or
// member_not_found (also for a member of another organization). s.mu must
// be held.
func (s *Server) memberLocked(orgID, id string) (*member, *client.StytchError) {
	if m := s.members[id]; m != nil && m.OrganizationID == orgID {
		return m, nil
	}
	return nil, apiError(http.StatusNotFound, client.ErrMemberNotFound, msgMemberNotFound)
}

// CreateMember adds a member to an organization (B2B projects only) and
// returns it as the API shows it.
func (s *Server) CreateMember(ctx context.Context, p MemberParams) (Member, error) {
	if err := ctx.Err(); err != nil {
		return Member{}, err
	}
	m, _, e := s.createMember(p)
	if e != nil {
		return Member{}, e
	}
	return m, nil
}

func (s *Server) createMember(p MemberParams) (Member, Organization, *client.StytchError) {
	if e := s.errModeOnly(true); e != nil {
		return Member{}, Organization{}, e
	}
	if !validEmail(p.Email) {
		return Member{}, Organization{}, badRequest(errInvalidEmail, "email_address is not a valid email address.")
	}
	if len(p.Name) > maxFieldBytes {
		return Member{}, Organization{}, badRequest(client.ErrBadRequest, "name may take at most %d bytes.", maxFieldBytes)
	}
	roleIDs, e := withDefaultRole(DefaultMemberRole, p.Roles)
	if e != nil {
		return Member{}, Organization{}, e
	}
	roles := make([]MemberRole, len(roleIDs))
	for i, id := range roleIDs {
		roles[i] = MemberRole{RoleID: id, Sources: []MemberRoleSource{{Type: "direct_assignment", Details: map[string]any{}}}}
	}
	now := s.stamp()
	m := &member{Member: Member{MemberID: s.newID("member"), OrganizationID: p.OrganizationID, EmailAddress: p.Email,
		EmailAddressVerified: true, Status: "active", Name: p.Name, Roles: roles,
		TrustedMetadata: map[string]any{}, UntrustedMetadata: map[string]any{}, CreatedAt: now, UpdatedAt: now},
		emailID: s.newID("member-email")}
	key := memberEmailKey(p.OrganizationID, p.Email)
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.orgLocked(p.OrganizationID)
	if e != nil {
		return Member{}, Organization{}, e
	}
	if _, taken := s.membersByEmail[key]; taken {
		return Member{}, Organization{}, badRequest(errDuplicateMemberEmail, "A member with this email_address already exists in the organization.")
	}
	if len(s.members) >= maxMembers {
		return Member{}, Organization{}, badRequest(client.ErrBadRequest, "The emulator holds its maximum of %d members.", maxMembers)
	}
	s.members[m.MemberID] = m
	s.membersByEmail[key] = m.MemberID
	return m.view(), org.view(), nil
}

// memberEmailKey indexes members by organization and lower-cased email.
func memberEmailKey(orgID, email string) string { return orgID + "\x00" + strings.ToLower(email) }

// view returns the member as the API shows it, sharing nothing.
func (m *member) view() Member {
	v := m.Member
	v.Roles = make([]MemberRole, len(m.Roles))
	for i, r := range m.Roles {
		v.Roles[i] = MemberRole{RoleID: r.RoleID, Sources: []MemberRoleSource{{Type: r.Sources[0].Type, Details: map[string]any{}}}}
	}
	v.TrustedMetadata, v.UntrustedMetadata = map[string]any{}, map[string]any{}
	return v
}

// memberView returns sn, a member session, as the API shows it. s.mu must
// be held.
func (s *Server) memberViewLocked(sn *session) MemberSession {
	slug := ""
	if org := s.orgs[sn.orgID]; org != nil {
		slug = org.OrganizationSlug
	}
	claims := cloneJSON(sn.customClaims)
	if claims == nil {
		claims = map[string]any{}
	}
	return MemberSession{
		MemberSessionID:       sn.id,
		MemberID:              sn.userID,
		OrganizationID:        sn.orgID,
		OrganizationSlug:      slug,
		Roles:                 slices.Clone(sn.roles),
		CustomClaims:          claims,
		StartedAt:             sn.startedAt,
		LastAccessedAt:        sn.lastAccessedAt,
		ExpiresAt:             sn.expiresAt,
		AuthenticationFactors: cloneJSON(sn.factors),
	}
}

// CreateMemberSession starts a session for a member (B2B projects only),
// as a login would, and returns its token, a fresh JWT and the session.
func (s *Server) CreateMemberSession(ctx context.Context, p MemberSessionParams) (*MemberSessionGrant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	minutes := p.DurationMinutes
	if minutes == 0 {
		minutes = defaultDurationMinutes
	}
	grant, err := s.createMemberSession(p.OrganizationID, p.MemberID, minutes, p.CustomClaims, p.AuthenticationFactors)
	if err != nil {
		return nil, err
	}
	return grant, nil
}

func (s *Server) createMemberSession(orgID, memberID string, minutes int, claims map[string]any, factors []client.AuthenticationFactor) (*MemberSessionGrant, *client.StytchError) {
	if e := s.errModeOnly(true); e != nil {
		return nil, e
	}
	if minutes < 1 || minutes > client.MaxSessionDurationMinutes {
		return nil, badRequest(client.ErrInvalidSessionDurationMinutes,
			"session_duration_minutes must be between 1 and %d for a session the emulator creates.", client.MaxSessionDurationMinutes)
	}
	prepared, e := prepareClaims(claims)
	if e != nil {
		return nil, e
	}
	initial, _ := applyClaims(nil, prepared) // fits: prepared was checked
	now := s.stamp()
	fs, e := prepareFactors(factors, now)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	m, e := s.orgMemberLocked(orgID, memberID)
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	if len(fs) == 0 {
		fs = []client.AuthenticationFactor{{Type: "magic_link", DeliveryMethod: "email",
			LastAuthenticatedAt: now, CreatedAt: now, UpdatedAt: now,
			EmailFactor: &client.EmailFactor{EmailID: m.emailID, EmailAddress: m.EmailAddress}}}
	}
	sn, e := s.addSessionLocked(m.MemberID, orgID, m.RoleIDs(), now, minutes, fs, initial)
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	view := s.memberViewLocked(sn)
	s.mu.Unlock()
	return s.memberGrant(view)
}

// orgMemberLocked returns the member memberID of the organization orgID:
// organization_not_found or member_not_found otherwise. s.mu must be held.
func (s *Server) orgMemberLocked(orgID, memberID string) (*member, *client.StytchError) {
	if orgID == "" || memberID == "" {
		return nil, badRequest(client.ErrBadRequest, "organization_id and member_id are required.")
	}
	if _, e := s.orgLocked(orgID); e != nil {
		return nil, e
	}
	return s.memberLocked(orgID, memberID)
}

// memberGrant signs a JWT for view and returns its grant.
func (s *Server) memberGrant(view MemberSession) (*MemberSessionGrant, *client.StytchError) {
	jwt, err := s.mintMemberJWT(view)
	if err != nil {
		return nil, apiError(http.StatusInternalServerError, client.ErrInternalServerError, "The emulator could not sign a JWT.")
	}
	return &MemberSessionGrant{SessionToken: s.sessionToken(view.MemberSessionID), SessionJWT: jwt, MemberSession: view}, nil
}

// SetOrgPolicy replaces an organization's custom roles (its org policy), as
// PUT /v1/b2b/rbac/organizations/{organization_id} does. The roles may
// grant only what the project policy defines, and may not reuse a role id
// of the project policy; other organizations are unaffected.
func (s *Server) SetOrgPolicy(orgID string, roles []client.PolicyRole) error {
	if e := s.setOrgPolicy(orgID, roles); e != nil {
		return e
	}
	return nil
}

func (s *Server) setOrgPolicy(orgID string, roles []client.PolicyRole) *client.StytchError {
	if e := s.errModeOnly(true); e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.orgLocked(orgID)
	if e != nil {
		return e
	}
	// The org's roles are checked against the project's resources, as one
	// policy of the project's roles and resources plus the custom roles.
	combined := clonePolicy(client.Policy{Roles: roles, Resources: s.policy.Resources})
	if err := validatePolicy(combined); err != nil {
		return asAPIError(err)
	}
	for _, r := range roles {
		for _, projectRole := range s.policy.Roles {
			if r.RoleID == projectRole.RoleID {
				return policyError("custom role %q has the id of a role of the project policy.", r.RoleID)
			}
		}
	}
	org.customRoles = combined.Roles
	return nil
}

// OrgPolicy returns a copy of an organization's custom roles (empty, not
// nil, before any SetOrgPolicy).
func (s *Server) OrgPolicy(orgID string) ([]client.PolicyRole, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.orgLocked(orgID)
	if e != nil {
		return nil, e
	}
	return clonePolicy(client.Policy{Roles: org.customRoles}).Roles, nil
}
