package mailer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/big"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"net/textproto"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/store"
)

// outboxCampaign loads the 2012 example campaign (98 municipalities).
func outboxCampaign(tb testing.TB) *campaign.Campaign {
	tb.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, tb.TempDir())
	if err != nil {
		tb.Fatalf("load example config: %v", err)
	}
	return cfg.Campaign
}

func openOutboxStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "rsvpd.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// outboxRow is one message to put in the outbox.
type outboxRow struct{ code, recipient string }

// queueOutboxRows writes one invitation row per invitee, as the invitation job does.
func queueOutboxRows(tb testing.TB, st *store.Store, signer *campaign.Signer, rows []outboxRow, at time.Time) {
	tb.Helper()
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		for _, r := range rows {
			key := "invitation/" + r.code
			if _, err := tx.Enqueue(store.Outgoing{Key: key, Kind: string(KindInvitation), Invitee: r.code,
				Recipient: r.recipient, MessageID: signer.MessageID(key, r.code),
				Params: json.RawMessage(`{}`), CreatedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("queue invitations: %v", err)
	}
}

// campaignOutboxRows is a row for every invitee of c.
func campaignOutboxRows(c *campaign.Campaign) []outboxRow {
	rows := make([]outboxRow, len(c.Invitees))
	for i, inv := range c.Invitees {
		rows[i] = outboxRow{inv.Code, inv.Email}
	}
	return rows
}

// syntheticOutboxRows is n invitees of a generated campaign, at addresses of the test domains.
func syntheticOutboxRows(n int) []outboxRow {
	rows := make([]outboxRow, n)
	for i := range rows {
		code := fmt.Sprintf("g%05d", i+1)
		rows[i] = outboxRow{code, "bibliotekschef@" + code + ".kommune.test"}
	}
	return rows
}

// outboxLetterRenderer renders an invitation from the campaign's letters and composes it as the
// daemon does (Outgoing.Msg): Danish subject, text and HTML alternatives, the tokened Reply-To,
// the row's Message-ID, Auto-Submitted. Invitees the campaign does not know (a generated
// campaign) get a made-up municipality.
type outboxLetterRenderer struct {
	c       *campaign.Campaign
	letters *Letters
	signer  *campaign.Signer

	mu    sync.Mutex
	fail  map[string]error // row key -> the error Render returns for it
	calls map[string]int   // row key -> Render calls
}

func newOutboxLetterRenderer(tb testing.TB, c *campaign.Campaign, signer *campaign.Signer) *outboxLetterRenderer {
	tb.Helper()
	l, err := NewLetters(c, "")
	if err != nil {
		tb.Fatalf("NewLetters: %v", err)
	}
	return &outboxLetterRenderer{c: c, letters: l, signer: signer, fail: map[string]error{}, calls: map[string]int{}}
}

func (r *outboxLetterRenderer) Render(_ context.Context, row store.Outgoing) (*mail.Msg, error) {
	r.mu.Lock()
	r.calls[row.Key]++
	ferr := r.fail[row.Key]
	r.mu.Unlock()
	if ferr != nil {
		return nil, ferr
	}
	inv, ok := r.c.Invitee(row.Invitee)
	if !ok {
		inv = campaign.Invitee{Code: row.Invitee, Name: "Kommune " + row.Invitee,
			FormalName: "Kommune " + row.Invitee, Email: row.Recipient, Population: 48000}
	}
	org := r.c.Organiser
	reply := r.signer.ReplyAddress(org.Email, inv.Code)
	letter, err := r.letters.Render(KindInvitation, LetterData{Invitee: inv, ReplyAddress: reply})
	if err != nil {
		return nil, err
	}
	o := Outgoing{
		From:          netmail.Address{Name: org.Name, Address: org.Email},
		To:            netmail.Address{Address: row.Recipient},
		ReplyTo:       netmail.Address{Name: org.Name, Address: reply},
		Subject:       letter.Subject,
		Text:          letter.Text,
		HTML:          letter.HTML,
		MessageID:     row.MessageID,
		AutoSubmitted: "auto-generated",
		Date:          row.CreatedAt,
	}
	return o.Msg()
}

func (r *outboxLetterRenderer) renderCalls(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[key]
}

func outboxSigner() *campaign.Signer {
	return campaign.NewSigner([]byte("outbox test secret"), "kombit.test")
}

// senderStart is the virtual clock's start in the tests: the morning the invitations go out.
var senderStart = time.Date(2012, 1, 16, 9, 0, 0, 0, time.UTC)

// senderRig is an outbox, a renderer and the hooks' record, for one test.
type senderRig struct {
	t      *testing.T
	c      *campaign.Campaign
	st     *store.Store
	signer *campaign.Signer
	render *outboxLetterRenderer

	mu       sync.Mutex
	onSent   map[string]int    // row key -> OnSent calls
	onFailed map[string]string // row key -> the reason OnFailed was given
	failedN  map[string]int    // row key -> OnFailed calls
	sentErr  error             // what OnSent returns
}

func newSenderRig(t *testing.T) *senderRig {
	t.Helper()
	c := outboxCampaign(t)
	signer := outboxSigner()
	return &senderRig{t: t, c: c, st: openOutboxStore(t), signer: signer,
		render: newOutboxLetterRenderer(t, c, signer), onSent: map[string]int{},
		onFailed: map[string]string{}, failedN: map[string]int{}}
}

// options are the test's sender settings for the server at addr: plain SMTP on loopback,
// hooks that record their calls and log an event in the row's transaction.
func (r *senderRig) options(addr string) SenderOptions {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		r.t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	return SenderOptions{
		Host: host, Port: port, TLS: SMTPTLSNone, HELO: "rsvpd.test",
		Timeout: 5 * time.Second, BackoffBase: time.Minute, BackoffMax: time.Hour,
		Log: slog.New(slog.NewTextHandler(senderLogWriter{r.t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
		OnSent: func(tx *store.Tx, row store.Outgoing) error {
			r.mu.Lock()
			r.onSent[row.Key]++
			err := r.sentErr
			r.mu.Unlock()
			if err != nil {
				return err
			}
			return tx.Log(store.Event{Invitee: row.Invitee, Kind: "sent", Cause: "outbox:" + row.Key})
		},
		OnFailed: func(tx *store.Tx, row store.Outgoing, reason string) error {
			r.mu.Lock()
			r.onFailed[row.Key] = reason
			r.failedN[row.Key]++
			r.mu.Unlock()
			return tx.Log(store.Event{Invitee: row.Invitee, Kind: "undeliverable", Cause: "outbox:" + row.Key,
				Detail: map[string]any{"reason": reason}})
		},
	}
}

// sender builds a Sender whose backoff always waits its full ceiling, so that the tests know
// the next attempt to the minute.
func (r *senderRig) sender(o SenderOptions) *Sender {
	s := NewSender(r.st, r.render, o)
	s.jitter = func() float64 { return 1 }
	return s
}

func (r *senderRig) queue(rows []outboxRow, at time.Time) {
	r.t.Helper()
	queueOutboxRows(r.t, r.st, r.signer, rows, at)
}

// outbox returns every row by key.
func (r *senderRig) outbox() map[string]store.Outgoing {
	r.t.Helper()
	out := map[string]store.Outgoing{}
	err := r.st.Tx(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.OutboxRows(store.OutboxFilter{})
		for _, o := range rows {
			out[o.Key] = o
		}
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

func (r *senderRig) events(kind string) []store.Event {
	r.t.Helper()
	var out []store.Event
	err := r.st.Tx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = tx.Events(store.EventFilter{Kind: kind})
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

func (r *senderRig) hookCalls() (sent map[string]int, failed map[string]string, failedN map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.onSent), maps.Clone(r.onFailed), maps.Clone(r.failedN)
}

// senderLogWriter sends the sender's log to the test's log.
type senderLogWriter struct{ t *testing.T }

func (w senderLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func startSenderSandbox(t *testing.T, opts *sandbox.Options) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// senderRunVirtual runs s.Run as a participant of v and returns a stop function that ends it and
// returns Run's error.
func senderRunVirtual(t *testing.T, v *clock.Virtual, s *Sender) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	done := v.Go(ctx, func(ctx context.Context) { err = s.Run(ctx) })
	var once sync.Once
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("Run did not return within 30s of its context ending")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// senderRunUntil moves v to end, failing the test when the participants do not settle in time.
func senderRunUntil(t *testing.T, v *clock.Virtual, end time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := v.RunUntil(ctx, end); err != nil {
		t.Fatalf("virtual clock to %s: %v", end.Format(time.TimeOnly), err)
	}
}

// sandboxMessages reads one mailbox's messages.
func sandboxMessages(t *testing.T, srv *sandbox.Server, addr string) []*netmail.Message {
	t.Helper()
	var out []*netmail.Message
	for _, raw := range srv.Messages(addr) {
		m, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message to %s does not parse: %v", addr, err)
		}
		out = append(out, m)
	}
	return out
}

// outboxConnCounter is a TCP relay in front of a server that counts the connections made through it.
type outboxConnCounter struct {
	ln net.Listener
	n  atomic.Int32
}

func startOutboxConnCounter(t *testing.T, target string) *outboxConnCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cc := &outboxConnCounter{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cc.n.Add(1)
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite() }()
				io.Copy(c, up)
			}()
		}
	}()
	return cc
}

func (cc *outboxConnCounter) addr() string { return cc.ln.Addr().String() }

func TestSenderDeliversEachMessageOnceOverReusedConnections(t *testing.T) {
	r := newSenderRig(t)
	srv := startSenderSandbox(t, nil)
	relay := startOutboxConnCounter(t, srv.SMTPAddr())
	rows := syntheticOutboxRows(100)
	r.queue(rows, time.Now())

	o := r.options(relay.addr())
	o.Concurrency = 2
	var progress []SendProgress
	o.Progress = func(p SendProgress) { progress = append(progress, p) }
	if err := r.sender(o).Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v", err)
	}

	out := r.outbox()
	sent, failed, _ := r.hookCalls()
	for _, q := range rows {
		key := "invitation/" + q.code
		row := out[key]
		if row.Status != "sent" || row.Attempts != 1 || row.SentAt.IsZero() {
			t.Errorf("%s: status %s, %d attempts, sent at %v; want sent at the first attempt", key, row.Status, row.Attempts, row.SentAt)
		}
		if sent[key] != 1 {
			t.Errorf("%s: OnSent called %d times, want 1", key, sent[key])
		}
		msgs := sandboxMessages(t, srv, q.recipient)
		if len(msgs) != 1 {
			t.Errorf("%s holds %d messages, want 1", q.recipient, len(msgs))
			continue
		}
		m := msgs[0]
		if got, want := m.Header.Get("Message-Id"), "<"+row.MessageID+">"; got != want {
			t.Errorf("%s: Message-ID %s, want the row's %s", q.recipient, got, want)
		}
		if got := m.Header.Get("To"); !strings.Contains(got, q.recipient) {
			t.Errorf("%s: To is %q", q.recipient, got)
		}
		if m.Header.Get("Date") == "" {
			t.Errorf("%s: no Date header", q.recipient)
		}
	}
	if len(failed) != 0 {
		t.Errorf("OnFailed called for %v", failed)
	}
	if n := len(r.events("sent")); n != len(rows) {
		t.Errorf("%d sent events committed with the rows, want %d", n, len(rows))
	}
	if n := relay.n.Load(); n != 2 {
		t.Errorf("%d SMTP connections for 100 messages, want 2 (one per worker, each reused)", n)
	}
	if len(progress) != len(rows) {
		t.Fatalf("%d progress reports, want one per message (%d)", len(progress), len(rows))
	}
	last := progress[len(progress)-1]
	if last.Sent != 100 || last.Total != 100 || last.Failed != 0 {
		t.Errorf("last progress %+v, want 100 of 100 sent", last)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Sent < progress[i-1].Sent {
			t.Fatalf("progress went back: %v then %v", progress[i-1], progress[i])
		}
	}
	if s := last.String(); !strings.HasPrefix(s, "100/100 sent") {
		t.Errorf("progress line %q, want it to start with 100/100 sent", s)
	}
}

func TestSenderRetriesTemporaryFailuresWithBackoff(t *testing.T) {
	r := newSenderRig(t)
	v := clock.NewVirtual(senderStart)
	// The server answers 451 to every recipient for ten minutes.
	srv := startSenderSandbox(t, &sandbox.Options{Now: v.Now,
		Faults: []sandbox.Fault{{Code: 451, Message: "Greylisted, try again later", For: 10 * time.Minute}}})
	rows := syntheticOutboxRows(5)
	r.queue(rows, senderStart)
	o := r.options(srv.SMTPAddr())
	o.Clock, o.Concurrency = v, 2
	stop := senderRunVirtual(t, v, r.sender(o))

	senderRunUntil(t, v, senderStart.Add(30*time.Second))
	for _, q := range rows {
		row := r.outbox()["invitation/"+q.code]
		if row.Status != "pending" || row.Attempts != 1 || !strings.Contains(row.LastError, "451") {
			t.Errorf("after the first 451, %s: status %s, %d attempts, error %q; want pending, 1 attempt, the 451",
				row.Key, row.Status, row.Attempts, row.LastError)
		}
		if want := senderStart.Add(time.Minute); !row.NextAttempt.Equal(want) {
			t.Errorf("%s: next attempt %s, want %s (the first backoff)", row.Key, row.NextAttempt, want)
		}
		if n := srv.Accepted(q.recipient); n != 0 {
			t.Errorf("%s got %d messages during the 451s", q.recipient, n)
		}
	}

	senderRunUntil(t, v, senderStart.Add(time.Hour))
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Attempts at 0, 1, 3 and 7 minutes meet the 451; the one at 15 minutes goes through.
	wantSent := senderStart.Add(15 * time.Minute)
	for _, q := range rows {
		row := r.outbox()["invitation/"+q.code]
		if row.Status != "sent" || row.Attempts != 5 || !row.SentAt.Equal(wantSent) {
			t.Errorf("%s: status %s after %d attempts at %s; want sent at the 5th attempt at %s",
				row.Key, row.Status, row.Attempts, row.SentAt.Format(time.TimeOnly), wantSent.Format(time.TimeOnly))
		}
		if n := srv.Accepted(q.recipient); n != 1 {
			t.Errorf("%s holds %d messages, want 1", q.recipient, n)
		}
		if n := srv.Attempts(q.recipient); n != 5 {
			t.Errorf("the server saw %d attempts for %s, the outbox recorded 5", n, q.recipient)
		}
	}
}

func TestSenderGivesUpAfterRetryFor(t *testing.T) {
	r := newSenderRig(t)
	v := clock.NewVirtual(senderStart)
	srv := startSenderSandbox(t, &sandbox.Options{Now: v.Now, Faults: []sandbox.Fault{{Code: 452, Message: "Mailbox full"}}})
	rows := syntheticOutboxRows(1)
	r.queue(rows, senderStart)
	o := r.options(srv.SMTPAddr())
	o.Clock, o.RetryFor = v, 20*time.Minute
	stop := senderRunVirtual(t, v, r.sender(o))
	senderRunUntil(t, v, senderStart.Add(3*time.Hour))
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	row := r.outbox()["invitation/"+rows[0].code]
	// Attempts at 0, 1, 3, 7 and 15 minutes, and the last one on the 20 minute deadline.
	if row.Status != "failed" || row.Attempts != 6 || !strings.Contains(row.LastError, "gave up") ||
		!strings.Contains(row.LastError, "452") {
		t.Errorf("row: status %s after %d attempts, error %q; want failed after 6 attempts, naming the 452", row.Status, row.Attempts, row.LastError)
	}
	_, failed, failedN := r.hookCalls()
	if failedN[row.Key] != 1 || failed[row.Key] != row.LastError {
		t.Errorf("OnFailed called %d times with %q, want once with the row's reason", failedN[row.Key], failed[row.Key])
	}
	if n := srv.Attempts(rows[0].recipient); n != 6 {
		t.Errorf("the server saw %d attempts, want 6", n)
	}
}

func TestSenderFailsRefusedRecipientOnly(t *testing.T) {
	r := newSenderRig(t)
	rows := syntheticOutboxRows(10)
	refused := rows[3]
	srv := startSenderSandbox(t, &sandbox.Options{Faults: []sandbox.Fault{
		{Recipient: refused.recipient, Code: 550, Message: "No such user here"}}})
	r.queue(rows, time.Now())
	o := r.options(srv.SMTPAddr())
	o.Concurrency = 2
	if err := r.sender(o).Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	out := r.outbox()
	sent, failed, failedN := r.hookCalls()
	for _, q := range rows {
		key := "invitation/" + q.code
		row := out[key]
		if q == refused {
			if row.Status != "failed" || row.Attempts != 1 || !strings.Contains(row.LastError, "550") ||
				!strings.Contains(row.LastError, "No such user here") {
				t.Errorf("refused %s: status %s, %d attempts, reason %q; want failed at once with the server's 550",
					key, row.Status, row.Attempts, row.LastError)
			}
			if failedN[key] != 1 || failed[key] != row.LastError {
				t.Errorf("OnFailed for %s: %d calls, reason %q; want one call with %q", key, failedN[key], failed[key], row.LastError)
			}
			if n := srv.Accepted(q.recipient); n != 0 {
				t.Errorf("refused %s holds %d messages", q.recipient, n)
			}
			if n := srv.Attempts(q.recipient); n != 1 {
				t.Errorf("refused %s was tried %d times, want once", q.recipient, n)
			}
			continue
		}
		if row.Status != "sent" || sent[key] != 1 || srv.Accepted(q.recipient) != 1 {
			t.Errorf("%s: status %s, OnSent %d, %d sandboxMessages; want sent once", key, row.Status, sent[key], srv.Accepted(q.recipient))
		}
	}
	if ev := r.events("undeliverable"); len(ev) != 1 || ev[0].Invitee != refused.code {
		t.Errorf("undeliverable events %+v, want one for %s committed with the failure", ev, refused.code)
	}
}

func TestSenderWaitsForServerDownAtStart(t *testing.T) {
	r := newSenderRig(t)
	v := clock.NewVirtual(senderStart)
	// A port nothing listens on yet: connections are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	rows := syntheticOutboxRows(20)
	r.queue(rows, senderStart)
	o := r.options(addr)
	o.Clock, o.Concurrency = v, 2
	stop := senderRunVirtual(t, v, r.sender(o))
	senderRunUntil(t, v, senderStart.Add(30*time.Second))

	var tried []string
	for _, row := range r.outbox() {
		if row.Attempts > 0 {
			tried = append(tried, row.Key)
			if row.Status != "pending" || !strings.Contains(row.LastError, "connect") ||
				!row.NextAttempt.Equal(senderStart.Add(time.Minute)) {
				t.Errorf("%s while the server is down: status %s, error %q, next %s; want pending, the connection error, retry at +1m",
					row.Key, row.Status, row.LastError, row.NextAttempt.Format(time.TimeOnly))
			}
		}
	}
	// Each of the two connections tried once and now waits: the other rows are not hammered.
	if len(tried) != 2 {
		t.Errorf("%d rows tried while the server was down (%v), want 2 (one per connection)", len(tried), tried)
	}

	srv := startSenderSandbox(t, &sandbox.Options{SMTPAddr: addr, Now: v.Now})
	senderRunUntil(t, v, senderStart.Add(time.Hour))
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, q := range rows {
		row := r.outbox()["invitation/"+q.code]
		if row.Status != "sent" || !row.SentAt.Equal(senderStart.Add(time.Minute)) {
			t.Errorf("%s: status %s at %s; want sent when the connections retried at +1m", row.Key, row.Status, row.SentAt.Format(time.TimeOnly))
		}
		if n := srv.Accepted(q.recipient); n != 1 {
			t.Errorf("%s holds %d messages, want 1", q.recipient, n)
		}
	}
}

func TestSenderFailsUnrenderableRowOnly(t *testing.T) {
	r := newSenderRig(t)
	srv := startSenderSandbox(t, nil)
	rows := syntheticOutboxRows(6)
	bad := "invitation/" + rows[2].code
	r.render.fail[bad] = errors.New(`template invitation.da.html:12: no meeting "vejle"`)
	r.queue(rows, time.Now())
	if err := r.sender(r.options(srv.SMTPAddr())).Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	out := r.outbox()
	_, failed, failedN := r.hookCalls()
	for _, q := range rows {
		key := "invitation/" + q.code
		row := out[key]
		if key != bad {
			if row.Status != "sent" || srv.Accepted(q.recipient) != 1 {
				t.Errorf("%s: status %s with %d sandboxMessages; want sent once", key, row.Status, srv.Accepted(q.recipient))
			}
			continue
		}
		if row.Status != "failed" || !strings.Contains(row.LastError, `no meeting "vejle"`) {
			t.Errorf("%s: status %s, reason %q; want failed with the renderer's error", key, row.Status, row.LastError)
		}
		if failedN[key] != 1 || failed[key] != row.LastError {
			t.Errorf("OnFailed for %s: %d calls, %q", key, failedN[key], failed[key])
		}
		if n := r.render.renderCalls(key); n != 1 {
			t.Errorf("%s rendered %d times, want once (a broken letter is not retried)", key, n)
		}
		if n := srv.Attempts(q.recipient); n != 0 {
			t.Errorf("the server saw %d attempts for the unrenderable %s", n, q.recipient)
		}
	}
}

func TestSenderRateLimit(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		gap  time.Duration // between two messages
	}{
		{0, 0},
		{4, 250 * time.Millisecond},
		{10, 100 * time.Millisecond},
	} {
		t.Run(fmt.Sprintf("rate=%g", tc.rate), func(t *testing.T) {
			r := newSenderRig(t)
			v := clock.NewVirtual(senderStart)
			srv := startSenderSandbox(t, &sandbox.Options{Now: v.Now})
			rows := syntheticOutboxRows(20)
			r.queue(rows, senderStart)
			o := r.options(srv.SMTPAddr())
			o.Clock, o.Concurrency, o.Rate = v, 2, tc.rate
			s := r.sender(o)
			var err error
			done := v.Go(context.Background(), func(ctx context.Context) { err = s.Drain(ctx) })
			senderRunUntil(t, v, senderStart.Add(time.Minute))
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Drain did not return")
			}
			if err != nil {
				t.Fatalf("Drain: %v", err)
			}
			var times []time.Time
			for _, row := range r.outbox() {
				if row.Status != "sent" {
					t.Fatalf("%s: %s, want sent", row.Key, row.Status)
				}
				times = append(times, row.SentAt)
			}
			slices.SortFunc(times, time.Time.Compare)
			for i := 1; i < len(times); i++ {
				if d := times[i].Sub(times[i-1]); d < tc.gap {
					t.Errorf("messages %d and %d went out %s apart, want at least %s", i, i+1, d, tc.gap)
				}
			}
			if span, want := times[len(times)-1].Sub(times[0]), 19*tc.gap; span != want {
				t.Errorf("20 messages took %s, want %s", span, want)
			}
			for _, q := range rows {
				if n := srv.Accepted(q.recipient); n != 1 {
					t.Errorf("%s holds %d messages", q.recipient, n)
				}
			}
		})
	}
}

