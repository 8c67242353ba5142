package letters

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// digestOf2March: Aalborg was held on 28 February (overbooked), Vejle is to come; 49
// agreements are confirmed and 30 more have come back unchecked.
func digestOf2March(t *testing.T, c *campaign.Campaign) *DigestData {
	t.Helper()
	loc := c.Location
	aalborg, _ := c.Meeting("aalborg")
	vejle, _ := c.Meeting("vejle")
	horsens, _ := c.Invitee("615")
	kbh, _ := c.Invitee("101")
	aarhus, _ := c.Invitee("751")
	return &DigestData{
		Date:  time.Date(2012, 3, 2, 7, 0, 0, 0, loc),
		Since: time.Date(2012, 3, 1, 7, 0, 0, 0, loc),
		Meetings: []DigestMeeting{
			{Meeting: aalborg, Municipalities: 40, People: 95, Held: true},
			{Meeting: vejle, Municipalities: 3, People: 5},
		},
		NewAnswers: []DigestAnswer{{Invitee: horsens, At: time.Date(2012, 3, 1, 14, 5, 0, 0, loc),
			Status: campaign.StatusAttending, Meeting: &vejle, Headcount: 2}},
		Away:       []DigestAway{{Invitee: kbh, Until: time.Date(2012, 3, 5, 0, 0, 0, 0, loc)}, {Invitee: horsens}},
		Agreements: []DigestAgreement{{Invitee: kbh, Confirmed: true}, {Invitee: aarhus}},
		NotSigned:  []DigestUnsigned{{Invitee: aarhus, Status: campaign.StatusAttending, Meeting: &vejle, Agreement: campaign.AgreementReturned}},
		Review: []ReviewItem{{ID: "7", Subject: "Spørgsmål", From: "x@example.test", Received: time.Date(2012, 2, 27, 9, 0, 0, 0, loc),
			Why: campaign.Reason{Code: campaign.ReasonQuestion}}},
		ToCheck: []ReviewItem{{ID: "8", Invitee: aarhus, Received: time.Date(2012, 2, 28, 9, 0, 0, 0, loc),
			Why: campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: aarhus.Code}}},
		Progress: DigestProgress{Confirmed: 49, Invitees: 98, ConfirmedPopulation: 2000000,
			Unchecked: 30, UncheckedPopulation: 1000000, Population: 5580413, Threshold: 0.5},
	}
}

func TestDigestNumbers(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	d := digestOf2March(t, c)
	r := render(t, l, KindDigest, Data{Digest: d})
	if want := "Dagsoversigt 2. marts 2012: 1 sag kræver handling, 49 bekræftede aftaler, grænsen er nået – Dialogmøde om det nye fælles bibliotekssystem"; r.Subject != want {
		t.Errorf("subject %q, want %q", r.Subject, want)
	}
	for _, s := range []string{
		"KRÆVER HANDLING (1)\nUkendt afsender: Besvar spørgsmålet (sag 7, åben i 3 dage)\n",
		"Desuden venter 1 returneret tilslutningsaftale på kontrol (den ældste har ventet i 2 dage).",
		"Aalborg, tirsdag den 28. februar 2012 (afholdt): 40 kommuner, 95 personer\n",
		"Vejle, tirsdag den 6. marts 2012: 3 kommuner, 5 personer af 120 pladser (115 ledige)",
		"I alt: 43 kommuner, 100 personer",
		"Bekræftede aftaler: 49 af 98 kommuner (50 %) med 2.000.000 af 5.580.413 indbyggere (35,8 %).\nGrænsen er nået med bekræftede aftaler.\n",
		"Returneret, men ikke kontrolleret: 30 kommuner med 1.000.000 indbyggere. De tæller ikke med, før de er bekræftet.\n",
		"IKKE TILSLUTTET (1), STØRSTE FØRST\nAarhus (314.545 indb.): tilmeldt Vejle; aftalen er returneret, ikke kontrolleret\n",
		"Horsens: tilmeldt Vejle, to personer (1. marts 2012 kl. 14.05)",
		"AFBUD (0)\nIngen.",
		"København: tilbage mandag den 5. marts 2012",
		"Horsens: ingen dato for hjemkomst",
		"Bekræftet (1): København\nReturneret, ikke kontrolleret (1): Aarhus\n",
	} {
		if !strings.Contains(r.Text, s) {
			t.Errorf("digest text lacks %q:\n%s", s, r.Text)
		}
	}
	if strings.Contains(r.Text, "85 ledige") || strings.Contains(r.Text, "overbooket") {
		t.Errorf("a meeting held shows its free places:\n%s", r.Text)
	}
	if strings.Contains(r.HTML, "<img") {
		t.Error("digest without a chart has an <img>")
	}
	d.ChartCID = "chart-1@rsvpd"
	d.Progress.Confirmed = 10
	r = render(t, l, KindDigest, Data{Digest: d})
	if !strings.Contains(r.HTML, `<img src="cid:chart-1@rsvpd"`) {
		t.Errorf("digest HTML does not show the chart by its Content-ID:\n%s", r.HTML)
	}
	for _, s := range []string{"Grænsen er ikke nået. Mangler 39 kommuner eller 790.207 indbyggere.",
		"De tæller ikke med, før de er bekræftet; bekræftes de alle, er grænsen nået."} {
		if !strings.Contains(r.Text, s) {
			t.Errorf("10 confirmed of 98 with 35,8 %% of the population: the text lacks %q:\n%s", s, r.Text)
		}
	}
}

