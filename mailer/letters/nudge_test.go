package letters

import (
	"strings"
	"testing"
	"time"
)

// sampleAnswerLinks are one-click answers as the daemon makes them, for the tests.
func sampleAnswerLinks(t *testing.T, l *Letters, code string) []AnswerLink {
	t.Helper()
	var out []AnswerLink
	for _, m := range l.c.Meetings {
		out = append(out, AnswerLink{Meeting: m, URL: "https://svar.kombit.test/r/" + code + "-" + m.ID})
	}
	return append(out, AnswerLink{Decline: true, URL: "https://svar.kombit.test/r/" + code + "-decline"})
}

// The nudge to those who have not answered says it sends the invitation again, so it offers
// every way to answer the invitation offered: each one-click link, the calendar entries
// attached, the reply button. The tester found a nudge with none of the links and no word of
// the calendar.
func TestNudgeOffersTheInvitationsWaysToAnswer(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	inv, _ := c.Invitee("101")
	for _, lang := range Languages() {
		d := Data{Lang: lang, Invitee: inv, ReplyAddress: "dialogmoeder+101-token@kombit.test",
			AnswerLinks: sampleAnswerLinks(t, l, "101"), CalendarAttached: true}
		invitation, nudge := render(t, l, KindInvitation, d), render(t, l, KindNudgeUnanswered, d)
		var want []string
		for _, a := range d.AnswerLinks {
			want = append(want, a.URL)
		}
		want = append(want, map[string]string{
			"da": "I kan også svare i kalenderen: Der er vedhæftet en kalenderinvitation til hvert møde.",
			"en": "You can also reply from your calendar: a calendar invitation for each meeting is attached.",
		}[lang])
		for _, w := range want {
			if !strings.Contains(invitation.Text, w) {
				t.Fatalf("%s: the invitation itself lacks %q: the test looks for the wrong words", lang, w)
			}
			if !strings.Contains(nudge.Text, w) || !strings.Contains(nudge.HTML, w) {
				t.Errorf("%s: the nudge lacks %q, which the invitation offers", lang, w)
			}
		}
		button := "mailto:dialogmoeder&#43;101-token@kombit.test" // html/template writes + so
		if !strings.Contains(invitation.HTML, button) {
			t.Fatalf("%s: the invitation has no reply button %s", lang, button)
		}
		if !strings.Contains(nudge.HTML, button) {
			t.Errorf("%s: the nudge's HTML has no reply button", lang)
		}
	}
}

// The invitation and the nudge give the answer date as the letter's date sees it, in the
// campaign's time zone: the second nudge goes out on the answer date itself and must not read
// as if the date were days away (the tester's "svar senest tirsdag den 21. februar 2012" on
// the 21st).
func TestAnswerDateFromTheLettersDate(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	inv, _ := c.Invitee("101")
	cph := c.Location
	if by := c.Schedule.AnswerBy.In(cph); by.Format("2006-01-02") != "2012-02-21" {
		t.Fatalf("the example's answer date is %s, the cases below assume 2012-02-21", by)
	}
	tests := []struct {
		name    string
		date    time.Time
		lang    string
		text    string // in the first paragraph
		subject string // the nudge's subject ends so
	}{
		{"a week before", time.Date(2012, 2, 14, 9, 0, 0, 0, cph), "da",
			"Vælg et af de tre møder, og svar senest tirsdag den 21. februar 2012 ved at besvare denne mail.",
			"– svar senest 21. februar 2012"},
		{"the day before", time.Date(2012, 2, 20, 9, 0, 0, 0, cph), "da",
			"Vælg et af de tre møder, og svar senest i morgen, tirsdag den 21. februar 2012, ved at besvare denne mail.",
			"– svar senest i morgen, 21. februar 2012"},
		{"on the day", time.Date(2012, 2, 21, 9, 0, 0, 0, cph), "da",
			"Vælg et af de tre møder, og svar i dag, tirsdag den 21. februar 2012, ved at besvare denne mail.",
			"– svar i dag, 21. februar 2012"},
		// 23.30 in UTC on the 20th is half past midnight on the 21st in Copenhagen.
		{"on the day in Copenhagen, the day before in UTC", time.Date(2012, 2, 20, 23, 30, 0, 0, time.UTC), "da",
			"og svar i dag, tirsdag den 21. februar 2012, ved", "– svar i dag, 21. februar 2012"},
		{"late on the day", time.Date(2012, 2, 21, 23, 59, 0, 0, cph), "da",
			"og svar i dag, tirsdag den 21. februar 2012, ved", "– svar i dag, 21. februar 2012"},
		{"after it", time.Date(2012, 2, 23, 9, 0, 0, 0, cph), "da",
			"Vælg et af de tre møder, og svar snarest ved at besvare denne mail.", "– svar snarest"},
		{"on the day, English", time.Date(2012, 2, 21, 9, 0, 0, 0, cph), "en",
			"Please choose one of the three meetings and reply to this email today, Tuesday 21 February 2012.",
			"– please reply today, 21 February 2012"},
		{"the day before, English", time.Date(2012, 2, 20, 9, 0, 0, 0, cph), "en",
			"reply to this email by tomorrow, Tuesday 21 February 2012.", "– please reply by tomorrow, 21 February 2012"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Data{Lang: tc.lang, Invitee: inv, Date: tc.date}
			for _, k := range []Kind{KindNudgeUnanswered, KindInvitation} {
				r := render(t, l, k, d)
				if !strings.Contains(oneLine(r.Text), tc.text) || !strings.Contains(oneLine(visible(r.HTML)), tc.text) {
					t.Errorf("%s dated %s lacks %q:\n%s", k, tc.date, tc.text, r.Text)
				}
			}
			if r := render(t, l, KindNudgeUnanswered, d); !strings.HasSuffix(r.Subject, tc.subject) {
				t.Errorf("nudge dated %s: subject %q, want it to end %q", tc.date, r.Subject, tc.subject)
			}
		})
	}
}
