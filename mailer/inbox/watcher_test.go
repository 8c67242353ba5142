package inbox

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// Messages waiting when the watcher starts are each applied once and end up where the
// server allows: moved (MOVE), copied and expunged (no MOVE), or flagged in place (no
// processed mailbox).
func TestWatcherHandlesWaitingMessagesOnce(t *testing.T) {
	for _, tc := range []struct {
		name      string
		caps      imap.CapSet
		processed string
		disposal  string
	}{
		{"move", capsRev2, testDone, "move"},
		{"copy without MOVE", capsRev1, testDone, "copy"},
		{"flag without a processed mailbox", capsRev2, "", "flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, tc.caps)
			srv.start()
			ids := []string{"a@aalborg.test", "b@roskilde.test", "c@vejle.test"}
			for _, id := range ids {
				srv.deliver("INBOX", testMessage(id, "Vi kommer til Vejle, 2 personer"))
			}
			st := testenv.Store(t)
			h := newTestHandler(st)
			opts := testOptions(t, srv)
			opts.Processed = tc.processed
			var connected atomic.Value
			opts.OnConnect = func(c Connection) { connected.Store(c) }
			w := New(st, h.handle, opts)
			stop := runWatcher(t, w)
			waitFor(t, 5*time.Second, "all three messages applied", func() bool { return h.totalApplied() == 3 })
			want := slices.Clone(ids)
			if tc.disposal == "flag" {
				waitFor(t, 5*time.Second, "all three flagged $rsvpd", func() bool {
					n := 0
					for _, m := range srv.messages("INBOX") {
						if slices.Contains(m.Flags, Keyword) && slices.Contains(m.Flags, imap.FlagSeen) {
							n++
						}
					}
					return n == 3
				})
			} else {
				waitFor(t, 5*time.Second, "inbox emptied into "+testDone, func() bool {
					return len(srv.messages("INBOX")) == 0 && len(srv.messages(testDone)) == 3
				})
				done := srv.messages(testDone)
				if got := msgIDs(done); !slices.Equal(got, want) {
					t.Errorf("%s holds %v, want %v", testDone, got, want)
				}
				for _, m := range done {
					if !slices.Contains(m.Flags, imap.FlagSeen) || !slices.Contains(m.Flags, Keyword) {
						t.Errorf("%s in %s has flags %v, want \\Seen and %s", m.MessageID, testDone, m.Flags, Keyword)
					}
				}
			}
			// A second look (Kick) after the work is done changes nothing.
			w.Kick()
			time.Sleep(100 * time.Millisecond)
			stop()
			for _, id := range ids {
				if n := h.appliedCount(id); n != 1 {
					t.Errorf("%s applied %d times, want once", id, n)
				}
				if n := h.callCount(id); n != 1 {
					t.Errorf("%s handed to the handler %d times, want once", id, n)
				}
			}
			if c, _ := connected.Load().(Connection); c.Disposal != tc.disposal || !c.Idle || c.Reconnect {
				t.Errorf("OnConnect got %+v, want disposal %s with IDLE, first connection", c, tc.disposal)
			}
			pos, err := st.MailboxPosition(context.Background(), "INBOX")
			if err != nil {
				t.Fatal(err)
			}
			if pos.LastUID != 3 {
				t.Errorf("stored position %+v, want last UID 3", pos)
			}
			if s := w.Stats(); s.Handled != 3 || s.Connects != 1 || s.HandleErrors != 0 {
				t.Errorf("stats %+v, want 3 handled over 1 connection without errors", s)
			}
		})
	}
}

// A watcher stopped after applying a batch but before moving it (a crash) leaves the batch in
// the inbox; the next watcher on the same store moves it without applying it again, and
// handles only the mail that is new: with a handler of one message, which is not even called
// for a row the ledger holds as handled, and with HandleBatch, which is handed such rows and
// leaves them alone.
func TestWatcherRestartHandlesNothingTwice(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("HandleBatch=%v", batch), func(t *testing.T) { restartHandlesNothingTwice(t, batch) })
	}
}

