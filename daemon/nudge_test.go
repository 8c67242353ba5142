package daemon

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/mailer/letters"
)

var icsUID = regexp.MustCompile(`(?m)^UID:(\S+)\r?$`)

// The nudge to those who have not answered sends the invitation again, as the message the
// invitee gets: the same calendar entries attached (one REQUEST per meeting, the same UIDs, so
// accepting one answers), the same one-click links, and the answer date as its own date sees
// it: on the answer date itself, "i dag".
func TestNudgeSendsTheInvitationAgain(t *testing.T) {
	f := newFixture(t)
	c := f.e.c
	inv, _ := c.Invitee("101")
	cp := NewComposer(c, f.e.currentLetters(), f.e.signer)
	cp.AnswerBase = "https://svar.kombit.test"
	compose := func(k letters.Kind, date time.Time) letters.Outgoing {
		t.Helper()
		o, err := cp.Compose(Letter{Kind: k, Data: letters.Data{Invitee: inv}, To: inv.Email,
			MessageID: string(k) + "@kombit.test", Date: date})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	invitation := compose(letters.KindInvitation, c.Schedule.Invitations)
	answerDay := c.Schedule.AnswerBy.Add(9 * time.Hour) // 09.00, when the second nudge goes out
	nudge := compose(letters.KindNudgeUnanswered, answerDay)

	entries := func(o letters.Outgoing) map[string]string {
		out := map[string]string{}
		for _, a := range o.Attachments {
			if strings.HasPrefix(a.ContentType, "text/calendar; method=REQUEST") {
				if m := icsUID.FindSubmatch(a.Data); m != nil {
					out[a.Name] = string(m[1])
				}
			}
		}
		return out
	}
	want, got := entries(invitation), entries(nudge)
	if len(want) != len(c.Meetings) {
		t.Fatalf("the invitation carries %d calendar entries, want %d: %v", len(want), len(c.Meetings), want)
	}
	for name, uid := range want {
		if got[name] != uid {
			t.Errorf("the nudge's %s has UID %q, the invitation's %q", name, got[name], uid)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the nudge carries %d calendar entries, the invitation %d", len(got), len(want))
	}
	for _, a := range AnswerLinks(f.e.signer, c, cp.AnswerBase, "101") {
		if !strings.Contains(invitation.Text, a.URL) {
			t.Fatalf("the invitation lacks its link %s", a.URL)
		}
		if !strings.Contains(nudge.Text, a.URL) {
			t.Errorf("the nudge lacks the invitation's link %s", a.URL)
		}
	}
	const today = "og svar i dag, tirsdag den 21. februar 2012, ved at besvare denne mail."
	if !strings.Contains(nudge.Text, today) || !strings.Contains(nudge.Subject, "svar i dag") {
		t.Errorf("the nudge on the answer date says neither %q nor \"svar i dag\" in its subject %q:\n%s", today, nudge.Subject, nudge.Text)
	}
	if !strings.Contains(nudge.Text, "I kan også svare i kalenderen") {
		t.Error("the nudge does not say the calendar entries are attached")
	}
}
