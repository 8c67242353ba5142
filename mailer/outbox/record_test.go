package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

func TestSenderMarksSentWhenOnSentFails(t *testing.T) {
	r := newSenderRig(t)
	r.sentErr = errors.New("invitee table locked")
	srv := startSenderSandbox(t, nil)
	rows := syntheticRows(3)
	r.queue(rows, time.Now())
	for range 2 {
		if err := r.sender(r.options(srv.SMTPAddr())).Drain(context.Background()); err != nil {
			t.Fatalf("Drain: %v", err)
		}
	}
	for _, q := range rows {
		if row := r.outbox()["invitation/"+q.code]; row.Status != "sent" {
			t.Errorf("%s: %s, want sent although OnSent failed", row.Key, row.Status)
		}
		if n := srv.Accepted(q.recipient); n != 1 {
			t.Errorf("%s holds %d messages after two drains, want 1", q.recipient, n)
		}
	}
}

// TestSenderSurvivesSIGKILL sends 1,000 invitations from a separate process (crashchild, built
// from testdata/crashchild) and kills it with SIGKILL at random points, at least five times,
// starting it again after each kill. At the end every mailbox holds its invitation, and the
// duplicates are at most the messages in flight when the process died: one per connection
// per kill.
func TestSenderSurvivesSIGKILL(t *testing.T) {
	child := buildCrashChild(t)
	for _, conns := range []int{1, 2} {
		t.Run(fmt.Sprintf("connections=%d", conns), func(t *testing.T) {
			srv := startSenderSandbox(t, nil)
			db := filepath.Join(t.TempDir(), "rsvpd.db")
			st, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rows := syntheticRows(1000)
			queueRows(t, st, testSigner(), rows, time.Now())

			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(conns)))
			kills, runs := 0, 0
			for {
				runs++
				// Kill when the server has taken a random number (1..150) of further messages;
				// after twelve kills, let it finish.
				target := -1
				if kills < 12 {
					target = accepted(srv) + 1 + rng.IntN(150)
				}
				cmd := exec.Command(child, "-db", db, "-smtp", srv.SMTPAddr(), "-connections", strconv.Itoa(conns))
				if !runUntilKilled(t, cmd, runs, func() bool { return target >= 0 && accepted(srv) >= target }) {
					break
				}
				kills++
			}

			missing, dups := countDeliveries(t, srv, rows)
			t.Logf("%d connections: %d kills, %d runs, %d messages delivered for 1000 invitations: %d missing, %d duplicates",
				conns, kills, runs, accepted(srv), missing, dups)
			if kills < 5 {
				t.Errorf("only %d kills before the outbox was empty, want at least 5", kills)
			}
			if missing != 0 {
				t.Errorf("%d invitations lost", missing)
			}
			if dups > conns*kills {
				t.Errorf("%d duplicates after %d kills with %d connections, want at most %d (the messages in flight)",
					dups, kills, conns, conns*kills)
			}
			stats, err := st.OutboxStats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if stats.Sent != 1000 || stats.Pending != 0 || stats.Failed != 0 {
				t.Errorf("outbox at the end: %+v, want 1000 sent", stats)
			}
		})
	}
}

// accepted is the number of messages the sandbox has taken, for all mailboxes.
func accepted(srv *sandbox.Server) int {
	n := 0
	for _, m := range srv.Mailboxes() {
		n += srv.Accepted(m)
	}
	return n
}

// runUntilKilled starts cmd (the run-th run of crashchild) and kills it with SIGKILL as soon
// as kill reports true. It reports whether it killed the child; a child that fails, or does
// not finish within a minute, fails the test.
func runUntilKilled(t *testing.T, cmd *exec.Cmd, run int, kill func() bool) (killed bool) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	giveUp := time.Now().Add(time.Minute)
	for {
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("run %d of crashchild: %v\n%s", run, err, out.String())
			}
			return false
		case <-time.After(time.Millisecond):
			if time.Now().After(giveUp) {
				cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				t.Fatalf("run %d of crashchild did not finish within a minute\n%s", run, out.String())
			}
			if kill() {
				cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				return true
			}
		}
	}
}

// countDeliveries counts the invitations that never arrived and the extra copies of those
// that arrived more than once, checking that the copies are of the recipient's one message.
func countDeliveries(t *testing.T, srv *sandbox.Server, rows []outboxRow) (missing, dups int) {
	t.Helper()
	for _, q := range rows {
		switch n := srv.Accepted(q.recipient); {
		case n == 0:
			missing++
		case n > 1:
			dups += n - 1
			ids := map[string]bool{}
			for _, m := range sandboxMessages(t, srv, q.recipient) {
				ids[m.Header.Get("Message-Id")] = true
			}
			if len(ids) != 1 {
				t.Errorf("%s got %d different messages, want copies of its one invitation", q.recipient, len(ids))
			}
		}
	}
	return missing, dups
}

// buildCrashChild compiles testdata/crashchild.
func buildCrashChild(t *testing.T) string {
	t.Helper()
	goTool := testenv.Tool(t, "go", "put Go's bin folder on PATH")
	bin := filepath.Join(t.TempDir(), "crashchild")
	cmd := exec.Command(goTool, "build", "-o", bin, "./testdata/crashchild")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build crashchild: %v\n%s", err, out)
	}
	return bin
}

// Outcomes handed in while another is being committed go into one transaction, each with its
// own consequences, and each connection learns its own outcome. (A group whose consequences
// cannot all be written is written one by one: TestSenderMarksSentWhenOnSentFails.)
func TestSentOutcomesAreCommittedTogether(t *testing.T) {
	r := newSenderRig(t)
	rows := syntheticRows(4)
	r.queue(rows, time.Now())
	s := r.sender(r.options("127.0.0.1:1"))
	byKey := r.outbox()
	var mu sync.Mutex
	txs := map[*store.Tx]int{}
	gate := make(chan struct{})
	s.o.OnSent = func(tx *store.Tx, row store.Outgoing) error {
		if row.Key == "invitation/"+rows[0].code {
			<-gate // the first commit waits while the other three hand in their outcomes
		}
		mu.Lock()
		txs[tx]++
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	results := make([]result, len(rows))
	for i, q := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.recordSent(byKey["invitation/"+q.code])
		}()
		if i == 0 {
			for { // the first is committing before the others come
				s.groupMu.Lock()
				busy := s.committing && len(s.group) == 0
				s.groupMu.Unlock()
				if busy {
					break
				}
				runtime.Gosched()
			}
		}
	}
	for { // the other three wait for the next commit
		s.groupMu.Lock()
		n := len(s.group)
		s.groupMu.Unlock()
		if n == 3 {
			break
		}
		runtime.Gosched()
	}
	close(gate)
	wg.Wait()
	for i, res := range results {
		if res.fatal != nil || res.outcome != outcomeSent {
			t.Errorf("row %d: %+v, want sent", i, res)
		}
	}
	for _, q := range rows {
		if row := r.outbox()["invitation/"+q.code]; row.Status != "sent" {
			t.Errorf("%s: %s, want sent", row.Key, row.Status)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	grouped := false
	for _, n := range txs {
		grouped = grouped || n == 3
	}
	if !grouped {
		t.Errorf("transactions and the outcomes they carried: %v; want one that carried the three that waited", txs)
	}
}
