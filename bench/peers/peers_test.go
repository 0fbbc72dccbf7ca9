package peers_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/bench/peers"
)

// TestSubjects checks every library over real HTTP before any of them is
// measured: the valid token passes with its session, the tampered, wrong
// issuer, wrong audience and expired ones are refused.
func TestSubjects(t *testing.T) {
	for _, lib := range peers.Libraries {
		t.Run(lib.Name, func(t *testing.T) {
			s := newSubject(t, lib)
			checkCases(t, lib.Name, overHTTP(t, s.Handler), cases)
		})
	}
}

// TestFloor checks the floor itself on the same tokens.
func TestFloor(t *testing.T) {
	f := peers.NewFloor(issuer)
	for _, c := range cases {
		claims, err := f.Verify(c.Token)
		switch {
		case c.Accept && err != nil:
			t.Errorf("%s: %v", c.Name, err)
		case c.Accept && claims.Subject != c.UserID:
			t.Errorf("%s: sub %q, want %q", c.Name, claims.Subject, c.UserID)
		case !c.Accept && !errors.Is(err, peers.ErrRejected):
			t.Errorf("%s: got %v, want ErrRejected", c.Name, err)
		}
	}
}

// TestTimeFloor checks the floor measurement that stands in when -bench
// leaves the floor's benchmarks out.
func TestTimeFloor(t *testing.T) {
	for _, parallel := range []bool{false, true} {
		r := timeFloor(t, parallel, 20*time.Millisecond)
		if r.n < 16 || r.nsPerOp <= 0 {
			t.Errorf("parallel %v: %+v", parallel, r)
		}
	}
}
