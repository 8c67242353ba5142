package letters

import (
	"errors"
	"flag"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

// exampleCampaign loads the embedded 2012 example, afresh for each caller so a test may change
// its copy.
func exampleCampaign(t testing.TB) *campaign.Campaign {
	t.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, t.TempDir())
	if err != nil {
		t.Fatalf("load example config: %v", err)
	}
	return cfg.Campaign
}

func newLetters(t testing.TB, c *campaign.Campaign, dir string) *Letters {
	t.Helper()
	l, err := New(c, dir)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l
}

func render(t testing.TB, l *Letters, k Kind, d Data) Rendered {
	t.Helper()
	r, err := l.Render(k, d)
	if err != nil {
		t.Fatalf("render %s: %v", k, err)
	}
	return r
}

// goldenText is how a rendered letter is kept in testdata: subject, text and HTML in one file
// a reviewer can read.
func goldenText(r Rendered) string {
	return "Subject: " + r.Subject + "\n\n----- text/plain -----\n" + r.Text + "\n----- text/html -----\n" + r.HTML
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, filepath.Join("testdata", name+".golden"), got, *update)
}

func TestLettersGolden(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	kbh, ok := c.Invitee("101")
	if !ok {
		t.Fatal("example campaign has no invitee 101")
	}
	t.Run("invitation-101.da", func(t *testing.T) {
		r := render(t, l, KindInvitation, Data{Lang: "da", Invitee: kbh,
			ReplyAddress: "dialogmoeder+101-token@kombit.test"})
		checkGolden(t, "invitation-101.da", goldenText(r))
	})
	// The second nudge as it went out on the answer date itself, with the links and the
	// calendar entries the invitation had.
	t.Run("nudge_unanswered-101-answer-day.da", func(t *testing.T) {
		r := render(t, l, KindNudgeUnanswered, Data{Lang: "da", Invitee: kbh,
			ReplyAddress: "dialogmoeder+101-token@kombit.test", AnswerLinks: sampleAnswerLinks(t, l, "101"),
			CalendarAttached: true, Date: c.Schedule.AnswerBy.Add(9 * time.Hour)})
		checkGolden(t, "nudge_unanswered-101-answer-day.da", goldenText(r))
	})
	for _, lang := range Languages() {
		for _, k := range Kinds() {
			if k == KindInvitation && lang == "da" {
				continue // the København invitation above is the Danish sample
			}
			name := string(k) + "." + lang
			t.Run(name, func(t *testing.T) {
				d := SampleData(c, k)
				d.Lang = lang
				checkGolden(t, name, goldenText(render(t, l, k, d)))
			})
		}
	}
}

