//go:build !linux

package replies

import "time"

// onThreadCPU returns the wall time of fn where a thread's CPU time cannot be read.
func onThreadCPU(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}
