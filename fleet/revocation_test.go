package fleet

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRevocationValidate(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name string
		r    Revocation
		ok   bool
	}{
		{"session", Revocation{Kind: SessionRevoked, SessionID: "s", Until: at}, true},
		{"user", Revocation{Kind: UserLoggedOut, UserID: "u", NotBefore: at, Until: at}, true},
		{"no kind", Revocation{SessionID: "s", Until: at}, false},
		{"unknown kind", Revocation{Kind: 9, SessionID: "s", Until: at}, false},
		{"session without id", Revocation{Kind: SessionRevoked, Until: at}, false},
		{"session with a user", Revocation{Kind: SessionRevoked, SessionID: "s", UserID: "u", Until: at}, false},
		{"session with not before", Revocation{Kind: SessionRevoked, SessionID: "s", NotBefore: at, Until: at}, false},
		{"user without not before", Revocation{Kind: UserLoggedOut, UserID: "u", Until: at}, false},
		{"user with a session", Revocation{Kind: UserLoggedOut, UserID: "u", SessionID: "s", NotBefore: at, Until: at}, false},
		{"no until", Revocation{Kind: SessionRevoked, SessionID: "s"}, false},
		{"id too long", Revocation{Kind: SessionRevoked, SessionID: strings.Repeat("s", MaxIDBytes+1), Until: at}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.r.Validate()
			if c.ok != (err == nil) || err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func TestRevocationMerge(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	a := Revocation{Kind: UserLoggedOut, UserID: "u", NotBefore: t0, Until: t0.Add(time.Hour)}
	b := Revocation{Kind: UserLoggedOut, UserID: "u", NotBefore: t0.Add(time.Minute), Until: t0.Add(time.Minute)}
	for _, m := range []Revocation{a.Merge(b), b.Merge(a)} {
		if !m.NotBefore.Equal(b.NotBefore) || !m.Until.Equal(a.Until) {
			t.Fatalf("Merge = %+v: want the later NotBefore and the later Until", m)
		}
	}
}
