package desk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/store"
)

// openReviews opens n review items, the first at first and each later one a minute after,
// for invitees of the campaign in turn.
func (f *fixture) openReviews(t testing.TB, n int, first time.Time) {
	t.Helper()
	err := f.st.Tx(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			inv := f.c.Invitees[i%len(f.c.Invitees)]
			at := first.Add(time.Duration(i) * time.Minute)
			if _, err := tx.AddReview(store.Review{Invitee: inv.Code, Text: "a question", CreatedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The overview says how many review items wait and how old the oldest is; a resolved item,
// older still, counts for neither.
func TestOverviewCountsOpenReviews(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	if r := c.get("/"); r.status != 200 || !strings.Contains(r.body, "Ingen sager venter.") {
		t.Errorf("the overview with no review items: %d, want 'Ingen sager venter.' in\n%s", r.status, r.body)
	}
	now := f.clock.Now()
	f.openReviews(t, 1, now.Add(-10*24*time.Hour))
	if err := f.st.Tx(context.Background(), func(tx *store.Tx) error {
		return tx.ResolveReview(1, "answered", now)
	}); err != nil {
		t.Fatal(err)
	}
	f.openReviews(t, 3, now.Add(-50*time.Hour))
	r := c.get("/")
	if r.status != 200 || !strings.Contains(r.body, "3 sager venter") || !strings.Contains(r.body, "Den ældste er 2 dage gammel.") {
		t.Errorf("the overview with 3 open items, the oldest 50 hours old: %d, want '3 sager venter' and 'Den ældste er 2 dage gammel.' in\n%s",
			r.status, reviewsCard(r.body))
	}
}

// Every staff page counts the open review items in the menu, the error page too, each in the
// read it makes for the page: every invitee's items, on the page of one invitee's as well.
func TestMenuCountsOpenReviews(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	f.openReviews(t, 7, f.clock.Now().Add(-time.Hour))
	f.addReview(t, "615", "spørgsmål om prisen", "answered by phone")
	badge := `<span class="badge">7</span>`
	for _, p := range []struct {
		path   string
		status int
	}{
		{"/", 200}, {"/invitees", 200}, {"/invitees?state=attending", 200}, {"/invitees/615", 200},
		{"/reviews", 200}, {"/reviews?invitee=615", 200}, {"/reviews?after=3", 200},
		{"/lists", 200}, {"/lists/vejle", 200}, {"/digests", 200}, {"/config", 200}, {"/invitees/nowhere", 404},
	} {
		if r := c.get(p.path); r.status != p.status || strings.Count(r.body, `<span class="badge">`) != 1 || !strings.Contains(r.body, badge) {
			t.Errorf("GET %s: %d, want %d and the menu's %s alone", p.path, r.status, p.status, badge)
		}
	}
}

// reviewsCard is the part of a page around its count of review items.
func reviewsCard(body string) string {
	i := strings.Index(body, "sager venter")
	if i < 0 {
		return body
	}
	return body[max(0, i-200):min(len(body), i+200)]
}

// BenchmarkOverviewOpenReviews is the desk's pages with 20,000 review items open, as a staff
// member who opens them waits for them: the overview and the participant lists (which share
// its data), the invitee list with its count of items per invitee, one invitee's page (about
// 200 of the items are its) and the review items: all of them, the few of one kind and the
// 20,000 of another (the items this benchmark opens have no reason: they are "other").
func BenchmarkOverviewOpenReviews(b *testing.B) {
	f := newFixture(b)
	f.populate(b)
	f.openReviews(b, 20000, f.clock.Now().Add(-30*24*time.Hour))
	var open int
	if err := f.st.View(context.Background(), func(tx *store.Tx) (err error) {
		open, err = tx.OpenReviewCount()
		return err
	}); err != nil || open < 20000 {
		b.Fatalf("%d open review items, %v; want 20,000 and those of the fixture", open, err)
	}
	badge := fmt.Sprintf(`<span class="badge">%d</span>`, open)
	c := f.signIn(b)
	for _, p := range []string{"/", "/lists", "/invitees", "/invitees/615", "/reviews", "/reviews?kind=question", "/reviews?kind=other"} {
		b.Run(p, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest("GET", f.srv.URL+p, nil)
				res, err := c.hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				// The badge in the menu counts the open items on every page.
				if res.StatusCode != http.StatusOK || !strings.Contains(string(body), badge) {
					b.Fatalf("GET %s: %d, or not the %d open items: the figure would be another page's", p, res.StatusCode, open)
				}
			}
		})
	}
}
