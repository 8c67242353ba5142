package mailer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

const (
	watchTestUser     = "dialogmoeder@kombit.test"
	watchTestPassword = "rsvpd-test"
	watchTestDone     = "rsvpd/Behandlet"
)

// watchTestServer is go-imap's own server with an in-memory backend on 127.0.0.1. The
// backend outlives stop and start, so the server can be restarted on the same port with its
// mail kept, as a real server restart does.
type watchTestServer struct {
	t    *testing.T
	mem  *imapmemserver.Server
	user *imapmemserver.User
	caps imap.CapSet
	// tlsConfig enables STARTTLS; with implicit set the listener speaks TLS from the start.
	tlsConfig *tls.Config
	implicit  bool

	mu   sync.Mutex
	addr string
	srv  *imapserver.Server
}

func newWatchTestServer(t *testing.T, caps imap.CapSet) *watchTestServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(watchTestUser, watchTestPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	s := &watchTestServer{t: t, mem: mem, user: user, caps: caps, addr: "127.0.0.1:0"}
	t.Cleanup(s.stop)
	return s
}

// start listens on the server's address (a free port the first time, the same one after).
func (s *watchTestServer) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ { // the old port may linger for a moment after a stop
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listen on %s: %v", s.addr, err)
	}
	if s.implicit {
		ln = tls.NewListener(ln, s.tlsConfig)
	}
	s.addr = ln.Addr().String()
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return watchTestSession{s.mem.NewSession().(imapserver.SessionIMAP4rev2)}, nil, nil
		},
		Caps:         s.caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	}
	if !s.implicit {
		opts.TLSConfig = s.tlsConfig
	}
	s.srv = imapserver.New(opts)
	go s.srv.Serve(ln)
}

// stop closes the listener and every connection, as a server going down does.
func (s *watchTestServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
}

func (s *watchTestServer) hostPort() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	host, port, _ := net.SplitHostPort(s.addr)
	var p int
	fmt.Sscan(port, &p)
	return host, p
}

// deliver puts a message into a mailbox, as the MTA does; a watcher in IDLE hears of it.
func (s *watchTestServer) deliver(mailbox string, raw []byte) imap.UID {
	s.t.Helper()
	data, err := s.user.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{})
	if err != nil {
		s.t.Fatalf("deliver to %s: %v", mailbox, err)
	}
	return data.UID
}

// watchTestSession keeps an IDLE told of every change, as Dovecot does. go-imap's in-memory
// tracker reports only changes that arrive once its IDLE has begun: mail delivered between
// the watcher's last command and its IDLE would go unannounced until the next change. So the
// session also looks for queued changes every 20ms while it IDLEs.
type watchTestSession struct{ imapserver.SessionIMAP4rev2 }

func (s watchTestSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	done := make(chan error, 1)
	go func() { done <- s.SessionIMAP4rev2.Idle(w, stop) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			if err := s.Poll(w, true); err != nil {
				<-done
				return err
			}
		}
	}
}

// watchTestMsg is a message as a mail client sees it.
type watchTestMsg struct {
	UID       imap.UID
	Flags     []imap.Flag
	MessageID string
}

// messages lists a mailbox through a client of its own, as a user's mail program would.
func (s *watchTestServer) messages(mailbox string) []watchTestMsg {
	s.t.Helper()
	host, port := s.hostPort()
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	var c *imapclient.Client
	var err error
	if s.implicit {
		c, err = imapclient.DialTLS(addr, &imapclient.Options{TLSConfig: s.tlsConfig})
	} else {
		c, err = imapclient.DialInsecure(addr, nil)
	}
	if err != nil {
		s.t.Fatalf("inspect %s: %v", mailbox, err)
	}
	defer c.Close()
	if err := c.Login(watchTestUser, watchTestPassword).Wait(); err != nil {
		s.t.Fatalf("inspect %s: %v", mailbox, err)
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			return nil // no such mailbox: nothing in it
		}
		s.t.Fatalf("inspect %s: %v", mailbox, err)
	}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true,
		BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}}}).Collect()
	if err != nil {
		// An empty mailbox answers "1:*" with an error on some servers.
		return nil
	}
	var out []watchTestMsg
	for _, b := range bufs {
		var header []byte
		for _, sec := range b.BodySection {
			header = sec.Bytes
		}
		out = append(out, watchTestMsg{UID: b.UID, Flags: b.Flags, MessageID: watchMessageID(header)})
	}
	return out
}

