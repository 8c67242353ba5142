package e2e

import (
	"bytes"
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// TestSpoofedRepliesChangeNothing sends the spoofing corpus through Postfix and Dovecot to
// `rsvpd run`'s engine, which trusts the Authentication-Results of mx.kombit.test: no forged
// reply changes an invitee or sends anything but the staff's notification, nothing goes to an
// address that stood in a display name, and each forged reply is in review with its reason.
// The two controls (the director's verified reply, a colleague's reply with the token) are
// applied and confirmed.
func TestSpoofedRepliesChangeNothing(t *testing.T) {
	srv := mailtest.Start(t)
	dir := t.TempDir()
	cfg := exampleOn(t, srv, dir)
	cfg.Mail.IMAP.AuthServID = "mx.kombit.test"
	c := cfg.Campaign
	// Before the invitations: the only mail rsvpd sends is what the replies cause.
	v := clock.NewVirtual(c.Schedule.Invitations.Add(-24 * time.Hour))
	// The corpus's tokens and Message-IDs were made with the test secret of package replies.
	r := startEngineSigned(t, srv, cfg, v, true, campaign.NewSigner([]byte("rsvpd-test-secret"), "kombit.test"))
	if err := v.RunUntil(ctxTimeout(t, time.Minute), v.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	corpus := filepath.Join("..", "replies", "testdata", "spoof")
	cases := testenv.SpoofCases(t, corpus)
	byID := map[string]testenv.SpoofCase{}
	for _, sc := range cases {
		raw, err := os.ReadFile(filepath.Join(corpus, sc.File))
		if err != nil {
			t.Fatal(err)
		}
		byID[messageID(t, raw)] = sc
		// Into the inbox byte for byte, as the receiving server delivered it with its
		// Authentication-Results on top (Postfix here writes none, and refuses the
		// corpus's raw UTF-8 headers without SMTPUTF8).
		appendRaw(t, srv, c.Organiser.Email, bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n")))
	}
	waitFor(t, time.Minute, "every forged reply handled", func() bool {
		rows := ledgerRows(t, r.st)
		if len(rows) < len(cases) {
			return false
		}
		for _, in := range rows {
			if in.Status == store.InboundNew {
				return false
			}
		}
		return true
	})

	controls, forged := map[string]bool{}, 0
	for _, sc := range cases {
		if sc.Decided {
			controls[sc.Invitee] = true
		} else {
			forged++
		}
	}
	// No invitee but the controls' changed.
	err := r.st.Tx(context.Background(), func(tx *store.Tx) error {
		states, err := tx.States()
		for _, s := range states {
			if !controls[s.Code] && s.Status != campaign.StatusNew {
				t.Errorf("a forged reply changed %s to %s %s", s.Code, s.Status, s.Meeting)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Mail only to the staff and to the controls' registered addresses (and the token
	// control's sender, who gets a copy).
	allowed := map[string]bool{"staff@kombit.test": true, "kollega@horsens.kommune.test": true}
	for code := range controls {
		inv, _ := c.Invitee(code)
		allowed[inv.Email] = true
	}
	rows := outboxRows(t, r.st)
	for _, o := range rows {
		if !allowed[o.Recipient] {
			t.Errorf("%s went to %s, an address no forged reply may cause mail to", o.Key, o.Recipient)
		}
	}
	// Each forged reply is in review with its reason.
	reviews := reviewsByInbound(t, r.st)
	checked := 0
	for _, in := range ledgerRows(t, r.st) {
		sc, ok := byID[in.MessageID]
		if !ok || sc.Decided {
			continue
		}
		checked++
		rv, ok := reviews[in.ID]
		if !ok {
			t.Errorf("%s: no review item", sc.Case)
			continue
		}
		codes := string(rv.Why.Code) + " "
		if rv.Why.Reading != nil {
			for _, n := range rv.Why.Reading.Notes {
				codes += string(n.Code) + " "
			}
		}
		for _, want := range sc.ReasonCodes {
			if !strings.Contains(codes, want+" ") {
				t.Errorf("%s: review reason %s lacks %s", sc.Case, codes, want)
			}
		}
	}
	for code := range controls {
		if st := r.state(t, code); st.Status != campaign.StatusAttending {
			t.Errorf("the control for %s was not applied: %s", code, st.Status)
		}
	}
	if checked != forged {
		t.Errorf("%d forged replies found in the ledger by their Message-ID, want %d", checked, forged)
	}
	t.Logf("%d replies read: %d forged, each in review; %d letters queued, all to the staff or the controls", len(cases), forged, len(rows))
}

// TestLongLineFromAStrangerHoldsNothingUp: a one-line mail of a megabyte from a stranger and
// a director's reply a second later. The reply is confirmed within its usual latency, and the
// store can be read (as `rsvpd status` reads it) all the while.
func TestLongLineFromAStrangerHoldsNothingUp(t *testing.T) {
	srv := mailtest.Start(t)
	r, c, v := invitationsSent(t, srv, true)
	horsens, _ := c.Invitee("615")
	srv.WaitMessages(t, horsens.Email, "INBOX", 1, time.Minute)

	status, err := store.Open(context.Background(), r.path)
	if err != nil {
		t.Fatal(err)
	}
	defer status.Close()
	stop := make(chan struct{})
	reads := make(chan error, 1)
	go func() { // `rsvpd status` in a loop: every read must succeed
		var failed error
		n := 0
		for {
			select {
			case <-stop:
				reads <- failed
				return
			case <-time.After(50 * time.Millisecond):
			}
			err := status.Tx(context.Background(), func(tx *store.Tx) error { _, err := tx.States(); return err })
			if err != nil && failed == nil {
				failed = err
			}
			n++
		}
	}()

	line := strings.Repeat("Vi kommer til Vejle med hele biblioteket ", (1<<20)/41)
	submit(t, srv, "fremmed@example.test", c.Organiser.Email, []byte("From: fremmed@example.test\r\nTo: "+
		c.Organiser.Email+"\r\nSubject: Tilmelding\r\nMessage-ID: <long@example.test>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"+line+"\r\n"))
	time.Sleep(time.Second)
	began := time.Now()
	submit(t, srv, horsens.Email, r.signer.ReplyAddress(c.Organiser.Email, "615"),
		newMail(r).Reply(horsens, "", "Vi kommer til Vejle, 2 personer.", v.Now(), 1))
	newest(t, srv, horsens.Email, 2, 5*time.Second)
	latency := time.Since(began)
	close(stop)
	if err := <-reads; err != nil {
		t.Errorf("the store could not be read while the long line was handled: %v", err)
	}
	t.Logf("the reply's confirmation arrived %v after it was submitted, with a 1 MB line from a stranger a second before it",
		latency.Round(time.Millisecond))
	if st := r.state(t, "615"); st.Status != campaign.StatusAttending {
		t.Errorf("Horsens is %s, want attending", st.Status)
	}
}

// messageID is a raw message's Message-ID, without angle brackets.
func messageID(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Trim(m.Header.Get("Message-ID"), "<> ")
}

func ledgerRows(t *testing.T, st *store.Store) []store.Inbound {
	t.Helper()
	rows, err := st.InboundSince(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// reviewsByInbound maps each message's ledger id to its review item.
func reviewsByInbound(t *testing.T, st *store.Store) map[int64]store.Review {
	t.Helper()
	out := map[int64]store.Review{}
	if err := st.Tx(context.Background(), func(tx *store.Tx) error {
		items, err := tx.Reviews(false)
		for _, rv := range items {
			out[rv.Inbound] = rv
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
