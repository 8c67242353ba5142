package inbox

import (
	"bytes"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-smtp"

	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/testenv"
)

const dovecotUser = "dialogmoeder@kombit.test"

// submitToDovecot sends a reply through Postfix to the campaign's tokened reply address, as a
// director's mail program does.
func submitToDovecot(srv *mailtest.Servers, msgID string) (time.Time, error) {
	from := "chef@vejle.kommune.test"
	to := "dialogmoeder+t0ken@kombit.test"
	raw := "From: Bibliotekschef <" + from + ">\r\n" +
		"To: <" + to + ">\r\n" +
		"Subject: Re: Invitation til dialogmøde\r\n" +
		"Message-ID: <" + msgID + ">\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"\r\n" +
		"Vi kommer til Vejle, 2 personer.\r\n"
	sent := time.Now()
	// go-smtp asks for SMTPUTF8 only for non-ASCII addresses, as mail programs do (net/smtp
	// asks whenever it is offered, and Dovecot's LMTP then makes Postfix bounce the mail).
	c, err := smtp.Dial(srv.SMTPAddr)
	if err == nil {
		defer c.Close()
		if err = c.SendMail(from, []string{to}, strings.NewReader(raw)); err == nil {
			err = c.Quit()
		}
	}
	if err != nil {
		return sent, fmt.Errorf("submit %s to Postfix: %w", msgID, err)
	}
	return sent, nil
}