// TestInvitationEveryInvitee renders the invitation for all 98 municipalities and checks what
// a director must find in it.
func TestInvitationEveryInvitee(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	if len(c.Invitees) != 98 {
		t.Fatalf("example has %d invitees, want 98", len(c.Invitees))
	}
	must := []string{
		"Aalborg: tirsdag den 28. februar 2012 kl. 10.00–12.00",
		"Aalborg Bibliotekerne, Foredragssalen, Rendsburggade 2, 9000 Aalborg",
		"Roskilde: torsdag den 1. marts 2012 kl. 10.00–12.00",
		"Roskilde Bibliotekerne, Salen, Dronning Margrethes Vej 14, 4000 Roskilde",
		"Vejle: tirsdag den 6. marts 2012 kl. 10.00–12.00",
		"Vejle Bibliotekerne, Willy Sørensens Plads 1, 7100 Vejle",
		"Hvad betyder det, at KOMBIT er med – herunder finansiering?",
		"Kommunens skolebibliotekskonsulent er også velkommen.",
		// What to do and by when, in the first lines.
		"Vælg et af de tre møder, og svar senest tirsdag den 21. februar 2012 ved at besvare denne mail.",
		"Skriv, hvilket møde I ønsker at deltage i, og hvor mange I kommer",
		"tilslutningsfristen fredag den 16. marts 2012",
		// The go-ahead condition and what happens without it, the background, a named person.
		"Projektet gennemføres kun, hvis mindst halvdelen af kommunerne eller kommuner med mindst halvdelen af befolkningen tilslutter sig senest fredag den 16. marts 2012.",
		"Uden tilstrækkelig tilslutning kan udbuddet ikke videreføres som et fælleskommunalt udbud.",
		"I 2011 tog en bred kreds af folkebiblioteker initiativ",
		"kontakte Mette Lund, chefkonsulent, Forretningsudvikling, på telefon 33 34 94 73",
	}
	for _, inv := range c.Invitees {
		r := render(t, l, KindInvitation, Data{Invitee: inv})
		if r.Subject != "Invitation til dialogmøde om det nye fælles bibliotekssystem" {
			t.Fatalf("%s: subject %q", inv.Code, r.Subject)
		}
		if want := "Kære bibliotekschef i " + inv.FormalName + "\n"; !strings.HasPrefix(r.Text, want) {
			t.Errorf("%s: text starts %q, want %q", inv.Code, firstLine(r.Text), want)
		}
		for _, s := range must {
			if !strings.Contains(r.Text, s) {
				t.Errorf("%s: text lacks %q", inv.Code, s)
			}
			if !strings.Contains(visible(r.HTML), s) {
				t.Errorf("%s: HTML lacks %q", inv.Code, s)
			}
		}
		if !strings.Contains(r.HTML, "Kære bibliotekschef i "+inv.FormalName) {
			t.Errorf("%s: HTML does not greet %s", inv.Code, inv.FormalName)
		}
	}
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// visible is the text a reader sees in an HTML letter: tags removed, entities decoded.
func visible(h string) string {
	var b strings.Builder
	in := false
	for _, r := range h {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// TestNoTemplateLeaks: no letter in any language shows a template's innards to a reader.
func TestNoTemplateLeaks(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	for _, lang := range Languages() {
		for _, k := range Kinds() {
			d := SampleData(c, k)
			d.Lang = lang
			r := render(t, l, k, d)
			for _, part := range []struct{ name, s string }{{"subject", r.Subject}, {"text", r.Text}, {"html", r.HTML}} {
				for _, bad := range []string{"<no value>", "{{", "}}", "%!", "ZgotmplZ", "0001"} {
					if strings.Contains(part.s, bad) {
						t.Errorf("%s.%s %s contains %q", k, lang, part.name, bad)
					}
				}
			}
			if strings.Contains(r.Subject, "\n") || r.Subject == "" {
				t.Errorf("%s.%s: subject %q", k, lang, r.Subject)
			}
			if !strings.HasPrefix(r.HTML, "<!DOCTYPE html>") || !strings.HasSuffix(r.HTML, "</html>\n") {
				t.Errorf("%s.%s: HTML is not one whole document", k, lang)
			}
		}
	}
}

func TestGreeting(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	horsens, _ := c.Invitee("615")
	named := horsens
	named.Contact = "Hanne Østergaard"
	tests := []struct {
		name string
		inv  campaign.Invitee
		lang string
		want string
	}{
		{"municipality da", horsens, "da", "Kære bibliotekschef i Horsens Kommune\n"},
		{"director da", named, "da", "Kære Hanne Østergaard\n"},
		{"municipality en", horsens, "en", "Dear Head of Libraries at Horsens Kommune,\n"},
		{"director en", named, "en", "Dear Hanne Østergaard,\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []Kind{KindInvitation, KindConfirmation, KindAgreement, KindNudgeUnanswered} {
				d := SampleData(c, k)
				d.Invitee, d.Lang = tc.inv, tc.lang
				r := render(t, l, k, d)
				if !strings.HasPrefix(r.Text, tc.want) {
					t.Errorf("%s starts %q, want %q", k, firstLine(r.Text), tc.want)
				}
			}
		})
	}
}

// TestHTMLEscapesData: a name with markup is shown as text in the HTML, never run, and reaches
// the plain text as written.
func TestHTMLEscapesData(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	inv, _ := c.Invitee("101")
	inv.Contact = `<script>alert("x")</script> & <b>Co</b>`
	for _, k := range []Kind{KindInvitation, KindConfirmation, KindStaffReview} {
		d := SampleData(c, k)
		d.Invitee = inv
		if k == KindStaffReview {
			d.Review[0].Subject = `<img src=x onerror=alert(1)>`
		}
		r := render(t, l, k, d)
		if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<b>Co") || strings.Contains(r.HTML, "<img src=x") {
			t.Errorf("%s: HTML carries raw markup from the data:\n%s", k, r.HTML)
		}
		if k != KindStaffReview && !strings.Contains(r.HTML, "&lt;script&gt;") {
			t.Errorf("%s: HTML does not show the escaped name", k)
		}
		if k != KindStaffReview && !strings.Contains(r.Text, inv.Contact) {
			t.Errorf("%s: text does not carry the name as written", k)
		}
	}
}

