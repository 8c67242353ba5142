package outbox

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/store"
)

func TestSenderDeliversEachMessageOnceOverReusedConnections(t *testing.T) {
	r := newSenderRig(t)
	srv := startSenderSandbox(t, nil)
	relay := startConnCounter(t, srv.SMTPAddr())
	rows := syntheticRows(100)
	r.queue(rows, time.Now())

	o := r.options(relay.addr())
	o.Concurrency = 2
	var progress []Progress
	o.Progress = func(p Progress) { progress = append(progress, p) }
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
	rows := syntheticRows(5)
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
	rows := syntheticRows(1)
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

	rows := syntheticRows(20)
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
			rows := syntheticRows(20)
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

func TestSenderShutdownFinishesMessageInFlight(t *testing.T) {
	r := newSenderRig(t)
	srv := startScriptedSMTP(t, &scriptedSMTP{greet: true, dataDelay: 400 * time.Millisecond})
	rows := syntheticRows(5)
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
