package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the driver the store uses, to read it from outside

	"github.com/rsvpd/rsvpd/testenv"
)

// BenchmarkScale runs the built rsvpd on the example campaign with a generated list of 20,000
// invitees (RSVPD_SCALE_INVITEES sets another number) and reports, per command, the wall
// time, the CPU, the peak RSS and the bytes written to disk, in all and per invitee:
//
//   - check: validate the configuration and summarise the timeline;
//   - simulate: the whole timeline on a virtual clock, with the store it writes;
//   - run: the daemon sends every invitation to Postfix's smtp-sink over 4 connections (the
//     time until the last one is handed over; without smtp-sink, skipped under -short and
//     failed otherwise, as testenv.Tool does);
//   - status: `rsvpd status --json` on the store run leaves, every invitation sent (made
//     first, untimed, when run did not go before it, as with -bench Scale/status).
//
// The goals at 100,000 invitees (issue 17): check 1 s and 150 MB, simulate 60 s and 400 MB,
// run 60 s, 250 MB and 1 GB written, status 5 s. They are benchmarks, not tests: the figures
// depend on the machine and its load.
func BenchmarkScale(b *testing.B) {
	n := 20000
	if s := os.Getenv("RSVPD_SCALE_INVITEES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("RSVPD_SCALE_INVITEES=%q: want a positive number of invitees", s)
		}
	}
	bin := testenv.Rsvpd(b)
	dir := b.TempDir()
	cfg := scaleConfig(b, dir, n)
	env := append(os.Environ(), "RSVPD_SECRET=scale bench secret")
	report := func(b *testing.B, u cost) {
		b.ReportMetric(u.wall.Seconds(), "wall-s")
		b.ReportMetric(u.cpu.Seconds(), "cpu-s")
		b.ReportMetric(float64(u.maxRSS)/(1<<20), "peak-RSS-MB")
		b.ReportMetric(float64(u.written)/(1<<20), "written-MB")
		b.ReportMetric(float64(u.cpu.Microseconds())/float64(n), "cpu-µs/invitee")
		b.ReportMetric(float64(u.written)/float64(n), "written-B/invitee")
		b.Logf("%d invitees: %.2f s, CPU %.2f s, peak RSS %d MB, %d MB written", n, u.wall.Seconds(), u.cpu.Seconds(),
			u.maxRSS>>20, u.written>>20)
	}
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			report(b, runFor(b, bin, env, 0, nil, "check", "--config", cfg))
		}
	})
	b.Run("simulate", func(b *testing.B) {
		for b.Loop() {
			report(b, runFor(b, bin, env, 0, nil, "simulate", "--config", cfg))
		}
	})
	db := filepath.Join(dir, "data", "rsvpd.db")
	// send runs the daemon on a new store until every invitation is handed to smtp-sink.
	send := func(b *testing.B) cost {
		sink := testenv.Tool(b, "smtp-sink", "apt-get install postfix")
		if err := os.RemoveAll(filepath.Join(dir, "data")); err != nil {
			b.Fatal(err)
		}
		stop := startSink(b, sink)
		defer stop()
		return runFor(b, bin, env, 5*time.Minute, func() bool { return invitationsSent(db) >= n }, "run", "--config", cfg)
	}
	sent := false // the store holds what send leaves
	b.Run("run", func(b *testing.B) {
		for b.Loop() {
			report(b, send(b))
			sent = true
		}
	})
	b.Run("status", func(b *testing.B) {
		if !sent {
			send(b)
			sent = true
		}
		// An empty or half-sent store would time a status of nothing.
		if got := invitationsSent(db); got < n {
			b.Fatalf("the store holds %d sent invitations, want %d", got, n)
		}
		for b.Loop() {
			report(b, runFor(b, bin, env, 0, nil, "status", "--config", cfg, "--json"))
		}
	})
}

// cost is what one command cost.
type cost struct {
	wall    time.Duration
	cpu     time.Duration
	maxRSS  int64 // bytes
	written int64 // bytes written to the block device, from the kernel's count
}

