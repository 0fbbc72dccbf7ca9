package policy_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// emulatorPolicy is testPolicy as the emulator accepts it: the emulator,
// like Stytch's dashboard, refuses a permission on a resource or action the
// resources do not define, so the roles ghost and archivist are left out
// (sessions may still hold them: they are then roles the policy lacks).
func emulatorPolicy() *client.Policy {
	p := testPolicy()
	p.Roles = slices.DeleteFunc(p.Roles, func(r client.PolicyRole) bool {
		return r.RoleID == "ghost" || r.RoleID == "archivist"
	})
	return p
}

func newEmulator(t *testing.T) *stytchtest.Server {
	t.Helper()
	srv := stytchtest.NewServer(stytchtest.Config{Policy: emulatorPolicy(), Logger: discardLogger()})
	t.Cleanup(srv.Close)
	return srv
}

// emulatorClient is a client of srv that does not retry, so that an
// injected failure shows at once.
func emulatorClient(t *testing.T, srv *stytchtest.Server) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{ProjectID: srv.ProjectID, Secret: srv.Secret, BaseURL: srv.URL,
		HTTPClient: srv.HTTPClient(), MaxRetries: -1})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c
}

// newEmulatorCache starts a Cache of srv's policy.
func newEmulatorCache(t *testing.T, srv *stytchtest.Server) *policy.Cache {
	t.Helper()
	c, err := policy.New(t.Context(), policy.Config{Client: emulatorClient(t, srv), RefreshInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestAgreesWithEmulator checks every evaluation case both ways: through a
// Cache that fetched the emulator's policy over HTTP, and through the
// emulator's own authorization_check (Authenticate), for the same session
// roles. The two must give the same verdict and granting roles.
//
// The emulator gives every user stytch_user first and drops repeated and
// empty roles, so the session's roles are read back from the emulator and
// both sides evaluate those. Cases with an empty resource or action are
// left out: the client refuses to send them.
func TestAgreesWithEmulator(t *testing.T) {
	srv := newEmulator(t)
	cache := newEmulatorCache(t, srv)
	if _, ok := cache.Policy(); !ok {
		t.Fatal("the cache did not load the emulator's policy")
	}
	compared := 0
	for _, c := range evalCases {
		if c.resource == "" || c.action == "" {
			continue
		}
		compared++
		t.Run(c.name, func(t *testing.T) {
			user, err := srv.CreateUser(t.Context(), stytchtest.UserParams{Roles: slices.DeleteFunc(slices.Clone(c.roles), func(r string) bool { return r == "" })})
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			grant, err := srv.CreateSession(t.Context(), stytchtest.SessionParams{UserID: user.UserID})
			if err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
			roles := grant.Session.Roles

			resp, remoteErr := srv.Client().Authenticate(t.Context(), client.AuthenticateRequest{
				SessionToken:       grant.SessionToken,
				AuthorizationCheck: &client.AuthorizationCheck{ResourceID: c.resource, Action: c.action},
			})
			var remote []string
			switch {
			case remoteErr == nil:
				if resp.Verdict == nil || !resp.Verdict.Authorized {
					t.Fatalf("emulator answered 200 without an authorized verdict: %+v", resp.Verdict)
				}
				remote = resp.Verdict.GrantingRoles
			case !errors.Is(remoteErr, client.ErrConsumerSessionAuthorization):
				t.Fatalf("emulator Authenticate: %v", remoteErr)
			}

			v, localErr := cache.Authorize(roles, c.resource, c.action)
			if (localErr == nil) != (remoteErr == nil) {
				t.Fatalf("roles %q: local %v, emulator %v", roles, localErr, remoteErr)
			}
			if localErr != nil && !errors.Is(localErr, client.ErrConsumerSessionAuthorization) {
				t.Errorf("local denial %v does not match the emulator's error type", localErr)
			}
			if local := v.GrantingRoles(); !slices.Equal(local, remote) {
				t.Errorf("roles %q: local granting roles %q, emulator %q", roles, local, remote)
			}
			if av := v.AuthorizationVerdict(); remoteErr == nil && (av == nil || !slices.Equal(av.GrantingRoles, resp.Verdict.GrantingRoles)) {
				t.Errorf("AuthorizationVerdict() = %+v, emulator %+v", av, resp.Verdict)
			}
		})
	}
	if compared < len(evalCases)-3 {
		t.Errorf("compared only %d of %d cases", compared, len(evalCases))
	}
}

// TestCacheWithEmulator runs the cache's life against the emulator: a
// policy change seen after a refresh, the policy endpoint down (last good
// policy kept), and a cache that never loaded failing closed until the
// endpoint recovers.
func TestCacheWithEmulator(t *testing.T) {
	srv := newEmulator(t)
	cache := newEmulatorCache(t, srv)
	if readerMayDelete(t, cache) {
		t.Fatal("reader may delete before the policy changed")
	}
	if err := srv.SetPolicy(*withReaderDelete()); err == nil {
		t.Fatal("the emulator accepted a policy with undefined permissions")
	}
	changed := emulatorPolicy()
	changed.Roles[1].Permissions[0].Actions = append(changed.Roles[1].Permissions[0].Actions, "delete")
	if err := srv.SetPolicy(*changed); err != nil {
		t.Fatal(err)
	}
	if err := cache.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if !readerMayDelete(t, cache) {
		t.Fatal("the changed policy is not seen after a refresh")
	}

	if err := srv.InjectFault(stytchtest.EndpointPolicy, stytchtest.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPolicy(*emulatorPolicy()); err != nil {
		t.Fatal(err)
	}
	if err := cache.Refresh(t.Context()); !errors.Is(err, client.ErrServerUnavailable) {
		t.Fatalf("Refresh with the endpoint down = %v, want server_unavailable", err)
	}
	if !readerMayDelete(t, cache) {
		t.Fatal("the last good policy was dropped while the endpoint is down")
	}

	// A second cache starts while the endpoint is down: it never loaded.
	fresh := newEmulatorCache(t, srv)
	if _, err := fresh.Authorize([]string{"admin"}, "documents", "read"); !errors.Is(err, policy.ErrUnavailable) {
		t.Fatalf("never-loaded Authorize = %v, want ErrUnavailable", err)
	}
	srv.ClearFaults()
	if err := fresh.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh after recovery: %v", err)
	}
	if _, err := fresh.Authorize([]string{"admin"}, "documents", "read"); err != nil {
		t.Errorf("Authorize after recovery = %v", err)
	}
	if err := cache.Refresh(t.Context()); err != nil || readerMayDelete(t, cache) {
		t.Errorf("after recovery the first cache should see the reverted policy (Refresh %v)", err)
	}
}