func restartHandlesNothingTwice(t *testing.T, batch bool) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	options := func() Options {
		o := testOptions(t, srv)
		if batch {
			o.HandleBatch = func(ctx context.Context, ids []int64) []error {
				errs := make([]error, len(ids))
				for i, id := range ids {
					errs[i] = h.handle(ctx, id)
				}
				return errs
			}
		}
		return o
	}
	srv.deliver("INBOX", testMessage("first@aalborg.test", "Vi kommer"))
	srv.deliver("INBOX", testMessage("crash@roskilde.test", "Vi kommer ikke"))

	ctx, cancel := context.WithCancel(context.Background())
	h.after = func(_ context.Context, msgID string) {
		if msgID == "crash@roskilde.test" {
			cancel() // the process dies between applying and moving
		}
	}
	done := make(chan error, 1)
	go func() { done <- New(st, h.handle, options()).Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first watcher did not stop")
	}
	// The two messages are one batch, moved together after both are applied.
	if got := msgIDs(srv.messages("INBOX")); !slices.Equal(got, []string{"crash@roskilde.test", "first@aalborg.test"}) {
		t.Fatalf("after the crash the inbox holds %v, want the batch applied but not moved", got)
	}
	h.after = nil
	srv.deliver("INBOX", testMessage("new@vejle.test", "Vi kommer til Vejle"))

	w := New(st, h.handle, options())
	runWatcher(t, w)
	waitFor(t, 5*time.Second, "the new message applied and the inbox emptied", func() bool {
		return h.appliedCount("new@vejle.test") == 1 && len(srv.messages("INBOX")) == 0
	})
	for _, id := range []string{"first@aalborg.test", "crash@roskilde.test", "new@vejle.test"} {
		if n := h.appliedCount(id); n != 1 {
			t.Errorf("%s applied %d times, want once", id, n)
		}
	}
	// Both messages of the batch applied before the crash reached the handler then. Without
	// HandleBatch the ledger kept them from it after the restart; HandleBatch is handed them
	// once more, and the applied counts above show it left them alone.
	for _, id := range []string{"first@aalborg.test", "crash@roskilde.test"} {
		n := h.callCount(id)
		if !batch && n != 1 {
			t.Errorf("%s, applied before the crash, reached the handler %d times, want once (the ledger knew it)", id, n)
		}
		if batch && n != 2 {
			t.Errorf("%s, applied before the crash, reached HandleBatch %d times, want twice (before the crash and again after)", id, n)
		}
	}
	if got := len(srv.messages(testDone)); got != 3 {
		t.Errorf("%s holds %d messages, want 3", testDone, got)
	}
}

