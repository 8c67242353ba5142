package desk

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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