func watchTestMessage(id, body string) []byte {
	return []byte("From: Bibliotekschef <chef@aalborg.kommune.test>\r\n" +
		"To: dialogmoeder@kombit.test\r\n" +
		"Subject: Re: Invitation til dialogmøde\r\n" +
		"Message-ID: <" + id + ">\r\n" +
		"Date: Mon, 13 Feb 2012 10:00:00 +0100\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" + body + "\r\n")
}

// watchTestHandler applies ledger rows as the daemon does: in one transaction, skipping a
// row already handled and a second copy of an applied Message-ID, recording an unreadable
// message as failed. fail makes a Message-ID's handling fail (a store error) that many times.
type watchTestHandler struct {
	st *store.Store

	mu        sync.Mutex
	calls     map[string]int // handler calls per Message-ID
	applied   map[string]int // transactions that applied a Message-ID
	fail      map[string]int
	after     func(ctx context.Context, msgID string)
	appliedAt map[string]time.Time
}

func newWatchTestHandler(st *store.Store) *watchTestHandler {
	return &watchTestHandler{st: st, calls: map[string]int{}, applied: map[string]int{}, fail: map[string]int{},
		appliedAt: map[string]time.Time{}}
}

func (h *watchTestHandler) handle(ctx context.Context, id int64) error {
	var msgID, status string
	err := h.st.Tx(ctx, func(tx *store.Tx) error {
		in, err := tx.Inbound(id)
		if err != nil {
			return err
		}
		msgID = in.MessageID
		h.mu.Lock()
		h.calls[msgID]++
		failNow := h.fail[msgID] > 0
		if failNow {
			h.fail[msgID]--
		}
		h.mu.Unlock()
		if in.Status != "new" {
			return nil
		}
		if failNow {
			return errors.New("database is locked")
		}
		now := time.Now()
		if bytes.Contains(in.Raw, []byte("MALFORMED")) {
			status = "failed"
			return tx.FinishInbound(id, store.InboundFailed, "", "the message could not be read", now)
		}
		status = "applied"
		if dup, err := tx.MessageIDApplied(msgID, id); err != nil {
			return err
		} else if dup {
			status = "duplicate"
		}
		return tx.FinishInbound(id, store.InboundStatus(status), "{}", "", now)
	})
	if err != nil {
		return fmt.Errorf("handle inbound %d: %w", id, err)
	}
	h.mu.Lock()
	if status == "applied" {
		h.applied[msgID]++
		h.appliedAt[msgID] = time.Now()
	}
	after := h.after
	h.mu.Unlock()
	if after != nil {
		after(ctx, msgID)
	}
	return nil
}

func (h *watchTestHandler) appliedCount(msgID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.applied[msgID]
}

func (h *watchTestHandler) totalApplied() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, v := range h.applied {
		n += v
	}
	return n
}

func (h *watchTestHandler) callCount(msgID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[msgID]
}

func watchTestStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "rsvpd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func watchTestLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func watchTestOptions(t *testing.T, srv *watchTestServer) WatcherOptions {
	host, port := srv.hostPort()
	return WatcherOptions{
		Host: host, Port: port, TLS: "none", User: watchTestUser, Password: watchTestPassword,
		Processed: watchTestDone, CommandTimeout: 2 * time.Second,
		BackoffMin: 50 * time.Millisecond, BackoffMax: 400 * time.Millisecond,
		Poll: time.Hour, Logger: watchTestLogger(t),
	}
}

// runWatcher runs w until the returned stop is called (or the test ends); stop waits for Run
// to return and fails the test when it returned an error.
func runWatcher(t *testing.T, w *Watcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("Run did not return within 5s of its context ending")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func watchWaitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func watchLedger(t *testing.T, st *store.Store, status store.InboundStatus) []store.Inbound {
	t.Helper()
	rows, err := st.InboundByStatus(context.Background(), status)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func watchMsgIDs(msgs []watchTestMsg) []string {
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.MessageID)
	}
	slices.Sort(ids)
	return ids
}