func TestInvitationCalendarSentence(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	inv, _ := c.Invitee("101")
	tests := []struct {
		calendar bool
		want     string
	}{
		{true, "I kan også svare i kalenderen: Der er vedhæftet en kalenderinvitation til hvert møde. Accepter invitationen til det møde, I vælger."},
		{false, "Når vi har modtaget jeres svar, sender vi en bekræftelse med en kalenderinvitation til mødet."},
	}
	for _, tc := range tests {
		r := render(t, l, KindInvitation, Data{Invitee: inv, CalendarAttached: tc.calendar})
		if !strings.Contains(r.Text, tc.want) || !strings.Contains(r.HTML, tc.want) {
			t.Errorf("calendar %v: letter lacks %q", tc.calendar, tc.want)
		}
	}
}

// TestCalendarAcceptedWording: after an Accept in the calendar nothing is attached for the
// meeting, and the letter says the meeting is in the calendar instead of asking to accept an
// invitation; on a change it still says the old entry's cancellation comes separately.
func TestCalendarAcceptedWording(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	inv, _ := c.Invitee("615")
	aalborg, _ := c.Meeting("aalborg")
	vejle, _ := c.Meeting("vejle")
	tests := []struct {
		kind       Kind
		d          Data
		want, nope string
	}{
		{KindConfirmation, Data{Invitee: inv, Meeting: &vejle, Headcount: 1, CalendarAccepted: true},
			"Du har accepteret kalenderinvitationen, så mødet står allerede i din kalender.", "Accepter den"},
		{KindChange, Data{Invitee: inv, Meeting: &vejle, OldMeeting: &aalborg, Headcount: 1, CalendarAccepted: true},
			"Du har accepteret kalenderinvitationen til mødet i Vejle, så det står allerede i din kalender. " +
				"Kalenderaftalen for mødet i Aalborg aflyses i en særskilt mail, så jeres kalender er opdateret.",
			"Med denne mail følger"},
		{KindConfirmation, Data{Invitee: inv, Meeting: &vejle, Headcount: 1, CalendarAttached: true},
			"Med denne mail følger en kalenderinvitation til mødet. Accepter den", "allerede i din kalender"},
	}
	for _, tc := range tests {
		r := render(t, l, tc.kind, tc.d)
		for _, part := range []struct{ name, s string }{{"text", r.Text}, {"HTML", visible(r.HTML)}} {
			flat := strings.Join(strings.Fields(part.s), " ")
			if !strings.Contains(flat, tc.want) || strings.Contains(flat, tc.nope) {
				t.Errorf("%s %s: want %q and not %q in:\n%s", tc.kind, part.name, tc.want, tc.nope, part.s)
			}
		}
	}
}

