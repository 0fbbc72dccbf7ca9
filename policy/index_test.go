package policy_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/policy"
)

func mustCompile(t testing.TB, p *client.Policy) *policy.Index {
	t.Helper()
	idx, err := policy.Compile(p)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return idx
}

// checkVerdict checks one answer of Authorize against a case.
func checkVerdict(t *testing.T, c evalCase, v policy.Verdict, err error) {
	t.Helper()
	if c.granting != nil {
		if err != nil {
			t.Fatalf("Authorize(%q, %q, %q) = %v, want authorized", c.roles, c.resource, c.action, err)
		}
		if !v.Authorized() {
			t.Fatal("verdict not authorized with a nil error")
		}
		if got := v.GrantingRoles(); !slices.Equal(got, c.granting) {
			t.Errorf("GrantingRoles() = %q, want %q", got, c.granting)
		}
		av := v.AuthorizationVerdict()
		if av == nil || !av.Authorized || !slices.Equal(av.GrantingRoles, c.granting) {
			t.Errorf("AuthorizationVerdict() = %+v, want authorized by %q", av, c.granting)
		}
		return
	}
	if v.Authorized() || v.GrantingRoles() != nil || v.AuthorizationVerdict() != nil {
		t.Errorf("denied check has an authorized verdict: %+v", v)
	}
	var de *policy.DenialError
	if !errors.As(err, &de) {
		t.Fatalf("Authorize(%q, %q, %q) error = %v, want a *DenialError", c.roles, c.resource, c.action, err)
	}
	if de.Resource != c.resource || de.Action != c.action || de.Reason != c.reason {
		t.Errorf("DenialError = %+v, want resource %q action %q reason %v", *de, c.resource, c.action, c.reason)
	}
	for target, want := range map[error]bool{
		policy.ErrDenied:                       true,
		client.ErrConsumerSessionAuthorization: true,
		policy.ErrUnknownResource:              c.reason == policy.ReasonUnknownResource,
		policy.ErrUnknownAction:                c.reason == policy.ReasonUnknownAction,
		policy.ErrUnavailable:                  false,
		client.ErrSessionNotFound:              false,
	} {
		if got := errors.Is(err, target); got != want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, target, got, want)
		}
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("%q", c.resource)) || !strings.Contains(msg, fmt.Sprintf("%q", c.action)) {
		t.Errorf("error %q does not name the resource and action", msg)
	}
}

func TestIndexAuthorize(t *testing.T) {
	idx := mustCompile(t, testPolicy())
	for _, c := range evalCases {
		t.Run(c.name, func(t *testing.T) {
			roles := slices.Clone(c.roles)
			v, err := idx.Authorize(roles, c.resource, c.action)
			checkVerdict(t, c, v, err)
			if !slices.Equal(roles, c.roles) {
				t.Errorf("Authorize modified the roles: %q", roles)
			}
		})
	}
}

// TestIndexAuthorizeManyRoles crosses the size at which a role set is
// hashed rather than scanned: the answer must not change.
func TestIndexAuthorizeManyRoles(t *testing.T) {
	for _, n := range []int{1, 8, 9, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := &client.Policy{Resources: []client.PolicyResource{{ResourceID: "r", Actions: []string{"a", "b"}}}}
			var all []string
			for i := range n {
				id := fmt.Sprintf("role%d", i)
				all = append(all, id)
				actions := []string{"a"}
				if i%2 == 1 {
					actions = []string{"*"}
				}
				p.Roles = append(p.Roles, client.PolicyRole{RoleID: id, Permissions: []client.Permission{{ResourceID: "r", Actions: actions}}})
			}
			idx := mustCompile(t, p)
			session := []string{"stranger"}
			var wantA, wantB []string
			for i := n - 1; i >= 0; i-- {
				session = append(session, all[i])
				wantA = append(wantA, all[i])
				if i%2 == 1 {
					wantB = append(wantB, all[i])
				}
			}
			for _, c := range []evalCase{
				{name: "explicit or wildcard", roles: session, resource: "r", action: "a", granting: wantA},
				{name: "wildcard only", roles: session, resource: "r", action: "b", granting: wantB, reason: policy.ReasonNotGranted},
				{name: "undefined action", roles: session, resource: "r", action: "c", granting: wantB, reason: policy.ReasonUnknownAction},
				{name: "stranger", roles: []string{"stranger"}, resource: "r", action: "a", reason: policy.ReasonNotGranted},
			} {
				v, err := idx.Authorize(c.roles, c.resource, c.action)
				checkVerdict(t, c, v, err)
			}
		})
	}
}

func TestCompileRejectsNil(t *testing.T) {
	idx, err := policy.Compile(nil)
	if !errors.Is(err, policy.ErrInvalidPolicy) || idx != nil {
		t.Fatalf("Compile(nil) = %v, %v; want ErrInvalidPolicy", idx, err)
	}
}

func TestNilIndexFailsClosed(t *testing.T) {
	var idx *policy.Index
	v, err := idx.Authorize([]string{"admin"}, "documents", "read")
	if !errors.Is(err, policy.ErrUnavailable) || v.Authorized() {
		t.Errorf("nil Index Authorize = %v, %v; want ErrUnavailable", v.Authorized(), err)
	}
	if err := idx.Validate("documents", "read"); !errors.Is(err, policy.ErrUnavailable) {
		t.Errorf("nil Index Validate = %v, want ErrUnavailable", err)
	}
	if idx.Policy() != nil || idx.Warnings() != nil {
		t.Error("nil Index has a policy or warnings")
	}
}

