package letters

import (
	"strings"
	"testing"
)

// An invitation with one-click answers carries a link per meeting and one to decline, in
// both parts; one without them reads as before.
func TestInvitationAnswerLinks(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	inv, _ := c.Invitee("101")
	var links []AnswerLink
	for _, m := range c.Meetings {
		links = append(links, AnswerLink{Meeting: m, URL: "https://rsvp.kombit.test/r/a." + m.ID})
	}
	links = append(links, AnswerLink{Decline: true, URL: "https://rsvp.kombit.test/r/a.decline"})
	for _, lang := range Languages() {
		r := render(t, l, KindInvitation, Data{Lang: lang, Invitee: inv, ReplyAddress: "dialogmoeder+101-t@kombit.test", AnswerLinks: links})
		for _, ln := range links {
			if !strings.Contains(r.Text, "\n"+ln.URL+"\n") || !strings.Contains(r.HTML, `href="`+ln.URL+`"`) {
				t.Errorf("%s: %s missing from the invitation", lang, ln.URL)
			}
		}
		want := map[string][]string{"da": {"I kan også svare med et link:", "Aalborg, tirsdag den 28. februar 2012:", "Vi kan ikke deltage:"},
			"en": {"You can also reply with a link:", "We cannot come:"}}[lang]
		for _, w := range want {
			if !strings.Contains(r.Text, w) {
				t.Errorf("%s text lacks %q:\n%s", lang, w, r.Text)
			}
		}
		plain := render(t, l, KindInvitation, Data{Lang: lang, Invitee: inv, ReplyAddress: "dialogmoeder+101-t@kombit.test"})
		if strings.Contains(plain.Text, "/r/") || strings.Contains(plain.Text, "svare med et link") {
			t.Errorf("%s: an invitation without links mentions them", lang)
		}
	}
}