func TestSenderSleepsUntilNextAttemptOrKick(t *testing.T) {
	r := newSenderRig(t)
	v := clock.NewVirtual(senderStart)
	srv := startSenderSandbox(t, &sandbox.Options{Now: v.Now})
	later := outboxRow{"later", "later@aarhus.kommune.test"}
	err := r.st.Tx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Enqueue(store.Outgoing{Key: "invitation/later", Kind: "invitation", Invitee: later.code,
			Recipient: later.recipient, MessageID: r.signer.MessageID("invitation/later", later.code),
			CreatedAt: senderStart, NextAttempt: senderStart.Add(30 * time.Minute)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	o := r.options(srv.SMTPAddr())
	o.Clock = v
	s := r.sender(o)
	stop := senderRunVirtual(t, v, s)

	senderRunUntil(t, v, senderStart.Add(10*time.Minute))
	kicked := outboxRow{"kicked", "kicked@odense.kommune.test"}
	r.queue([]outboxRow{kicked}, v.Now())
	s.Kick()
	senderRunUntil(t, v, senderStart.Add(10*time.Minute))
	if row := r.outbox()["invitation/kicked"]; row.Status != "sent" || !row.SentAt.Equal(senderStart.Add(10*time.Minute)) {
		t.Errorf("kicked row: %s at %s, want sent at once when kicked (09:10)", row.Status, row.SentAt.Format(time.TimeOnly))
	}
	if n := srv.Accepted(later.recipient); n != 0 {
		t.Errorf("the row due at 09:30 went out before its time")
	}
	senderRunUntil(t, v, senderStart.Add(time.Hour))
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if row := r.outbox()["invitation/later"]; row.Status != "sent" || !row.SentAt.Equal(senderStart.Add(30*time.Minute)) {
		t.Errorf("row due at 09:30: %s at %s, want sent at 09:30", row.Status, row.SentAt.Format(time.TimeOnly))
	}
}

func TestSenderRefusesSecondRecipient(t *testing.T) {
	r := newSenderRig(t)
	srv := startSenderSandbox(t, nil)
	rows := syntheticOutboxRows(1)
	r.queue(rows, time.Now())
	s := NewSender(r.st, senderRendererFunc(func(ctx context.Context, row store.Outgoing) (*mail.Msg, error) {
		m, err := r.render.Render(ctx, row)
		if err == nil {
			err = m.Cc("staff@kombit.test")
		}
		return m, err
	}), r.options(srv.SMTPAddr()))
	if err := s.Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	row := r.outbox()["invitation/"+rows[0].code]
	if row.Status != "failed" || !strings.Contains(row.LastError, "one recipient per message") {
		t.Errorf("row: %s, %q; want failed: one recipient per message", row.Status, row.LastError)
	}
	if len(srv.Mailboxes()) != 0 {
		t.Errorf("mail was sandboxMessages to %v", srv.Mailboxes())
	}
}

type senderRendererFunc func(ctx context.Context, row store.Outgoing) (*mail.Msg, error)

func (f senderRendererFunc) Render(ctx context.Context, row store.Outgoing) (*mail.Msg, error) {
	return f(ctx, row)
}

func TestSenderMarksSentWhenOnSentFails(t *testing.T) {
	r := newSenderRig(t)
	r.sentErr = errors.New("invitee table locked")
	srv := startSenderSandbox(t, nil)
	rows := syntheticOutboxRows(3)
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

// outboxScriptedSMTP is a minimal SMTP server for what the sandbox does not do: say nothing, or take
// a message and answer late or never.
type outboxScriptedSMTP struct {
	ln         net.Listener
	greet      bool          // false: accept the connection and never greet
	hangAtData bool          // take the message and never answer
	dataDelay  time.Duration // wait this long before accepting a message
	gotData    chan struct{} // a message arrived (before the answer)
	accepted   atomic.Int32
	// pipelining advertises PIPELINING; refuse answers 550 to RCPT TO an address containing
	// it; dataWithoutRcpt answers DATA with 354 even when every recipient was refused (as a
	// careless server may), so the client must end the empty message itself.
	pipelining      bool
	refuse          string
	dataWithoutRcpt bool
	conns           atomic.Int32
	commands        []string // every command line received, in order
	mu              sync.Mutex
}

func startOutboxScriptedSMTP(t *testing.T, s *outboxScriptedSMTP) *outboxScriptedSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln, s.gotData = ln, make(chan struct{}, 100)
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				s.serve(c)
			}()
		}
	}()
	return s
}

