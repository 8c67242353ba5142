package letters

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// The digest leads each case with the municipality and what to do, not the mail's subject
// ("SV: Invitation til dialogmøde…", the municipality in brackets on the next line, as the
// tester found it), and links each case to its place on the desk: the page of the
// municipality's cases at the case's anchor, or, for a sender of no municipality, the page of
// cases that begins with it.
func TestDigestCasesLeadWithTheMunicipalityAndWhatToDo(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	furesoe, _ := c.Invitee("190")
	loc := c.Location
	d := digestOf2March(t, c)
	d.Review = []ReviewItem{
		{ID: "12", Invitee: furesoe, From: furesoe.Email, Subject: "SV: Invitation til dialogmøde om det nye fælles bibliotekssystem",
			Received: time.Date(2012, 2, 6, 14, 41, 0, 0, loc),
			Why:      campaign.Reason{Code: campaign.ReasonQuestion}.Because(campaign.Reason{Code: campaign.ReadQuestion, Quote: "Kan vi sende en anden?"})},
		{ID: "14", From: "kultur@andet.test", Subject: "Tilmelding", Received: time.Date(2012, 2, 7, 9, 0, 0, 0, loc),
			Why: campaign.Reason{Code: campaign.ReasonUnknownSender, Address: "kultur@andet.test"}},
	}
	const desk = "https://desk.kombit.test/"
	for _, tc := range []struct {
		kind       Kind
		lang       string
		lead, link []string
	}{
		{KindDigest, "da",
			[]string{"Furesø: Besvar spørgsmålet (sag 12, åben i 24 dage)", "Ukendt afsender: Find ud af, hvem afsenderen er (sag 14, åben i 23 dage)"},
			[]string{"https://desk.kombit.test/reviews?invitee=190#r12", "https://desk.kombit.test/reviews?after=13#r14"}},
		{KindFinalReport, "da",
			[]string{"Furesø: Besvar spørgsmålet (sag 12,"}, []string{"https://desk.kombit.test/reviews?invitee=190#r12"}},
		{KindDigest, "en",
			[]string{"Furesø: Answer the question (item 12, open for 24 days)", "Unknown sender: Find out who the sender is (item 14,"},
			[]string{"https://desk.kombit.test/reviews?invitee=190#r12"}},
	} {
		t.Run(string(tc.kind)+"."+tc.lang, func(t *testing.T) {
			r := render(t, l, tc.kind, Data{Lang: tc.lang, Digest: d, DeskURL: desk})
			text, page := r.Text, html.UnescapeString(r.HTML)
			for _, lead := range tc.lead {
				// In the text the case's first line; in the HTML the words of the list item.
				if !strings.Contains(text, "\n"+lead) {
					t.Errorf("the text does not lead a case with %q:\n%s", lead, text)
				}
				if !strings.Contains(strings.Join(strings.Fields(visible(page)), " "), lead) {
					t.Errorf("the HTML does not lead a case with %q", lead)
				}
			}
			for _, link := range tc.link {
				if !strings.Contains(text, "\n  "+link+"\n") {
					t.Errorf("the text does not link the case to %s:\n%s", link, text)
				}
				if !strings.Contains(page, `<a href="`+link+`"`) {
					t.Errorf("the HTML does not link the case to %s", link)
				}
			}
			if strings.Contains(text, "\nSag 12: SV:") || strings.Contains(text, "\nItem 12: SV:") {
				t.Errorf("a case is still titled by the mail's subject:\n%s", text)
			}
		})
	}
	// Without a desk the cases are there, unlinked.
	r := render(t, l, KindDigest, Data{Digest: d})
	if !strings.Contains(r.Text, "\nFuresø: Besvar spørgsmålet") || strings.Contains(r.Text, "/reviews") {
		t.Errorf("the digest without a desk:\n%s", r.Text)
	}
}

func TestCaseLink(t *testing.T) {
	inv := campaign.Invitee{Code: "190"}
	for _, tc := range []struct {
		desk string
		it   ReviewItem
		want string
	}{
		{"https://d.test", ReviewItem{ID: "12", Invitee: inv}, "https://d.test/reviews?invitee=190#r12"},
		{"https://d.test/", ReviewItem{ID: "14"}, "https://d.test/reviews?after=13#r14"},
		{"https://d.test", ReviewItem{ID: "1"}, "https://d.test/reviews#r1"},
		{"https://d.test", ReviewItem{ID: "sample"}, "https://d.test/reviews"},
		{"", ReviewItem{ID: "12", Invitee: inv}, ""},
	} {
		if got := caseLink(tc.desk, tc.it); got != tc.want {
			t.Errorf("caseLink(%q, %+v) = %q, want %q", tc.desk, tc.it, got, tc.want)
		}
	}
}

// The letter announcing new cases links each case to its place on the desk as the digest
// does (the tester found only the desk's page of all cases), and still offers the whole page.
func TestStaffReviewLinksEachCase(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	furesoe, _ := c.Invitee("190")
	loc := c.Location
	items := []ReviewItem{
		{ID: "12", Invitee: furesoe, From: furesoe.Email, Subject: "SV: Invitation", Received: time.Date(2012, 2, 6, 14, 41, 0, 0, loc),
			Why: campaign.Reason{Code: campaign.ReasonQuestion}},
		{ID: "14", From: "kultur@andet.test", Subject: "Tilmelding", Received: time.Date(2012, 2, 7, 9, 0, 0, 0, loc),
			Why: campaign.Reason{Code: campaign.ReasonUnknownSender, Address: "kultur@andet.test"}},
	}
	links := []string{"https://desk.kombit.test/reviews?invitee=190#r12", "https://desk.kombit.test/reviews?after=13#r14"}
	for _, lang := range []string{"da", "en"} {
		r := render(t, l, KindStaffReview, Data{Lang: lang, Review: items, DeskURL: "https://desk.kombit.test"})
		page := html.UnescapeString(r.HTML)
		for _, link := range links {
			if !strings.Contains(r.Text, "\n   "+link+"\n") {
				t.Errorf("%s: the text does not link the case to %s:\n%s", lang, link, r.Text)
			}
			if !strings.Contains(page, `<a href="`+link+`"`) {
				t.Errorf("%s: the HTML does not link the case to %s", lang, link)
			}
		}
		if !strings.Contains(r.Text, "https://desk.kombit.test/reviews\n") {
			t.Errorf("%s: the text no longer links the page of all cases:\n%s", lang, r.Text)
		}
	}
	// Without a desk the cases are there, unlinked.
	r := render(t, l, KindStaffReview, Data{Review: items})
	if strings.Contains(r.Text, "/reviews") || strings.Contains(r.HTML, "/reviews") {
		t.Errorf("the letter without a desk links a case:\n%s", r.Text)
	}
}
