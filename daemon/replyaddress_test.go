package daemon

import (
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
)

// With mail.reply_address: plain every letter asks for answers at the organiser's own address
// (Reply-To and the calendar's organizer, with no token anywhere), and a reply to it is
// applied, matched by the thread of the letter it answers or by the sender's address.
func TestPlainReplyAddress(t *testing.T) {
	f := newFixture(t)
	f.e.cfg.Mail.ReplyAddress = "plain"
	horsens, _ := f.e.c.Invitee("615")
	msgID := f.e.signer.MessageID("invitation/615", "615")
	o, err := f.e.composer().Compose(Letter{Kind: letters.KindInvitation, Data: letters.Data{Invitee: horsens},
		To: horsens.Email, MessageID: msgID, Date: f.clock.t})
	if err != nil {
		t.Fatal(err)
	}
	all := o.Text + o.HTML
	for _, a := range o.Attachments {
		all += string(a.Data)
		if !strings.Contains(strings.ReplaceAll(string(a.Data), "\r\n ", ""), "ORGANIZER;CN=\"KOMBIT\":mailto:dialogmoeder@kombit.test") {
			t.Errorf("%s: the calendar's organizer is not the plain address:\n%s", a.Name, a.Data)
		}
	}
	if o.ReplyTo.Address != "dialogmoeder@kombit.test" || strings.Contains(all, "dialogmoeder+") || len(o.Attachments) != 3 {
		t.Fatalf("Reply-To %s, %d calendar parts; a tokened address in the letter: %v", o.ReplyTo.Address, len(o.Attachments),
			strings.Contains(all, "dialogmoeder+"))
	}

	f.deliver(t, reply(horsens.Email, "dialogmoeder@kombit.test", "<p1@horsens.test>", msgID, "Vi kommer til Vejle, 2 personer."))
	if st := f.state(t, "615"); st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 {
		t.Fatalf("a reply in the thread of a plain-address letter: %s %s %d, want attending vejle 2", st.Status, st.Meeting, st.Headcount)
	}
	f.deliver(t, reply(horsens.Email, "dialogmoeder@kombit.test", "<p2@horsens.test>", "", "Vi bliver alligevel kun én."))
	if st := f.state(t, "615"); st.Headcount != 1 {
		t.Errorf("a new mail from the registered address: headcount %d, want 1", st.Headcount)
	}
}
