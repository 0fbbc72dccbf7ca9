//go:build !unix

package peers_test

import "time"

// cpuTime is not measured on this system: the CPU columns read 0.
func cpuTime() time.Duration { return 0 }
