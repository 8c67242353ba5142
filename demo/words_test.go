package demo

import (
	"fmt"
	"testing"
	"time"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/simulate"
)

// TestPhrasesReadAsMeant reads every phrase the simulated directors write, quoted below the
// real invitation as a mail program sends it, with the real reader: a phrase the reader gets
// wrong would make the demo show a wrong registration as if it were right.
func TestPhrasesReadAsMeant(t *testing.T) {
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaign
	signer := campaign.NewSigner([]byte("demo test"), "kombit.test")
	l, err := letters.New(c, "")
	if err != nil {
		t.Fatal(err)
	}
	cp := daemon.NewComposer(c, l, signer)
	quote := func(inv campaign.Invitee) string {
		o, err := cp.Compose(daemon.Letter{Kind: letters.KindInvitation, Data: letters.Data{Invitee: inv},
			To: inv.Email, MessageID: signer.MessageID("invitation/"+inv.Code, inv.Code), Date: c.Schedule.Invitations})
		if err != nil {
			t.Fatal(err)
		}
		return o.Text
	}
	mail := simulate.NewMail(c, signer, quote)
	inv := c.Invitees[10]
	at := c.Schedule.Invitations.Add(26 * time.Hour)

	type want struct {
		intent    replies.Intent
		meeting   string
		headcount int // 0: not checked
		review    bool
	}
	type tc struct {
		name string
		text string
		want want
	}
	var cases []tc
	for _, m := range c.Meetings {
		for n, ps := range attendPhrases {
			for i, p := range ps {
				cases = append(cases, tc{fmt.Sprintf("attend %s %d #%d", m.ID, n, i), fmt.Sprintf(p, m.City),
					want{replies.IntentAttend, m.ID, n, n > c.Companions.MaxHeadcount()}})
			}
		}
		cases = append(cases,
			tc{"cancel " + m.ID, fmt.Sprintf(cancelPhrase, m.City), want{replies.IntentDecline, "", 0, false}},
			tc{"fewer " + m.ID, fmt.Sprintf(fewerPhrase, m.City), want{replies.IntentAttend, m.ID, 1, false}})
		for _, to := range c.Meetings {
			if to.ID != m.ID {
				cases = append(cases, tc{"switch " + m.ID + " to " + to.ID, fmt.Sprintf(switchPhrase, m.City, to.City),
					want{replies.IntentAttend, to.ID, 0, false}})
			}
		}
	}
	for i, p := range declinePhrases {
		cases = append(cases, tc{fmt.Sprintf("decline #%d", i), p, want{replies.IntentDecline, "", 0, false}})
	}
	for i := range questionPhrases {
		q := questionPhrases[i]
		if i == 0 {
			q = fmt.Sprintf(q, inv.Name)
		}
		cases = append(cases, tc{fmt.Sprintf("question #%d", i), q, want{replies.IntentQuestion, "", 0, true}})
	}
	for i, p := range append(agreementPhrases, agreementWordsOnly, agreementAfterRequest) {
		cases = append(cases, tc{fmt.Sprintf("agreement #%d", i), p, want{replies.IntentAgreement, "", 0, false}})
	}
	for i, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			raw := mail.Reply(inv, "", k.text, at, i)
			r := replies.Read(raw, replies.Options{Campaign: c, Signer: signer})
			if r.Answer == nil {
				t.Fatalf("%q: no answer read (class %s)", k.text, r.Class)
			}
			a := r.Answer
			if a.Invitee != inv.Code || a.Match != replies.MatchToken {
				t.Errorf("%q: matched %q by %q, want %s by token", k.text, a.Invitee, a.Match, inv.Code)
			}
			if a.Intent != k.want.intent || a.Meeting != k.want.meeting {
				t.Errorf("%q: read as %s %q, want %s %q (%s)", k.text, a.Intent, a.Meeting, k.want.intent, k.want.meeting, a.Reason)
			}
			if k.want.headcount > 0 && a.Headcount != k.want.headcount {
				t.Errorf("%q: headcount %d, want %d", k.text, a.Headcount, k.want.headcount)
			}
			if a.NeedsReview != k.want.review {
				t.Errorf("%q: needs review %v, want %v (%s)", k.text, a.NeedsReview, k.want.review, a.Reason)
			}
		})
	}
}