func (s *outboxScriptedSMTP) addr() string { return s.ln.Addr().String() }

func (s *outboxScriptedSMTP) serve(c net.Conn) {
	s.conns.Add(1)
	c.SetDeadline(time.Now().Add(10 * time.Second)) // the test's own bound
	tp := textproto.NewConn(c)
	if !s.greet {
		io.Copy(io.Discard, c)
		return
	}
	tp.PrintfLine("220 scripted.test ESMTP")
	rcpts := 0
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.commands = append(s.commands, line)
		s.mu.Unlock()
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO":
			if s.pipelining {
				tp.PrintfLine("250-scripted.test")
				tp.PrintfLine("250 PIPELINING")
			} else {
				tp.PrintfLine("250 scripted.test")
			}
		case "RCPT":
			if s.refuse != "" && strings.Contains(line, s.refuse) {
				tp.PrintfLine("550 5.1.1 no such user")
				continue
			}
			rcpts++
			tp.PrintfLine("250 ok")
		case "MAIL", "RSET":
			rcpts = 0
			tp.PrintfLine("250 ok")
		case "HELO", "NOOP":
			tp.PrintfLine("250 ok")
		case "DATA":
			if rcpts == 0 && !s.dataWithoutRcpt {
				tp.PrintfLine("554 5.5.1 no valid recipients")
				continue
			}
			tp.PrintfLine("354 go ahead")
			if _, err := tp.ReadDotBytes(); err != nil {
				return
			}
			if rcpts == 0 {
				tp.PrintfLine("554 5.5.1 no valid recipients")
				continue
			}
			rcpts = 0
			s.gotData <- struct{}{}
			if s.hangAtData {
				io.Copy(io.Discard, c)
				return
			}
			time.Sleep(s.dataDelay)
			s.accepted.Add(1)
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

func TestSenderTimesOutHungServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server *outboxScriptedSMTP
		// tried is how many of the three rows meet the hung server: a connection that cannot
		// be opened backs off (Drain then stops with the rest queued); a transaction that
		// hangs costs only its message, and the next one gets a new connection.
		tried int
	}{
		{"no greeting", &outboxScriptedSMTP{greet: false}, 1},
		{"no answer to the message", &outboxScriptedSMTP{greet: true, hangAtData: true}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSenderRig(t)
			srv := startOutboxScriptedSMTP(t, tc.server)
			rows := syntheticOutboxRows(3)
			r.queue(rows, time.Now())
			o := r.options(srv.addr())
			o.Timeout = 300 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := r.sender(o).Drain(ctx)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("Drain took %s against a hung server with a 300ms timeout", took)
			}
			if stopped := tc.tried < len(rows); (err != nil) != stopped {
				t.Errorf("Drain: %v; want an error: %v", err, stopped)
			}
			tried := 0
			for _, row := range r.outbox() {
				if row.Attempts == 0 {
					continue
				}
				tried++
				if row.Status != "pending" || row.Attempts != 1 || !strings.Contains(row.LastError, "timeout") ||
					!row.NextAttempt.After(start) {
					t.Errorf("%s: %s after %d attempts, %q, next %s; want pending with the timeout and a later attempt stored",
						row.Key, row.Status, row.Attempts, row.LastError, row.NextAttempt)
				}
			}
			if tried != tc.tried {
				t.Errorf("%d rows tried, want %d", tried, tc.tried)
			}
		})
	}
}

