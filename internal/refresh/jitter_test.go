package refresh

import (
	"testing"
	"time"
)

func TestJitterStaysWithinItsShare(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		spread int
		lo, hi time.Duration
	}{
		{time.Second, 2, 500 * time.Millisecond, time.Second},
		{time.Hour, 10, 54 * time.Minute, time.Hour},
		{time.Nanosecond, 2, time.Nanosecond, time.Nanosecond},
		{0, 2, 0, 0},
		{-time.Second, 2, 0, 0},
		{time.Second, 0, time.Second, time.Second},
	} {
		seen := map[time.Duration]bool{}
		for range 1000 {
			got := Jitter(c.d, c.spread)
			if got < c.lo || got > c.hi {
				t.Fatalf("Jitter(%s, %d) = %s, want within [%s, %s]", c.d, c.spread, got, c.lo, c.hi)
			}
			seen[got] = true
		}
		if c.hi-c.lo > time.Millisecond && len(seen) < 100 {
			t.Errorf("Jitter(%s, %d) drew only %d distinct values in 1000", c.d, c.spread, len(seen))
		}
	}
}

func TestBackoffDoublesUpToTheCeiling(t *testing.T) {
	for _, c := range []struct {
		first, ceiling time.Duration
		n              int
		want           time.Duration
	}{
		{time.Second, 30 * time.Second, 1, time.Second},
		{time.Second, 30 * time.Second, 2, 2 * time.Second},
		{time.Second, 30 * time.Second, 5, 16 * time.Second},
		{time.Second, 30 * time.Second, 6, 30 * time.Second},
		{time.Second, 30 * time.Second, 1 << 20, 30 * time.Second},
		{time.Second, 10 * time.Second, 5, 10 * time.Second},
		{time.Second, time.Millisecond, 1, time.Millisecond},
		{time.Hour, time.Hour, 3, time.Hour},
	} {
		if got := Backoff(c.first, c.ceiling, c.n); got != c.want {
			t.Errorf("Backoff(%s, %s, %d) = %s, want %s", c.first, c.ceiling, c.n, got, c.want)
		}
	}
}
