package daemon

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

func (f *fixture) staffLetters(t *testing.T, kind letters.Kind) []store.Outgoing {
	t.Helper()
	var out []store.Outgoing
	for _, r := range f.outbox(t, staffCode) {
		if r.Kind == string(kind) {
			out = append(out, r)
		}
	}
	return out
}

var (
	revokedToken = &auth.TokenError{Server: "IMAP outlook.office365.com:993", Step: "refresh-token grant at https://login.test/token",
		Code: "invalid_grant", Operator: true, Err: errors.New("invalid_grant")}
	endpointDown = &auth.TokenError{Server: "SMTP smtp.office365.com:587", Step: "refresh-token grant at https://login.test/token",
		Err: errors.New("HTTP 503")}
	refusedBy = &auth.RefusedError{Server: "SMTP smtp.office365.com:587", Err: errors.New("535 5.7.3 Authentication unsuccessful")}
)

// One outage, one letter to each staff address, however many attempts fail, on however many
// servers; a failure a retry may mend tells no one; a restart during the outage tells no one
// again; the letter, composed when it is sent, says what still fails and what works again.
func TestSignInOutageTellsTheStaffOnce(t *testing.T) {
	f := newFixture(t)
	staff := len(f.e.c.Organiser.Staff)
	w := newSignInWatch(f.e)
	imap, smtp := w.report("IMAP"), w.report("SMTP")
	smtp(nil)
	smtp(endpointDown)
	smtp(refusedBy) // one refusal may be a token revoked a moment ago: the next is fresh
	if n := len(f.staffLetters(t, letters.KindStaffSignIn)); n != 0 {
		t.Fatalf("%d letters for failures that need no one", n)
	}
	start := f.clock.t
	for range 5 {
		imap(revokedToken)
		f.clock.t = f.clock.t.Add(15 * time.Second)
	}
	smtp(refusedBy) // the second refusal in a row: the same outage
	rows := f.staffLetters(t, letters.KindStaffSignIn)
	if len(rows) != staff {
		t.Fatalf("%d staff_signin letters, want one to each of the %d staff", len(rows), staff)
	}

	o, err := f.e.ComposeRow(context.Background(), rows[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"rsvpd kan ikke logge på kampagnens postkasse dialogmoeder@kombit.test",
		"Derfor bliver der hverken sendt mail eller læst svar", "Adgangen til postkassen dialogmoeder@kombit.test er tilbagekaldt",
		"Mailserveren afviser rsvpd's login", "Læsning af svar (IMAP): virker ikke siden fredag den 10. februar 2012 kl. 9.00."} {
		if !strings.Contains(o.Text, want) {
			t.Errorf("the letter lacks %q:\n%s", want, o.Text)
		}
	}

	// A restart: the new watch reads the open outage from the event log.
	w = newSignInWatch(f.e)
	w.report("IMAP")(revokedToken)
	if n := len(f.staffLetters(t, letters.KindStaffSignIn)); n != staff {
		t.Errorf("a restart during the outage queued %d letters in all, want %d", n, staff)
	}
	f.clock.t = start.Add(41 * time.Minute)
	w.report("IMAP")(nil)
	w.report("SMTP")(nil)
	o, err = f.e.ComposeRow(context.Background(), rows[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.Subject, "Login til postkassen virker igen") ||
		!strings.Contains(o.Text, "til fredag den 10. februar 2012 kl. 9.41 kunne rsvpd ikke logge på") {
		t.Errorf("the letter sent after the outage does not say it is over:\n%s\n%s", o.Subject, o.Text)
	}

	// A later outage is another one, with its own letter.
	f.clock.t = f.clock.t.Add(time.Hour)
	w.report("SMTP")(&auth.TokenError{Server: "SMTP x:587", Step: "client-credentials grant", Code: "invalid_client", Operator: true, Err: errors.New("invalid_client")})
	if n := len(f.staffLetters(t, letters.KindStaffSignIn)); n != 2*staff {
		t.Errorf("%d letters after a second outage, want %d", n, 2*staff)
	}
	var events []store.Event
	f.view(t, func(tx *store.Tx) (err error) {
		events, err = tx.Events(store.EventFilter{Kind: eventSignIn})
		return err
	})
	var states []string
	for _, ev := range events {
		states = append(states, ev.Detail["server"].(string)+" "+ev.Detail["state"].(string))
	}
	if got := strings.Join(states, ", "); got != "IMAP failed, SMTP failed, IMAP restored, SMTP restored, SMTP failed" {
		t.Errorf("events: %s", got)
	}
	if why, _ := reasonOf(events[4].Detail["reason"]); why.Code != campaign.ReasonSignInClient {
		t.Errorf("reason of a refused client: %+v", why)
	}
}