// When the server's mailbox comes back under a new UIDVALIDITY (rebuilt index), the same
// messages under new UIDs are recognised by their Message-ID: nothing is applied twice, and
// the message that is really new is applied.
func TestWatcherUIDValidityChange(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	old := []string{"one@aalborg.test", "two@roskilde.test"}
	for _, id := range old {
		srv.deliver("INBOX", testMessage(id, "Vi kommer"))
	}
	w := New(st, h.handle, testOptions(t, srv))
	runWatcher(t, w)
	waitFor(t, 5*time.Second, "both applied", func() bool { return h.totalApplied() == 2 })
	before, err := st.MailboxPosition(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}

	// The server goes down and comes back with INBOX rebuilt: the old messages are there
	// again (restored from a backup, say) under a new UIDVALIDITY, with one new message.
	srv.stop()
	if err := srv.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range old {
		srv.deliver("INBOX", testMessage(id, "Vi kommer"))
	}
	srv.deliver("INBOX", testMessage("three@vejle.test", "Vi kommer til Vejle"))
	srv.start()

	waitFor(t, 5*time.Second, "the new message applied and the inbox emptied", func() bool {
		return h.appliedCount("three@vejle.test") == 1 && len(srv.messages("INBOX")) == 0
	})
	for _, id := range old {
		if n := h.appliedCount(id); n != 1 {
			t.Errorf("%s applied %d times across the UIDVALIDITY change, want once", id, n)
		}
	}
	if n := len(ledgerRows(t, st, "duplicate")); n != 2 {
		t.Errorf("%d ledger rows marked duplicate, want the 2 messages seen again", n)
	}
	// The position is stored right after the last message left the inbox.
	waitUntil(5*time.Second, func() bool {
		pos, _ := st.MailboxPosition(context.Background(), "INBOX")
		return pos.LastUID == 3
	})
	after, err := st.MailboxPosition(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if after.UIDValidity == before.UIDValidity || after.LastUID != 3 {
		t.Errorf("position went from %+v to %+v, want the new UIDVALIDITY at UID 3", before, after)
	}
}

// One message whose handling fails (a store error) stays in the inbox and holds the position
// back, while the messages after it are applied and moved; it is retried with backoff and
// applied once the error clears. A malformed message is recorded as failed and moved: it does
// not stop anything.
func TestWatcherHandlerErrorDoesNotStopOthers(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	h.fail["stuck@odense.test"] = 3
	ids := []string{"before@aalborg.test", "stuck@odense.test", "broken@vejle.test", "after@roskilde.test"}
	for _, id := range ids {
		body := "Vi kommer"
		if id == "broken@vejle.test" {
			body = "MALFORMED"
		}
		srv.deliver("INBOX", testMessage(id, body))
	}
	w := New(st, h.handle, testOptions(t, srv))
	runWatcher(t, w)
	waitFor(t, 5*time.Second, "the messages around the failing one applied", func() bool {
		return h.appliedCount("before@aalborg.test") == 1 && h.appliedCount("after@roskilde.test") == 1
	})
	waitFor(t, 5*time.Second, "the failing message applied after its retries", func() bool {
		return h.appliedCount("stuck@odense.test") == 1
	})
	waitFor(t, 5*time.Second, "the inbox emptied", func() bool { return len(srv.messages("INBOX")) == 0 })
	// The position is stored right after the last message left the inbox.
	waitUntil(5*time.Second, func() bool {
		pos, _ := st.MailboxPosition(context.Background(), "INBOX")
		return pos.LastUID == 4
	})
	if n := h.callCount("stuck@odense.test"); n != 4 {
		t.Errorf("the failing message reached the handler %d times, want 3 failures and 1 success", n)
	}
	failed := ledgerRows(t, st, "failed")
	if len(failed) != 1 || failed[0].MessageID != "broken@vejle.test" {
		t.Errorf("failed ledger rows %v, want only the malformed message", failed)
	}
	if got := msgIDs(srv.messages(testDone)); len(got) != 4 {
		t.Errorf("%s holds %v, want all 4", testDone, got)
	}
	pos, _ := st.MailboxPosition(context.Background(), "INBOX")
	if pos.LastUID != 4 {
		t.Errorf("position %+v, want UID 4 once the failing message is done", pos)
	}
	if s := w.Stats(); s.HandleErrors != 3 || s.Connects != 1 {
		t.Errorf("stats %+v, want 3 handler errors on 1 connection", s)
	}
}

// While the handler keeps failing, the position stays below the failing message.
func TestWatcherPositionStaysBelowFailingMessage(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	h.fail["stuck@odense.test"] = 1 << 30
	srv.deliver("INBOX", testMessage("before@aalborg.test", "Vi kommer"))
	srv.deliver("INBOX", testMessage("stuck@odense.test", "Vi kommer"))
	srv.deliver("INBOX", testMessage("after@roskilde.test", "Vi kommer"))
	w := New(st, h.handle, testOptions(t, srv))
	stop := runWatcher(t, w)
	waitFor(t, 5*time.Second, "the others applied", func() bool { return h.totalApplied() == 2 })
	waitFor(t, 5*time.Second, "several retries", func() bool { return h.callCount("stuck@odense.test") >= 3 })
	stop()
	pos, _ := st.MailboxPosition(context.Background(), "INBOX")
	if pos.LastUID != 1 {
		t.Errorf("position %+v, want UID 1 (below the failing message)", pos)
	}
	if got := msgIDs(srv.messages("INBOX")); !slices.Equal(got, []string{"stuck@odense.test"}) {
		t.Errorf("inbox holds %v, want only the failing message", got)
	}
	if rows := ledgerRows(t, st, "new"); len(rows) != 1 || rows[0].MessageID != "stuck@odense.test" {
		t.Errorf("unhandled ledger rows %v, want the failing message", rows)
	}
	// Retries back off: with 50ms doubling to 400ms, a second's worth is a handful, not a spin.
	if n := h.callCount("stuck@odense.test"); n > 12 {
		t.Errorf("the failing message was tried %d times in about a second: no backoff", n)
	}
}

// The server goes away while the watcher is in IDLE and comes back on the same port; mail
// delivered while it was down and after it came back is applied, each message once.
func TestWatcherReconnectsAfterServerRestart(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	var mu sync.Mutex
	var conns []Connection
	opts := testOptions(t, srv)
	opts.OnConnect = func(c Connection) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	w := New(st, h.handle, opts)
	runWatcher(t, w)
	srv.deliver("INBOX", testMessage("before@aalborg.test", "Vi kommer"))
	waitFor(t, 5*time.Second, "the first message applied", func() bool { return h.totalApplied() == 1 })
	time.Sleep(50 * time.Millisecond) // into IDLE

	srv.stop()
	srv.deliver("INBOX", testMessage("during@roskilde.test", "Vi kommer"))
	time.Sleep(600 * time.Millisecond) // several failed attempts
	srv.start()
	waitFor(t, 5*time.Second, "mail delivered during the outage applied", func() bool {
		return h.appliedCount("during@roskilde.test") == 1
	})
	srv.deliver("INBOX", testMessage("after@vejle.test", "Vi kommer"))
	waitFor(t, 2*time.Second, "mail delivered after the restart applied", func() bool {
		return h.appliedCount("after@vejle.test") == 1
	})
	for _, id := range []string{"before@aalborg.test", "during@roskilde.test", "after@vejle.test"} {
		if n := h.appliedCount(id); n != 1 {
			t.Errorf("%s applied %d times, want once", id, n)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) != 2 || !conns[1].Reconnect || conns[1].Failures < 1 {
		t.Fatalf("connections %+v, want a first one and a reconnection after failed attempts", conns)
	}
	// Down counts from the loss: the outage lasted 600ms; the reconnection comes within one
	// backoff step (at most 400ms) of the server's return (slack for a loaded machine).
	if d := conns[1].Down; d < 500*time.Millisecond || d > 2*time.Second {
		t.Errorf("down for %s, want about the outage (600ms) plus at most one backoff step", d)
	}
	t.Logf("reconnected after %s down, %d failed attempts", conns[1].Down, conns[1].Failures)
	if s := w.Stats(); s.Reconnects != 1 {
		t.Errorf("stats %+v, want 1 reconnection", s)
	}
}

// A server that accepts the connection and then says nothing (or stops answering) does not
// hang the watcher: each attempt ends at the command timeout and the next comes after a
// backoff, so the attempts are few.
func TestWatcherDeadlinesAndBackoffOnSilentServer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		greeting string
	}{
		{"no greeting", ""},
		{"no answer to LOGIN", "* OK [CAPABILITY IMAP4rev1] ready\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var attempts atomic.Int64
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					attempts.Add(1)
					io.WriteString(c, tc.greeting)
					go func() { io.Copy(io.Discard, c); c.Close() }() // reads, never answers
				}
			}()
			st := testenv.Store(t)
			h := newTestHandler(st)
			w := New(st, h.handle, Options{
				Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: "none", User: "x", Password: "y",
				CommandTimeout: 150 * time.Millisecond, BackoffBase: 100 * time.Millisecond, BackoffMax: 400 * time.Millisecond,
				Log: testLogger(t),
			})
			w.backoff.Rand = func() float64 { return 1 } // each wait its ceiling: the count is known
			stop := runWatcher(t, w)
			time.Sleep(1500 * time.Millisecond)
			stop()
			// Each attempt costs 150ms plus a backoff of 100, 200, 400, 400 ms...
			n := attempts.Load()
			if n < 2 || n > 7 {
				t.Errorf("%d connection attempts in 1.5s, want a few (timeouts with backoff, no spinning)", n)
			}
			if s := w.Stats(); s.Connects != 0 || s.ConnectFailures < 2 {
				t.Errorf("stats %+v, want no session and the failures counted", s)
			}
		})
	}
}

