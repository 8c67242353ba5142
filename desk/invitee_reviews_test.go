package desk

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/store"
)

// addReview opens a review item about an invitee with a text of its own, resolved when
// resolution is not "".
func (f *fixture) addReview(t testing.TB, code, text, resolution string) {
	t.Helper()
	now := f.clock.Now()
	err := f.st.Tx(context.Background(), func(tx *store.Tx) error {
		id, err := tx.AddReview(store.Review{Invitee: code, Text: text, CreatedAt: now.Add(-time.Hour)})
		if err != nil || resolution == "" {
			return err
		}
		return tx.ResolveReview(id, resolution, now)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An invitee's page shows its review items, the settled one with its resolution, and counts
// the open ones; another invitee's item is not on it. The list of invitees counts each one's
// open items beside its name, linked to the page of its items.
func TestInviteeReviewItems(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	f.addReview(t, "615", "spørgsmål om prisen", "answered by phone")
	f.addReview(t, "615", "spørgsmål om lokalet", "")
	f.addReview(t, "101", "spørgsmål om datoen", "")
	f.addReview(t, "101", "spørgsmål om parkering", "")
	r := c.get("/invitees/615")
	for _, want := range []string{"spørgsmål om prisen", "answered by phone", "spørgsmål om lokalet", "1 åben sag om denne kommune"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page of 615: %q missing", want)
		}
	}
	if strings.Contains(r.body, "spørgsmål om datoen") {
		t.Error("the page of 615 shows an item about 101")
	}
	if r := c.get("/invitees/101"); !strings.Contains(r.body, "2 åbne sager om denne kommune") {
		t.Error(`the page of 101 does not say "2 åbne sager om denne kommune"`)
	}
	r = c.get("/invitees")
	badges := map[string]string{}
	for _, m := range regexp.MustCompile(`<a href="/invitees/(\w+)">[^<]*</a> <a class="badge" href="/reviews\?invitee=(\w+)">(\d+)</a>`).FindAllStringSubmatch(r.body, -1) {
		if m[1] != m[2] {
			t.Errorf("the count beside %s links to the items of %s", m[1], m[2])
		}
		badges[m[1]] = m[3]
	}
	if len(badges) != 2 || badges["615"] != "1" || badges["101"] != "2" {
		t.Errorf("the list counts open items %v, want 615: 1 and 101: 2 only", badges)
	}
}
