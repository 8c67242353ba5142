package inbox

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// Mail that arrives while the watcher sits in IDLE is applied within a second, without
// waiting for a poll (the poll interval here is an hour).
func TestWatcherIdleHandlesNewMailWithinASecond(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	ready := make(chan struct{}, 1)
	opts := testOptions(t, srv)
	opts.OnConnect = func(Connection) { ready <- struct{}{} }
	w := New(st, h.handle, opts)
	runWatcher(t, w)
	<-ready
	time.Sleep(100 * time.Millisecond) // into IDLE
	var worst time.Duration
	for i := range 5 {
		id := fmt.Sprintf("idle-%d@kolding.test", i)
		sent := time.Now()
		srv.deliver("INBOX", testMessage(id, "Vi kommer til Aalborg"))
		waitFor(t, time.Second, id+" applied within a second of its delivery", func() bool { return h.appliedCount(id) == 1 })
		worst = max(worst, time.Since(sent))
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("slowest delivery-to-applied time over 5 messages: %s", worst)
	if s := w.Stats(); s.Connects != 1 {
		t.Errorf("%d connections, want 1", s.Connects)
	}
}

// A message larger than MaxSize is not read: the ledger keeps its header and the reason, the
// staff get a review item, the handler never sees it, and it is moved on flagged; the mail
// around it goes on.
func TestWatcherRefusesTooLargeMessage(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	srv.deliver("INBOX", testMessage("small@aalborg.test", "Vi kommer"))
	srv.deliver("INBOX", testMessage("huge@roskilde.test", strings.Repeat("Vedhæftet plantegning. ", 2000)))
	srv.deliver("INBOX", testMessage("small2@vejle.test", "Vi kommer"))
	opts := testOptions(t, srv)
	opts.MaxSize = 10_000
	w := New(st, h.handle, opts)
	runWatcher(t, w)
	waitFor(t, 5*time.Second, "the inbox emptied", func() bool { return len(srv.messages("INBOX")) == 0 })
	if h.appliedCount("small@aalborg.test") != 1 || h.appliedCount("small2@vejle.test") != 1 {
		t.Errorf("the small messages were not applied once each: %v", h.applied)
	}
	if n := h.callCount("huge@roskilde.test"); n != 0 {
		t.Errorf("the handler saw the oversized message %d times, want never", n)
	}
	failed := ledgerRows(t, st, "failed")
	if len(failed) != 1 {
		t.Fatalf("failed ledger rows %v, want the oversized message", failed)
	}
	f := failed[0]
	if f.MessageID != "huge@roskilde.test" || !strings.Contains(f.Error, "too large") || !strings.Contains(f.Error, "limit is 10000") {
		t.Errorf("ledger row %q with error %q, want the oversized message and its reason", f.MessageID, f.Error)
	}
	if int64(len(f.Raw)) > opts.MaxSize || !bytes.Contains(f.Raw, []byte("Subject: Re: Invitation")) || bytes.Contains(f.Raw, []byte("plantegning")) {
		t.Errorf("the ledger keeps %d bytes of the oversized message, want its header only", len(f.Raw))
	}
	var reviews []store.Review
	if err := st.Tx(context.Background(), func(tx *store.Tx) (err error) { reviews, err = tx.Reviews(true); return err }); err != nil {
		t.Fatal(err)
	}
	if len(reviews) != 1 || reviews[0].Inbound != f.ID || reviews[0].Why.Code != campaign.ReasonMessageTooLarge {
		t.Errorf("review items %+v, want one about the oversized message", reviews)
	}
	var huge *testMsg
	for _, m := range srv.messages(testDone) {
		if m.MessageID == "huge@roskilde.test" {
			huge = &m
		}
	}
	if huge == nil || !slices.Contains(huge.Flags, KeywordTooLarge) {
		t.Errorf("the oversized message in %s: %+v, want it there flagged %s", testDone, huge, KeywordTooLarge)
	}
	// The counters move right after the last message left the inbox.
	waitUntil(5*time.Second, func() bool { s := w.Stats(); return s.TooLarge == 1 && s.Handled == 3 })
	if s := w.Stats(); s.TooLarge != 1 || s.Handled != 3 {
		t.Errorf("stats %+v, want 1 too large of 3 finished", s)
	}
}

// An IDLE is renewed every IdleRestart on the same connection, and mail is still heard of
// after several renewals.
func TestWatcherRenewsIdle(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	proxy := newProxy(t, srv, false)
	st := testenv.Store(t)
	h := newTestHandler(st)
	opts := testOptions(t, srv)
	opts.Port = proxy.port
	opts.IdleRestart = 100 * time.Millisecond
	w := New(st, h.handle, opts)
	runWatcher(t, w)
	time.Sleep(700 * time.Millisecond)
	srv.deliver("INBOX", testMessage("late@aalborg.test", "Vi kommer"))
	waitFor(t, time.Second, "mail heard of after several IDLE renewals", func() bool { return h.appliedCount("late@aalborg.test") == 1 })
	if n := proxy.idles.Load(); n < 4 || n > 12 {
		t.Errorf("%d IDLE commands in about 0.7s with a 100ms renewal, want about 7", n)
	}
	if s := w.Stats(); s.Connects != 1 {
		t.Errorf("%d connections, want the one, renewed in place", s.Connects)
	}
}

// A server without IDLE is polled at the poll interval.
func TestWatcherPollsWithoutIdle(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	proxy := newProxy(t, srv, true)
	st := testenv.Store(t)
	h := newTestHandler(st)
	ready := make(chan Connection, 1)
	opts := testOptions(t, srv)
	opts.Port = proxy.port
	opts.Poll = 200 * time.Millisecond
	opts.OnConnect = func(c Connection) { ready <- c }
	w := New(st, h.handle, opts)
	runWatcher(t, w)
	if c := <-ready; c.Idle {
		t.Fatalf("connected with IDLE through a proxy that hides it: %+v", c)
	}
	srv.deliver("INBOX", testMessage("polled@aalborg.test", "Vi kommer"))
	waitFor(t, 2*time.Second, "the message found by polling", func() bool { return h.appliedCount("polled@aalborg.test") == 1 })
	if proxy.idles.Load() > 0 {
		t.Error("the watcher sent IDLE to a server that does not offer it")
	}
}

// The watcher speaks STARTTLS and implicit TLS, checking the server's certificate.
func TestWatcherTLSModes(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	for _, mode := range []mailer.TLSMode{mailer.StartTLS, mailer.ImplicitTLS} {
		t.Run(string(mode), func(t *testing.T) {
			srv := newTestServer(t, capsRev2)
			srv.tlsConfig, srv.implicit = serverTLS, mode == mailer.ImplicitTLS
			srv.start()
			srv.deliver("INBOX", testMessage("secure@aalborg.test", "Vi kommer"))
			st := testenv.Store(t)
			h := newTestHandler(st)
			opts := testOptions(t, srv)
			opts.TLS, opts.TLSConfig = mode, clientTLS
			runWatcher(t, New(st, h.handle, opts))
			waitFor(t, 5*time.Second, "the message applied over "+string(mode), func() bool { return h.appliedCount("secure@aalborg.test") == 1 })
		})
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := newTestServer(t, capsRev2)
		srv.tlsConfig, srv.implicit = serverTLS, true
		srv.start()
		srv.deliver("INBOX", testMessage("secure@aalborg.test", "Vi kommer"))
		st := testenv.Store(t)
		h := newTestHandler(st)
		opts := testOptions(t, srv)
		opts.TLS = "tls" // system roots: the test certificate is not trusted
		w := New(st, h.handle, opts)
		stop := runWatcher(t, w)
		time.Sleep(300 * time.Millisecond)
		stop()
		if s := w.Stats(); s.Connects != 0 || h.totalApplied() != 0 {
			t.Errorf("stats %+v and %d applied: a server with an untrusted certificate was used", s, h.totalApplied())
		}
	})
}