// Options that cannot work stop Run at once with an error naming the problem.
func TestWatcherRejectsBadOptions(t *testing.T) {
	st := testenv.Store(t)
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"unknown TLS mode", Options{Host: "127.0.0.1", TLS: "ssl"}, `"ssl" is not a TLS mode`},
		{"no host", Options{TLS: "none"}, "no IMAP host"},
		{"port out of range", Options{Host: "127.0.0.1", Port: 70000}, "port 70000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			err := New(st, func(context.Context, int64) error { return nil }, tc.opts).Run(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// A burst is taken in batches: the messages of a batch reach HandleBatch together and in UID
// order (so a later reply from an invitee is applied after an earlier one), and are moved
// together; a message the handler could not finish stays in the inbox and is tried again
// while the others of its batch are moved on.
func TestWatcherBatches(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	var want []string
	for i := range 10 {
		id := fmt.Sprintf("m%02d@aalborg.test", i)
		want = append(want, id)
		srv.deliver("INBOX", testMessage(id, "Vi kommer"))
	}
	h.fail["m03@aalborg.test"] = 1
	var mu sync.Mutex
	var batches [][]string
	o := testOptions(t, srv)
	o.BatchSize = 4
	o.HandleBatch = func(ctx context.Context, ids []int64) []error {
		var got []string
		errs := make([]error, len(ids))
		for i, id := range ids {
			err := st.View(ctx, func(tx *store.Tx) error {
				in, err := tx.Inbound(id)
				got = append(got, in.MessageID)
				return err
			})
			if err == nil {
				err = h.handle(ctx, id)
			}
			errs[i] = err
		}
		mu.Lock()
		batches = append(batches, got)
		mu.Unlock()
		return errs
	}
	runWatcher(t, New(st, h.handle, o))
	waitFor(t, 10*time.Second, "every message applied and moved", func() bool {
		return len(srv.messages(testDone)) == 10
	})
	mu.Lock()
	defer mu.Unlock()
	if len(batches) < 3 || len(batches[0]) != 4 {
		t.Fatalf("batches %v, want the first of 4 and at least 3 of them", batches)
	}
	var order []string
	for _, b := range batches[:3] {
		order = append(order, b...)
	}
	if !slices.Equal(order, want) {
		t.Errorf("handed over in the order %v, want UID order %v", order, want)
	}
	if n := h.callCount("m03@aalborg.test"); n != 2 {
		t.Errorf("the message that failed reached the handler %d times, want twice (failed, then applied)", n)
	}
	for _, id := range want {
		if n := h.appliedCount(id); n != 1 {
			t.Errorf("%s applied %d times, want once", id, n)
		}
	}
}
