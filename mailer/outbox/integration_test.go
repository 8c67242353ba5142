package outbox

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/mailtest"
)

// TestSenderOnPostfixAndDovecot sends the 98 invitations of the 2012 campaign through a real
// Postfix into a real Dovecot and reads every director's mailbox back over IMAP: one message
// each, the one the outbox row names, for that municipality, answerable with its own token.
func TestSenderOnPostfixAndDovecot(t *testing.T) {
	servers := mailtest.Start(t)
	r := newSenderRig(t)
	rows := campaignRows(r.c)
	if len(rows) != 98 {
		t.Fatalf("the example campaign has %d invitees, want 98", len(rows))
	}
	r.queue(rows, time.Now())
	o := r.options(servers.SMTPAddr)
	o.Concurrency = 2
	o.EnvelopeFrom = r.c.Organiser.Email
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := r.sender(o).Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	stats, err := r.st.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Sent != 98 || stats.Pending != 0 || stats.Failed != 0 {
		t.Fatalf("outbox after Drain: %+v, want 98 sent", stats)
	}

	out := r.outbox()
	for _, q := range rows {
		inv, _ := r.c.Invitee(q.code)
		row := out["invitation/"+q.code]
		msgs := servers.WaitMessages(t, q.recipient, "INBOX", 1, time.Minute)
		if len(msgs) != 1 {
			t.Errorf("%s holds %d messages, want exactly 1", q.recipient, len(msgs))
			continue
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(msgs[0]))
		if err != nil {
			t.Errorf("%s: the message does not parse: %v", q.recipient, err)
			continue
		}
		if got, want := env.GetHeader("Message-Id"), "<"+row.MessageID+">"; got != want {
			t.Errorf("%s: Message-ID %s, want the outbox row's %s", q.recipient, got, want)
		}
		if got := env.GetHeader("Reply-To"); !strings.Contains(got, r.signer.Token(q.code)) {
			t.Errorf("%s: Reply-To %q lacks the invitee's token %s", q.recipient, got, r.signer.Token(q.code))
		}
		if !strings.Contains(env.Text, inv.FormalName) && !strings.Contains(env.Text, inv.Name) {
			t.Errorf("%s: the letter does not name %s", q.recipient, inv.FormalName)
		}
		if subj := env.GetHeader("Subject"); !strings.Contains(subj, "ø") {
			t.Errorf("%s: subject %q lost its Danish letters", q.recipient, subj)
		}
		if env.HTML == "" {
			t.Errorf("%s: no HTML alternative", q.recipient)
		}
	}
}
