//go:build linux

package replies

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// onThreadCPU runs fn on one OS thread and returns the CPU time that thread spent: what a
// reading costs, whatever else the machine runs meanwhile (wall time on a shared machine
// says more about the neighbours).
func onThreadCPU(fn func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadCPU()
	fn()
	return threadCPU() - before
}

// threadCPU reads CLOCK_THREAD_CPUTIME_ID, which counts in nanoseconds (getrusage's
// RUSAGE_THREAD counts in scheduler ticks).
func threadCPU() time.Duration {
	const clockThreadCPUTime = 3
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