// The final report gives the result on confirmed agreements only, names the unchecked apart
// and whether they would change it, and lists who did not join.
func TestFinalReport(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	d := digestOf2March(t, c)
	d.Date = time.Date(2012, 3, 19, 7, 0, 0, 0, c.Location)
	d.Meetings[1].Held = true
	d.Progress.Confirmed = 40
	for _, tc := range []struct {
		lang, subject string
		want          []string
	}{
		{"da", "Slutrapport: grænsen er ikke nået med 40 af 98 kommuner – Dialogmøde om det nye fælles bibliotekssystem", []string{
			"Slutrapport efter tilmeldingsfristen fredag den 16. marts 2012, opgjort mandag den 19. marts 2012 kl. 7.00\n",
			"RESULTAT\nGrænsen er ikke nået: 40 af 98 kommuner (40,8 %) har tilsluttet sig med en bekræftet aftale; de har 2.000.000 af 5.580.413 indbyggere (35,8 %). " +
				"Grænsen er 50 % af kommunerne eller af indbyggerne: der mangler 9 kommuner eller 790.207 indbyggere.\n",
			"Kun aftaler, som er kontrolleret og bekræftet, tæller med. 30 kommuner med 1.000.000 indbyggere har returneret aftalen, men den er ikke kontrolleret; bekræftes de alle, er grænsen nået.\n",
			"TILSLUTTET MED BEKRÆFTET AFTALE (1)\nKøbenhavn\n",
			"IKKE TILSLUTTET (1), STØRSTE FØRST\nAarhus",
			"Vejle, tirsdag den 6. marts 2012 (afholdt): 3 kommuner, 5 personer\n",
			"STADIG ÅBNE SAGER (1)\nUkendt afsender: Besvar spørgsmålet (sag 7, åben i 20 dage)\n",
			"1 returneret tilslutningsaftale venter stadig på kontrol.",
		}},
		{"en", "Final report: threshold not reached with 40 of 98 municipalities – Dialogmøde om det nye fælles bibliotekssystem", []string{
			"RESULT\nThe threshold is not reached: 40 of 98 municipalities (40.8%) have joined with a confirmed agreement",
			"9 municipalities or 790,207 inhabitants more are needed.",
			"Only agreements that have been checked and confirmed count. 30 municipalities with 1,000,000 inhabitants returned the agreement, but it has not been checked; confirming them all would reach the threshold.",
			"Vejle, Tuesday 6 March 2012 (held): 3 municipalities, 5 people\n",
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			r := render(t, l, KindFinalReport, Data{Digest: d, Lang: tc.lang})
			if r.Subject != tc.subject {
				t.Errorf("subject %q, want %q", r.Subject, tc.subject)
			}
			for _, s := range tc.want {
				if !strings.Contains(r.Text, s) {
					t.Errorf("final report lacks %q:\n%s", s, r.Text)
				}
			}
			if strings.Contains(r.Text, "ledige") || strings.Contains(r.Text, " free") {
				t.Errorf("the final report shows free places of meetings held:\n%s", r.Text)
			}
		})
	}
}

