package policy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// may reports whether a member of org holding roles may do action on
// resource in its own organization; it fails t on any error but a denial.
func may(t testing.TB, c *policy.B2BCache, org string, roles []string, resource, action string) bool {
	t.Helper()
	v, err := c.AuthorizeMember(context.Background(), policy.MemberCheck{OrganizationID: org, SessionOrganizationID: org,
		Roles: roles, ResourceID: resource, Action: action})
	if err != nil && !errors.Is(err, policy.ErrDenied) {
		t.Fatalf("AuthorizeMember: %v", err)
	}
	return v.Authorized()
}

func TestB2BTenancyComesFirst(t *testing.T) {
	w := newB2BWorld(t)
	if err := w.srv.InjectFault(stytchtest.EndpointOrgPolicy, stytchtest.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	c := w.cache(t, policy.B2BConfig{})
	for _, chk := range []policy.MemberCheck{
		{OrganizationID: w.globex, SessionOrganizationID: w.acme},
		{OrganizationID: "", SessionOrganizationID: ""},
		{OrganizationID: w.acme, SessionOrganizationID: ""},
		{OrganizationID: string(make([]byte, 300)), SessionOrganizationID: string(make([]byte, 300))},
	} {
		chk.Roles, chk.ResourceID, chk.Action = []string{"stytch_admin"}, "documents", "read"
		v, err := c.AuthorizeMember(t.Context(), chk)
		if !errors.Is(err, policy.ErrTenancy) || !errors.Is(err, client.ErrSessionAuthorizationTenancy) || !errors.Is(err, policy.ErrDenied) || v.Authorized() {
			t.Errorf("%q in %q: %v, want ErrTenancy", chk.SessionOrganizationID, chk.OrganizationID, err)
		}
	}
	// No organization was looked at: its policy endpoint, down, was never asked.
	if n := w.srv.Requests(stytchtest.EndpointOrgPolicy); n != 0 || c.Organizations() != 0 {
		t.Errorf("tenancy refusals fetched %d org policies, hold %d", n, c.Organizations())
	}
}

// TestB2BFirstFetchIsShared: concurrent first checks of an organization
// share one fetch, and later checks fetch nothing.
func TestB2BFirstFetchIsShared(t *testing.T) {
	w := newB2BWorld(t)
	c := w.cache(t, policy.B2BConfig{})
	if err := w.srv.InjectFault(stytchtest.EndpointOrgPolicy, stytchtest.Fault{Latency: 200 * time.Millisecond, Count: 1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if !may(t, c, w.acme, []string{"treasurer"}, "invoices", "pay") {
				t.Error("treasurer may not pay in acme")
			}
		})
	}
	wg.Wait()
	if n := w.srv.Requests(stytchtest.EndpointOrgPolicy); n != 1 {
		t.Errorf("50 concurrent first checks made %d fetches, want 1", n)
	}
	for range 10 {
		may(t, c, w.acme, []string{"treasurer"}, "invoices", "pay")
	}
	if n := w.srv.Requests(stytchtest.EndpointOrgPolicy); n != 1 {
		t.Errorf("cached checks fetched again (%d fetches)", n)
	}
}

// TestB2BNeverLoadedFailsClosed: an organization whose custom roles never
// loaded fails closed, even for a project role, and without asking Stytch
// again during the backoff; it recovers once Stytch does.
func TestB2BNeverLoadedFailsClosed(t *testing.T) {
	w := newB2BWorld(t)
	log, logs := newLogger()
	c := w.cache(t, policy.B2BConfig{Logger: log})
	if err := w.srv.InjectFault(stytchtest.EndpointOrgPolicy, stytchtest.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	chk := policy.MemberCheck{OrganizationID: w.acme, SessionOrganizationID: w.acme, Roles: []string{"stytch_admin"}, ResourceID: "documents", Action: "read"}
	for range 5 {
		v, err := c.AuthorizeMember(t.Context(), chk)
		if !errors.Is(err, policy.ErrUnavailable) || !errors.Is(err, client.ErrServerUnavailable) || v.Authorized() || errors.Is(err, policy.ErrDenied) {
			t.Fatalf("never-loaded organization: %v, want ErrUnavailable with its cause", err)
		}
	}
	if n := w.srv.Requests(stytchtest.EndpointOrgPolicy); n != 1 {
		t.Errorf("%d fetches during the backoff, want 1", n)
	}
	if !strings.Contains(logs.String(), "fail closed") || !strings.Contains(logs.String(), w.acme) {
		t.Errorf("the failure is not logged with its organization:\n%s", logs)
	}
	w.srv.ClearFaults()
	if err := c.RefreshOrganization(t.Context(), w.acme); err != nil {
		t.Fatalf("RefreshOrganization: %v", err)
	}
	if _, err := c.AuthorizeMember(t.Context(), chk); err != nil {
		t.Errorf("after recovery: %v", err)
	}
}

func TestB2BProjectPolicyNeverLoadedFailsClosed(t *testing.T) {
	w := newB2BWorld(t)
	if err := w.srv.InjectFault(stytchtest.EndpointB2BPolicy, stytchtest.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	c := w.cache(t, policy.B2BConfig{})
	if _, err := c.AuthorizeMember(t.Context(), policy.MemberCheck{OrganizationID: w.acme, SessionOrganizationID: w.acme,
		Roles: []string{"treasurer"}, ResourceID: "invoices", Action: "pay"}); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("AuthorizeMember without a project policy: %v, want ErrUnavailable", err)
	}
	if _, err := c.AuthorizeScopes(policy.ScopeCheck{OrganizationID: w.acme, TokenOrganizationID: w.acme,
		Scopes: []string{"billing"}, ResourceID: "invoices", Action: "pay"}); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("AuthorizeScopes without a project policy: %v, want ErrUnavailable", err)
	}
	if _, ok := c.Policy(); ok {
		t.Error("Policy() reports a policy that never loaded")
	}
	if n := w.srv.Requests(stytchtest.EndpointOrgPolicy); n != 0 {
		t.Errorf("fetched %d org policies while the project policy is missing", n)
	}
}