func TestCompileWarnings(t *testing.T) {
	p := testPolicy()
	p.Roles = append(p.Roles, client.PolicyRole{RoleID: "reader", Permissions: []client.Permission{{ResourceID: "billing", Actions: []string{"read"}}}})
	p.Resources = append(p.Resources, client.PolicyResource{ResourceID: "images", Actions: []string{"delete"}})
	idx := mustCompile(t, p)
	want := []string{
		`resource "images" is defined more than once; its actions are merged`,
		`role "ghost" has a permission on resource "legacy", which the policy's resources do not define`,
		`role "archivist" has a permission for action "archive" on resource "documents", which does not define that action`,
		`role "reader" is defined more than once; its permissions are merged`,
	}
	if got := idx.Warnings(); !slices.Equal(got, want) {
		t.Errorf("Warnings() =\n%q\nwant\n%q", got, want)
	}
	// Merged definitions are evaluated as Stytch does: every policy role
	// the session holds counts, whichever entry it comes from.
	for _, c := range []evalCase{
		{name: "second reader entry grants", roles: []string{"reader"}, resource: "billing", action: "read", granting: []string{"reader"}},
		{name: "first reader entry grants", roles: []string{"reader"}, resource: "documents", action: "read", granting: []string{"reader"}},
		{name: "second images entry defines delete", roles: []string{"editor"}, resource: "images", action: "delete", reason: policy.ReasonNotGranted},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := idx.Authorize(c.roles, c.resource, c.action)
			checkVerdict(t, c, v, err)
		})
	}
}

func TestCompileWarningsBounded(t *testing.T) {
	p := &client.Policy{}
	for i := range 500 {
		p.Roles = append(p.Roles, client.PolicyRole{RoleID: "r", Permissions: []client.Permission{{ResourceID: fmt.Sprint("undefined", i), Actions: []string{"a"}}}})
	}
	w := mustCompile(t, p).Warnings()
	if len(w) != 101 || w[100] != "further warnings omitted" {
		t.Errorf("got %d warnings, last %q; want 100 and a note", len(w), w[len(w)-1])
	}
}

func TestCompileCopiesThePolicy(t *testing.T) {
	p := testPolicy()
	idx := mustCompile(t, p)
	if got := idx.Policy(); !reflect.DeepEqual(got, testPolicy()) {
		t.Fatalf("Policy() = %+v, want the compiled document", got)
	}
	// Changing the caller's document, or the copy handed out, changes
	// neither the index nor its document.
	p.Roles[1].Permissions[0].Actions[0] = "delete"
	p.Roles[1].RoleID = "intruder"
	out := idx.Policy()
	out.Roles[2].Permissions[0].ResourceID = "billing"
	out.Resources[0].Actions[0] = "nothing"
	if _, err := idx.Authorize([]string{"reader"}, "documents", "read"); err != nil {
		t.Errorf("reader lost documents:read after the source changed: %v", err)
	}
	if _, err := idx.Authorize([]string{"reader"}, "documents", "delete"); !errors.Is(err, policy.ErrDenied) {
		t.Errorf("reader gained documents:delete after the source changed: %v", err)
	}
	if got := idx.Policy(); !reflect.DeepEqual(got, testPolicy()) {
		t.Errorf("Policy() changed after the copies were modified: %+v", got)
	}
}

func TestIndexValidate(t *testing.T) {
	idx := mustCompile(t, testPolicy())
	for _, c := range []struct {
		resource, action string
		want             error
	}{
		{"documents", "read", nil},
		{"documents", "delete", nil},
		{"images", "upload", nil},
		{"billing", "read", nil},
		{"documents", "publish", policy.ErrUnknownAction},
		{"documents", "archive", policy.ErrUnknownAction}, // granted by a permission, not defined
		{"documents", "*", policy.ErrUnknownAction},
		{"documents", "", policy.ErrUnknownAction},
		{"documents", "Read", policy.ErrUnknownAction},
		{"billing", "write", policy.ErrUnknownAction},
		{"reports", "read", policy.ErrUnknownResource},
		{"legacy", "purge", policy.ErrUnknownResource}, // granted by a permission, not defined
		{"Documents", "read", policy.ErrUnknownResource},
		{"", "read", policy.ErrUnknownResource},
	} {
		t.Run(c.resource+":"+c.action, func(t *testing.T) {
			err := idx.Validate(c.resource, c.action)
			if c.want == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("Validate = %v, want %v", err, c.want)
			}
			if errors.Is(err, policy.ErrDenied) {
				t.Errorf("Validate error %v is a denial", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", c.resource)) {
				t.Errorf("Validate error %q does not name the resource", err)
			}
		})
	}
}

func TestDenialErrorSharedForDefinedPairs(t *testing.T) {
	idx := mustCompile(t, testPolicy())
	_, err1 := idx.Authorize([]string{"reader"}, "documents", "delete")
	_, err2 := idx.Authorize(nil, "documents", "delete")
	if err1 != err2 {
		t.Error("two denials of the same defined pair got different error values (one was allocated)")
	}
}

func TestReasonString(t *testing.T) {
	for r, want := range map[policy.Reason]string{
		policy.ReasonNotGranted:      "not_granted",
		policy.ReasonUnknownResource: "unknown_resource",
		policy.ReasonUnknownAction:   "unknown_action",
		0:                            "Reason(0)",
	} {
		if got := r.String(); got != want {
			t.Errorf("Reason(%d).String() = %q, want %q", r, got, want)
		}
	}
}
