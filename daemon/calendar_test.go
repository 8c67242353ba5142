package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/store"
)

// calendarReply is Outlook's answer to an entry rsvpd sent (METHOD:REPLY), as it reaches the
// campaign address: to the entry's organizer, the invitee's tokened address.
func calendarReply(from, to, msgID, uid, partstat string) string {
	ics := strings.Join([]string{
		"BEGIN:VCALENDAR", "PRODID:-//Microsoft Corporation//Outlook 14.0 MIMEDIR//EN", "VERSION:2.0", "METHOD:REPLY",
		"BEGIN:VEVENT", "ATTENDEE;PARTSTAT=" + partstat + ":mailto:" + from, "ORGANIZER:mailto:" + to,
		"UID:" + uid, "SEQUENCE:0", "DTSTAMP:20120210T080000Z", "END:VEVENT", "END:VCALENDAR", "",
	}, "\n")
	return fmt.Sprintf("From: %s\nTo: %s\nSubject: Accepteret: Dialogmøde\nMessage-ID: %s\nDate: Fri, 10 Feb 2012 09:00:00 +0100\n"+
		"MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"b\"\n\n"+
		"--b\nContent-Type: text/plain; charset=utf-8\n\nJa, jeg deltager.\n"+
		"--b\nContent-Type: text/calendar; charset=utf-8; method=REPLY\n\n%s--b--\n", from, to, msgID, ics)
}

// composed is an outbox row as the director receives it: its calendar parts and what its
// text says about the calendar.
type composed struct {
	kind, method, text string
	ics                []byte
	files              []string
}

func (f *fixture) composeAll(t *testing.T, rows []store.Outgoing) []composed {
	t.Helper()
	var out []composed
	for _, row := range rows {
		o, err := f.e.ComposeRow(context.Background(), row)
		if err != nil {
			t.Fatal(err)
		}
		c := composed{kind: row.Kind, text: strings.Join(strings.Fields(o.Text), " ")}
		if o.Calendar != nil {
			c.method, c.ics = o.Calendar.Method, o.Calendar.ICS
		}
		for _, a := range o.Attachments {
			c.files = append(c.files, a.Name)
		}
		out = append(out, c)
	}
	return out
}

// TestCalendarAcceptIsNotAskedAgain follows Horsens's director, who answers from Outlook: the
// Accept of the invitation's Vejle entry gets a confirmation without a calendar object (the
// entry is in the calendar, accepted; a REQUEST would ask again), and it says so. A change to
// Roskilde by mail then sends the new entry as a REQUEST in the change letter and the Vejle
// entry's CANCEL in a message of its own, each with a raised SEQUENCE. Accepting the
// invitation's Aalborg entry at last sends the change without a REQUEST and Roskilde's CANCEL
// alone.
func TestCalendarAcceptIsNotAskedAgain(t *testing.T) {
	f := newFixture(t)
	dir := "bibliotekschef@horsens.kommune.test"
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	uid := func(m string) string { return calendar.UID("615", m, "kombit.test") }

	f.deliver(t, calendarReply(dir, to, "<c1@horsens.test>", uid("vejle"), "ACCEPTED"))
	got := f.composeAll(t, f.outbox(t, "615"))
	if len(got) != 1 || got[0].kind != "confirmation" {
		t.Fatalf("after the Accept: %+v, want one confirmation", got)
	}
	if got[0].method != "" || len(got[0].files) != 0 {
		t.Errorf("the confirmation carries calendar %q and files %v, want neither", got[0].method, got[0].files)
	}
	if !strings.Contains(got[0].text, "Du har accepteret kalenderinvitationen, så mødet står allerede i din kalender.") {
		t.Errorf("the confirmation does not say the meeting is in the calendar:\n%s", got[0].text)
	}
	if st := f.state(t, "615"); st.Sequence != 0 {
		t.Errorf("SEQUENCE %d after an Accept, want 0: no new revision went out", st.Sequence)
	}

	f.clock.t = f.clock.t.Add(time.Hour)
	f.deliver(t, reply(dir, to, "<c2@horsens.test>", "", "Vi vil hellere til Roskilde."))
	got = f.composeAll(t, f.outbox(t, "615"))[1:]
	want := []struct{ kind, method, uid, seq string }{
		{"change", "REQUEST", uid("roskilde"), "SEQUENCE:1"},
		{"calendar_cancel", "CANCEL", uid("vejle"), "SEQUENCE:1"},
	}
	checkCalendarLetters(t, "change by mail", got, want)

	f.clock.t = f.clock.t.Add(time.Hour)
	f.deliver(t, calendarReply(dir, to, "<c3@horsens.test>", uid("aalborg"), "ACCEPTED"))
	got = f.composeAll(t, f.outbox(t, "615"))[3:]
	want = []struct{ kind, method, uid, seq string }{
		{"change", "", "", ""},
		{"calendar_cancel", "CANCEL", uid("roskilde"), "SEQUENCE:2"},
	}
	checkCalendarLetters(t, "change by Accept", got, want)
	if !strings.Contains(got[0].text, "Du har accepteret kalenderinvitationen til mødet i Aalborg, så det står allerede i din kalender.") {
		t.Errorf("the change does not say the Aalborg meeting is in the calendar:\n%s", got[0].text)
	}
}

func checkCalendarLetters(t *testing.T, name string, got []composed, want []struct{ kind, method, uid, seq string }) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d letters, want %d", name, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.kind != w.kind || g.method != w.method {
			t.Errorf("%s: letter %d is %s with calendar %q, want %s with %q", name, i, g.kind, g.method, w.kind, w.method)
			continue
		}
		if w.method == "" {
			continue
		}
		ics := strings.ReplaceAll(string(g.ics), "\r\n ", "")
		if !strings.Contains(ics, "METHOD:"+w.method) || !strings.Contains(ics, "UID:"+w.uid) || !strings.Contains(ics, w.seq+"\r\n") {
			t.Errorf("%s: %s's calendar object is not %s of %s with %s:\n%s", name, g.kind, w.method, w.uid, w.seq, ics)
		}
	}
}