// TestB2BKeepsLastGoodRoles: a refresh that fails keeps the roles in
// force; a refresh that succeeds puts the change in force.
func TestB2BKeepsLastGoodRoles(t *testing.T) {
	w := newB2BWorld(t)
	c := w.cache(t, policy.B2BConfig{})
	treasurer := []string{"stytch_member", "treasurer"}
	if !may(t, c, w.acme, treasurer, "invoices", "pay") {
		t.Fatal("treasurer may not pay")
	}
	if err := w.srv.SetOrgPolicy(w.acme, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.InjectFault(stytchtest.EndpointOrgPolicy, stytchtest.Fault{Malformed: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshOrganization(t.Context(), w.acme); err == nil {
		t.Fatal("RefreshOrganization succeeded on a malformed answer")
	}
	if !may(t, c, w.acme, treasurer, "invoices", "pay") {
		t.Fatal("the last good roles were dropped by a failed refresh")
	}
	w.srv.ClearFaults()
	if err := c.RefreshOrganization(t.Context(), w.acme); err != nil {
		t.Fatal(err)
	}
	if may(t, c, w.acme, treasurer, "invoices", "pay") {
		t.Fatal("the removed custom role still grants after a refresh")
	}
}

// TestB2BStaleRolesRefreshInBackground: once the refresh interval has
// passed, a check answers with the roles in force and starts one refresh;
// the change is in force soon after, and an organization nobody asks
// about is never fetched again.
func TestB2BStaleRolesRefreshInBackground(t *testing.T) {
	w := newB2BWorld(t)
	synctest.Test(t, func(t *testing.T) {
		c := w.cache(t, policy.B2BConfig{})
		treasurer := []string{"treasurer"}
		if !may(t, c, w.acme, treasurer, "invoices", "pay") || !may(t, c, w.globex, []string{"purger"}, "documents", "delete") {
			t.Fatal("custom roles do not grant")
		}
		if err := w.srv.SetOrgPolicy(w.acme, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(policy.DefaultRefreshInterval - policy.DefaultRefreshInterval/10 - time.Second)
		if !may(t, c, w.acme, treasurer, "invoices", "pay") {
			t.Fatal("refreshed before the interval's jittered share")
		}
		synctest.Wait()
		time.Sleep(policy.DefaultRefreshInterval/10 + time.Second)
		if !may(t, c, w.acme, treasurer, "invoices", "pay") {
			t.Fatal("a stale entry did not answer with the roles in force")
		}
		synctest.Wait() // the background refresh
		if may(t, c, w.acme, treasurer, "invoices", "pay") {
			t.Fatal("the change is not in force after the background refresh")
		}
		if n := w.srv.Requests(stytchtest.EndpointOrgPolicy); n != 3 {
			t.Errorf("%d org policy fetches, want 3 (two first loads, one refresh of acme)", n)
		}
	})
}

// TestB2BBoundsOrganizations: with room for two organizations, a third
// forgets one, by the CLOCK algorithm: the hand clears the reference bit
// of an entry used since it last passed (a second chance) and forgets the
// first entry without one. A forgotten organization is fetched again when
// next used.
func TestB2BBoundsOrganizations(t *testing.T) {
	w := newB2BWorld(t)
	log, logs := newLogger()
	c := w.cache(t, policy.B2BConfig{MaxOrganizations: 2, Logger: log})
	third, err := w.srv.CreateOrganization(t.Context(), stytchtest.OrganizationParams{Name: "initech", Slug: "initech"})
	if err != nil {
		t.Fatal(err)
	}
	fetches := func(want int, what string) {
		t.Helper()
		if n := w.srv.Requests(stytchtest.EndpointOrgPolicy); n != want {
			t.Errorf("%s: %d fetches, want %d", what, n, want)
		}
		w.srv.ResetCounters()
	}
	may(t, c, w.acme, nil, "profile", "view")
	may(t, c, w.globex, nil, "profile", "view")
	fetches(2, "two organizations")
	// Both were used: the hand clears both bits and forgets the first, acme.
	may(t, c, third.OrganizationID, nil, "profile", "view")
	fetches(1, "a third")
	if n := c.Organizations(); n != 2 {
		t.Errorf("holds %d organizations, want 2", n)
	}
	may(t, c, third.OrganizationID, nil, "profile", "view")
	fetches(0, "the newest organization again")
	// acme comes back: globex, unused since the hand passed, goes; the third
	// organization, used since, stays.
	if !may(t, c, w.acme, []string{"treasurer"}, "invoices", "pay") {
		t.Fatal("acme's custom role does not grant after it was fetched again")
	}
	fetches(1, "the forgotten organization")
	may(t, c, third.OrganizationID, nil, "profile", "view")
	fetches(0, "the organization used since the hand passed")
	if !may(t, c, w.globex, []string{"purger"}, "documents", "delete") {
		t.Fatal("globex's custom role does not grant after it was fetched again")
	}
	fetches(1, "the organization unused since the hand passed")
	if !strings.Contains(logs.String(), "organization policy cache is full") {
		t.Errorf("a full cache is not logged:\n%s", logs)
	}
}

// TestB2BConcurrentChecksManyOrganizations runs checks of many
// organizations from many goroutines over a cache too small for them all,
// while their roles are refreshed; with -race it checks the
// synchronisation, and every answer must be right.
func TestB2BConcurrentChecksManyOrganizations(t *testing.T) {
	w := newB2BWorld(t)
	orgs := []string{w.acme, w.globex}
	for i := range 10 {
		o, err := w.srv.CreateOrganization(t.Context(), stytchtest.OrganizationParams{Name: "org", Slug: fmt.Sprintf("org-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.srv.SetOrgPolicy(o.OrganizationID, globexRoles); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o.OrganizationID)
	}
	c := w.cache(t, policy.B2BConfig{MaxOrganizations: 5})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := g; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				org := orgs[i%len(orgs)]
				purger := may(t, c, org, []string{"stytch_member", "purger"}, "documents", "delete")
				if purger == (org == w.acme) {
					t.Errorf("purger in %s: %v", org, purger)
					return
				}
				if !may(t, c, org, []string{"reader"}, "documents", "read") {
					t.Errorf("reader may not read in %s", org)
					return
				}
			}
		})
	}
	for range 20 {
		for _, org := range orgs[:3] {
			if err := c.RefreshOrganization(t.Context(), org); err != nil {
				t.Error(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	if n := c.Organizations(); n > 5 {
		t.Errorf("holds %d organizations, bound 5", n)
	}
}

func TestNewB2BRejectsBadConfig(t *testing.T) {
	w := newB2BWorld(t)
	for _, cfg := range []policy.B2BConfig{
		{},
		{Client: w.client(t), RefreshInterval: -time.Second},
		{Client: w.client(t), RefreshInterval: time.Microsecond},
		{Client: w.client(t), MaxOrganizations: -1},
	} {
		if c, err := policy.NewB2B(t.Context(), cfg); !errors.Is(err, policy.ErrInvalidConfig) {
			t.Errorf("NewB2B(%+v) = %v, want ErrInvalidConfig", cfg, err)
			if c != nil {
				_ = c.Close()
			}
		}
	}
}

// TestB2BAfterClose: the roles held stay usable; an organization not held
// fails closed, and nothing is fetched.
func TestB2BAfterClose(t *testing.T) {
	w := newB2BWorld(t)
	c := w.cache(t, policy.B2BConfig{})
	if !may(t, c, w.acme, []string{"treasurer"}, "invoices", "pay") {
		t.Fatal("treasurer may not pay")
	}
	_ = c.Close()
	_ = c.Close()
	if !may(t, c, w.acme, []string{"treasurer"}, "invoices", "pay") {
		t.Error("the roles held are not usable after Close")
	}
	if _, err := c.AuthorizeMember(t.Context(), policy.MemberCheck{OrganizationID: w.globex, SessionOrganizationID: w.globex,
		Roles: []string{"purger"}, ResourceID: "documents", Action: "delete"}); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("an organization not held after Close: %v, want ErrUnavailable", err)
	}
	if err := c.RefreshOrganization(t.Context(), w.acme); err == nil {
		t.Error("RefreshOrganization after Close succeeded")
	}
}

func TestNilB2BCacheFailsClosed(t *testing.T) {
	var c *policy.B2BCache
	if _, err := c.AuthorizeMember(t.Context(), policy.MemberCheck{OrganizationID: "o", SessionOrganizationID: "o"}); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("nil AuthorizeMember: %v", err)
	}
	if _, err := c.AuthorizeScopes(policy.ScopeCheck{OrganizationID: "o", TokenOrganizationID: "o"}); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("nil AuthorizeScopes: %v", err)
	}
	if err := c.Validate("documents", "read"); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("nil Validate: %v", err)
	}
}
