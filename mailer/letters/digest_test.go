package letters

import (
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
	if want := "Dagsoversigt 2. marts 2012: 1 sag kræver handling, 49 bekræftede aftaler af 49 – Dialogmøde om det nye fælles bibliotekssystem"; r.Subject != want {
		t.Errorf("subject %q, want %q", r.Subject, want)
	}
	for _, s := range []string{
		"KRÆVER HANDLING (1)\nSag 7: Spørgsmål (åben i 3 dage)\n",
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
			"STADIG ÅBNE SAGER (1)\nSag 7: Spørgsmål (åben i 20 dage)\n",
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
