package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// The desk's letters: the sign-in link is signed when the letter is composed and verifies;
// an invitation carries one-click links once the campaign has a public address; a staff
// answer goes to the registered address in the thread of the message it answers.
func TestDeskLetters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.e.SetWebURLs("https://rsvp.kombit.test", "https://rsvp.kombit.test")
	until := time.Now().Add(15 * time.Minute).Truncate(time.Second)
	if err := f.e.SendSignIn(ctx, "staff@kombit.test", "nonce1", until, "/reviews"); err != nil {
		t.Fatal(err)
	}
	var row store.Outgoing
	f.view(t, func(tx *store.Tx) (err error) { row, err = tx.Outgoing("desk_signin/nonce1"); return err })
	if strings.Contains(string(row.Params), "/signin/link/") {
		t.Errorf("the outbox keeps the link itself: %s", row.Params)
	}
	o, err := f.e.ComposeRow(ctx, row)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(o.Text, "https://rsvp.kombit.test"+SignInPath)
	if i < 0 {
		t.Fatalf("no link in the sign-in letter:\n%s", o.Text)
	}
	link := strings.Fields(o.Text[i:])[0]
	tok, next, _ := strings.Cut(strings.TrimPrefix(link, "https://rsvp.kombit.test"+SignInPath), "?")
	if staff, nonce, err := f.e.signer.VerifySignInLink(tok, time.Now()); err != nil || staff != "staff@kombit.test" || nonce != "nonce1" || next != "next=%2Freviews" {
		t.Errorf("the link %q: %q %q %v", link, staff, nonce, err)
	}

	inv := f.e.c.Invitees[0]
	o, err = f.e.composer().Compose(Letter{Kind: "invitation", To: inv.Email, Date: f.clock.t,
		Data: lettersData(inv)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(f.e.c.Meetings, campaign.Meeting{ID: campaign.ChoiceDecline}) {
		u := "https://rsvp.kombit.test" + AnswerPath + f.e.signer.AnswerLink(inv.Code, m.ID, f.e.c.DeadlineEnd())
		if !strings.Contains(o.Text, u) {
			t.Errorf("the invitation lacks the %s link", m.ID)
		}
	}

	// A question, answered by the staff.
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<q1@horsens.test>", "", "Hvor ligger mødelokalet i Vejle?"))
	rv := f.reviews(t)
	if len(rv) != 1 {
		t.Fatalf("reviews: %+v", rv)
	}
	if err := f.e.AnswerReview(ctx, rv[0].ID, "Mødelokalet ligger på 1. sal.", "staff@kombit.test"); err != nil {
		t.Fatal(err)
	}
	var answer store.Outgoing
	for _, r := range f.outbox(t, "615") {
		if r.Kind == "staff_answer" {
			answer = r
		}
	}
	o, err = f.e.ComposeRow(ctx, answer)
	if err != nil {
		t.Fatal(err)
	}
	if o.To.Address != "bibliotekschef@horsens.kommune.test" || o.InReplyTo != "q1@horsens.test" ||
		!strings.Contains(o.Text, "Mødelokalet ligger på 1. sal.") || o.Subject != "SV: Dialogmøde" || o.AutoSubmitted != "" {
		t.Errorf("the staff's answer: to %s, in reply to %q, subject %q, auto %q\n%s", o.To.Address, o.InReplyTo, o.Subject, o.AutoSubmitted, o.Text)
	}
}

func lettersData(inv campaign.Invitee) letters.Data { return letters.Data{Invitee: inv} }

// The daily digest of a campaign with a desk on the web links to it: the staff decide the
// review items there, and are not told to ask whoever runs rsvpd.
func TestDigestLinksToTheDesk(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Two hosts, so that a digest linking to the answers' base instead of the desk fails.
	f.e.SetWebURLs("https://desk.kombit.test", "https://svar.kombit.test")
	f.deliver(t, reply("someone@elsewhere.test", "dialogmoeder@kombit.test", "<q1@elsewhere.test>", "", "Hvad koster det?"))
	now := f.clock.t
	err := f.st.Tx(ctx, func(tx *store.Tx) error {
		_, err := f.e.queueStaff(tx, letters.KindDigest, "digest/test", []string{"staff@kombit.test"},
			Params{Since: now.Add(-24 * time.Hour), Until: now}, "test", now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var row store.Outgoing
	f.view(t, func(tx *store.Tx) (err error) { row, err = tx.Outgoing("digest/test/staff@kombit.test"); return err })
	o, err := f.e.ComposeRow(ctx, row)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.Text, "https://desk.kombit.test") || strings.Contains(o.Text, "driver rsvpd") {
		t.Errorf("the digest does not link to the desk:\n%s", o.Text)
	}
	if !strings.Contains(o.HTML, `href="https://desk.kombit.test`) {
		t.Errorf("the digest's HTML does not link to the desk")
	}
}
