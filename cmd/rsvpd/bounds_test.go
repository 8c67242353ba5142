//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/testenv"
)

// finished is how a command run as a process ended.
type finished struct {
	code   int
	took   time.Duration // wall time
	cpu    time.Duration // user and system time: what the command cost, whatever else runs
	maxRSS int64         // kilobytes
	stderr string
	// signalled is whether the process ended by the signal's default action, not by exiting.
	signalled bool
}

// runBinary runs rsvpd with args; signal, when set, is sent after delay, and took is then
// counted from the signal. The process is killed when it runs past limit.
func runBinary(t *testing.T, stdin io.Reader, sig os.Signal, delay, limit time.Duration, args ...string) finished {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Rsvpd(t), args...)
	cmd.Stdin = stdin
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if sig != nil {
		time.Sleep(delay)
		start = time.Now()
		cmd.Process.Signal(sig)
	}
	cmd.Wait()
	f := finished{code: cmd.ProcessState.ExitCode(), took: time.Since(start), stderr: errb.String(),
		cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		f.signalled = ws.Signaled()
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		f.maxRSS = int64(ru.Maxrss)
	}
	if ctx.Err() != nil {
		t.Fatalf("rsvpd %s still ran after %v (stderr %q)", strings.Join(args, " "), limit, f.stderr)
	}
	return f
}

// stopBinary runs rsvpd with args and sends sig once main has had time to set up its signal
// handling. A process that the signal's default action ended had not got that far: on a loaded
// machine starting a binary can take longer than the first wait, so it is run again with a
// longer one, up to several seconds, after which dying by the signal is a failure to handle it.
// took is counted from the signal.
func stopBinary(t *testing.T, stdin io.Reader, sig os.Signal, args ...string) finished {
	t.Helper()
	var f finished
	for _, delay := range []time.Duration{300 * time.Millisecond, time.Second, 3 * time.Second, 8 * time.Second} {
		if f = runBinary(t, stdin, sig, delay, delay+10*time.Second, args...); !f.signalled {
			return f
		}
		t.Logf("rsvpd %s died by the signal %v after start: main had not set up its handling yet; again with a longer wait",
			strings.Join(args, " "), delay)
	}
	return f
}

// TestCommandsStopOnSignals runs the commands that do one job and end as a person would,
// and stops them with SIGTERM or SIGINT while they wait for input that never comes: each
// ends at once with the status the README gives for a stopped command.
func TestCommandsStopOnSignals(t *testing.T) {
	// parse of standard input that is never closed: the pipe stays open until the test ends.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	f := stopBinary(t, pr, syscall.SIGTERM, "parse", "-")
	pr.Close()
	if f.code != exitInterrupted || f.took > 2*time.Second || !strings.Contains(f.stderr, "stopped") {
		t.Errorf("parse of an open pipe after SIGTERM: exit %d after %v, stderr %q; want %d at once", f.code, f.took, f.stderr, exitInterrupted)
	}

	// check of a configuration that is a FIFO nobody writes: opening it blocks.
	fifo := filepath.Join(t.TempDir(), "rsvpd.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	f = stopBinary(t, nil, os.Interrupt, "check", "--config", fifo)
	if f.code != exitInterrupted || f.took > stopGrace+2*time.Second {
		t.Errorf("check of a FIFO after SIGINT: exit %d after %v (stderr %q); want %d within %v", f.code, f.took, f.stderr, exitInterrupted, stopGrace)
	}
}

// TestCheckBoundsItsInput checks that a configuration or invitee list that is far too large
// ends rsvpd check at once with an error naming the bound, in little memory: /dev/zero as the
// configuration, and an invitee list of a million rows. "At once" is at most 2 s of CPU
// time (it is well under one on an idle machine; a shared one stretches the wall time).
func TestCheckBoundsItsInput(t *testing.T) {
	f := runBinary(t, nil, nil, 0, 10*time.Second, "check", "--config", "/dev/zero")
	t.Logf("check --config /dev/zero: exit %d after %v (CPU %v), %d MB; %s", f.code, f.took, f.cpu, f.maxRSS>>10, strings.TrimSpace(f.stderr))
	if f.code != 2 || !strings.Contains(f.stderr, "larger than 1 MiB") || f.cpu > 2*time.Second || f.maxRSS > 100<<10 {
		t.Errorf("check --config /dev/zero: exit %d after %v of CPU using %d MB, stderr %q; want exit 2 within 2 s under 100 MB naming the bound",
			f.code, f.cpu, f.maxRSS>>10, f.stderr)
	}
	if testing.Short() {
		t.Skip("a million-row invitee list: skipped with -short")
	}
	cfg := exampleConfigWith(t, "file: municipalities-2012.csv", "file: million.csv")
	out, err := os.Create(filepath.Join(filepath.Dir(cfg), "million.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "code,name,formal_name,region,population_2012q1,population_2012q3,email")
	for i := range 1_000_000 {
		fmt.Fprintf(w, "m%d,Kommune %d,Kommune %d,Region,%d,%d,chef%d@k%d.kommune.test\n", i, i, i, 1000+i, 1000+i, i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	f = runBinary(t, nil, nil, 0, 30*time.Second, "check", "--config", cfg)
	t.Logf("check of a million invitees: exit %d after %v (CPU %v), %d MB; %s", f.code, f.took, f.cpu, f.maxRSS>>10, strings.TrimSpace(f.stderr))
	if f.code != 2 || !strings.Contains(f.stderr, "more than 200000 invitees") || f.cpu > 2*time.Second {
		t.Errorf("check of a million invitees: exit %d after %v of CPU, stderr %q; want exit 2 within 2 s naming the limit", f.code, f.cpu, f.stderr)
	}
}
