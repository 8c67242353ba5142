package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/store"
)

func TestSenderFailsRefusedRecipientOnly(t *testing.T) {
	r := newSenderRig(t)
	rows := syntheticRows(10)
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

func TestSenderFailsUnrenderableRowOnly(t *testing.T) {
	r := newSenderRig(t)
	srv := startSenderSandbox(t, nil)
	rows := syntheticRows(6)
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

func TestSenderRefusesSecondRecipient(t *testing.T) {
	r := newSenderRig(t)
	srv := startSenderSandbox(t, nil)
	rows := syntheticRows(1)
	r.queue(rows, time.Now())
	s := New(r.st, senderRendererFunc(func(ctx context.Context, row store.Outgoing) (*mail.Msg, error) {
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

// MAIL FROM asks for BODY=8BITMIME where the server offers it, and for SMTPUTF8 only for an
// address that needs it; an 8-bit message fails for good, before any command, at a server
// without 8BITMIME.
func TestSenderMailParameters(t *testing.T) {
	eightBit := func(r *senderRig) Renderer {
		return senderRendererFunc(func(ctx context.Context, row store.Outgoing) (*mail.Msg, error) {
			m, err := r.render.Render(ctx, row)
			if err == nil {
				m.SetEncoding(mail.NoEncoding)
			}
			return m, err
		})
	}
	for _, tc := range []struct {
		name      string
		ext       []string
		recipient string
		eightBit  bool
		want      string // the MAIL FROM line's parameters; "" when no MAIL FROM may be sent
		failed    string // in the failed row's reason
	}{
		{"8BITMIME offered", []string{"8BITMIME", "SMTPUTF8"}, "bibliotekschef@g00001.kommune.test", false, " BODY=8BITMIME", ""},
		{"UTF-8 address", []string{"8BITMIME", "SMTPUTF8"}, "bibliotekschéf@g00001.kommune.test", false, " BODY=8BITMIME SMTPUTF8", ""},
		{"nothing offered", nil, "bibliotekschef@g00001.kommune.test", false, "", ""},
		{"8-bit message, 8BITMIME offered", []string{"8BITMIME"}, "bibliotekschef@g00001.kommune.test", true, " BODY=8BITMIME", ""},
		{"8-bit message, no 8BITMIME", nil, "bibliotekschef@g00001.kommune.test", true, "", "MAIL FROM: the message is 8-bit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSenderRig(t)
			srv := startScriptedSMTP(t, &scriptedSMTP{greet: true, ext: tc.ext})
			r.queue([]outboxRow{{"g00001", tc.recipient}}, time.Now())
			var render Renderer = r.render
			if tc.eightBit {
				render = eightBit(r)
			}
			if err := New(r.st, render, r.options(srv.addr())).Drain(context.Background()); err != nil {
				t.Fatalf("Drain: %v", err)
			}
			row := r.outbox()["invitation/g00001"]
			srv.mu.Lock()
			var mailFrom []string
			for _, c := range srv.commands {
				if strings.HasPrefix(c, "MAIL FROM:") {
					mailFrom = append(mailFrom, c)
				}
			}
			srv.mu.Unlock()
			if tc.failed != "" {
				if row.Status != "failed" || !strings.Contains(row.LastError, tc.failed) || len(mailFrom) != 0 {
					t.Errorf("row %s (%q) after %v; want failed with %q and no MAIL FROM", row.Status, row.LastError, mailFrom, tc.failed)
				}
				return
			}
			if row.Status != "sent" {
				t.Fatalf("row %s (%q), want sent", row.Status, row.LastError)
			}
			if want := "MAIL FROM:<dialogmoeder@kombit.test>" + tc.want; len(mailFrom) != 1 || mailFrom[0] != want {
				t.Errorf("MAIL FROM lines %q, want %q", mailFrom, want)
			}
		})
	}
}

func TestSenderTimesOutHungServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server *scriptedSMTP
		// tried is how many of the three rows meet the hung server: a connection that cannot
		// be opened backs off (Drain then stops with the rest queued); a transaction that
		// hangs costs only its message, and the next one gets a new connection.
		tried int
	}{
		{"no greeting", &scriptedSMTP{greet: false}, 1},
		{"no answer to the message", &scriptedSMTP{greet: true, hangAtData: true}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSenderRig(t)
			srv := startScriptedSMTP(t, tc.server)
			rows := syntheticRows(3)
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
	rows := syntheticRows(6)
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

// A refused recipient fails its message alone and leaves the connection usable. The client
// waits for each answer, so a refused RCPT TO ends the transaction before DATA, also when the
// server offers PIPELINING, and also with a server that would take DATA after the refusal.
func TestSenderRecoversFromRefusedRecipient(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server *scriptedSMTP
		// datas is how many DATA commands the server sees: one per message sent.
		datas int
	}{
		{"without PIPELINING", &scriptedSMTP{greet: true, refuse: "g00002"}, 2},
		{"with PIPELINING", &scriptedSMTP{greet: true, pipelining: true, refuse: "g00002"}, 2},
		{"with PIPELINING, DATA taken after the refusal", &scriptedSMTP{greet: true, pipelining: true,
			refuse: "g00002", dataWithoutRcpt: true}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSenderRig(t)
			srv := startScriptedSMTP(t, tc.server)
			rows := syntheticRows(3)
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

func TestSenderTLSModesAndAuth(t *testing.T) {
	for _, tc := range []struct {
		name               string
		mode               mailer.TLSMode
		implicit, offerTLS bool
		password           string
		sent               bool   // else deferred
		reason             string // in the deferred row's error, or Drain's
		authed             int32
		tried              int // rows tried when not sent
	}{
		{"starttls", mailer.StartTLS, false, true, "hemmelig", true, "", 1, 0},
		{"implicit tls", mailer.ImplicitTLS, true, false, "hemmelig", true, "", 1, 0},
		{"starttls required, server has none", mailer.StartTLS, false, false, "hemmelig", false, "STARTTLS", 0, 1},
		// A refused sign-in is no attempt of a message: every row waits as it was.
		{"wrong password", mailer.StartTLS, false, true, "forkert", false, "sign-in refused by the server: SMTP AUTH failed: 535", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSenderRig(t)
			srv := startTLSServer(t, tc.implicit, tc.offerTLS)
			rows := syntheticRows(2)
			r.queue(rows, time.Now())
			o := r.options(srv.ln.Addr().String())
			o.TLS, o.User, o.Password = tc.mode, "rsvpd", tc.password
			o.TLSConfig = &tls.Config{RootCAs: srv.pool}
			err := r.sender(o).Drain(context.Background())
			if tc.sent != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.reason) {
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
			if !tc.sent && tried != tc.tried {
				t.Errorf("%d rows tried, want %d: the connection that failed to open backs off", tried, tc.tried)
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
