package digest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// BenchmarkDigestScale makes the digest of a campaign of 20,000 invitees (RSVPD_SCALE_INVITEES
// sets another number) in mid-campaign: a third registered, a tenth declined, the rest
// invited, an answer event each for those who answered. It reports the time and the bytes
// allocated per invitee, and the size of the letter, its CSV and its chart. Goal at 100,000:
// at most 5 s.
func BenchmarkDigestScale(b *testing.B) {
	n := 20000
	if s := os.Getenv("RSVPD_SCALE_INVITEES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("RSVPD_SCALE_INVITEES=%q: want a positive number of invitees", s)
		}
	}
	c, st := scaleCampaign(b, n)
	l, err := letters.New(c, "")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2012, 2, 21, 7, 0, 0, 0, c.Location)
	runtime.GC()
	b.ResetTimer()
	m := makeEach(b, st, c, l, now)
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/invitee")
	b.ReportMetric(float64(len(m.Letter.Text)+len(m.Letter.HTML))/1024, "letter-KB")
	b.ReportMetric(float64(len(m.CSV))/1024, "csv-KB")
	b.ReportMetric(float64(len(m.Chart))/1024, "chart-KB")
}

// makeEach makes the digest of the day before now once per benchmark iteration, in a read
// transaction as the daemon does, renders its letter, and returns the last.
func makeEach(b *testing.B, st *store.Store, c *campaign.Campaign, l *letters.Letters, now time.Time) made {
	var m made
	for b.Loop() {
		err := st.View(context.Background(), func(tx *store.Tx) error {
			var err error
			m, err = makeLetter(tx, c, l, Options{Since: now.Add(-24 * time.Hour), Now: now}, "")
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return m
}

// scaleCampaign is the example campaign with n generated invitees, and a store of their state.
func scaleCampaign(b testing.TB, n int) (*campaign.Campaign, *store.Store) {
	b.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	c := cfg.Campaign
	c.Invitees = make([]campaign.Invitee, n)
	for i := range c.Invitees {
		c.Invitees[i] = campaign.Invitee{Code: fmt.Sprintf("i%06d", i), Name: fmt.Sprintf("Kommune %d", i),
			FormalName: fmt.Sprintf("Kommune nr. %d", i), Email: fmt.Sprintf("chef%d@k%d.test", i, i%500), Population: 1000 + i%50000}
	}
	c.Index()
	st := testenv.Store(b)
	at := time.Date(2012, 2, 20, 10, 0, 0, 0, c.Location)
	err = st.Tx(context.Background(), func(tx *store.Tx) error {
		for i, inv := range c.Invitees {
			s := campaign.NewState(inv.Code)
			s.Status, s.UpdatedAt = campaign.StatusInvited, at
			switch {
			case i%3 == 0:
				s.Status, s.Meeting, s.Headcount = campaign.StatusAttending, c.Meetings[i%len(c.Meetings)].ID, 1+i%2
			case i%10 == 1:
				s.Status = campaign.StatusDeclined
			}
			if err := tx.PutState(s); err != nil {
				return err
			}
			if s.Status == campaign.StatusInvited {
				continue
			}
			if err := tx.Log(store.Event{At: at, Invitee: inv.Code, Kind: "answer", Cause: "inbound:" + strconv.Itoa(i),
				Detail: map[string]any{"before": "invited", "after": string(s.Status), "registered": s.Meeting,
					"people": s.Headcount, "class": "human", "intent": "attend"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return c, st
}

// A digest of more invitees than a letter lists keeps the first ListLimit of each list by
// name, as Danish orders names, and counts them all.
func TestDigestKeepsTheFirstByName(t *testing.T) {
	c, st := scaleCampaign(t, 3*letters.ListLimit)
	c.Invitees[5].Name, c.Invitees[7].Name = "Ærø", "Aabenraa" // Danish: Aa (å) and Æ come last
	now := time.Date(2012, 2, 21, 7, 0, 0, 0, c.Location)
	var d letters.DigestData
	err := st.View(context.Background(), func(tx *store.Tx) error {
		var err error
		d, err = Build(tx, c, now.Add(-24*time.Hour), now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// 300 invitees: 100 registered (every third), 20 declined, 180 invited.
	if d.Totals.Unanswered != 180 || len(d.Unanswered) != letters.ListLimit {
		t.Fatalf("unanswered: %d kept of %d, want %d of 180", len(d.Unanswered), d.Totals.Unanswered, letters.ListLimit)
	}
	if d.Totals.Declines != 20 || len(d.Declines) != 20 {
		t.Errorf("declines: %d kept of %d, want 20 of 20", len(d.Declines), d.Totals.Declines)
	}
	names := map[string]bool{}
	for _, x := range d.Unanswered {
		names[x.Invitee.Name] = true
	}
	if !names["Kommune 10"] || names["Ærø"] || names["Aabenraa"] {
		t.Errorf("the kept names are not the first in Danish order: %v", d.Unanswered[:5])
	}
}

// BenchmarkDigestOpenReviews makes the digest of BenchmarkDigestScale's campaign with 20,000
// review items open, one in ten a returned agreement to check: the letter names the oldest
// and counts the rest.
func BenchmarkDigestOpenReviews(b *testing.B) {
	c, st := scaleCampaign(b, 20000)
	openReviews(b, st, c, 20000)
	l, err := letters.New(c, "")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2012, 2, 21, 7, 0, 0, 0, c.Location)
	b.ReportAllocs()
	m := makeEach(b, st, c, l, now)
	b.ReportMetric(float64(len(m.Letter.Text)+len(m.Letter.HTML))/1024, "letter-KB")
	b.ReportMetric(float64(len(m.Chart))/1024, "chart-KB")
}

// openReviews opens n review items about the campaign's invitees in turn, a minute apart: every
// tenth a returned agreement to check, the others a question the reading could not decide.
func openReviews(t testing.TB, st *store.Store, c *campaign.Campaign, n int) {
	t.Helper()
	first := time.Date(2012, 2, 1, 9, 0, 0, 0, c.Location)
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			inv := c.Invitees[i%len(c.Invitees)]
			why := campaign.Reason{Code: campaign.ReasonAnswerUnreadable}
			if i%10 == 0 {
				why = campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: inv.Code}
			}
			if _, err := tx.AddReview(store.Review{Invitee: inv.Code, Why: why, CreatedAt: first.Add(time.Duration(i) * time.Minute)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