// The watcher on a real Dovecot fed by a real Postfix: replies waiting at start and replies
// arriving during IDLE are applied once and moved; Dovecot restarted under the watcher's IDLE,
// with replies delivered during and after each restart: it reconnects and none is missed or
// applied twice.
func TestWatcherOnDovecot(t *testing.T) {
	srv := mailtest.Start(t)
	host, portStr, _ := net.SplitHostPort(srv.IMAPAddr)
	port, _ := strconv.Atoi(portStr)
	st := testenv.Store(t)
	h := newTestHandler(st)

	var sentMu sync.Mutex
	var sent []string
	submit := func(id string) (time.Time, error) {
		sentMu.Lock()
		sent = append(sent, id)
		sentMu.Unlock()
		return submitToDovecot(srv, id)
	}
	mustSubmit := func(id string) time.Time {
		t.Helper()
		at, err := submit(id)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	for i := range 3 {
		mustSubmit(fmt.Sprintf("waiting-%d@vejle.kommune.test", i))
	}
	srv.WaitMessages(t, dovecotUser, "INBOX", 3, 20*time.Second)

	var mu sync.Mutex
	var conns []Connection
	var readyAt []time.Time
	connected := make(chan struct{}, 10)
	opts := Options{
		Host: host, Port: port, TLS: "none", User: dovecotUser, Password: srv.Password,
		Processed: "rsvpd/Behandlet", CommandTimeout: 5 * time.Second,
		BackoffBase: 200 * time.Millisecond, BackoffMax: 2 * time.Second,
		Log: testLogger(t),
		OnConnect: func(c Connection) {
			mu.Lock()
			conns, readyAt = append(conns, c), append(readyAt, time.Now())
			mu.Unlock()
			connected <- struct{}{}
		},
	}
	w := New(st, h.handle, opts)
	runWatcher(t, w)
	<-connected
	waitFor(t, 10*time.Second, "the replies waiting at start applied", func() bool { return h.totalApplied() == 3 })

	mu.Lock()
	first := conns[0]
	mu.Unlock()
	if !first.Idle || !first.Move || first.Disposal != "move" {
		t.Errorf("Dovecot session %+v, want IDLE and MOVE", first)
	}
	if first.Processed != "rsvpd.Behandlet" && first.Processed != "rsvpd/Behandlet" {
		t.Errorf("processed mailbox on Dovecot %q, want rsvpd/Behandlet in Dovecot's separator", first.Processed)
	}

	// Replies arriving during IDLE: SMTP submission to applied.
	var lat []time.Duration
	for i := range 5 {
		id := fmt.Sprintf("idle-%d@vejle.kommune.test", i)
		at := mustSubmit(id)
		waitFor(t, 10*time.Second, id+" applied", func() bool { return h.appliedCount(id) == 1 })
		h.mu.Lock()
		lat = append(lat, h.appliedAt[id].Sub(at))
		h.mu.Unlock()
	}
	slices.Sort(lat)
	t.Logf("Postfix submission to applied, over IDLE: min %s, median %s, max %s", lat[0], lat[len(lat)/2], lat[len(lat)-1])

	// Dovecot restarted while the watcher IDLEs, a reply delivered during each restart (Postfix
	// queues it while LMTP is down) and one after it.
	const restarts = 3
	var downs, sinceUp []time.Duration
	for r := range restarts {
		time.Sleep(300 * time.Millisecond) // back in IDLE
		during := make(chan struct{})
		go func() {
			defer close(during)
			time.Sleep(20 * time.Millisecond)
			if _, err := submit(fmt.Sprintf("during-%d@vejle.kommune.test", r)); err != nil {
				t.Error(err)
			}
		}()
		srv.RestartIMAP(t)
		up := time.Now()
		<-during
		select {
		case <-connected:
		case <-time.After(15 * time.Second):
			t.Fatalf("restart %d: the watcher did not reconnect within 15s", r)
		}
		mu.Lock()
		c, at := conns[len(conns)-1], readyAt[len(readyAt)-1]
		mu.Unlock()
		if !c.Reconnect {
			t.Errorf("restart %d: session %+v not marked as a reconnection", r, c)
		}
		downs, sinceUp = append(downs, c.Down), append(sinceUp, at.Sub(up))
		mustSubmit(fmt.Sprintf("after-%d@vejle.kommune.test", r))
	}
	// Every reply Dovecot received is applied once and leaves the inbox: a reply the watcher
	// missed would stay there. Replies sent during a restart may still sit in Postfix: its
	// queue manager can skip a message whose LMTP session the restart cut off ("skipped,
	// still being delivered") and not retry it for a long while. Those never reached Dovecot
	// and are only logged; every other reply must arrive.
	waitUntil(20*time.Second, func() bool { return h.totalApplied() == len(sent) })
	waitFor(t, 10*time.Second, "the inbox emptied", func() bool {
		return len(srv.WaitMessages(t, dovecotUser, "INBOX", 0, time.Second)) == 0
	})
	var stuck []string
	for _, id := range sent {
		switch n := h.appliedCount(id); {
		case n == 0 && strings.HasPrefix(id, "during-"):
			stuck = append(stuck, id)
		case n != 1:
			t.Errorf("%s applied %d times, want once", id, n)
		}
	}
	if len(stuck) > 0 {
		t.Logf("Postfix did not hand %v to Dovecot within 20s (its log: skipped, still being delivered); not the watcher's doing", stuck)
	}
	// A delivery cut off by the restart after Dovecot saved the mail is delivered again by
	// Postfix: the second copy is a ledger row of its own, recognised as a duplicate.
	applied, dups := ledgerRows(t, st, "applied"), ledgerRows(t, st, "duplicate")
	if len(applied) != len(sent)-len(stuck) {
		t.Errorf("%d ledger rows applied for %d replies delivered", len(applied), len(sent)-len(stuck))
	}
	if got := len(srv.WaitMessages(t, dovecotUser, first.Processed, len(applied)+len(dups), 10*time.Second)); got != len(applied)+len(dups) {
		t.Errorf("%s holds %d messages, want the %d applied and %d duplicates", first.Processed, got, len(applied), len(dups))
	}
	t.Logf("%d replies, %d second copies delivered by Postfix after a cut-off LMTP session (marked duplicate)", len(sent), len(dups))
	if s := w.Stats(); s.Reconnects != restarts {
		t.Errorf("stats %+v, want %d reconnections", s, restarts)
	}
	sort.Slice(downs, func(i, j int) bool { return downs[i] < downs[j] })
	t.Logf("Dovecot restarts: watcher down (loss to ready) %v; Dovecot back to watcher ready %v", downs, sinceUp)
}

// On Dovecot, a reply larger than MaxSize is kept out of the handler: the ledger holds its
// header (fetched as a partial BODY.PEEK[HEADER]) and the reason, and it lands in the
// processed mailbox flagged $rsvpd-toolarge, unread by the watcher but findable by the staff.
func TestWatcherRefusesTooLargeOnDovecot(t *testing.T) {
	srv := mailtest.Start(t)
	host, portStr, _ := net.SplitHostPort(srv.IMAPAddr)
	port, _ := strconv.Atoi(portStr)
	big := "From: chef@vejle.kommune.test\r\nTo: dialogmoeder@kombit.test\r\nSubject: Plantegning\r\n" +
		"Message-ID: <huge@vejle.kommune.test>\r\n\r\n" + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n", 4000)
	c, err := smtp.Dial(srv.SMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("chef@vejle.kommune.test", []string{dovecotUser}, strings.NewReader(big)); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	if _, err := submitToDovecot(srv, "small@vejle.kommune.test"); err != nil {
		t.Fatal(err)
	}
	srv.WaitMessages(t, dovecotUser, "INBOX", 2, 20*time.Second)

	st := testenv.Store(t)
	h := newTestHandler(st)
	processed := make(chan string, 1)
	w := New(st, h.handle, Options{
		Host: host, Port: port, TLS: "none", User: dovecotUser, Password: srv.Password,
		Processed: "rsvpd/Behandlet", MaxSize: 100_000, Log: testLogger(t),
		OnConnect: func(c Connection) { processed <- c.Processed },
	})
	runWatcher(t, w)
	done := <-processed
	waitFor(t, 10*time.Second, "both messages finished", func() bool { return w.Stats().Handled == 2 })
	if h.appliedCount("small@vejle.kommune.test") != 1 || h.callCount("huge@vejle.kommune.test") != 0 {
		t.Errorf("applied %v, handler calls %v: want the small reply applied and the large one never handled", h.applied, h.calls)
	}
	failed := ledgerRows(t, st, "failed")
	if len(failed) != 1 || failed[0].MessageID != "huge@vejle.kommune.test" || !strings.Contains(failed[0].Error, "too large") {
		t.Fatalf("failed ledger rows %+v, want the large message with its reason", failed)
	}
	if raw := failed[0].Raw; !bytes.Contains(raw, []byte("Subject: Plantegning")) || len(raw) > 64<<10 || bytes.Contains(raw, []byte("0123456789abcdef")) {
		t.Errorf("the ledger keeps %d bytes of the large message, want its header only", len(raw))
	}
	cl := srv.Login(t, dovecotUser)
	if _, err := cl.Select(done, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	found, err := cl.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{KeywordTooLarge}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(found.AllUIDs()); n != 1 {
		t.Errorf("%d messages flagged %s in %s, want the large one", n, KeywordTooLarge, done)
	}
}
