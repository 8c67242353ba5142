package digest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// With thousands of review items open, the digest names the oldest ListLimit that need a
// person and counts the rest exactly, in Danish numbers; the returned agreements to check
// are counted in one line with the age of the oldest, and none of them is listed.
func TestDigestBoundsOpenReviews(t *testing.T) {
	c, st := scaleCampaign(t, 300)
	openReviews(t, st, c, 2500) // every tenth a returned agreement: 250 of them, 2,250 others
	l, err := letters.New(c, "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2012, 2, 21, 7, 0, 0, 0, c.Location)
	var m made
	err = st.View(context.Background(), func(tx *store.Tx) (err error) {
		m, err = makeLetter(tx, c, l, Options{Since: now.Add(-24 * time.Hour), Now: now}, "https://desk.test/")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d := m.Data
	if d.Totals.Review != 2250 || len(d.Review) != letters.ListLimit || d.Review[0].ID != "2" || d.Review[len(d.Review)-1].ID != "112" {
		t.Errorf("review: %d listed of %d, from %s to %s; want the oldest %d of 2,250, items 2 to 112 (every tenth is an agreement)",
			len(d.Review), d.Totals.Review, d.Review[0].ID, d.Review[len(d.Review)-1].ID, letters.ListLimit)
	}
	if d.Totals.ToCheck != 250 || len(d.ToCheck) > letters.ListLimit || d.ToCheck[0].ID != "1" {
		t.Errorf("to check: %d kept of %d, the first %s; want at most %d of 250, the first item 1",
			len(d.ToCheck), d.Totals.ToCheck, d.ToCheck[0].ID, letters.ListLimit)
	}
	text := m.Letter.Text
	for _, want := range []string{"KRÆVER HANDLING (2.250)", "… og 2.150 flere", "Desuden venter 250 returnerede tilslutningsaftaler på kontrol",
		"Sagerne behandles på skrivebordet: https://desk.test/"} {
		if !strings.Contains(text, want) {
			t.Errorf("the letter lacks %q", want)
		}
	}
	if n := strings.Count(text, "\n  Årsag: "); n != letters.ListLimit {
		t.Errorf("the letter lists %d items, want %d", n, letters.ListLimit)
	}
}