func TestSenderShutdownFinishesMessageInFlight(t *testing.T) {
	r := newSenderRig(t)
	srv := startOutboxScriptedSMTP(t, &outboxScriptedSMTP{greet: true, dataDelay: 400 * time.Millisecond})
	rows := syntheticOutboxRows(5)
	r.queue(rows, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- r.sender(r.options(srv.addr())).Run(ctx) }()

	select {
	case <-srv.gotData:
	case <-time.After(5 * time.Second):
		t.Fatal("no message reached the server")
	}
	cancel() // while the server still holds back its answer
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run after cancel: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	sent := 0
	for _, row := range r.outbox() {
		switch {
		case row.Status == "sent":
			sent++
		case row.Attempts != 0:
			t.Errorf("%s: %s after %d attempts; a message not yet handed out must stay untouched", row.Key, row.Status, row.Attempts)
		}
	}
	if sent != 1 || srv.accepted.Load() != 1 {
		t.Errorf("%d rows marked sent, %d accepted by the server; want the one in flight finished and recorded", sent, srv.accepted.Load())
	}
}

// senderWaitFor polls cond until it holds or the test's patience ends.
func senderWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSenderReconnectsWhenServerDropsConnection(t *testing.T) {
	r := newSenderRig(t)
	first := startSenderSandbox(t, nil)
	addr := first.SMTPAddr()
	s := r.sender(r.options(addr))
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runErr; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	sentCount := func(n int) func() bool {
		return func() bool {
			st, err := r.st.OutboxStats(context.Background())
			return err == nil && st.Sent == n
		}
	}
	rows := syntheticOutboxRows(6)
	r.queue(rows[:3], time.Now())
	s.Kick()
	senderWaitFor(t, "the first three messages", sentCount(3))

	// The server restarts: the sender's open connection is dead, which it finds out only on use.
	first.Close()
	second := startSenderSandbox(t, &sandbox.Options{SMTPAddr: addr})
	r.queue(rows[3:], time.Now())
	s.Kick()
	senderWaitFor(t, "the next three messages", sentCount(6))
	for i, q := range rows {
		row := r.outbox()["invitation/"+q.code]
		if row.Attempts != 1 || row.LastError != "" {
			t.Errorf("%s: %d attempts, error %q; a dropped idle connection must not cost a retry", row.Key, row.Attempts, row.LastError)
		}
		srv := first
		if i >= 3 {
			srv = second
		}
		if n := srv.Accepted(q.recipient); n != 1 {
			t.Errorf("%s holds %d messages, want 1", q.recipient, n)
		}
	}
}

