package desk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/store"
)

// The review items come a page at a time, the oldest first, each page saying which of how
// many it shows and linking to the next; the last page links back to the first only.
func TestReviewsPaged(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	n := 2*reviewsPerPage + 20
	f.openReviews(t, n, f.clock.Now().Add(-30*24*time.Hour))
	cards := regexp.MustCompile(`data-review="(\d+)"`)
	next := regexp.MustCompile(`<a href="/reviews\?after=(\d+)" rel="next">`)
	var seen []int
	path := "/reviews"
	for page := 1; ; page++ {
		r := c.get(path)
		if r.status != 200 {
			t.Fatalf("GET %s: %d", path, r.status)
		}
		var ids []int
		for _, m := range cards.FindAllStringSubmatch(r.body, -1) {
			id, _ := strconv.Atoi(m[1])
			ids = append(ids, id)
		}
		from := len(seen) + 1
		shown := fmt.Sprintf("%d–%d af %d åbne sager vises, de ældste først.", from, len(seen)+len(ids), n)
		if !strings.Contains(r.body, shown) {
			t.Errorf("page %d: %q missing", page, shown)
		}
		if page > 1 && !strings.Contains(r.body, `<a href="/reviews">← Første side</a>`) {
			t.Errorf("page %d: no link to the first page", page)
		}
		seen = append(seen, ids...)
		m := next.FindStringSubmatch(r.body)
		if m == nil {
			break
		}
		if page > 3 {
			t.Fatal("more than three pages of 120 items")
		}
		path = "/reviews?after=" + m[1]
	}
	if len(seen) != n {
		t.Fatalf("%d items shown over the pages, want %d", len(seen), n)
	}
	for i, id := range seen {
		if id != i+1 {
			t.Fatalf("item %d shown as the %d. of the pages, want the items in order, the oldest first: %v", id, i+1, seen)
		}
	}
}

// The count of an invitee's open items in the list of invitees links to the page of that
// invitee's items alone, oldest first, a page at a time, which says whose items it shows and
// links to all; settling an item there, or confirming an agreement, comes back to the same
// items at the same page. A code of no invitee is no page.
func TestReviewsOfInvitee(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	f.deliver(t, f.agreementReply(t, "615"))
	n := 2*reviewsPerPage + 5
	for i := range n {
		f.addReview(t, "101", fmt.Sprintf("spørgsmål %d om datoen", i), "")
		f.addReview(t, "615", fmt.Sprintf("spørgsmål %d om prisen", i), "")
	}
	var want []int
	if err := f.st.View(context.Background(), func(tx *store.Tx) error {
		items, err := tx.OpenReviewsOf("615")
		for _, rv := range items {
			want = append(want, int(rv.ID))
		}
		return err
	}); err != nil || len(want) != n+1 {
		t.Fatalf("615 has %d open items, %v; want %d", len(want), err, n+1)
	}
	list := c.get("/invitees?q=Horsens")
	badge := fmt.Sprintf(`<a class="badge" href="/reviews?invitee=615">%d</a>`, n+1)
	if !strings.Contains(list.body, badge) {
		t.Fatalf("the list of invitees lacks %s", badge)
	}
	if r := c.get("/invitees/615"); !strings.Contains(r.body, `<a href="/reviews?invitee=615">`) {
		t.Error("the invitee's page does not link to its items")
	}
	cards := regexp.MustCompile(`data-review="(\d+)" data-invitee="(\w+)"`)
	next := regexp.MustCompile(`<a href="/reviews\?after=(\d+)&amp;invitee=615" rel="next">`)
	var seen []int
	var pages []string
	for path := "/reviews?invitee=615"; path != ""; {
		r := c.get(path)
		if r.status != 200 || !strings.Contains(r.body, `data-filter="615">Viser kun sagerne om Horsens — <a href="/reviews">vis alle sager</a>`) {
			t.Fatalf("GET %s: %d, or it does not say it shows the items of Horsens only", path, r.status)
		}
		for _, m := range cards.FindAllStringSubmatch(r.body, -1) {
			if m[2] != "615" {
				t.Errorf("%s shows item %s about %s", path, m[1], m[2])
			}
			id, _ := strconv.Atoi(m[1])
			seen = append(seen, id)
		}
		pages, path = append(pages, path), ""
		if m := next.FindStringSubmatch(r.body); m != nil && len(pages) < 4 {
			path = "/reviews?after=" + m[1] + "&invitee=615"
		}
	}
	if !slices.Equal(seen, want) || len(pages) != 3 {
		t.Fatalf("the pages of 615's items showed %v over %d pages; want %v over 3", seen, len(pages), want)
	}
	// Settle the first item of the second page: back to the second page of 615's items.
	second := c.get(pages[1])
	if !strings.Contains(second.body, fmt.Sprintf("%d–%d af %d åbne sager vises", reviewsPerPage+1, 2*reviewsPerPage, n+1)) {
		t.Errorf("the second page does not say which of 615's items it shows")
	}
	id := seen[reviewsPerPage]
	after := strings.TrimPrefix(strings.TrimSuffix(pages[1], "&invitee=615"), "/reviews?after=")
	action := fmt.Sprintf(`action="/reviews/%d?after=%s&amp;invitee=615"`, id, after)
	if !strings.Contains(second.body, action) {
		t.Fatalf("the item's form does not carry the page: want %s", action)
	}
	r := c.post(fmt.Sprintf("/reviews/%d?after=%s&invitee=615", id, after), url.Values{"csrf": {csrf(t, second.body)}, "action": {"ignore"}})
	back := fmt.Sprintf("/reviews?after=%s&done=%d&invitee=615#done", after, id)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != back {
		t.Fatalf("settling item %d: %d to %q, want %d to %q", id, r.status, r.header.Get("Location"), http.StatusSeeOther, back)
	}
	r = c.get(back)
	if !strings.Contains(r.body, fmt.Sprintf("Sag %d er afgjort.", id)) || !strings.Contains(r.body, `data-filter="615"`) ||
		strings.Contains(r.body, fmt.Sprintf(`data-review="%d"`, id)) ||
		!strings.Contains(r.body, fmt.Sprintf("%d–%d af %d åbne sager vises", reviewsPerPage+1, 2*reviewsPerPage, n)) {
		t.Errorf("after settling item %d the page is not 615's second page without it", id)
	}
	// Confirm the returned agreement from the first page: back to 615's items, where the item was.
	first := c.get("/reviews?invitee=615")
	wantBack := fmt.Sprintf("/reviews?confirmed=615&done=%d&invitee=615#done", want[0])
	r = c.post("/agreements/615/confirm", url.Values{"csrf": {csrf(t, first.body)}, "back": {wantBack}})
	if !strings.Contains(first.body, `name="back" value="`+strings.ReplaceAll(wantBack, "&", "&amp;")+`"`) ||
		r.status != http.StatusSeeOther || r.header.Get("Location") != wantBack {
		t.Errorf("confirming the agreement from 615's items: %d to %q, or the form has no way back", r.status, r.header.Get("Location"))
	}
	if r := c.get("/reviews?invitee=nowhere"); r.status != http.StatusNotFound {
		t.Errorf("the items of no invitee: %d, want %d", r.status, http.StatusNotFound)
	}
}