var (
	watchCapsRev2 = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}} // MOVE, UIDPLUS, IDLE
	watchCapsRev1 = imap.CapSet{imap.CapIMAP4rev1: {}}                        // IDLE, no MOVE, no UIDPLUS
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
		{"move", watchCapsRev2, watchTestDone, "move"},
		{"copy without MOVE", watchCapsRev1, watchTestDone, "copy"},
		{"flag without a processed mailbox", watchCapsRev2, "", "flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newWatchTestServer(t, tc.caps)
			srv.start()
			ids := []string{"a@aalborg.test", "b@roskilde.test", "c@vejle.test"}
			for _, id := range ids {
				srv.deliver("INBOX", watchTestMessage(id, "Vi kommer til Vejle, 2 personer"))
			}
			st := watchTestStore(t)
			h := newWatchTestHandler(st)
			opts := watchTestOptions(t, srv)
			opts.Processed = tc.processed
			var connected atomic.Value
			opts.OnConnect = func(c WatcherConnect) { connected.Store(c) }
			w := NewWatcher(st, h.handle, opts)
			stop := runWatcher(t, w)
			watchWaitFor(t, 5*time.Second, "all three messages applied", func() bool { return h.totalApplied() == 3 })
			want := slices.Clone(ids)
			if tc.disposal == "flag" {
				watchWaitFor(t, 5*time.Second, "all three flagged $rsvpd", func() bool {
					n := 0
					for _, m := range srv.messages("INBOX") {
						if slices.Contains(m.Flags, WatcherKeyword) && slices.Contains(m.Flags, imap.FlagSeen) {
							n++
						}
					}
					return n == 3
				})
			} else {
				watchWaitFor(t, 5*time.Second, "inbox emptied into "+watchTestDone, func() bool {
					return len(srv.messages("INBOX")) == 0 && len(srv.messages(watchTestDone)) == 3
				})
				done := srv.messages(watchTestDone)
				if got := watchMsgIDs(done); !slices.Equal(got, want) {
					t.Errorf("%s holds %v, want %v", watchTestDone, got, want)
				}
				for _, m := range done {
					if !slices.Contains(m.Flags, imap.FlagSeen) || !slices.Contains(m.Flags, WatcherKeyword) {
						t.Errorf("%s in %s has flags %v, want \\Seen and %s", m.MessageID, watchTestDone, m.Flags, WatcherKeyword)
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
			if c, _ := connected.Load().(WatcherConnect); c.Disposal != tc.disposal || !c.Idle || c.Reconnect {
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

// Mail that arrives while the watcher sits in IDLE is applied within a second, without
// waiting for a poll (the poll interval here is an hour).
func TestWatcherIdleHandlesNewMailWithinASecond(t *testing.T) {
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	ready := make(chan struct{}, 1)
	opts := watchTestOptions(t, srv)
	opts.OnConnect = func(WatcherConnect) { ready <- struct{}{} }
	w := NewWatcher(st, h.handle, opts)
	runWatcher(t, w)
	<-ready
	time.Sleep(100 * time.Millisecond) // into IDLE
	var worst time.Duration
	for i := range 5 {
		id := fmt.Sprintf("idle-%d@kolding.test", i)
		sent := time.Now()
		srv.deliver("INBOX", watchTestMessage(id, "Vi kommer til Aalborg"))
		watchWaitFor(t, time.Second, id+" applied within a second of its delivery", func() bool { return h.appliedCount(id) == 1 })
		worst = max(worst, time.Since(sent))
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("slowest delivery-to-applied time over 5 messages: %s", worst)
	if s := w.Stats(); s.Connects != 1 {
		t.Errorf("%d connections, want 1", s.Connects)
	}
}

// A watcher stopped after applying a message but before moving it (a crash) leaves the
// message in the inbox; the next watcher on the same store moves it without applying it
// again, and handles only the mail that is new.
func TestWatcherRestartHandlesNothingTwice(t *testing.T) {
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	srv.deliver("INBOX", watchTestMessage("first@aalborg.test", "Vi kommer"))
	srv.deliver("INBOX", watchTestMessage("crash@roskilde.test", "Vi kommer ikke"))

	ctx, cancel := context.WithCancel(context.Background())
	h.after = func(_ context.Context, msgID string) {
		if msgID == "crash@roskilde.test" {
			cancel() // the process dies between applying and moving
		}
	}
	done := make(chan error, 1)
	go func() { done <- NewWatcher(st, h.handle, watchTestOptions(t, srv)).Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first watcher did not stop")
	}
	if got := watchMsgIDs(srv.messages("INBOX")); !slices.Equal(got, []string{"crash@roskilde.test"}) {
		t.Fatalf("after the crash the inbox holds %v, want the message applied but not moved", got)
	}
	h.after = nil
	srv.deliver("INBOX", watchTestMessage("new@vejle.test", "Vi kommer til Vejle"))

	w := NewWatcher(st, h.handle, watchTestOptions(t, srv))
	runWatcher(t, w)
	watchWaitFor(t, 5*time.Second, "the new message applied and the inbox emptied", func() bool {
		return h.appliedCount("new@vejle.test") == 1 && len(srv.messages("INBOX")) == 0
	})
	for _, id := range []string{"first@aalborg.test", "crash@roskilde.test", "new@vejle.test"} {
		if n := h.appliedCount(id); n != 1 {
			t.Errorf("%s applied %d times, want once", id, n)
		}
	}
	if n := h.callCount("crash@roskilde.test"); n != 1 {
		t.Errorf("the message applied before the crash reached the handler %d times, want once (the ledger knew it)", n)
	}
	if got := len(srv.messages(watchTestDone)); got != 3 {
		t.Errorf("%s holds %d messages, want 3", watchTestDone, got)
	}
}

// When the server's mailbox comes back under a new UIDVALIDITY (rebuilt index), the same
// messages under new UIDs are recognised by their Message-ID: nothing is applied twice, and
// the message that is really new is applied.
func TestWatcherUIDValidityChange(t *testing.T) {
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	old := []string{"one@aalborg.test", "two@roskilde.test"}
	for _, id := range old {
		srv.deliver("INBOX", watchTestMessage(id, "Vi kommer"))
	}
	w := NewWatcher(st, h.handle, watchTestOptions(t, srv))
	runWatcher(t, w)
	watchWaitFor(t, 5*time.Second, "both applied", func() bool { return h.totalApplied() == 2 })
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
		srv.deliver("INBOX", watchTestMessage(id, "Vi kommer"))
	}
	srv.deliver("INBOX", watchTestMessage("three@vejle.test", "Vi kommer til Vejle"))
	srv.start()

	watchWaitFor(t, 5*time.Second, "the new message applied and the inbox emptied", func() bool {
		return h.appliedCount("three@vejle.test") == 1 && len(srv.messages("INBOX")) == 0
	})
	for _, id := range old {
		if n := h.appliedCount(id); n != 1 {
			t.Errorf("%s applied %d times across the UIDVALIDITY change, want once", id, n)
		}
	}
	if n := len(watchLedger(t, st, "duplicate")); n != 2 {
		t.Errorf("%d ledger rows marked duplicate, want the 2 messages seen again", n)
	}
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
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	h.fail["stuck@odense.test"] = 3
	ids := []string{"before@aalborg.test", "stuck@odense.test", "broken@vejle.test", "after@roskilde.test"}
	for _, id := range ids {
		body := "Vi kommer"
		if id == "broken@vejle.test" {
			body = "MALFORMED"
		}
		srv.deliver("INBOX", watchTestMessage(id, body))
	}
	w := NewWatcher(st, h.handle, watchTestOptions(t, srv))
	runWatcher(t, w)
	watchWaitFor(t, 5*time.Second, "the messages around the failing one applied", func() bool {
		return h.appliedCount("before@aalborg.test") == 1 && h.appliedCount("after@roskilde.test") == 1
	})
	watchWaitFor(t, 5*time.Second, "the failing message applied after its retries", func() bool {
		return h.appliedCount("stuck@odense.test") == 1
	})
	watchWaitFor(t, 5*time.Second, "the inbox emptied", func() bool { return len(srv.messages("INBOX")) == 0 })
	if n := h.callCount("stuck@odense.test"); n != 4 {
		t.Errorf("the failing message reached the handler %d times, want 3 failures and 1 success", n)
	}
	failed := watchLedger(t, st, "failed")
	if len(failed) != 1 || failed[0].MessageID != "broken@vejle.test" {
		t.Errorf("failed ledger rows %v, want only the malformed message", failed)
	}
	if got := watchMsgIDs(srv.messages(watchTestDone)); len(got) != 4 {
		t.Errorf("%s holds %v, want all 4", watchTestDone, got)
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
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	h.fail["stuck@odense.test"] = 1 << 30
	srv.deliver("INBOX", watchTestMessage("before@aalborg.test", "Vi kommer"))
	srv.deliver("INBOX", watchTestMessage("stuck@odense.test", "Vi kommer"))
	srv.deliver("INBOX", watchTestMessage("after@roskilde.test", "Vi kommer"))
	w := NewWatcher(st, h.handle, watchTestOptions(t, srv))
	stop := runWatcher(t, w)
	watchWaitFor(t, 5*time.Second, "the others applied", func() bool { return h.totalApplied() == 2 })
	watchWaitFor(t, 5*time.Second, "several retries", func() bool { return h.callCount("stuck@odense.test") >= 3 })
	stop()
	pos, _ := st.MailboxPosition(context.Background(), "INBOX")
	if pos.LastUID != 1 {
		t.Errorf("position %+v, want UID 1 (below the failing message)", pos)
	}
	if got := watchMsgIDs(srv.messages("INBOX")); !slices.Equal(got, []string{"stuck@odense.test"}) {
		t.Errorf("inbox holds %v, want only the failing message", got)
	}
	if rows := watchLedger(t, st, "new"); len(rows) != 1 || rows[0].MessageID != "stuck@odense.test" {
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
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	var mu sync.Mutex
	var conns []WatcherConnect
	opts := watchTestOptions(t, srv)
	opts.OnConnect = func(c WatcherConnect) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	w := NewWatcher(st, h.handle, opts)
	runWatcher(t, w)
	srv.deliver("INBOX", watchTestMessage("before@aalborg.test", "Vi kommer"))
	watchWaitFor(t, 5*time.Second, "the first message applied", func() bool { return h.totalApplied() == 1 })
	time.Sleep(50 * time.Millisecond) // into IDLE

	srv.stop()
	srv.deliver("INBOX", watchTestMessage("during@roskilde.test", "Vi kommer"))
	time.Sleep(600 * time.Millisecond) // several failed attempts
	srv.start()
	watchWaitFor(t, 5*time.Second, "mail delivered during the outage applied", func() bool {
		return h.appliedCount("during@roskilde.test") == 1
	})
	srv.deliver("INBOX", watchTestMessage("after@vejle.test", "Vi kommer"))
	watchWaitFor(t, 2*time.Second, "mail delivered after the restart applied", func() bool {
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

// A message larger than MaxSize is not read: the ledger keeps its header and the reason, the
// staff get a review item, the handler never sees it, and it is moved on flagged; the mail
// around it goes on.
func TestWatcherRefusesTooLargeMessage(t *testing.T) {
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	srv.deliver("INBOX", watchTestMessage("small@aalborg.test", "Vi kommer"))
	srv.deliver("INBOX", watchTestMessage("huge@roskilde.test", strings.Repeat("Vedhæftet plantegning. ", 2000)))
	srv.deliver("INBOX", watchTestMessage("small2@vejle.test", "Vi kommer"))
	opts := watchTestOptions(t, srv)
	opts.MaxSize = 10_000
	w := NewWatcher(st, h.handle, opts)
	runWatcher(t, w)
	watchWaitFor(t, 5*time.Second, "the inbox emptied", func() bool { return len(srv.messages("INBOX")) == 0 })
	if h.appliedCount("small@aalborg.test") != 1 || h.appliedCount("small2@vejle.test") != 1 {
		t.Errorf("the small messages were not applied once each: %v", h.applied)
	}
	if n := h.callCount("huge@roskilde.test"); n != 0 {
		t.Errorf("the handler saw the oversized message %d times, want never", n)
	}
	failed := watchLedger(t, st, "failed")
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
	var huge *watchTestMsg
	for _, m := range srv.messages(watchTestDone) {
		if m.MessageID == "huge@roskilde.test" {
			huge = &m
		}
	}
	if huge == nil || !slices.Contains(huge.Flags, WatcherKeywordTooLarge) {
		t.Errorf("the oversized message in %s: %+v, want it there flagged %s", watchTestDone, huge, WatcherKeywordTooLarge)
	}
	if s := w.Stats(); s.TooLarge != 1 || s.Handled != 3 {
		t.Errorf("stats %+v, want 1 too large of 3 finished", s)
	}
}

// An IDLE is renewed every IdleRestart on the same connection, and mail is still heard of
// after several renewals.
func TestWatcherRenewsIdle(t *testing.T) {
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	proxy := newWatchProxy(t, srv, false)
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	opts := watchTestOptions(t, srv)
	opts.Port = proxy.port
	opts.IdleRestart = 100 * time.Millisecond
	w := NewWatcher(st, h.handle, opts)
	runWatcher(t, w)
	time.Sleep(700 * time.Millisecond)
	srv.deliver("INBOX", watchTestMessage("late@aalborg.test", "Vi kommer"))
	watchWaitFor(t, time.Second, "mail heard of after several IDLE renewals", func() bool { return h.appliedCount("late@aalborg.test") == 1 })
	if n := proxy.idles.Load(); n < 4 || n > 12 {
		t.Errorf("%d IDLE commands in about 0.7s with a 100ms renewal, want about 7", n)
	}
	if s := w.Stats(); s.Connects != 1 {
		t.Errorf("%d connections, want the one, renewed in place", s.Connects)
	}
}

// A server without IDLE is polled at the poll interval.
func TestWatcherPollsWithoutIdle(t *testing.T) {
	srv := newWatchTestServer(t, watchCapsRev2)
	srv.start()
	proxy := newWatchProxy(t, srv, true)
	st := watchTestStore(t)
	h := newWatchTestHandler(st)
	ready := make(chan WatcherConnect, 1)
	opts := watchTestOptions(t, srv)
	opts.Port = proxy.port
	opts.Poll = 200 * time.Millisecond
	opts.OnConnect = func(c WatcherConnect) { ready <- c }
	w := NewWatcher(st, h.handle, opts)
	runWatcher(t, w)
	if c := <-ready; c.Idle {
		t.Fatalf("connected with IDLE through a proxy that hides it: %+v", c)
	}
	srv.deliver("INBOX", watchTestMessage("polled@aalborg.test", "Vi kommer"))
	watchWaitFor(t, 2*time.Second, "the message found by polling", func() bool { return h.appliedCount("polled@aalborg.test") == 1 })
	if proxy.idles.Load() > 0 {
		t.Error("the watcher sent IDLE to a server that does not offer it")
	}
}

// watchProxy relays connections to the test server and counts the IDLE commands sent; with
// hideIdle it removes IDLE from the capabilities the server announces: a server without IDLE.
type watchProxy struct {
	port  int
	idles atomic.Int64
}

func newWatchProxy(t *testing.T, srv *watchTestServer, hideIdle bool) *watchProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &watchProxy{port: ln.Addr().(*net.TCPAddr).Port}
	host, port := srv.hostPort()
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
			if err != nil {
				client.Close()
				continue
			}
			go func() {
				defer client.Close()
				r := bufio.NewReader(server)
				for {
					line, err := r.ReadString('\n')
					if hideIdle && strings.Contains(line, "CAPABILITY") {
						line = strings.ReplaceAll(strings.ReplaceAll(line, " IMAP4rev2", ""), " IDLE", "")
					}
					if _, werr := io.WriteString(client, line); werr != nil || err != nil {
						return
					}
				}
			}()
			go func() {
				defer server.Close()
				r := bufio.NewReader(client)
				for {
					line, err := r.ReadString('\n')
					if strings.Contains(strings.ToUpper(line), " IDLE\r\n") {
						p.idles.Add(1)
					}
					if _, werr := io.WriteString(server, line); werr != nil || err != nil {
						return
					}
				}
			}()
		}
	}()
	return p
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
			st := watchTestStore(t)
			h := newWatchTestHandler(st)
			w := NewWatcher(st, h.handle, WatcherOptions{
				Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: "none", User: "x", Password: "y",
				CommandTimeout: 150 * time.Millisecond, BackoffMin: 100 * time.Millisecond, BackoffMax: 400 * time.Millisecond,
				Logger: watchTestLogger(t),
			})
			stop := runWatcher(t, w)
			time.Sleep(1500 * time.Millisecond)
			stop()
			// Each attempt costs 150ms plus a backoff of 50-100, 100-200, 200-400, 200-400 ms...
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

// The watcher speaks STARTTLS and implicit TLS, checking the server's certificate.
func TestWatcherTLSModes(t *testing.T) {
	serverTLS, clientTLS := watchTestCert(t)
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			srv := newWatchTestServer(t, watchCapsRev2)
			srv.tlsConfig, srv.implicit = serverTLS, mode == "tls"
			srv.start()
			srv.deliver("INBOX", watchTestMessage("secure@aalborg.test", "Vi kommer"))
			st := watchTestStore(t)
			h := newWatchTestHandler(st)
			opts := watchTestOptions(t, srv)
			opts.TLS, opts.TLSConfig = mode, clientTLS
			runWatcher(t, NewWatcher(st, h.handle, opts))
			watchWaitFor(t, 5*time.Second, "the message applied over "+mode, func() bool { return h.appliedCount("secure@aalborg.test") == 1 })
		})
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := newWatchTestServer(t, watchCapsRev2)
		srv.tlsConfig, srv.implicit = serverTLS, true
		srv.start()
		srv.deliver("INBOX", watchTestMessage("secure@aalborg.test", "Vi kommer"))
		st := watchTestStore(t)
		h := newWatchTestHandler(st)
		opts := watchTestOptions(t, srv)
		opts.TLS = "tls" // system roots: the test certificate is not trusted
		w := NewWatcher(st, h.handle, opts)
		stop := runWatcher(t, w)
		time.Sleep(300 * time.Millisecond)
		stop()
		if s := w.Stats(); s.Connects != 0 || h.totalApplied() != 0 {
			t.Errorf("stats %+v and %d applied: a server with an untrusted certificate was used", s, h.totalApplied())
		}
	})
}

func watchTestCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imap.rsvpd.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// Options that cannot work stop Run at once with an error naming the problem.
func TestWatcherRejectsBadOptions(t *testing.T) {
	st := watchTestStore(t)
	for _, tc := range []struct {
		name string
		opts WatcherOptions
		want string
	}{
		{"unknown TLS mode", WatcherOptions{Host: "127.0.0.1", TLS: "ssl"}, `unknown TLS mode "ssl"`},
		{"no host", WatcherOptions{TLS: "none"}, "no IMAP host"},
		{"port out of range", WatcherOptions{Host: "127.0.0.1", Port: 70000}, "port 70000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			err := NewWatcher(st, func(context.Context, int64) error { return nil }, tc.opts).Run(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestWatcherBackoff(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{0, time.Second}, {1, 2 * time.Second}, {3, 8 * time.Second}, {10, time.Minute}, {1000, time.Minute},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			if got := watchBackoff(time.Second, time.Minute, tc.n); got != tc.want {
				t.Errorf("backoff after %d failures: %s, want %s", tc.n, got, tc.want)
			}
			for range 100 {
				if j := watchJitter(tc.want); j < tc.want/2 || j > tc.want {
					t.Fatalf("watchJitter(%s) = %s, outside [d/2, d]", tc.want, j)
				}
			}
		})
	}
}