// TestCalendarCancelLetter: the old entry's CANCEL comes in a letter of its own, which says
// which meeting leaves the calendar and which the invitee is now registered for.
func TestCalendarCancelLetter(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	inv, _ := c.Invitee("615")
	aalborg, _ := c.Meeting("aalborg")
	vejle, _ := c.Meeting("vejle")
	r := render(t, l, KindCalendarCancel, Data{Invitee: inv, Meeting: &vejle, OldMeeting: &aalborg, Headcount: 1, CalendarAttached: true})
	if r.Subject != "Aflysning af kalenderaftale: mødet i Aalborg tirsdag den 28. februar 2012" {
		t.Errorf("subject %q", r.Subject)
	}
	for _, want := range []string{
		"I er nu tilmeldt mødet i Vejle tirsdag den 6. marts 2012 i stedet for mødet i Aalborg tirsdag den 28. februar 2012.",
		"Med denne mail følger en aflysning af kalenderaftalen for mødet i Aalborg, så jeres kalender er opdateret.",
		"Bekræftelsen af tilmeldingen til mødet i Vejle er sendt i en særskilt mail.",
	} {
		if !strings.Contains(strings.Join(strings.Fields(r.Text), " "), want) || !strings.Contains(strings.Join(strings.Fields(visible(r.HTML)), " "), want) {
			t.Errorf("the letter lacks %q:\n%s", want, r.Text)
		}
	}
	if _, err := l.Render(KindCalendarCancel, Data{Invitee: inv, Meeting: &vejle, OldMeeting: &vejle, Headcount: 1}); err == nil {
		t.Error("a calendar_cancel without a change of meeting renders")
	}
}

func TestChangeWording(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	inv, _ := c.Invitee("615")
	aalborg, _ := c.Meeting("aalborg")
	vejle, _ := c.Meeting("vejle")
	tests := []struct {
		name       string
		old        *campaign.Meeting
		oldHead    int
		want, nope []string
	}{
		{"moved", &aalborg, 2, []string{"Møde: Vejle (tidligere Aalborg)", "Deltagere: 2\n",
			"Med denne mail følger en ny kalenderinvitation til mødet i Vejle. Kalenderaftalen for mødet i Aalborg aflyses i en særskilt mail"},
			[]string{"Deltagere: 2 (tidligere"}},
		{"more people", &vejle, 1, []string{"Møde: Vejle\n", "Deltagere: 2 (tidligere 1)", "opdateret kalenderinvitation"}, []string{"tidligere Vejle", "aflys"}},
		{"no old meeting given", nil, 3, []string{"Møde: Vejle\n", "Deltagere: 2 (tidligere 3)"}, []string{"aflys"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := render(t, l, KindChange, Data{Invitee: inv, Meeting: &vejle, OldMeeting: tc.old,
				Headcount: 2, OldHeadcount: tc.oldHead, CalendarAttached: true})
			for _, s := range tc.want {
				if !strings.Contains(r.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, r.Text)
				}
			}
			for _, s := range tc.nope {
				if strings.Contains(r.Text, s) {
					t.Errorf("text has %q:\n%s", s, r.Text)
				}
			}
		})
	}
}

func TestAgreementLetterAmount(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	kbh, _ := c.Invitee("101")
	r := render(t, l, KindAgreement, Data{Invitee: kbh})
	for _, s := range []string{
		"Send den underskrevne aftale som PDF ved at besvare denne mail senest fredag den 16. marts 2012.",
		"Kommunens betaling er 3.843.350 kr. pr. år ekskl. moms.",
		"kommunens indbyggertal, 549.050 pr. 1. januar 2012, gange satsen på 7 kr. pr. indbygger pr. år",
		"Projektet gennemføres kun, hvis mindst halvdelen af kommunerne",
		"Uden tilstrækkelig tilslutning kan udbuddet ikke videreføres",
	} {
		if !strings.Contains(r.Text, s) {
			t.Errorf("agreement letter lacks %q", s)
		}
	}
	amount := int64(100000) // 1.000 kr., agreed separately
	kbh.Amount = &amount
	r = render(t, l, KindAgreement, Data{Invitee: kbh})
	if !strings.Contains(r.Text, "Kommunens betaling er 1.000 kr. pr. år ekskl. moms.") || strings.Contains(r.Text, "indbyggertal") {
		t.Errorf("explicit amount: letter should state 1.000 kr. without the rate:\n%s", r.Text)
	}
}