// TestSenderSurvivesSIGKILL sends 1,000 invitations from a separate process (crashchild, built
// from testdata/outbox) and kills it with SIGKILL at random points, at least five times,
// starting it again after each kill. At the end every mailbox holds its invitation, and the
// duplicates are at most the messages in flight when the process died: one per connection
// per kill.
func TestSenderSurvivesSIGKILL(t *testing.T) {
	child := buildOutboxCrashChild(t)
	for _, conns := range []int{1, 2} {
		t.Run(fmt.Sprintf("connections=%d", conns), func(t *testing.T) {
			srv := startSenderSandbox(t, nil)
			db := filepath.Join(t.TempDir(), "rsvpd.db")
			st, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rows := syntheticOutboxRows(1000)
			queueOutboxRows(t, st, outboxSigner(), rows, time.Now())

			total := func() int {
				n := 0
				for _, m := range srv.Mailboxes() {
					n += srv.Accepted(m)
				}
				return n
			}
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(conns)))
			kills, runs := 0, 0
			for {
				runs++
				cmd := exec.Command(child, "-db", db, "-smtp", srv.SMTPAddr(), "-connections", strconv.Itoa(conns))
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				// Kill when the server has taken a random number (1..150) of further messages;
				// after twelve kills, let it finish.
				target := total() + 1 + rng.IntN(150)
				var err error
				killed := false
				giveUp := time.Now().Add(time.Minute)
			wait:
				for {
					select {
					case err = <-exited:
						break wait
					case <-time.After(time.Millisecond):
						if time.Now().After(giveUp) {
							cmd.Process.Signal(syscall.SIGKILL)
							<-exited
							t.Fatalf("run %d of crashchild did not finish within a minute\n%s", runs, out.String())
						}
						if kills < 12 && total() >= target {
							cmd.Process.Signal(syscall.SIGKILL)
							err = <-exited
							killed = true
							break wait
						}
					}
				}
				if killed {
					kills++
					continue
				}
				if err != nil {
					t.Fatalf("run %d of crashchild: %v\n%s", runs, err, out.String())
				}
				break
			}

			missing, dups := 0, 0
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
			t.Logf("%d connections: %d kills, %d runs, %d messages delivered for 1000 invitations: %d missing, %d duplicates",
				conns, kills, runs, total(), missing, dups)
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

// buildOutboxCrashChild compiles testdata/outbox/crashchild.
func buildOutboxCrashChild(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "crashchild")
	cmd := exec.Command(goTool, "build", "-o", bin, "./testdata/outbox/crashchild")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build crashchild: %v\n%s", err, out)
	}
	return bin
}

