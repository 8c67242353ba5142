package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// addReviews opens one item per code, in order, at the same time; ids start at 1.
func addReviews(t testing.TB, s *Store, codes []string, why func(i int) campaign.Reason) {
	t.Helper()
	at := time.Date(2012, 2, 7, 9, 0, 0, 0, time.UTC)
	err := s.Tx(context.Background(), func(tx *Tx) error {
		for i, code := range codes {
			rv := Review{Invitee: code, Text: "x", CreatedAt: at}
			if why != nil {
				rv.Why = why(i)
			}
			if _, err := tx.AddReview(rv); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func resolve(t *testing.T, s *Store, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		if err := s.Tx(context.Background(), func(tx *Tx) error { return tx.ResolveReview(id, "answered", time.Now()) }); err != nil {
			t.Fatal(err)
		}
	}
}

// ReviewsOf gives one invitee's items, resolved ones too, oldest first, and none of another
// invitee (not one whose code begins with the same digits).
func TestReviewsOf(t *testing.T) {
	s := openTemp(t)
	addReviews(t, s, []string{"615", "6150", "", "615", "101", "615"}, nil)
	resolve(t, s, 4)
	for code, want := range map[string][]int64{"615": {1, 4, 6}, "6150": {2}, "": {3}, "147": nil} {
		got, err := idsOf(s, func(tx *Tx) ([]Review, error) { return tx.ReviewsOf(code) })
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ReviewsOf(%q) = %v, %v; want %v", code, got, err, want)
		}
	}
}

// OpenReviewCounts counts the open items of the invitees asked about only, and leaves out an
// invitee whose items are all resolved.
func TestOpenReviewCounts(t *testing.T) {
	s := openTemp(t)
	addReviews(t, s, []string{"615", "6150", "615", "101", "615", "147"}, nil)
	resolve(t, s, 3, 6)
	for _, c := range []struct {
		codes []string
		want  map[string]int
	}{
		{[]string{"615", "101", "147", "999"}, map[string]int{"615": 2, "101": 1}},
		{[]string{"6150"}, map[string]int{"6150": 1}},
		{nil, map[string]int{}},
	} {
		var got map[string]int
		err := s.View(context.Background(), func(tx *Tx) (err error) { got, err = tx.OpenReviewCounts(c.codes); return err })
		if err != nil || !maps.Equal(got, c.want) {
			t.Errorf("OpenReviewCounts(%v) = %v, %v; want %v", c.codes, got, err, c.want)
		}
	}
}

// OpenReviewsPage and OpenReviewsPageOf page through the open items, every invitee's or one
// invitee's, oldest first, counting them all and those after the page's start: no resolved
// item, and for one invitee none of another (not one whose code begins with the same digits).
func TestOpenReviewsPage(t *testing.T) {
	s := openTemp(t)
	addReviews(t, s, []string{"615", "6150", "615", "101", "615", "615", "615"}, nil)
	resolve(t, s, 5)
	for _, c := range []struct {
		code  string // "*": every invitee's
		after int64
		limit int
		want  string // the items, how many are open, how many after after
	}{
		{"615", 0, 2, "[1 3] 4 4"},
		{"615", 3, 2, "[6 7] 4 2"},
		{"615", 6, 2, "[7] 4 1"},
		{"615", 7, 2, "[] 4 0"},
		{"615", 0, 0, "[1 3 6 7] 4 4"},
		{"6150", 0, 2, "[2] 1 1"},
		{"147", 0, 2, "[] 0 0"},
		{"*", 0, 3, "[1 2 3] 6 6"},
		{"*", 3, 3, "[4 6 7] 6 3"},
		{"*", 6, 3, "[7] 6 1"},
	} {
		var items []Review
		var open, rest int
		err := s.View(context.Background(), func(tx *Tx) (err error) {
			if c.code == "*" {
				items, open, rest, err = tx.OpenReviewsPage(c.after, c.limit)
			} else {
				items, open, rest, err = tx.OpenReviewsPageOf(c.code, c.after, c.limit)
			}
			return err
		})
		ids := []int64{}
		for _, rv := range items {
			ids = append(ids, rv.ID)
		}
		if got := fmt.Sprint(ids, open, rest); err != nil || got != c.want {
			t.Errorf("open items of %q after %d, %d a page = %s, %v; want %s", c.code, c.after, c.limit, got, err, c.want)
		}
	}
}

// ReviewsOfInbound gives the items about one stored message, resolved ones too, oldest first,
// and none about another message or none.
func TestReviewsOfInbound(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for uid := range uint32(2) {
		if _, _, err := s.AddInbound(ctx, Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid + 1, Raw: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Tx(ctx, func(tx *Tx) error {
		for i, inbound := range []int64{0, 1, 2, 1, 0, 1} {
			if _, err := tx.AddReview(Review{Inbound: inbound, Invitee: "615", Text: fmt.Sprint(i), CreatedAt: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	resolve(t, s, 4)
	for inbound, want := range map[int64][]int64{1: {2, 4, 6}, 2: {3}, 3: nil} {
		got, err := idsOf(s, func(tx *Tx) ([]Review, error) { return tx.ReviewsOfInbound(inbound) })
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ReviewsOfInbound(%d) = %v, %v; want %v", inbound, got, err, want)
		}
	}
}

// OpenReviewsSplit lists the first open items of a reason and of every other (an item without
// a reason among them), oldest first, and counts each part.
func TestOpenReviewsSplit(t *testing.T) {
	s := openTemp(t)
	reasons := []campaign.ReasonCode{campaign.ReasonAgreementReturned, campaign.ReasonAnswerUnreadable, "",
		campaign.ReasonAgreementReturned, campaign.ReasonUnknownSender, campaign.ReasonAgreementReturned, campaign.ReasonAnswerUnreadable}
	addReviews(t, s, make([]string, len(reasons)), func(i int) campaign.Reason { return campaign.Reason{Code: reasons[i]} })
	resolve(t, s, 4, 5)
	for _, c := range []struct {
		limit int
		want  string
	}{
		{5, "[1 6] 2, [2 3 7] 3"},
		{2, "[1 6] 2, [2 3] 3"},
		{1, "[1] 2, [2] 3"},
		{0, "[] 2, [] 3"},
	} {
		var sp ReasonSplit
		err := s.View(context.Background(), func(tx *Tx) (err error) {
			sp, err = tx.OpenReviewsSplit(campaign.ReasonAgreementReturned, c.limit)
			return err
		})
		ids := func(items []Review) []int64 {
			out := []int64{}
			for _, rv := range items {
				out = append(out, rv.ID)
			}
			return out
		}
		if got := fmt.Sprintf("%v %d, %v %d", ids(sp.Of), sp.NOf, ids(sp.Others), sp.NOthers); err != nil || got != c.want {
			t.Errorf("OpenReviewsSplit(limit %d) = %s, %v; want %s", c.limit, got, err, c.want)
		}
	}
}

// LastReviewNotification is the latest time the staff was told of an item, resolved or
// open, and zero before the first; it reads it from the index of notified_at, once the store
// has statistics too, not from every item. Without that index SQLite's plan also said SEARCH,
// of the index (resolved_at, notified_at) there was, but walked all of it: 7 ms a call with
// 200,000 items, 9 µs from reviews_notified.
func TestLastReviewNotification(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	last := func() time.Time {
		t.Helper()
		var at time.Time
		if err := s.View(ctx, func(tx *Tx) (err error) { at, err = tx.LastReviewNotification(); return err }); err != nil {
			t.Fatal(err)
		}
		return at
	}
	if at := last(); !at.IsZero() {
		t.Errorf("before any notification: %v, want zero", at)
	}
	addReviews(t, s, make([]string, 2000), nil)
	first := time.Date(2012, 2, 7, 10, 0, 0, 0, time.UTC)
	err := s.Tx(ctx, func(tx *Tx) error {
		if err := tx.MarkNotified([]int64{1, 2, 3}, first.Add(time.Hour)); err != nil {
			return err
		}
		return tx.MarkNotified([]int64{4, 5}, first)
	})
	if err != nil {
		t.Fatal(err)
	}
	resolve(t, s, 1, 2, 3)
	if at := last(); !at.Equal(first.Add(time.Hour)) {
		t.Errorf("last notification %v, want %v (of items resolved since)", at, first.Add(time.Hour))
	}
	if _, err := s.db.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if p := queryPlan(t, s, `SELECT COALESCE(MAX(notified_at), 0) FROM reviews`); !strings.Contains(p, "SEARCH reviews USING COVERING INDEX reviews_notified") {
		t.Errorf("the last notification's plan: %s; want a search of reviews_notified", p)
	}
}

// queryPlan is SQLite's plan of a query with its arguments, its steps joined by "; ".
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// idsOf runs a query of review items in a read transaction and gives the items' ids.
func idsOf(s *Store, query func(tx *Tx) ([]Review, error)) ([]int64, error) {
	var ids []int64
	err := s.View(context.Background(), func(tx *Tx) error {
		items, err := query(tx)
		for _, rv := range items {
			ids = append(ids, rv.ID)
		}
		return err
	})
	return ids, err
}

// BenchmarkReviewsPage reads the first page of `rsvpd review` (100 items, the command's
// default) with 20,000 items open, in a store without statistics, as rsvpd keeps it.
func BenchmarkReviewsPage(b *testing.B) {
	s := openTemp(b)
	addReviews(b, s, make([]string, 20000), func(int) campaign.Reason { return campaign.Reason{Code: campaign.ReasonQuestion} })
	for _, openOnly := range []bool{true, false} {
		b.Run(fmt.Sprintf("open=%v", openOnly), func(b *testing.B) {
			for b.Loop() {
				var items []Review
				var more bool
				err := s.View(context.Background(), func(tx *Tx) (err error) {
					items, more, err = tx.ReviewsPage(openOnly, 0, 100)
					return err
				})
				if err != nil || len(items) != 100 || !more || items[0].ID != 1 {
					b.Fatalf("a page of %d items (more follow: %v), %v; want 100 from the first, more following", len(items), more, err)
				}
			}
		})
	}
}
