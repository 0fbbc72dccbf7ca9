package policy

import (
	"testing"
	"time"
)

// TestRetryDelay pins the retry schedule after failures in a row: from 1 s
// doubling up to 30 s, never beyond the refresh interval, jittered between
// half and all of the nominal delay.
func TestRetryDelay(t *testing.T) {
	for _, c := range []struct {
		interval time.Duration
		failures int
		nominal  time.Duration
	}{
		{5 * time.Minute, 1, time.Second},
		{5 * time.Minute, 2, 2 * time.Second},
		{5 * time.Minute, 5, 16 * time.Second},
		{5 * time.Minute, 6, 30 * time.Second},
		{5 * time.Minute, 1000, 30 * time.Second},
		{10 * time.Second, 5, 10 * time.Second},
		{5 * time.Millisecond, 1, 5 * time.Millisecond},
		{time.Millisecond, 3, time.Millisecond},
	} {
		cache := &Cache{interval: c.interval}
		for range 200 {
			d := cache.retryDelay(c.failures)
			if d < c.nominal/2 || d > c.nominal {
				t.Fatalf("interval %s, failure %d: delay %s outside [%s, %s]", c.interval, c.failures, d, c.nominal/2, c.nominal)
			}
		}
	}
}
