package docsapi

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/stytchmw/stytchmw/examples/internal/docstore"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// The B2B example's demo (examples/b2b): two organizations, each with a
// member of each role, so that the banner can show a permitted call, a
// role denial and a tenancy denial.
var (
	// DemoOrganizations are the slugs of the seeded organizations.
	DemoOrganizations = []string{"acme", "globex"}
	// DemoMemberRoles are the roles of the seeded members, one member each
	// per organization (every member also holds "stytch_member").
	DemoMemberRoles = []string{"reader", "editor", "admin"}
)

// b2bDemo is the B2B example's state: its documents, per organization,
// and in embedded mode the seeded organizations and member sessions.
type b2bDemo struct {
	docs *orgStores
	orgs []demoOrganization // embedded mode only
}

// demoOrganization is a seeded organization and its members' sessions,
// in DemoMemberRoles' order.
type demoOrganization struct {
	org     stytchtest.Organization
	members []demoMember
}

// demoMember is a seeded member and its session.
type demoMember struct {
	role   string
	member stytchtest.Member
	grant  *stytchtest.MemberSessionGrant
}

// OpenB2B is Open for the B2B example: without project credentials the
// embedded emulator serves a B2B project (its default B2B policy: reader,
// editor, admin on "documents", and stytch_member), seeded with the
// organizations of DemoOrganizations and a member of each role of
// DemoMemberRoles in each, with a session.
func OpenB2B(ctx context.Context, getenv func(string) string, logOutput io.Writer) (d *Demo, err error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	d = newDemo(cfg, logOutput)
	defer func() {
		if err != nil {
			_ = d.Close()
			d = nil
		}
	}()
	d.b2b = &b2bDemo{}
	if cfg.Embedded() {
		emu, err := d.startServer(true)
		if err != nil {
			return nil, err
		}
		if d.b2b.orgs, err = seedB2B(ctx, emu); err != nil {
			return nil, err
		}
	}
	d.b2b.docs = newOrgStores(d.Now)
	return d, nil
}

// seedB2B creates the demo organizations, members and member sessions.
func seedB2B(ctx context.Context, emu *stytchtest.Server) ([]demoOrganization, error) {
	var orgs []demoOrganization
	for _, slug := range DemoOrganizations {
		org, err := emu.CreateOrganization(ctx, stytchtest.OrganizationParams{Name: strings.ToUpper(slug[:1]) + slug[1:], Slug: slug})
		if err != nil {
			return nil, fmt.Errorf("docsapi: seed the organization %s: %w", slug, err)
		}
		o := demoOrganization{org: org}
		for _, role := range DemoMemberRoles {
			m, err := emu.CreateMember(ctx, stytchtest.MemberParams{OrganizationID: org.OrganizationID,
				Email: role + "@" + slug + ".example.com", Name: role, Roles: []string{role}})
			if err != nil {
				return nil, fmt.Errorf("docsapi: seed the %s of %s: %w", role, slug, err)
			}
			grant, err := emu.CreateMemberSession(ctx, stytchtest.MemberSessionParams{OrganizationID: org.OrganizationID,
				MemberID: m.MemberID, DurationMinutes: int(DemoSessionDuration.Minutes())})
			if err != nil {
				return nil, fmt.Errorf("docsapi: seed the session of the %s of %s: %w", role, slug, err)
			}
			o.members = append(o.members, demoMember{role: role, member: m, grant: grant})
		}
		orgs = append(orgs, o)
	}
	return orgs, nil
}

// maxOrganizations bounds how many organizations' documents the demo
// holds: a store is made on an organization's first authorized request.
const maxOrganizations = 100

// orgStores holds a document store per organization, each starting
// with a welcome document (doc-1). It is safe for concurrent use.
type orgStores struct {
	now    func() time.Time
	mu     sync.Mutex
	stores map[string]*docstore.Store
}

func newOrgStores(now func() time.Time) *orgStores {
	return &orgStores{now: now, stores: map[string]*docstore.Store{}}
}

// of returns the store of the organization orgID, made on first use;
// docstore.ErrFull when maxOrganizations stores exist already.
func (o *orgStores) of(orgID string) (*docstore.Store, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := o.stores[orgID]; ok {
		return s, nil
	}
	if len(o.stores) >= maxOrganizations {
		return nil, fmt.Errorf("%w: documents of %d organizations are held", docstore.ErrFull, maxOrganizations)
	}
	s := docstore.New(o.now)
	if _, err := s.Create("", "Welcome", "A document of this organization's own, to list and, with the right role, to delete."); err != nil {
		return nil, err
	}
	o.stores[orgID] = s
	return s, nil
}
