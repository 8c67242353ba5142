package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/store"
)

// runFor runs the engine's loops on a virtual clock from start to end, then stops them, the way
// a process that is stopped (or dies) at end would.
func (f *fixture) runFor(t *testing.T, start, end time.Time, cancelAt func(*store.Store) bool) {
	t.Helper()
	v := clock.NewVirtual(start)
	f.e.clock = v
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- f.e.Run(ctx, RunOptions{Clock: v, Ready: func() { close(ready) }}) }()
	<-ready
	if cancelAt != nil {
		// Stop as soon as the first jobs are in: in the middle of the batch due at 09:00.
		go func() {
			for !cancelAt(f.st) {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
	}
	v.RunUntil(ctx, end)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) count(t *testing.T, prefix string) (outbox, ledger int) {
	t.Helper()
	var rows []store.Outgoing
	var runs []store.JobRun
	f.view(t, func(tx *store.Tx) (err error) {
		if rows, err = tx.OutboxRows(store.OutboxFilter{Kind: prefix}); err != nil {
			return err
		}
		runs, err = tx.JobRuns()
		return err
	})
	for _, r := range runs {
		if strings.HasPrefix(r.Key, prefix+"/") {
			ledger++
		}
	}
	return len(rows), ledger
}

// TestRestartAroundADueTime stops the daemon in the middle of the 98 invitations due at 09:00
// and starts a new one on the same store: every invitation is queued once, none twice.
func TestRestartAroundADueTime(t *testing.T) {
	f := newFixture(t)
	c := f.e.c
	due := c.Schedule.Invitations
	f.runFor(t, due.Add(-time.Minute), due.Add(time.Minute), func(st *store.Store) bool {
		s, _ := st.OutboxStats(context.Background())
		return s.Pending >= 10
	})
	first, _ := f.count(t, "invitation")
	if first == 0 || first == 98 {
		t.Logf("the first run stopped after %d invitations (not in the middle; the test still checks the restart)", first)
	}
	f.runFor(t, due.Add(-time.Second), due.Add(time.Minute), nil)
	f.runFor(t, due.Add(time.Minute), due.Add(2*time.Minute), nil)
	outbox, ledger := f.count(t, "invitation")
	if outbox != 98 || ledger != 98 {
		t.Errorf("after the restarts: %d invitations queued, %d in the run ledger; want 98 each (first run stopped at %d)", outbox, ledger, first)
	}
}