// digestOf100000 is a digest of a campaign of 100,000 invitees, where every count a staff
// member reads is 10,000 or more: each list keeps its first entry and counts the rest in
// Totals, as the digest package makes it.
func digestOf100000(t *testing.T, c *campaign.Campaign) *DigestData {
	t.Helper()
	d := digestOf2March(t, c)
	kbh, _ := c.Invitee("101")
	d.Declines = []DigestInvitee{{Invitee: kbh}}
	d.Unanswered = []DigestInvitee{{Invitee: kbh}}
	d.Bounces = []DigestBounce{{Invitee: kbh, Address: "kbh@example.test", Permanent: true, Reason: "5.1.1"}}
	d.Totals = DigestTotals{NewAnswers: 12345, Declines: 12346, Unanswered: 12347, Review: 12348,
		ToCheck: 12349, Bounces: 12350, Away: 12351}
	d.Agreements = nil
	for range 12352 {
		d.Agreements = append(d.Agreements, DigestAgreement{Invitee: kbh, Confirmed: true})
	}
	for range 12353 {
		d.Agreements = append(d.Agreements, DigestAgreement{Invitee: kbh})
	}
	d.Meetings[0].Municipalities, d.Meetings[0].People = 30000, 41000
	d.Meetings[1].Municipalities, d.Meetings[1].People = 30001, 40000
	d.Meetings[1].Meeting.Capacity = 52000
	d.Progress = DigestProgress{Confirmed: 40000, Invitees: 100000, ConfirmedPopulation: 2000000,
		Unchecked: 12353, UncheckedPopulation: 1000000, Population: 9000000, Threshold: 0.5}
	unsigned := make([]DigestUnsigned, 60000)
	for i := range unsigned {
		unsigned[i] = DigestUnsigned{Invitee: kbh, Status: campaign.StatusInvited}
	}
	d.SetNotSigned(unsigned, 1)
	return d
}

// TestDigestCountsInCampaignNumbers: with 100,000 invitees every count the digest and the
// final report write, in the headings of the lists too, is in the campaign's numbers
// ("12.345" in Danish, "12,345" in English), in the text, the HTML and the subject; none is
// a bare 12345.
func TestDigestCountsInCampaignNumbers(t *testing.T) {
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	d := digestOf100000(t, c)
	bare := regexp.MustCompile(`\d{5,}`)
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, tc := range []struct {
		kind Kind
		lang string
		want []string
	}{
		{KindDigest, "da", []string{"12.348 sager kræver handling, 40.000 bekræftede aftaler, grænsen er",
			"KRÆVER HANDLING (12.348)", "Desuden venter 12.349 returnerede", "40.000 af 100.000 kommuner",
			"IKKE TILSLUTTET (60.000)", "30.001 kommuner, 40.000 personer af 52.000 pladser (12.000 ledige)",
			"I alt: 60.001 kommuner, 81.000 personer", "NYE SVAR (12.345)", "AFBUD (12.346)",
			"MANGLER SVAR (12.347)", "AFVISTE MAILS (12.350)", "FRAVÆRSBESKEDER (12.351)",
			"Bekræftet (12.352)", "Returneret, ikke kontrolleret (12.353)"}},
		{KindDigest, "en", []string{"12,348 items need action, 40,000 agreements confirmed, threshold",
			"NEEDS ACTION (12,348)", "NEW ANSWERS (12,345)", "DECLINED (12,346)", "NOT ANSWERED (12,347)",
			"BOUNCES (12,350)", "OUT OF OFFICE (12,351)", "NOT JOINED (60,000)"}},
		{KindFinalReport, "da", []string{"med 40.000 af 100.000 kommuner", "STADIG ÅBNE SAGER (12.348)",
			"TILSLUTTET MED BEKRÆFTET AFTALE (12.352)", "12.349 returnerede tilslutningsaftaler venter"}},
		{KindFinalReport, "en", []string{"with 40,000 of 100,000 municipalities", "STILL OPEN (12,348)",
			"JOINED WITH A CONFIRMED AGREEMENT (12,352)"}},
	} {
		t.Run(string(tc.kind)+"/"+tc.lang, func(t *testing.T) {
			r := render(t, l, tc.kind, Data{Digest: d, Lang: tc.lang})
			all := r.Subject + "\n" + r.Text
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("lacks %q:\n%s", s, all)
				}
			}
			page := html.UnescapeString(tags.ReplaceAllString(r.HTML, " "))
			for name, body := range map[string]string{"subject and text": all, "HTML": page} {
				if n := bare.FindString(body); n != "" {
					t.Errorf("the %s write %s without the campaign's thousands separators", name, n)
				}
			}
			heading := "(12.345)"
			if tc.lang == "en" {
				heading = "(12,345)"
			}
			if tc.kind == KindDigest && !strings.Contains(page, heading) {
				t.Errorf("the HTML heading of new answers lacks %s", heading)
			}
		})
	}
}
