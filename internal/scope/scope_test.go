package scope

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		name, claim string
		want        []string
		bad         bool
	}{
		{name: "empty", claim: ""},
		{name: "spaces only", claim: "   "},
		{name: "one", claim: "read:users", want: []string{"read:users"}},
		{name: "several", claim: "read:users write:users openid", want: []string{"read:users", "write:users", "openid"}},
		{name: "runs and ends of spaces", claim: "  read:users   write:users ", want: []string{"read:users", "write:users"}},
		{name: "repeats kept", claim: "a a", want: []string{"a", "a"}},
		{name: "comma is a scope byte, not a separator", claim: "read:users,write:users", want: []string{"read:users,write:users"}},
		{name: "tab", claim: "read:users\twrite:users", bad: true},
		{name: "newline", claim: "read:users\nwrite:users", bad: true},
		{name: "quote", claim: `read:"users"`, bad: true},
		{name: "backslash", claim: `read:users\`, bad: true},
		{name: "NUL", claim: "read\x00", bad: true},
		{name: "non-ASCII", claim: "lire:utilisateurs·", bad: true},
		{name: "non-breaking space", claim: "a\u00a0b", bad: true},
		{name: "too many", claim: strings.Repeat("s ", MaxScopes+1), bad: true},
		{name: "as many as allowed", claim: strings.Repeat("s ", MaxScopes), want: slices.Repeat([]string{"s"}, MaxScopes)},
		{name: "too long", claim: "a " + strings.Repeat("x", MaxScopeBytes+1), bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Split(c.claim)
			if c.bad {
				if !errors.Is(err, ErrInvalid) || got != nil {
					t.Fatalf("Split = %q, %v; want ErrInvalid", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Fatalf("Split = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestParseAndSatisfies(t *testing.T) {
	for _, c := range []struct {
		held, required string
		want           bool
	}{
		{"read:users", "read:users", true},
		{"read:*", "read:users", true},
		{"read:*", "read:users:email", true},
		{"read:users", "read:*", false},
		{"*:users", "read:users", false},
		{"*:*", "read:users", false},
		{"read", "read", true},        // no colon: resource "-"
		{"read", "read:-", true},      // the same scope, spelled out
		{"read:*", "read", true},      // "*" covers the resource "-"
		{"read:users", "read", false}, // a resource is not "-"
		{"read", "read:users", false}, // "-" is not a resource
		{"write:users", "read:users", false},
		{"read:users:email", "read:users", false}, // cut at the first colon: never widened
		{"read:users:email", "read:users:email", true},
		{"read:users", "read:users:email", false},
		{"Read:users", "read:users", false},
		{"read:", "read:users", false},
		{":users", "read:users", false},
	} {
		action, resource := Parse(c.required)
		if got := Satisfies(c.held, action, resource); got != c.want {
			t.Errorf("%q satisfies %q = %v, want %v", c.held, c.required, got, c.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, s := range []string{"read:users", "read", "read:*", "read:users:email", "a:-", "read:users,x"} {
		if err := Check(s); err != nil {
			t.Errorf("Check(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "*", "*:users", ":users", "read:", ":", "read users", "read\tusers", `re"ad`, "é", strings.Repeat("x", MaxScopeBytes+1)} {
		if err := Check(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"", "read:users write:*", " a  b ", "a\tb", strings.Repeat("x ", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, claim string) {
		got, err := Split(claim)
		if err != nil {
			return
		}
		if len(got) > MaxScopes {
			t.Fatalf("%d scopes", len(got))
		}
		for _, s := range got {
			if s == "" || len(s) > MaxScopeBytes || strings.ContainsAny(s, " \t\r\n\"\\") {
				t.Fatalf("scope %q", s)
			}
		}
		if strings.Join(got, " ") != strings.Join(strings.Fields(claim), " ") {
			t.Fatalf("Split(%q) = %q", claim, got)
		}
	})
}
