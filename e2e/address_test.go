package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/store"
)

// TestBounceThenNewAddressOnRealServers is Sønderborg's story from the usability test on
// Postfix and Dovecot: its listed address bounces (Postfix accepts the invitation and returns
// a DSN, which the watcher reads), the staff change the address, the invitation reaches the new
// mailbox once, and a reply from the new address, with neither token nor thread, is tied to
// Sønderborg by its sender and confirmed there.
func TestBounceThenNewAddressOnRealServers(t *testing.T) {
	srv := mailtest.Start(t)
	dir := t.TempDir()
	cfg := exampleOn(t, srv, dir)
	c := cfg.Campaign
	const bounced, fixed = "bounce.bibliotekschef@soenderborg.kommune.test", "bibliotekschef@soenderborg.kommune.test"
	n, _ := c.IndexOf("540")
	c.Invitees[n].Email = bounced // the harness bounces every local part that starts with "bounce"
	c.Index()
	v := clock.NewVirtual(c.Schedule.Invitations.Add(-time.Minute))
	r := startEngine(t, srv, cfg, v, true)
	if err := v.RunUntil(ctxTimeout(t, time.Minute), c.Schedule.Invitations.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Minute, "98 invitations handed to Postfix", func() bool { return r.outbox(t).Sent == 98 })
	waitFor(t, 30*time.Second, "Postfix's bounce read", func() bool {
		return r.state(t, "540").Delivery == campaign.DeliveryUndeliverable
	})
	var first store.Outgoing
	if err := r.st.View(context.Background(), func(tx *store.Tx) (err error) {
		first, err = tx.Outgoing("invitation/540")
		return err
	}); err != nil {
		t.Fatal(err)
	}

	res, err := r.e.ChangeAddress(context.Background(), "540", daemon.AddressChange{Address: fixed, Was: bounced, By: "staff@kombit.test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Resent) != 1 || len(res.Resolved) != 1 {
		t.Errorf("the change sent again %v and closed %v; want the invitation, and the bounce item", res.Resent, res.Resolved)
	}
	inv := newest(t, srv, fixed, 1, 30*time.Second)
	if got, want := inv.GetHeader("Reply-To"), r.signer.ReplyAddress(c.Organiser.Email, "540"); !strings.Contains(got, want) {
		t.Errorf("the invitation at the new address has Reply-To %q, want %s", got, want)
	}
	if strings.Contains(inv.GetHeader("Message-Id"), strings.Trim(first.MessageID, "<>")) {
		t.Error("the invitation sent again has the Message-ID of the one that bounced")
	}
	if !strings.Contains(inv.Text, "Aalborg") || !strings.Contains(inv.Text, "Vejle") {
		t.Errorf("the invitation at the new address does not name the meetings:\n%s", inv.Text)
	}

	// A reply from the new address to the campaign's plain address, not in the thread.
	submit(t, srv, fixed, c.Organiser.Email, []byte("From: Bibliotekschefen <"+fixed+">\r\nTo: "+c.Organiser.Email+"\r\n"+
		"Subject: =?utf-8?q?Dialogm=C3=B8de?=\r\nMessage-ID: <svar1@soenderborg.kommune.test>\r\nDate: Tue, 7 Feb 2012 10:00:00 +0100\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nVi kommer til Vejle, 2 personer.\r\n"))
	conf := newest(t, srv, fixed, 2, 30*time.Second)
	if st := r.state(t, "540"); st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 {
		t.Fatalf("after the reply from the new address: %s %s %d, want attending vejle 2", st.Status, st.Meeting, st.Headcount)
	}
	if !bytes.Contains(calendarPart(conf), []byte("METHOD:REQUEST")) {
		t.Errorf("the confirmation at the new address carries no meeting request:\n%s", conf.Text)
	}
	var toBounced int
	if err := r.st.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.OutboxRows(store.OutboxFilter{Invitee: "540"})
		for _, row := range rows {
			if row.Recipient == bounced {
				toBounced++
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if toBounced != 1 {
		t.Errorf("%d letters to the address that bounced, want the first invitation only", toBounced)
	}
}
