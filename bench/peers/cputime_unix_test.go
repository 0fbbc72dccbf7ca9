//go:build unix

package peers_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) the process has used, GC
// workers included. Unlike wall time it does not grow when other processes
// compete for the CPUs, which makes it the steadier measure of cost on a
// shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
