package digest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

// makeDigest renders the scripted morning's digest as the daemon would send it.
func makeDigest(t testing.TB) (*campaign.Campaign, *store.Store, made) {
	t.Helper()
	c := exampleCampaign(t)
	st := midCampaign(t, c)
	l, err := letters.New(c, "")
	if err != nil {
		t.Fatal(err)
	}
	var m made
	err = st.Tx(context.Background(), func(tx *store.Tx) error {
		m, err = makeLetter(tx, c, l, Options{Since: at(t, c, scriptSince), Now: at(t, c, scriptNow)}, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, st, m
}

// The staff reads the numbers in the text part: each line here is what the scripted state
// must show, in the digest's own words.
func TestDigestTextShowsTheScriptedMorning(t *testing.T) {
	_, _, m := makeDigest(t)
	wantSubject := "Dagsoversigt 21. februar 2012: 4 sager kræver handling, 1 bekræftet aftale, grænsen er ikke nået – Dialogmøde om det nye fælles bibliotekssystem"
	if m.Letter.Subject != wantSubject {
		t.Errorf("subject = %q, want %q", m.Letter.Subject, wantSubject)
	}
	for _, tc := range []struct{ name, want string }{
		{"period", "Dagsoversigt tirsdag den 21. februar 2012 kl. 7.00, nyt siden mandag den 20. februar 2012 kl. 7.00\n"},
		// What needs a person comes first, oldest first, each led by the municipality and what
		// to do, with its age.
		{"needs action first", "kl. 7.00\n\nKRÆVER HANDLING (4)\nAlbertslund: Ret adressen på skrivebordet, hvis den er forkert (sag 2, åben i 14 dage)\n"},
		{"review: failed send", "Albertslund: Ret adressen på skrivebordet, hvis den er forkert (sag 2, åben i 14 dage)\n" +
			"  Årsag: Invitationen til bibliotekschef@albertslund.kommune.test kunne ikke leveres: 550 5.7.1 <bibliotekschef@albertslund.kommune.test>: Relay access denied.\n" +
			"  Fra: bibliotekschef@albertslund.kommune.test, 6. februar 2012 kl. 9.01\n"},
		{"review: bounce", "Herlev: Ret adressen på skrivebordet (sag 1, åben i 14 dage)\n" +
			"  Årsag: Mail til bibliotekschef@herlev.kommune.test kan ikke leveres (5.1.1, ukendt modtager).\n" +
			"  Fra: mailer-daemon@mx.herlev.kommune.test, 6. februar 2012 kl. 9.05, »Undelivered Mail Returned to Sender«\n"},
		{"review: unclear", "Gladsaxe: Læs svaret, og registrér det (sag 4, åben i 3 dage)\n" +
			"  Årsag: Svaret kunne ikke tolkes.\n" +
			"  Fra: bibliotekschef@gladsaxe.kommune.test, 17. februar 2012 kl. 14.00, »Sv: Dialogmøde om det nye fælles bibliotekssystem«\n"},
		{"review: unknown sender", "Ukendt afsender: Find ud af, hvem afsenderen er (sag 6, ny)\n" +
			"  Årsag: jens.hansen@example.test er ikke inviteret, og mailen er hverken et svar på vores mail eller sendt til en personlig svaradresse. Intet er ændret.\n" +
			"  Fra: jens.hansen@example.test, 20. februar 2012 kl. 17.00, »Spørgsmål om prisen«\n"},
		// The returned agreement to check is one counted line, not an item.
		{"routine in one line", "Desuden venter 1 returneret tilslutningsaftale på kontrol (modtaget det seneste døgn). " +
			"Kontrollér, at hver aftale er underskrevet, og bekræft den; først da tæller den med.\n"},
		{"what to do without a desk", "Giv den, der driver rsvpd, besked om, hvad der skal ske med hver sag"},
		{"threshold", "TILSLUTNING (GRÆNSE 50 %)\n"},
		{"confirmed only", "Bekræftede aftaler: 1 af 98 kommuner (1,0 %) med 100.215 af 5.580.413 indbyggere (1,8 %).\n" +
			"Grænsen er ikke nået. Mangler 48 kommuner eller 2.689.992 indbyggere.\n"},
		{"unchecked apart", "Returneret, men ikke kontrolleret: 1 kommune med 549.050 indbyggere. Den tæller ikke med, før den er bekræftet.\n"},
		{"not joined, largest first", "IKKE TILSLUTTET (97), STØRSTE FØRST\n" +
			"København (549.050 indb.): tilmeldt Roskilde; aftalen er returneret, ikke kontrolleret\n" +
			"Aarhus (314.545 indb.): ikke svaret\nAalborg (201.142 indb.): tilmeldt Aalborg\n"},
		{"not joined: the rest", "… og 72 kommuner mere med i alt 2.568.479 indbyggere (alle står i den vedhæftede status).\n"},
		{"not joined: enough", "De 22 største på listen har tilsammen de indbyggere, der mangler.\n"},
		{"Aalborg", "Aalborg, tirsdag den 28. februar 2012: 3 kommuner, 5 personer af 90 pladser (85 ledige)\n"},
		{"Roskilde", "Roskilde, torsdag den 1. marts 2012: 4 kommuner, 7 personer af 120 pladser (113 ledige)\n"},
		{"Vejle", "Vejle, tirsdag den 6. marts 2012: 2 kommuner, 3 personer af 120 pladser (117 ledige)\n"},
		{"total", "I alt: 9 kommuner, 15 personer\n"},
		{"new answers", "NYE SVAR (4)\n" +
			"Vejle: tilmeldt Vejle, to personer (20. februar 2012 kl. 10.15)\n" +
			"Roskilde: tilmeldt Roskilde, to personer (20. februar 2012 kl. 11.00)\n" +
			"Kolding: tilmeldt Vejle, én person (20. februar 2012 kl. 14.30)\n" +
			"Bornholm: afbud (20. februar 2012 kl. 16.00)\n\n"},
		{"declines", "AFBUD (2)\nBornholm, Dragør\n"},
		{"not answered", "MANGLER SVAR (86)\nAlbertslund (mail når ikke frem: ret adressen på skrivebordet), Allerød, "},
		{"bounces", "AFVISTE MAILS (3)\n" +
			"Albertslund: bibliotekschef@albertslund.kommune.test, permanent fejl: 550 5.7.1 <bibliotekschef@albertslund.kommune.test>: Relay access denied\n" +
			"Herlev: bibliotekschef@herlev.kommune.test, permanent fejl: 550 5.1.1 <bibliotekschef@herlev.kommune.test>: Recipient address rejected: User unknown\n" +
			"Hvidovre: bibliotekschef@hvidovre.kommune.test, midlertidig fejl, prøves igen: 452 4.2.2 Mailbox full\n\n"},
		{"away", "FRAVÆRSBESKEDER (2)\nGlostrup: tilbage mandag den 27. februar 2012\nLyngby-Taarbæk: ingen dato for hjemkomst\n"},
		{"agreements", "TILSLUTNINGSAFTALER\nBekræftet (1): Frederiksberg\nReturneret, ikke kontrolleret (1): København\n"},
		{"attachment", "Hele status for alle inviterede er vedhæftet som status-2012-02-21.csv.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(m.Letter.Text, tc.want) {
				t.Errorf("the text part lacks\n%s\n--- text:\n%s", tc.want, m.Letter.Text)
			}
		})
	}
	t.Run("no routine item listed", func(t *testing.T) {
		if strings.Contains(m.Letter.Text, "(sag 5,") || strings.Contains(m.Letter.Text, "Kontrollér aftalen, og bekræft den") {
			t.Error("the returned agreement to check is listed as an item of its own")
		}
	})
	t.Run("the threshold is not reached on an unchecked agreement", func(t *testing.T) {
		if strings.Contains(m.Letter.Text, "Grænsen er nået") || strings.Contains(m.Letter.HTML, "Grænsen er nået") {
			t.Error("the digest says the threshold is reached")
		}
	})
	t.Run("resolved review left out", func(t *testing.T) {
		if strings.Contains(m.Letter.Text, "brings a third person") {
			t.Error("a resolved review item is listed")
		}
	})
	t.Run("not answered lists exactly the invited", func(t *testing.T) {
		_, rest, _ := strings.Cut(m.Letter.Text, "MANGLER SVAR (86)\n")
		line, _, _ := strings.Cut(rest, "\n")
		names := strings.Split(line, ", ")
		if len(names) != 86 {
			t.Fatalf("%d names not answered, want 86", len(names))
		}
		// Those whose mail bounces for good have not answered either, and say why.
		set := map[string]bool{}
		for _, n := range names {
			name, undeliverable := strings.CutSuffix(n, " (mail når ikke frem: ret adressen på skrivebordet)")
			set[name] = true
			if want := name == "Albertslund" || name == "Herlev"; undeliverable != want {
				t.Errorf("%q: marked undeliverable %v, want %v", n, undeliverable, want)
			}
		}
		for _, n := range []string{"Herlev", "Albertslund", "Hvidovre", "Glostrup", "Lyngby-Taarbæk", "Aabenraa"} {
			if !set[n] {
				t.Errorf("%s has not answered but is not listed", n)
			}
		}
		for _, n := range []string{"Gladsaxe", "Dragør", "Aalborg", "København", "Vejle"} {
			if set[n] {
				t.Errorf("%s answered but is listed as not answered", n)
			}
		}
		// Danish order: Aa is Å, after Ø.
		if names[len(names)-1] != "Aarhus" || names[len(names)-2] != "Aabenraa" || names[len(names)-3] != "Ærø" {
			t.Errorf("the list does not end in Danish order (… Ærø, Aabenraa, Aarhus): %v", names[len(names)-3:])
		}
	})
	t.Run("html names the chart and the numbers", func(t *testing.T) {
		for _, want := range []string{`src="cid:digest-chart-20120221T0700@kombit.test"`, "Dagsoversigt tirsdag den 21. februar 2012",
			"<strong>Roskilde</strong>", "100.215", "Spørgsmål om prisen", "Kræver handling (4)", "åben i 14 dage"} {
			if !strings.Contains(m.Letter.HTML, want) {
				t.Errorf("the HTML part lacks %q", want)
			}
		}
	})
}

// The digest and `rsvpd status` must never disagree: both are made from status.Build.
func TestDigestAgreesWithStatus(t *testing.T) {
	c, st, m := makeDigest(t)
	var r status.Report
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		states, err := tx.States()
		r = status.Build(c, states)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d := m.Data
	if len(d.Meetings) != len(r.Meetings) {
		t.Fatalf("%d meetings in the digest, %d in the status", len(d.Meetings), len(r.Meetings))
	}
	for i, mt := range r.Meetings {
		got := d.Meetings[i]
		if got.Meeting.ID != mt.ID || got.Municipalities != mt.Invitees || got.People != mt.People || got.Meeting.Capacity != mt.Capacity {
			t.Errorf("meeting %s: digest %d municipalities / %d people of %d, status %d / %d of %d",
				mt.ID, got.Municipalities, got.People, got.Meeting.Capacity, mt.Invitees, mt.People, mt.Capacity)
		}
	}
	tot := r.Totals
	if d.Registered() != tot.Attending || d.People() != tot.People {
		t.Errorf("registered %d / %d people, status %d / %d", d.Registered(), d.People(), tot.Attending, tot.People)
	}
	if len(d.Declines) != tot.Declined || len(d.Unanswered) != tot.NotAnswered ||
		d.Progress.Confirmed != tot.Confirmed || d.Progress.Unchecked != tot.Unchecked {
		t.Errorf("declines %d, not answered %d, confirmed %d, unchecked %d; status %d, %d, %d, %d",
			len(d.Declines), len(d.Unanswered), d.Progress.Confirmed, d.Progress.Unchecked,
			tot.Declined, tot.NotAnswered, tot.Confirmed, tot.Unchecked)
	}
	if d.Progress.NeededInvitees() != tot.NeededInvitees || d.Progress.NeededPopulation() != tot.NeededPopulation {
		t.Errorf("needs %d or %d, status %d or %d", d.Progress.NeededInvitees(), d.Progress.NeededPopulation(),
			tot.NeededInvitees, tot.NeededPopulation)
	}
	if d.Progress.InviteeShare() != tot.AgreementShare || d.Progress.PopulationShare() != tot.AgreementPopulation ||
		d.Progress.Reached() != tot.GoAhead {
		t.Errorf("shares %v / %v (reached %v), status %v / %v (go-ahead %v)", d.Progress.InviteeShare(),
			d.Progress.PopulationShare(), d.Progress.Reached(), tot.AgreementShare, tot.AgreementPopulation, tot.GoAhead)
	}
	if d.Progress.Population != c.TotalPopulation() {
		t.Errorf("population %d, the campaign's %d", d.Progress.Population, c.TotalPopulation())
	}
}

// New answers are those that changed a status, meeting or headcount in [since, now].
func TestNewAnswersCoverThePeriod(t *testing.T) {
	c := exampleCampaign(t)
	st := midCampaign(t, c)
	for _, tc := range []struct {
		name, since, now string
		want             []string // invitee codes, in order
	}{
		{"first digest: every answer", "", scriptNow,
			[]string{"851", "813", "787", "101", "147", "253", "155", "265", "159", "630", "265", "621", "400"}},
		{"the scripted morning", scriptSince, scriptNow, []string{"630", "265", "621", "400"}},
		{"since is inclusive", "2012-02-20 10:15", scriptNow, []string{"630", "265", "621", "400"}},
		{"built at noon", scriptSince, "2012-02-20 12:00", []string{"630", "265"}},
		{"nothing new", scriptNow, "2012-02-22 07:00", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var since time.Time
			if tc.since != "" {
				since = at(t, c, tc.since)
			}
			var d letters.DigestData
			err := st.Tx(context.Background(), func(tx *store.Tx) error {
				var err error
				d, err = Build(tx, c, since, at(t, c, tc.now))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range d.NewAnswers {
				got = append(got, a.Invitee.Code)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("new answers %v, want %v", got, tc.want)
			}
		})
	}
}

// history reads the confirmed agreements per day as the digest made at now draws them.
func history(t *testing.T, c *campaign.Campaign, st *store.Store, now string) []Day {
	t.Helper()
	var s snapshot
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		s, err = read(tx, c, Options{Now: at(t, c, now)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s.history
}

// The chart's lines: the confirmed agreements per day, from the invitations to the digest's
// day. Frederiksberg's, confirmed on Monday, is the only one; København's, returned but not
// checked, is not on them.
func TestConfirmedOverTime(t *testing.T) {
	c := exampleCampaign(t)
	pts := history(t, c, midCampaign(t, c), scriptNow)
	if len(pts) != 16 {
		t.Fatalf("%d days from 6 to 21 February, want 16", len(pts))
	}
	frb, _ := c.Invitee("147")
	for _, tc := range []struct {
		day  string
		want int
	}{{"2012-02-06", 0}, {"2012-02-19", 0}, {"2012-02-20", 1}, {"2012-02-21", 1}} {
		t.Run(tc.day, func(t *testing.T) {
			for _, p := range pts {
				if p.Day.Format("2006-01-02") == tc.day {
					wantPop := int64(tc.want * frb.Population)
					if p.Confirmed != tc.want || p.Population != wantPop || p.Day.Hour() != 0 || p.Day.Location() != c.Location {
						t.Errorf("%s: %d confirmed with %d inhabitants (day starts %s), want %d with %d at local midnight",
							tc.day, p.Confirmed, p.Population, p.Day, tc.want, wantPop)
					}
					return
				}
			}
			t.Errorf("no point for %s", tc.day)
		})
	}
}

// A temporary bounce is news only in its period; an out-of-office only until the return day
// (Høje-Taastrup's, 15 February, is over in every case).
func TestListsFollowTheDay(t *testing.T) {
	c := exampleCampaign(t)
	st := midCampaign(t, c)
	for _, tc := range []struct {
		name, since, now string
		bounces, away    string
	}{
		{"the scripted morning", scriptSince, scriptNow, "Albertslund Herlev Hvidovre", "Glostrup Lyngby-Taarbæk"},
		{"after the temporary bounce", "2012-02-20 09:00", scriptNow, "Albertslund Herlev", "Glostrup Lyngby-Taarbæk"},
		{"on the return day", "2012-02-26 07:00", "2012-02-27 07:00", "Albertslund Herlev", "Glostrup Lyngby-Taarbæk"},
		{"after the return day", "2012-02-27 07:00", "2012-02-28 07:00", "Albertslund Herlev", "Lyngby-Taarbæk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d letters.DigestData
			err := st.Tx(context.Background(), func(tx *store.Tx) error {
				var err error
				d, err = Build(tx, c, at(t, c, tc.since), at(t, c, tc.now))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var bounces, away []string
			for _, b := range d.Bounces {
				bounces = append(bounces, b.Invitee.Name)
			}
			for _, a := range d.Away {
				away = append(away, a.Invitee.Name)
			}
			if got := strings.Join(bounces, " "); got != tc.bounces {
				t.Errorf("bounces %q, want %q", got, tc.bounces)
			}
			if got := strings.Join(away, " "); got != tc.away {
				t.Errorf("away %q, want %q", got, tc.away)
			}
		})
	}
}

// Across the night the clocks go forward (25 March 2012) every day still has one point, at
// local midnight.
func TestConfirmedOverTimeAcrossDST(t *testing.T) {
	c := exampleCampaign(t)
	pts := history(t, c, midCampaign(t, c), "2012-03-27 07:00")
	if len(pts) != 51 {
		t.Fatalf("%d days from 6 February to 27 March, want 51", len(pts))
	}
	for i, p := range pts {
		want := time.Date(2012, 2, 6+i, 0, 0, 0, 0, c.Location)
		if !p.Day.Equal(want) {
			t.Fatalf("point %d is %s, want %s", i, p.Day, want)
		}
	}
	if last := pts[len(pts)-1].Confirmed; last != 1 {
		t.Errorf("%d confirmed by 27 March, want 1", last)
	}
}