func TestRenderRefusesIncompleteData(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	kbh, _ := c.Invitee("101")
	vejle, _ := c.Meeting("vejle")
	tests := []struct {
		kind Kind
		d    Data
		want string
	}{
		{KindInvitation, Data{}, "missing invitee"},
		{KindConfirmation, Data{Invitee: kbh, Headcount: 1}, "missing meeting"},
		{KindReminder, Data{Invitee: kbh, Meeting: &vejle}, "missing headcount"},
		{KindStaffReview, Data{}, "missing review items"},
		{KindDigest, Data{}, "missing digest data"},
		{KindInvitation, Data{Invitee: kbh, Lang: "sv"}, `no such kind or language`},
		{Kind("thanks"), Data{Invitee: kbh}, `no such kind or language`},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+" "+tc.want, func(t *testing.T) {
			_, err := l.Render(tc.kind, tc.d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	c := exampleCampaign(t)
	kbh, _ := c.Invitee("101")
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, s := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("a file replaces its default only", func(t *testing.T) {
		dir := write(t, map[string]string{
			"invitation.da.subject":  "Kom til dialogmøde, {{.Invitee.Name}}!",
			".invitation.da.txt.swp": "editor junk",
		})
		l := newLetters(t, c, dir)
		r := render(t, l, KindInvitation, Data{Invitee: kbh})
		if r.Subject != "Kom til dialogmøde, København!" {
			t.Errorf("subject %q: override not used", r.Subject)
		}
		if !strings.Contains(r.Text, "Vejle Bibliotekerne") {
			t.Error("the embedded text was not kept beside the overridden subject")
		}
	})
	t.Run("a shared part is replaced for every letter", func(t *testing.T) {
		common, err := embedded.ReadFile("templates/common.da.txt")
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(common), "Med venlig hilsen", "Venlig hilsen", 1)
		l := newLetters(t, c, write(t, map[string]string{"common.da.txt": s}))
		for _, k := range []Kind{KindInvitation, KindReminder} {
			d := SampleData(c, k)
			if r := render(t, l, k, d); !strings.Contains(r.Text, "Venlig hilsen\nKOMBIT") {
				t.Errorf("%s does not use the overridden signature", k)
			}
		}
	})
	bad := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"syntax error names file and line", map[string]string{"reminder.da.txt": "Hej\n\n{{if .Meeting}}\n"},
			[]string{"reminder.da.txt:4", "unexpected EOF"}},
		{"unknown field found at start", map[string]string{"confirmation.en.html": "<p>{{.Meeting.Town}}</p>"},
			[]string{"confirmation.en.html:1", "Town"}},
		{"unknown function", map[string]string{"digest.da.subject": "{{upper .Campaign.Name}}"},
			[]string{"digest.da.subject:1", `"upper" not defined`}},
		{"misspelt file name", map[string]string{"invitaton.da.txt": "x"},
			[]string{"invitaton.da.txt", "not a template name"}},
		{"empty subject", map[string]string{"reminder.en.subject": "{{if false}}x{{end}}"},
			[]string{"reminder.en.subject", "empty subject"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t, tc.files)
			_, err := New(c, dir)
			if err == nil {
				t.Fatal("New accepted a broken template folder")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the folder %s", err, dir)
			}
		})
	}
	t.Run("missing folder", func(t *testing.T) {
		if _, err := New(c, filepath.Join(t.TempDir(), "nope")); err == nil {
			t.Fatal("New accepted a folder that does not exist")
		}
	})
}

func TestTemplateNamesAreEmbedded(t *testing.T) {
	names := TemplateNames()
	if want := len(Languages()) * (3 + 3*len(Kinds())); len(names) != want {
		t.Fatalf("%d template names, want %d", len(names), want)
	}
	fsys, err := EmbeddedTemplates()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(names) {
		t.Errorf("templates/ holds %d files, Letters reads %d: a default without a reader, or a reader without a default", len(entries), len(names))
	}
}

