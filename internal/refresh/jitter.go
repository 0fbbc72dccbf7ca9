package refresh

import (
	"math/rand/v2"
	"time"
)

// Spreads of Jitter used by the loop.
const (
	// BackoffSpread draws a retry after a failure from [d/2, d] ("equal
	// jitter"): spread enough that instances that failed together retry
	// apart, while the backoff still grows.
	BackoffSpread = 2
	// IntervalSpread draws a periodic refresh from [0.9·d, d], so that
	// instances started together drift apart without refreshing much more
	// often.
	IntervalSpread = 10
)

// Jitter returns a duration drawn uniformly from [d − d/spread, d]: never
// longer than d, and never shorter than its share. It returns 0 for d ≤ 0
// and d itself for spread < 1.
func Jitter(d time.Duration, spread int) time.Duration {
	if d <= 0 {
		return 0
	}
	if spread < 1 {
		return d
	}
	return d - rand.N(d/time.Duration(spread)+1)
}

// Backoff is the nominal wait after the n-th failure in a row (n ≥ 1):
// first doubled n−1 times, at most ceiling.
func Backoff(first, ceiling time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}
