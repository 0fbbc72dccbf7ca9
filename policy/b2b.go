package policy

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// DefaultMaxOrganizations is how many organizations' custom roles a
// B2BCache holds when B2BConfig.MaxOrganizations is zero.
const DefaultMaxOrganizations = 10_000

// B2BConfig configures a B2BCache. Only Client is required; a zero field
// means its default.
type B2BConfig struct {
	// Client fetches the B2B project's policy (GET /v1/b2b/rbac/policy)
	// and the organizations' custom roles
	// (GET /v1/b2b/rbac/organizations/{organization_id}).
	Client *client.Client
	// RefreshInterval bounds how stale the project policy and an
	// organization's custom roles can be, as Config.RefreshInterval does:
	// 0 means DefaultRefreshInterval (5 minutes), otherwise at least
	// MinRefreshInterval; a negative value is an error. The project policy
	// is refreshed in the background on that schedule; an organization's
	// roles are refreshed when a check uses them after they grew stale
	// (the check is answered with the roles in force meanwhile), so an
	// organization nobody asks about costs no request.
	RefreshInterval time.Duration
	// MaxOrganizations bounds how many organizations' custom roles are
	// held: 0 means DefaultMaxOrganizations. When a new organization is
	// needed and the cache is full, one used least recently is forgotten
	// (and fetched again, its check waiting for it, when next used); size
	// it above the number of organizations active within a refresh
	// interval. It cannot be turned off: a negative value is an error.
	MaxOrganizations int
	// Logger receives failed fetches, policy changes and inconsistencies,
	// as Config.Logger does. nil discards them.
	Logger *slog.Logger
}

// B2BCache evaluates the authorization checks of a Stytch B2B project
// locally, with the verdict Stytch's authorization_check would give: the
// tenancy rule first, then the project policy's roles followed by the
// organization's custom roles. It holds the project policy (refreshed in
// the background, as a Cache does) and the custom roles of the
// organizations checked (each fetched on first need, cached, refreshed when
// stale, bounded in number). It is safe for concurrent use.
//
// When a refresh fails, the last good policy or roles stay in force. While
// the project policy, or the custom roles of the organization checked, were
// never loaded, checks fail closed with an error matching ErrUnavailable.
type B2BCache struct {
	project *Cache
	orgs    *orgCache
}

// FetchedAt is when the project policy in force was fetched (zero while
// none is); organizations' custom roles are fetched on their own schedule.
func (b *B2BCache) FetchedAt() time.Time { return b.project.FetchedAt() }

// NewB2B returns a B2BCache of cfg.Client's B2B project. It starts the
// project policy's fetch at once and waits for it as New does; it fails
// only for a bad config. Close stops it.
func NewB2B(ctx context.Context, cfg B2BConfig) (*B2BCache, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	}
	interval, err := refreshInterval(cfg.RefreshInterval)
	if err != nil {
		return nil, err
	}
	maxOrgs := cfg.MaxOrganizations
	switch {
	case maxOrgs == 0:
		maxOrgs = DefaultMaxOrganizations
	case maxOrgs < 0:
		return nil, fmt.Errorf("%w: MaxOrganizations must be 0 (the default) or positive", ErrInvalidConfig)
	}
	log := logger(cfg.Logger)
	b2b := cfg.Client.B2B()
	return &B2BCache{
		orgs:    newOrgCache(ctx, b2b, interval, maxOrgs, log),
		project: start(ctx, b2b.GetPolicy, "B2B RBAC policy", interval, log),
	}, nil
}

// MemberCheck is an authorization check of a member session in a B2B
// project.
type MemberCheck struct {
	// OrganizationID is the organization the check is about: where the
	// route says (a path parameter, a slug resolved to its id), or the
	// session's own organization for a route that is not tenant-scoped.
	OrganizationID string
	// SessionOrganizationID is the organization of the member session (its
	// https://stytch.com/organization claim, or the session Stytch
	// answered).
	SessionOrganizationID string
	// Roles are the session's roles.
	Roles []string
	// ResourceID and Action are the permission asked for.
	ResourceID, Action string
}