func TestTemplateFuncs(t *testing.T) {
	tests := []struct{ got, want string }{
		{lcfirst("Dialogmøde om det nye"), "dialogmøde om det nye"},
		{lcfirst("KOMBIT-møde"), "KOMBIT-møde"},
		{lcfirst("Ærøs møde"), "ærøs møde"},
		{lcfirst(""), ""},
		{countDa(1), "én"}, {countDa(2), "to"}, {countDa(12), "tolv"}, {countDa(1234), "1.234"},
		{countEn(3), "three"}, {countEn(13), "13"},
		{formatPercent(0.5, ",", " %"), "50 %"},
		{formatPercent(0.3367, ",", " %"), "33,7 %"},
		{formatPercent(0.204, ".", "%"), "20.4%"},
		{groupEn(5580413), "5,580,413"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	fm := textFuncs("da", time.FixedZone("CET", 3600))
	start := time.Date(2012, 2, 28, 9, 0, 0, 0, time.UTC) // 10.00 in Copenhagen
	if got := fm["timespan"].(func(a, b time.Time) string)(start, start.Add(2*time.Hour)); got != "kl. 10.00–12.00" {
		t.Errorf("timespan in the campaign's zone = %q", got)
	}
	if got := fm["date"].(func(time.Time) string)(time.Time{}); got != "" {
		t.Errorf("date of an unknown time = %q, want empty", got)
	}
	if _, err := fm["number"].(func(any) (string, error))("12"); err == nil {
		t.Error("number accepted a string")
	}
}

// TestRenderConcurrently: the outbox renders from several workers at once.
func TestRenderConcurrently(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	want := render(t, l, KindInvitation, Data{Invitee: c.Invitees[0]})
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func() {
			for _, inv := range c.Invitees {
				r, err := l.Render(KindInvitation, Data{Invitee: inv})
				if err == nil && inv.Code == c.Invitees[0].Code && r.HTML != want.HTML {
					err = errors.New("the same letter rendered differently")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < 8; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkRenderInvitation(b *testing.B) {
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	l, err := New(cfg.Campaign, "")
	if err != nil {
		b.Fatal(err)
	}
	invs := cfg.Campaign.Invitees
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Render(KindInvitation, Data{Invitee: invs[i%len(invs)]}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewLetters(b *testing.B) {
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := New(cfg.Campaign, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// A list of the digest longer than ListLimit names its first ListLimit entries and says how many
// more there are, in the text and the HTML: 100,000 names are no letter to read (the CSV has
// them all). The heading counts them all.
func TestDigestListsAreCut(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	kbh, _ := c.Invitee("101")
	d := &DigestData{Date: time.Date(2012, 3, 2, 7, 0, 0, 0, c.Location), CSVName: "status-2012-03-02.csv"}
	for i := range ListLimit + 1234 {
		inv := kbh
		inv.Name = fmt.Sprintf("Kommune %05d", i)
		d.Unanswered = append(d.Unanswered, DigestInvitee{Invitee: inv})
		d.Away = append(d.Away, DigestAway{Invitee: inv})
	}
	r := render(t, l, KindDigest, Data{Digest: d})
	for _, body := range []string{r.Text, r.HTML} {
		last := fmt.Sprintf("Kommune %05d", ListLimit-1)
		cut := fmt.Sprintf("Kommune %05d", ListLimit)
		if !strings.Contains(body, last) || strings.Contains(body, cut) {
			t.Errorf("want the first %d names and no more", ListLimit)
		}
	}
	for _, s := range []string{"MANGLER SVAR (1.334)", ", og 1.234 flere", "FRAVÆRSBESKEDER (1.334)", "… og 1.234 flere"} {
		if !strings.Contains(r.Text, s) {
			t.Errorf("the text lacks %q", s)
		}
	}
	if !strings.Contains(r.HTML, ", og 1.234 flere") || !strings.Contains(r.HTML, "<li>… og 1.234 flere</li>") {
		t.Errorf("the HTML does not say how many more there are")
	}
}

// TestAutoSubmittedPerKind: every kind has its keyword decided in one place. Letters to a
// person carry none, so that out-of-office replies (which tell rsvpd who is away) still come
// back; automatic answers to an invitee's message are auto-replied; other automatic notices
// auto-generated.
func TestAutoSubmittedPerKind(t *testing.T) {
	want := map[Kind]string{
		KindInvitation: "", KindAgreement: "", KindReminder: "", KindNudgeUnanswered: "", KindNudgeAgreement: "",
		KindConfirmation: "auto-replied", KindChange: "auto-replied", KindCalendarCancel: "auto-replied", KindDeclineAck: "auto-replied",
		KindCancelAck: "auto-replied", KindQuestionAck: "auto-replied", KindAgreementReceipt: "auto-replied",
		KindAgreementPDFNeeded: "auto-replied",
		KindAgreementConfirmed: "auto-generated", KindStaffReview: "auto-generated", KindStaffSignIn: "auto-generated",
		KindDigest:      "auto-generated",
		KindFinalReport: "auto-generated", KindParticipantList: "auto-generated",
		KindStaffAnswer: "", KindDeskSignIn: "auto-generated",
	}
	for _, k := range Kinds() {
		if _, listed := autoSubmitted[k]; !listed {
			t.Errorf("%s: not in the Auto-Submitted table: decide whether it is written to a person", k)
		}
		w, ok := want[k]
		if !ok {
			t.Errorf("%s: this test does not know the kind", k)
			continue
		}
		if got := k.AutoSubmitted(); got != w {
			t.Errorf("%s: Auto-Submitted %q, want %q", k, got, w)
		}
	}
}

// TestNoLetterSaysWhatWasSentIsMissing: nudges and reminders go to people who may have sent
// what they are reminded of a minute ago; none of them says that something has not come.
func TestNoLetterSaysWhatWasSentIsMissing(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	missing := regexp.MustCompile(`(?i)endnu ikke|ikke modtaget|ikke fået|mangler|not yet|have not (received|heard)|missing|disregard|se bort fra`)
	for _, lang := range Languages() {
		for _, k := range []Kind{KindNudgeUnanswered, KindNudgeAgreement, KindReminder, KindAgreement, KindInvitation} {
			d := SampleData(c, k)
			d.Lang = lang
			r := render(t, l, k, d)
			for _, s := range []string{r.Subject, r.Text, visible(r.HTML)} {
				if m := missing.FindString(s); m != "" {
					t.Errorf("%s.%s says %q", k, lang, m)
				}
			}
		}
	}
}

// The staff_signin letter says what is stopped and what to do while the sign-in fails, and,
// when it goes out after the sign-in works again (sending could not go out before), that
// nothing needs doing; in words, with no command to type.
func TestStaffSignInLetter(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	at := time.Date(2012, 3, 5, 10, 3, 0, 0, c.Location)
	revoked := campaign.Reason{Code: campaign.ReasonSignInRevoked, Address: c.Organiser.Email}
	only := func(server string, until time.Time) *SignInData {
		return &SignInData{Mailbox: c.Organiser.Email, Servers: []SignInServer{{Server: server, Since: at, Until: until, Why: revoked}}}
	}
	for _, tc := range []struct {
		name   string
		d      *SignInData
		lang   string
		want   []string
		unwant []string
	}{
		{"reading fails", only("IMAP", time.Time{}), "da",
			[]string{"Derfor bliver svar ikke læst, før det virker igen.", "skal logge rsvpd på postkassen igen",
				"Læsning af svar (IMAP): virker ikke siden mandag den 5. marts 2012 kl. 10.03.", "Intet går tabt."},
			[]string{"sendt mail", "Login til"}},
		{"sending worked again before the letter went", only("SMTP", at.Add(38*time.Minute)), "da",
			[]string{"Login til postkassen virker igen", "Fra mandag den 5. marts 2012 kl. 10.03 til mandag den 5. marts 2012 kl. 10.41 kunne rsvpd ikke logge på, og imens blev der ikke sendt mail.",
				"I skal ikke gøre noget."},
			[]string{"skal logge rsvpd på", "Intet går tabt"}},
		{"both fail, in English", SampleData(c, KindStaffSignIn).SignIn, "en",
			[]string{"So no mail is sent and no reply is read until it works again.", "must sign rsvpd in to the mailbox again"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := render(t, l, KindStaffSignIn, Data{Lang: tc.lang, SignIn: tc.d})
			all := r.Subject + "\n" + r.Text
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("the letter lacks %q:\n%s", w, all)
				}
			}
			for _, w := range tc.unwant {
				if strings.Contains(all, w) {
					t.Errorf("the letter has %q:\n%s", w, all)
				}
			}
			if strings.Contains(r.Text+r.HTML, "--config") || strings.Contains(r.Text+r.HTML, "rsvpd login") {
				t.Errorf("a command to type in a letter to the staff:\n%s", r.Text)
			}
		})
	}
}
