package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// unchanged fails the test when any invitee's state moved from new or any message was queued.
func (f *fixture) unchanged(t *testing.T) {
	t.Helper()
	var states []campaign.State
	var rows []store.Outgoing
	f.view(t, func(tx *store.Tx) (err error) {
		if states, err = tx.States(); err != nil {
			return err
		}
		rows, err = tx.OutboxRows(store.OutboxFilter{})
		return err
	})
	for _, s := range states {
		if s.Status != campaign.StatusNew {
			t.Errorf("the state of %s changed to %s %s", s.Code, s.Status, s.Meeting)
		}
	}
	for _, r := range rows {
		t.Errorf("a message was queued: %s to %s", r.Key, r.Recipient)
	}
}

// Who may answer for whom (DESIGN.md): a token, then a thread of ours, then the registered
// sender's address. A message with none of these, or with forged ones, changes nothing and
// goes to the staff.
func TestForgedAnswersChangeNothing(t *testing.T) {
	other := campaign.NewSigner([]byte("not the campaign secret"), "kombit.test")
	tests := []struct {
		name      string
		to        string
		inReplyTo string
		body      string
	}{
		{"a stranger naming a municipality", "dialogmoeder@kombit.test", "",
			"Horsens Kommune kommer til Vejle med 2 personer."},
		{"a forged token", other.ReplyAddress("dialogmoeder@kombit.test", "615"), "",
			"Vi kommer til Vejle, 2 personer."},
		{"a token with its MAC cut short", "dialogmoeder+615-" + strings.Repeat("a", 15) + "@kombit.test", "",
			"Vi kommer til Vejle, 2 personer."},
		{"a forged reference to our invitation", "dialogmoeder@kombit.test", other.MessageID("invitation/615", "615"),
			"Vi kommer til Vejle, 2 personer."},
		{"a forged token and a forged reference", other.ReplyAddress("dialogmoeder@kombit.test", "615"),
			other.MessageID("invitation/615", "615"), "Horsens kommer til Vejle, 2 personer."},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			raw := reply("angriber@evil.test", tt.to, fmt.Sprintf("<forged%d@evil.test>", i), tt.inReplyTo, tt.body)
			if tt.inReplyTo != "" {
				raw = strings.Replace(raw, "\n\n", "\nReferences: <"+tt.inReplyTo+">\n\n", 1)
			}
			f.deliver(t, raw)
			f.unchanged(t)
			rv := f.reviews(t)
			if len(rv) != 1 || rv[0].Why.Address != "angriber@evil.test" {
				t.Fatalf("reviews = %+v, want one naming the sender", rv)
			}
		})
	}
}

// A forged token from another invitee's registered address does not move the answer to the
// invitee the token names: it counts, at most, for the sender's own registration.
func TestForgedTokenDoesNotAnswerForAnotherInvitee(t *testing.T) {
	f := newFixture(t)
	other := campaign.NewSigner([]byte("not the campaign secret"), "kombit.test")
	f.deliver(t, reply("bibliotekschef@aarhus.kommune.test", other.ReplyAddress("dialogmoeder@kombit.test", "615"),
		"<f1@aarhus.test>", "", "Vi kommer til Vejle, 2 personer."))
	if st := f.state(t, "615"); st.Status != campaign.StatusNew {
		t.Errorf("Horsens (615), named by the forged token, is now %s %s", st.Status, st.Meeting)
	}
	for _, r := range f.outbox(t, "615") {
		t.Errorf("a message to Horsens was queued: %s", r.Key)
	}
}

// An answer matched only by its From address may be forged; the confirmation goes to the
// registered address and nowhere else (not to a Reply-To the message names), so the real
// invitee sees it.
func TestConfirmationOfAnAnswerBySenderGoesToTheRegisteredAddress(t *testing.T) {
	f := newFixture(t)
	raw := reply("Bibliotekschef <BIBLIOTEKSCHEF@Horsens.Kommune.test>", "dialogmoeder@kombit.test", "<s1@horsens.test>", "",
		"Vi kommer til Vejle, 2 personer.")
	raw = strings.Replace(raw, "\n\n", "\nReply-To: angriber@evil.test\n\n", 1)
	f.deliver(t, raw)
	st := f.state(t, "615")
	if st.Status != campaign.StatusAttending || st.Meeting != "vejle" {
		t.Fatalf("state = %s %s: the registered sender's answer was not applied", st.Status, st.Meeting)
	}
	rows := f.outbox(t, "615")
	if len(rows) != 1 || rows[0].Recipient != "bibliotekschef@horsens.kommune.test" {
		t.Fatalf("outbox = %+v, want one confirmation to the registered address", rows)
	}
	o, err := f.e.ComposeRow(context.Background(), rows[0])
	if err != nil {
		t.Fatal(err)
	}
	if o.To.Address != "bibliotekschef@horsens.kommune.test" || strings.Contains(o.To.String()+o.ReplyTo.String(), "evil") {
		t.Errorf("the confirmation is addressed To %s, Reply-To %s", o.To.String(), o.ReplyTo.String())
	}
}

// Names from the invitee list go into every HTML letter escaped: a municipality called
// <script>... shows as text and runs nowhere, in the letters to invitees and to the staff.
func TestHTMLLettersEscapeInviteeNames(t *testing.T) {
	f := newFixture(t)
	c := f.e.c
	const evil = `<script>alert("x")</script>`
	for i := range c.Invitees {
		inv := &c.Invitees[i]
		inv.Name, inv.FormalName, inv.Contact = inv.Name+evil, inv.FormalName+evil, `<img src=x onerror=alert(1)>`
	}
	c.Index()
	l, err := letters.New(c, "")
	if err != nil {
		t.Fatal(err)
	}
	cp := NewComposer(c, l, f.e.signer)
	for _, k := range letters.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			d := letters.SampleData(c, k)
			to := d.Invitee.Email
			if k.ToStaff() {
				to = c.Organiser.Staff[0]
			}
			o, err := cp.Compose(Letter{Kind: k, Data: d, To: to, MessageID: "m@kombit.test", Date: f.clock.t})
			if err != nil {
				t.Fatal(err)
			}
			lower := strings.ToLower(o.HTML)
			if strings.Contains(lower, "<script") || strings.Contains(lower, "<img src=x") {
				t.Errorf("raw markup from the invitee list in the HTML:\n%s", o.HTML)
			}
			// Where the text shows a name, the HTML shows it too, escaped.
			if strings.Contains(o.Text, evil) && !strings.Contains(o.HTML, "&lt;script&gt;") {
				t.Errorf("the text names the municipality, the HTML does not show it escaped")
			}
			if !strings.Contains(o.Text, evil) && !strings.Contains(o.Text, "<img src=x") {
				t.Logf("%s names no invitee", k)
			}
		})
	}
}