// runFor runs rsvpd with args until it exits, or, with done set, until done reports true
// (checked every 500 ms), when it is stopped with SIGTERM; the wall time is up to then.
func runFor(b *testing.B, bin string, env []string, timeout time.Duration, done func() bool, args ...string) cost {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Dir = filepath.Dir(args[len(args)-1])
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = nil, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var wall time.Duration
	if done != nil {
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(timeout)
		for !done() {
			select {
			case err := <-exited:
				b.Fatalf("rsvpd %s ended before it was done: %v\n%s", args[0], err, tail(stderr.String(), 20))
			case <-time.After(500 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				<-exited
				b.Fatalf("rsvpd %s: not done within %s\n%s", args[0], timeout, tail(stderr.String(), 20))
			}
		}
		wall = time.Since(start)
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	} else {
		if err := cmd.Wait(); err != nil {
			b.Fatalf("rsvpd %s: %v\n%s", args[0], err, tail(stderr.String(), 20))
		}
		wall = time.Since(start)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return cost{wall: wall, cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		maxRSS: ru.Maxrss << 10, written: ru.Oublock * 512}
}

// scaleConfig writes the example configuration with a generated invitee list of n, on dates
// that put the invitations due now and the rest of the campaign ahead, sending to smtp-sink
// on 127.0.0.1:2526, and returns its path.
func scaleConfig(b *testing.B, dir string, n int) string {
	b.Helper()
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	day := func(d int) string { return now.AddDate(0, 0, d).Format("2006-01-02") }
	s := string(data)
	for _, r := range [][2]string{
		{"file: municipalities-2012.csv", "file: invitees.csv"},
		{"deadline: 2012-03-16", "deadline: " + day(50)},
		{"2012-02-28 ", day(36) + " "}, {"2012-03-01 ", day(38) + " "}, {"2012-03-06 ", day(43) + " "},
		{"invitations: 2012-02-06 09:00", "invitations: " + now.Add(-time.Hour).Format("2006-01-02 15:04")},
		{"agreement: 2012-02-20 09:00", "agreement: " + day(20) + " 09:00"},
		{"answer_by: 2012-02-21", "answer_by: " + day(21)},
		{"    host: localhost\n    port: 587\n    tls: starttls", "    host: 127.0.0.1\n    port: 2526\n    tls: none"},
		{"    user: dialogmoeder@kombit.test\n    password_env: RSVPD_SMTP_PASSWORD\n", ""},
		{"    host: localhost\n    port: 993\n    tls: tls", "    host: 127.0.0.1\n    port: 1\n    tls: none"},
		{"concurrency: 2", "concurrency: 4"},
		{"address: 127.0.0.1:9180", `address: ""`},
	} {
		if !strings.Contains(s, r[0]) {
			b.Fatalf("the example configuration has no %q any more", r[0])
		}
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		b.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("code,name,formal_name,region,population_2012q1,email\n")
	for i := range n {
		fmt.Fprintf(&csv, "i%06d,Invitee %d,Organisation nr. %d,Region Test,%d,person%d@org%d.test\n", i, i, i, 1000+i*7%50000, i, i%500)
	}
	if err := os.WriteFile(filepath.Join(dir, "invitees.csv"), []byte(csv.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// startSink runs smtp-sink on 127.0.0.1:2526 until stop is called.
func startSink(b *testing.B, path string) (stop func()) {
	b.Helper()
	args := []string{"127.0.0.1:2526", "1000"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	return func() { cmd.Process.Kill(); cmd.Wait() }
}

// invitationsSent counts the messages the store has marked sent once none is pending (the
// invitations, and the digest when one was due); 0 before then. It reads the store read-only
// (no migration, no journal mode to set: nothing the daemon could wait for) and counts from
// the index of pending rows first: the benchmark must not cost what it measures.
func invitationsSent(path string) int {
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return 0
	}
	defer db.Close()
	var pending, sent int
	if db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE status = 'pending'`).Scan(&pending) != nil || pending > 0 {
		return 0
	}
	if db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE status = 'sent'`).Scan(&sent) != nil {
		return 0
	}
	return sent
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
