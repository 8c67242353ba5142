//go:build unix

package replies

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used, user and system: the benchmark reports
// messages per CPU-second besides wall time, because a shared machine's load makes wall
// time say more about the neighbours than about the reader.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