// AuthorizeMember evaluates a member's check by Stytch's B2B rule:
//
//  1. Tenancy first: a check whose OrganizationID is empty or is not the
//     session's organization is refused with ErrTenancy, whatever the
//     roles, before any role or organization is looked at.
//  2. The roles considered are the project policy's, followed by the
//     organization's custom roles (a role of the same name in another
//     organization is that organization's definition, not this one's).
//  3. The check is authorized when one of the session's roles has a
//     permission naming ResourceID exactly with Action or "*".
//
// A denial is a *DenialError, as from Cache.Authorize (naming an undefined
// resource or action is reported and logged as there). While the project
// policy was never loaded, or the organization's custom roles were never
// loaded, it fails closed with an error matching ErrUnavailable.
//
// The first check of an organization waits, as long as ctx allows, for
// its custom roles (one fetch shared by every check of it under way);
// later checks answer at once and allocate nothing (as Cache.Authorize),
// the roles being refreshed in the background once stale. The Verdict
// refers to chk.Roles: do not modify them while it is in use.
func (c *B2BCache) AuthorizeMember(ctx context.Context, chk MemberCheck) (Verdict, error) {
	if c == nil {
		return Verdict{}, ErrUnavailable
	}
	if err := tenancy(chk.OrganizationID, chk.SessionOrganizationID); err != nil {
		return Verdict{}, err
	}
	if c.project.current.Load() == nil {
		return Verdict{}, c.project.unavailableError()
	}
	org, err := c.orgs.roles(ctx, chk.OrganizationID)
	if err != nil {
		return Verdict{}, err
	}
	return c.project.authorize(chk.Roles, chk.ResourceID, chk.Action, false, org)
}

// ScopeCheck is an authorization check of a Connected Apps access token
// in a B2B project.
type ScopeCheck struct {
	// OrganizationID is the organization the check is about, as for
	// MemberCheck.
	OrganizationID string
	// TokenOrganizationID is the organization of the token (its
	// https://stytch.com/organization claim).
	TokenOrganizationID string
	// Scopes are the token's scopes.
	Scopes []string
	// ResourceID and Action are the permission asked for.
	ResourceID, Action string
}

// AuthorizeScopes evaluates a Connected Apps token's check by Stytch's
// scope-based RBAC: tenancy first (ErrTenancy, as AuthorizeMember), then
// the rule of roles with the token's scopes in place of roles and the
// project policy's scopes in place of its roles. Organizations' custom
// roles do not apply to scopes, so nothing is fetched: it allocates
// nothing, as Cache.Authorize. It fails closed with ErrUnavailable while
// the project policy was never loaded.
func (c *B2BCache) AuthorizeScopes(chk ScopeCheck) (Verdict, error) {
	if c == nil {
		return Verdict{}, ErrUnavailable
	}
	if err := tenancy(chk.OrganizationID, chk.TokenOrganizationID); err != nil {
		return Verdict{}, err
	}
	return c.project.authorize(chk.Scopes, chk.ResourceID, chk.Action, true, nil)
}

// tenancy is Stytch's tenancy rule, refusing also a check that names no
// usable organization.
func tenancy(checkOrg, subjectOrg string) error {
	if checkOrg == "" || len(checkOrg) > maxOrganizationIDBytes || checkOrg != subjectOrg {
		return ErrTenancy
	}
	return nil
}

// Validate reports whether the project policy in force defines resourceID
// with action, as Cache.Validate does (organizations' custom roles define
// no resources).
func (c *B2BCache) Validate(resourceID, action string) error {
	if c == nil {
		return ErrUnavailable
	}
	return c.project.Validate(resourceID, action)
}

// Policy returns a copy of the project policy in force, and false while
// none was ever loaded.
func (c *B2BCache) Policy() (*client.Policy, bool) {
	if c == nil {
		return nil, false
	}
	return c.project.Policy()
}

// Refresh fetches the project policy now, as Cache.Refresh does.
func (c *B2BCache) Refresh(ctx context.Context) error {
	return c.project.Refresh(ctx)
}

// RefreshOrganization fetches an organization's custom roles now (after
// the fetch under way, if any, and whatever the backoff after a failure)
// and waits for it as long as ctx allows: after changing an
// organization's roles, so that its checks see the change at once. On
// failure the roles in force stay and the error is returned.
func (c *B2BCache) RefreshOrganization(ctx context.Context, organizationID string) error {
	if organizationID == "" || len(organizationID) > maxOrganizationIDBytes {
		return fmt.Errorf("policy: refresh organization: %w", client.ErrInvalidOrganizationID)
	}
	if err := c.orgs.refreshNow(ctx, organizationID); err != nil {
		return fmt.Errorf("policy: refresh organization: %w", err)
	}
	return nil
}

// Organizations is how many organizations' custom roles are held (at most
// B2BConfig.MaxOrganizations).
func (c *B2BCache) Organizations() int { return c.orgs.held() }

// Close stops every background fetch and waits for them. The policy and
// roles held stay usable; an organization not held then fails closed.
// Close is idempotent and always returns nil.
func (c *B2BCache) Close() error {
	c.orgs.close()
	return c.project.Close()
}