func TestSenderPipelinesAndRecoversFromRefusedRecipient(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server *outboxScriptedSMTP
		// datas is how many DATA commands the server sees: without PIPELINING the client
		// stops at the refused RCPT TO; with it, DATA went out in the same packet.
		datas int
	}{
		{"without PIPELINING", &outboxScriptedSMTP{greet: true, refuse: "g00002"}, 2},
		{"with PIPELINING", &outboxScriptedSMTP{greet: true, pipelining: true, refuse: "g00002"}, 3},
		{"with PIPELINING, DATA taken after the refusal", &outboxScriptedSMTP{greet: true, pipelining: true,
			refuse: "g00002", dataWithoutRcpt: true}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSenderRig(t)
			srv := startOutboxScriptedSMTP(t, tc.server)
			rows := syntheticOutboxRows(3)
			r.queue(rows, time.Now())
			if err := r.sender(r.options(srv.addr())).Drain(context.Background()); err != nil {
				t.Fatalf("Drain: %v", err)
			}
			out := r.outbox()
			for i, q := range rows {
				row := out["invitation/"+q.code]
				want := store.OutboxSent
				if i == 1 {
					want = store.OutboxFailed
				}
				if row.Status != want {
					t.Errorf("%s: %s (%q), want %s", row.Key, row.Status, row.LastError, want)
				}
			}
			if row := out["invitation/"+rows[1].code]; !strings.Contains(row.LastError, "RCPT TO") ||
				!strings.Contains(row.LastError, "550") {
				t.Errorf("refused row's reason %q, want the RCPT TO step and the 550", row.LastError)
			}
			if n := srv.accepted.Load(); n != 2 {
				t.Errorf("the server accepted %d messages, want 2", n)
			}
			if n := srv.conns.Load(); n != 1 {
				t.Errorf("%d connections, want the refusal to leave the one connection usable", n)
			}
			srv.mu.Lock()
			datas := 0
			for _, c := range srv.commands {
				if c == "DATA" {
					datas++
				}
			}
			srv.mu.Unlock()
			if datas != tc.datas {
				t.Errorf("the server saw %d DATA commands, want %d", datas, tc.datas)
			}
		})
	}
}

