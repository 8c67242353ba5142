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
func makeDigest(t *testing.T) (*campaign.Campaign, *store.Store, Message) {
	t.Helper()
	c := exampleCampaign(t)
	st := midCampaign(t, c)
	l, err := letters.New(c, "")
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	err = st.Tx(context.Background(), func(tx *store.Tx) error {
		m, err = Make(tx, c, l, at(t, c, scriptSince), at(t, c, scriptNow))
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
	wantSubject := "Dagsoversigt 21. februar 2012: 9 tilmeldt, 2 aftaler modtaget – Dialogmøde om det nye fælles bibliotekssystem"
	if m.Letter.Subject != wantSubject {
		t.Errorf("subject = %q, want %q", m.Letter.Subject, wantSubject)
	}
	for _, tc := range []struct{ name, want string }{
		{"period", "Dagsoversigt tirsdag den 21. februar 2012 kl. 7.00, nyt siden mandag den 20. februar 2012 kl. 7.00\n"},
		{"Aalborg", "Aalborg, tirsdag den 28. februar 2012: 3 kommuner, 5 personer af 90 pladser (85 ledige)\n"},
		{"Roskilde", "Roskilde, torsdag den 1. marts 2012: 4 kommuner, 7 personer af 120 pladser (113 ledige)\n"},
		{"Vejle", "Vejle, tirsdag den 6. marts 2012: 2 kommuner, 3 personer af 120 pladser (117 ledige)\n"},
		{"total", "I alt: 9 kommuner, 15 personer\n"},
		{"threshold", "TILSLUTNING (GRÆNSE 50 %)\n"},
		{"share of municipalities", "Kommuner: 2 af 98 (2,0 %)\n"},
		{"share of population", "Indbyggere: 649.265 af 5.580.413 (11,6 %)\nGrænsen er ikke nået endnu.\n"},
		{"new answers", "NYE SVAR (4)\n" +
			"Vejle: tilmeldt Vejle, to personer (20. februar 2012 kl. 10.15)\n" +
			"Roskilde: tilmeldt Roskilde, to personer (20. februar 2012 kl. 11.00)\n" +
			"Kolding: tilmeldt Vejle, én person (20. februar 2012 kl. 14.30)\n" +
			"Bornholm: afbud (20. februar 2012 kl. 16.00)\n\n"},
		{"declines", "AFBUD (2)\nBornholm, Dragør\n"},
		{"not answered", "MANGLER SVAR (86)\nAlbertslund (mail når ikke frem), Allerød, "},
		{"review count", "TIL GENNEMSYN (5)\n"},
		{"review: bounce", "1: Undelivered Mail Returned to Sender\n" +
			"  Fra: mailer-daemon@mx.herlev.kommune.test (Herlev), 6. februar 2012 kl. 9.05\n" +
			"  Årsag: Mail til bibliotekschef@herlev.kommune.test kan ikke leveres (5.1.1, ukendt modtager). Find en anden adresse.\n"},
		{"review: unclear", "4: Sv: Dialogmøde om det nye fælles bibliotekssystem\n" +
			"  Fra: bibliotekschef@gladsaxe.kommune.test (Gladsaxe), 17. februar 2012 kl. 14.00\n" +
			"  Årsag: Svaret kunne ikke tolkes.\n"},
		{"review: no message", "  Fra: bibliotekschef@koebenhavn.kommune.test (København), 20. februar 2012 kl. 9.30\n"},
		{"review: unknown sender", "6: Spørgsmål om prisen\n  Fra: jens.hansen@example.test, 20. februar 2012 kl. 17.00\n"},
		{"review: failed send", "2:\n  Fra: bibliotekschef@albertslund.kommune.test (Albertslund), 6. februar 2012 kl. 9.01\n" +
			"  Årsag: Invitationen til bibliotekschef@albertslund.kommune.test kunne ikke leveres: 550 5.7.1 <bibliotekschef@albertslund.kommune.test>: Relay access denied.\n"},
		{"bounces", "AFVISTE MAILS (3)\n" +
			"Albertslund: bibliotekschef@albertslund.kommune.test, permanent fejl: 550 5.7.1 <bibliotekschef@albertslund.kommune.test>: Relay access denied\n" +
			"Herlev: bibliotekschef@herlev.kommune.test, permanent fejl: 550 5.1.1 <bibliotekschef@herlev.kommune.test>: Recipient address rejected: User unknown\n" +
			"Hvidovre: bibliotekschef@hvidovre.kommune.test, midlertidig fejl, prøves igen: 452 4.2.2 Mailbox full\n\n"},
		{"away", "FRAVÆRSBESKEDER (2)\nGlostrup: tilbage mandag den 27. februar 2012\nLyngby-Taarbæk: ingen dato for hjemkomst\n"},
		{"agreements", "MODTAGNE TILSLUTNINGSAFTALER (2)\nFrederiksberg, København (ikke bekræftet)\n"},
		{"attachment", "Hele status for alle inviterede er vedhæftet som status-2012-02-21.csv.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(m.Letter.Text, tc.want) {
				t.Errorf("the text part lacks\n%s\n--- text:\n%s", tc.want, m.Letter.Text)
			}
		})
	}
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
			name, undeliverable := strings.CutSuffix(n, " (mail når ikke frem)")
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
			"<strong>Roskilde</strong>", "649.265", "Spørgsmål om prisen"} {
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
	if len(d.Declines) != tot.Declined || len(d.Unanswered) != tot.NotAnswered || d.Progress.Joined != tot.Agreements {
		t.Errorf("declines %d, not answered %d, joined %d; status %d, %d, %d",
			len(d.Declines), len(d.Unanswered), d.Progress.Joined, tot.Declined, tot.NotAnswered, tot.Agreements)
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

// The chart's line: invitees answered per day, from the invitations to the digest's day.
func TestAnswersOverTime(t *testing.T) {
	c := exampleCampaign(t)
	st := midCampaign(t, c)
	var pts []Point
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		pts, err = AnswersOverTime(tx, c, at(t, c, scriptNow))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 16 {
		t.Fatalf("%d days from 6 to 21 February, want 16", len(pts))
	}
	for _, tc := range []struct {
		day  string
		want int
	}{{"2012-02-06", 0}, {"2012-02-07", 1}, {"2012-02-10", 4}, {"2012-02-17", 9}, {"2012-02-19", 9}, {"2012-02-20", 12}, {"2012-02-21", 12}} {
		t.Run(tc.day, func(t *testing.T) {
			for _, p := range pts {
				if p.Day.Format("2006-01-02") == tc.day {
					if p.Answered != tc.want || p.Day.Hour() != 0 || p.Day.Location() != c.Location {
						t.Errorf("%s: %d answered (day starts %s), want %d at local midnight", tc.day, p.Answered, p.Day, tc.want)
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
func TestAnswersOverTimeAcrossDST(t *testing.T) {
	c := exampleCampaign(t)
	st := midCampaign(t, c)
	var pts []Point
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		pts, err = AnswersOverTime(tx, c, at(t, c, "2012-03-27 07:00"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 51 {
		t.Fatalf("%d days from 6 February to 27 March, want 51", len(pts))
	}
	for i, p := range pts {
		want := time.Date(2012, 2, 6+i, 0, 0, 0, 0, c.Location)
		if !p.Day.Equal(want) {
			t.Fatalf("point %d is %s, want %s", i, p.Day, want)
		}
	}
	if last := pts[len(pts)-1].Answered; last != 12 {
		t.Errorf("%d answered by 27 March, want 12", last)
	}
}
