package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/simulate"
	"github.com/rsvpd/rsvpd/store"
)

// submit hands a raw message to Postfix, as a mail program would.
func submit(t testing.TB, srv *mailtest.Servers, from, to string, raw []byte) {
	t.Helper()
	if err := smtp.SendMail(srv.SMTPAddr, nil, from, []string{to}, raw); err != nil {
		t.Fatalf("submit from %s to %s: %v", from, to, err)
	}
}

// replyAll has each of the invitees [from, to) answer, eight at a time.
func replyAll(t *testing.T, srv *mailtest.Servers, c *campaign.Campaign, signer *campaign.Signer, from, to int) {
	t.Helper()
	mail := simulate.NewMail(c, signer, func(campaign.Invitee) string {
		return "Møder i Aalborg, Roskilde og Vejle. Svar venligst inden fristen."
	})
	meetings := []string{"Aalborg", "Roskilde", "Vejle"}
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				inv := c.Invitees[i]
				text := fmt.Sprintf("Vi kommer til %s, %d personer.", meetings[i%3], 1+i%2)
				submit(t, srv, inv.Email, signer.ReplyAddress(c.Organiser.Email, inv.Code), mail.Reply(inv, "", text, time.Now(), i))
			}
		}()
	}
	for i := from; i < to; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
}

// newMail writes the messages invitees send, quoting their invitation.
func newMail(r *running) *simulate.Mail {
	c := r.e.Campaign()
	return simulate.NewMail(c, r.signer, func(inv campaign.Invitee) string {
		return "Kære bibliotekschef\n\nKOMBIT inviterer dig til dialogmøde i Aalborg 28. februar, Roskilde 1. marts eller Vejle 6. marts 2012."
	})
}

func (r *running) state(t testing.TB, code string) campaign.State {
	t.Helper()
	var st campaign.State
	err := r.st.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		st, err = tx.State(code)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// newest waits for the mailbox to hold n messages and returns the newest, parsed.
func newest(t *testing.T, srv *mailtest.Servers, user string, n int, timeout time.Duration) *enmime.Envelope {
	t.Helper()
	msgs := srv.WaitMessages(t, user, "INBOX", n, timeout)
	env, err := enmime.ReadEnvelope(bytes.NewReader(msgs[len(msgs)-1]))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// calendarPart returns the message's iTIP object: the text/calendar alternative.
func calendarPart(env *enmime.Envelope) []byte {
	for _, p := range append(append(env.OtherParts, env.Inlines...), env.Attachments...) {
		if strings.HasPrefix(p.ContentType, "text/calendar") && p.FileName == "" {
			return p.Content
		}
	}
	for _, p := range env.Attachments {
		if strings.HasPrefix(p.ContentType, "text/calendar") || p.FileName == "invite.ics" {
			return p.Content
		}
	}
	return nil
}

// TestReplyLoopOnRealServers is the RSVP loop of issue 5 on Postfix and Dovecot: a free-text
// yes is confirmed with a meeting request within seconds, a calendar decline cancels it, a
// stranger changes nothing but reaches the staff, and an out-of-office gets no answer.
func TestReplyLoopOnRealServers(t *testing.T) {
	srv := mailtest.Start(t)
	r, c, v := invitationsSent(t, srv, true)
	horsens, _ := c.Invitee("615")
	srv.WaitMessages(t, horsens.Email, "INBOX", 1, time.Minute)
	mail := newMail(r)
	at := v.Now()

	// A free-text yes: confirmed with a meeting request within 5 s.
	began := time.Now()
	submit(t, srv, horsens.Email, r.signer.ReplyAddress(c.Organiser.Email, "615"),
		mail.Reply(horsens, "", "Vi kommer til Vejle, 2 personer.", at, 1))
	conf := newest(t, srv, horsens.Email, 2, 5*time.Second)
	t.Logf("confirmation in the director's mailbox %v after the reply was submitted", time.Since(began).Round(time.Millisecond))
	if st := r.state(t, "615"); st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 {
		t.Fatalf("status = %s %s %d, want attending vejle 2", st.Status, st.Meeting, st.Headcount)
	}
	request := calendarPart(conf)
	if !bytes.Contains(request, []byte("METHOD:REQUEST")) || !strings.Contains(conf.GetHeader("Content-Type"), "multipart") {
		t.Fatalf("the confirmation carries no meeting request:\n%s", conf.Text)
	}
	vejle, _ := c.Meeting("vejle")
	uid := calendar.UID("615", "vejle", "kombit.test")

	// A calendar decline of that entry: cancelled, and a CANCEL arrives.
	submit(t, srv, horsens.Email, r.signer.ReplyAddress(c.Organiser.Email, "615"),
		mail.CalendarReply(horsens, "vejle", "DECLINED", at, 2))
	cancel := newest(t, srv, horsens.Email, 3, 10*time.Second)
	if st := r.state(t, "615"); st.Status != campaign.StatusDeclined {
		t.Fatalf("status after the calendar decline = %s, want declined (newest message: %q)", st.Status, cancel.GetHeader("Subject"))
	}
	cancelICS := calendarPart(cancel)
	if !bytes.Contains(cancelICS, []byte("METHOD:CANCEL")) {
		t.Fatalf("no CANCEL after the decline:\n%s", cancel.Text)
	}
	checkICS(t, [][]byte{request, cancelICS}, []icsWant{{"REQUEST", uid, vejle.Start}, {"CANCEL", uid, vejle.Start}})

	// A stranger: nothing changes, the staff hear of it.
	before := r.outbox(t)
	submit(t, srv, "nogen@example.test", c.Organiser.Email,
		[]byte("From: nogen@example.test\r\nTo: "+c.Organiser.Email+"\r\nSubject: Tilmelding\r\nMessage-ID: <stranger@example.test>\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\n\r\nHorsens kommer til Aalborg med 3 personer.\r\n"))
	note := newest(t, srv, "staff@kombit.test", 1, 10*time.Second)
	if !strings.Contains(note.Text, "nogen@example.test") {
		t.Errorf("the staff notification does not name the stranger:\n%s", note.Text)
	}
	if st := r.state(t, "615"); st.Status != campaign.StatusDeclined {
		t.Errorf("a stranger changed Horsens to %s", st.Status)
	}
	if after := r.outbox(t); after.Sent+after.Pending != before.Sent+before.Pending+1 {
		t.Errorf("the stranger caused %d messages, want only the staff notification", after.Sent+after.Pending-before.Sent-before.Pending)
	}

	// An out-of-office: no answer.
	fred, _ := c.Invitee("147")
	submit(t, srv, fred.Email, c.Organiser.Email, mail.OutOfOffice(fred, time.Date(2012, 2, 20, 0, 0, 0, 0, c.Location), at, 3))
	waitFor(t, 10*time.Second, "the out-of-office read", func() bool { return r.state(t, "147").AwayUntil == "2012-02-20" })
	time.Sleep(time.Second)
	if n, _ := inboxSize(srv, fred.Email); n != 1 {
		t.Errorf("the out-of-office was answered: %d messages in %s", n, fred.Email)
	}
}