// outboxTLSServer is a go-smtp server with TLS (STARTTLS or from the first byte) and PLAIN
// authentication, for what the sandbox does not offer.
type outboxTLSServer struct {
	srv      *smtp.Server
	ln       net.Listener
	pool     *x509.CertPool
	authed   atomic.Int32 // successful AUTH commands
	accepted atomic.Int32 // messages taken over an encrypted, authenticated session
}

type outboxTLSSession struct {
	s    *outboxTLSServer
	conn *smtp.Conn
	auth bool
}

func (ss *outboxTLSSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *outboxTLSSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "rsvpd" || pass != "hemmelig" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.auth = true
		ss.s.authed.Add(1)
		return nil
	}), nil
}

func (ss *outboxTLSSession) Mail(string, *smtp.MailOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (ss *outboxTLSSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (ss *outboxTLSSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if _, ok := ss.conn.TLSConnectionState(); ok {
		ss.s.accepted.Add(1)
	}
	return nil
}

func (ss *outboxTLSSession) Reset()        {}
func (ss *outboxTLSSession) Logout() error { return nil }

// startOutboxTLSServer serves on 127.0.0.1 with a fresh self-signed certificate: implicit TLS
// when implicit, else STARTTLS when offerTLS, else no TLS at all.
func startOutboxTLSServer(t *testing.T, implicit, offerTLS bool) *outboxTLSServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), cryptorand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(cryptorand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	s := &outboxTLSServer{pool: x509.NewCertPool()}
	s.pool.AddCert(cert)
	tlsConf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &outboxTLSSession{s: s, conn: c}, nil
	}))
	s.srv.Domain = "tls.test"
	s.srv.AllowInsecureAuth = !implicit && !offerTLS // without TLS AUTH is offered in the clear
	if implicit {
		s.ln, err = tls.Listen("tcp", "127.0.0.1:0", tlsConf)
	} else {
		s.ln, err = net.Listen("tcp", "127.0.0.1:0")
		if offerTLS {
			s.srv.TLSConfig = tlsConf
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	go s.srv.Serve(s.ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func TestSenderTLSModesAndAuth(t *testing.T) {
	for _, tc := range []struct {
		name               string
		mode               string
		implicit, offerTLS bool
		password           string
		sent               bool   // else deferred
		reason             string // in the deferred row's error
		authed             int32
	}{
		{"starttls", SMTPTLSStartTLS, false, true, "hemmelig", true, "", 1},
		{"implicit tls", SMTPTLSImplicit, true, false, "hemmelig", true, "", 1},
		{"starttls required, server has none", SMTPTLSStartTLS, false, false, "hemmelig", false, "STARTTLS", 0},
		{"wrong password", SMTPTLSStartTLS, false, true, "forkert", false, "535", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSenderRig(t)
			srv := startOutboxTLSServer(t, tc.implicit, tc.offerTLS)
			rows := syntheticOutboxRows(2)
			r.queue(rows, time.Now())
			o := r.options(srv.ln.Addr().String())
			o.TLS, o.User, o.Password = tc.mode, "rsvpd", tc.password
			o.TLSConfig = &tls.Config{RootCAs: srv.pool}
			err := r.sender(o).Drain(context.Background())
			if tc.sent != (err == nil) {
				t.Errorf("Drain: %v", err)
			}
			out := r.outbox()
			tried := 0
			for _, q := range rows {
				row := out["invitation/"+q.code]
				if row.Attempts > 0 {
					tried++
				}
				switch {
				case tc.sent && row.Status != "sent":
					t.Errorf("%s: %s (%q), want sent", row.Key, row.Status, row.LastError)
				case !tc.sent && row.Attempts > 0 && (row.Status != "pending" || !strings.Contains(row.LastError, tc.reason)):
					t.Errorf("%s: %s (%q), want pending with %s in the error", row.Key, row.Status, row.LastError, tc.reason)
				}
			}
			if !tc.sent && tried != 1 {
				t.Errorf("%d rows tried, want 1: the connection that failed to open backs off", tried)
			}
			wantAccepted := int32(0)
			if tc.sent {
				wantAccepted = int32(len(rows))
			}
			if n := srv.accepted.Load(); n != wantAccepted {
				t.Errorf("%d messages taken over TLS, want %d", n, wantAccepted)
			}
			if n := srv.authed.Load(); n != tc.authed {
				t.Errorf("%d successful logins, want %d (one connection, reused)", n, tc.authed)
			}
		})
	}
}

// TestWriteDataMatchesDotWriter: the fast DATA writer gives the bytes of textproto's
// DotWriter (dots doubled at line starts, CRLF line ends, the closing dot) for any input.
func TestWriteDataMatchesDotWriter(t *testing.T) {
	cases := []string{"", ".", "..", "a", "a\r\n", ".a\r\n", "a\r\n.b\r\n", "a\r\n.\r\n", "a\r\n..\r\nb",
		"\r\n.\r\n.", "a\r\nb", "bare\nlf\n.x", "mixed\r\n.y\nz", "\r\r\n.", ".\r\n.\r\n.\r\n"}
	cases = append(cases, randomStrings(1, 500, 40, ".\r\na")...)
	for _, in := range cases {
		var want, got bytes.Buffer
		dw := textproto.NewWriter(bufio.NewWriter(&want)).DotWriter()
		dw.Write([]byte(in))
		dw.Close()
		if err := writeData(bufio.NewWriter(&got), []byte(in)); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("writeData(%q) = %q, DotWriter writes %q", in, got.String(), want.String())
		}
	}
}
