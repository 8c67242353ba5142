package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// planCase is a query of the store, its arguments, and the index its plan must read
// ("INTEGER PRIMARY KEY": the table's ids from a page's start; "": any that sorts nothing).
type planCase struct {
	name  string
	query string
	args  []any
	index string
}

// pageQueries are the store's queries that read a page (LIMIT) or count what a page shows,
// built as the store builds them, with a page's arguments.
func pageQueries() []planCase {
	var cases []planCase
	for _, open := range []bool{true, false} {
		index := "INTEGER PRIMARY KEY"
		if open {
			index = "reviews_open_id"
		}
		cases = append(cases, planCase{fmt.Sprintf("ReviewsPage(open %v)", open), reviewsPageQuery(open, 100), []any{10}, index})
	}
	cases = append(cases,
		planCase{"OpenReviewsPage count", openPageCount, []any{10}, "reviews_open_id"},
		planCase{"OpenReviewsPage", openPageList + " LIMIT 50", []any{10}, "reviews_open_id"},
		planCase{"OpenReviewsPageOf count", openPageOfCount, []any{10, "615"}, "reviews_open_invitee"},
		planCase{"OpenReviewsPageOf", openPageOfList + " LIMIT 50", []any{"615", 10}, "reviews_open_invitee"},
		planCase{"OpenReviewsSplit count", openSplitCount, []any{"agreement_returned"}, "reviews_open_id"},
		planCase{"OpenReviewsSplit of a reason", openSplitOf, []any{"agreement_returned", 100}, "reviews_open_reason"},
		planCase{"OpenReviewsSplit of the others", openSplitOthers, []any{"agreement_returned", 100}, "reviews_open_id"},
		planCase{"Due", dueQuery, []any{time.Now().UnixMilli(), 100}, "outbox_pending"})
	for _, codes := range [][]string{{"question"}, {"question", "bounced", "held"}} {
		q, args := byReasonPage(codes, 10)
		cases = append(cases, planCase{fmt.Sprintf("OpenReviewsPageByReason(%v)", codes), q + " LIMIT 50", args, "reviews_open_reason"})
	}
	of615, args, _ := ReasonFilter{Codes: []campaign.ReasonCode{campaign.ReasonQuestion}, Invitee: "615"}.from()
	cases = append(cases, planCase{"OpenReviewsPageByReason of an invitee",
		`SELECT ` + reviewCols + ` FROM reviews` + of615 + ` AND id > ? ORDER BY id LIMIT 50`, append(args, 10), "reviews_open_invitee"})
	cases = append(cases, planCase{"the reasons of open items", openReasons, nil, "reviews_open_reason"})
	for _, kinds := range [][]string{nil, {"digest", "participants"}} {
		q, args := sentRowsQuery("staff", kinds, 100, 20)
		cases = append(cases, planCase{fmt.Sprintf("SentRows(%v)", kinds), q, args, "outbox_invitee"})
	}
	// The events of a kind or an invitee come from events_kind, events_invitee or the ids,
	// whichever the statistics favour: each in id order.
	for _, f := range []EventFilter{{}, {Kind: "answer"}, {Invitee: "615"}, {Invitee: "615", Kind: "answer"}} {
		f.AfterID, f.Limit = 10, 50
		index := ""
		if f.Kind == "" && f.Invitee == "" {
			index = "INTEGER PRIMARY KEY"
		}
		q, args := eventsQuery(f)
		cases = append(cases, planCase{fmt.Sprintf("Events(%q, %q)", f.Invitee, f.Kind), q, args, index})
	}
	return cases
}

// reviewQueries are the store's other queries of review items, as the store writes them.
var reviewQueries = []planCase{
	{"OpenReviewCount", `SELECT COUNT(*) FROM reviews WHERE resolved_at = 0`, nil, "reviews_open_id"},
	{"OpenReviewStats", `SELECT COUNT(*), MIN(id) FROM reviews WHERE resolved_at = 0`, nil, "reviews_open_id"},
	{"Reviews(open)", `SELECT ` + reviewCols + ` FROM reviews WHERE resolved_at = 0 ORDER BY id`, nil, "reviews_open_id"},
	{"OpenReviewsOf", `SELECT ` + reviewCols + ` FROM reviews WHERE invitee = ? AND resolved_at = 0 ORDER BY id`, []any{"615"}, "reviews_open_invitee"},
	{"OpenReviewCounts", `SELECT invitee, COUNT(*) FROM reviews WHERE resolved_at = 0 AND invitee IN (SELECT value FROM json_each(?)) GROUP BY invitee`,
		[]any{`["615"]`}, "reviews_open_invitee"},
	{"ReviewsOf", `SELECT ` + reviewCols + ` FROM reviews WHERE invitee = ? ORDER BY id`, []any{"615"}, "reviews_invitee"},
	{"ReviewsOfInbound", `SELECT ` + reviewCols + ` FROM reviews WHERE inbound = ? ORDER BY id`, []any{7}, "reviews_inbound"},
	{"UnnotifiedReviews", `SELECT ` + reviewCols + ` FROM reviews WHERE resolved_at = 0 AND notified_at = 0 ORDER BY id`, nil, "reviews_notified"},
	{"LastReviewNotification", `SELECT COALESCE(MAX(notified_at), 0) FROM reviews`, nil, "reviews_notified"},
}

// Every page the store reads, and every query of review items, reads the index made for it
// and sorts nothing: in a store without statistics, as rsvpd keeps it (it never runs ANALYZE),
// and in one with the statistics of a store where nearly every item is resolved and notified
// and nearly every message sent, which an operator's ANALYZE would give. Without statistics
// SQLite counts an equality on an index's first column as a few rows: an index beginning with
// resolved_at made it read every open item and sort them all for a page of 100.
func TestQueryPlans(t *testing.T) {
	s := openTemp(t)
	fillForPlans(t, s)
	cases := append(pageQueries(), reviewQueries...)
	check := func(t *testing.T) {
		for _, c := range cases {
			if p := queryPlan(t, s, c.query, c.args...); strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, c.index) {
				t.Errorf("%s: plan %s\nwant a read of %q in the order asked, no sort", c.name, p, c.index)
			}
		}
	}
	t.Run("without statistics", check)
	ctx := context.Background()
	for _, q := range []string{`UPDATE reviews SET resolved_at = 1, notified_at = 1 WHERE id > 40`,
		`UPDATE outbox SET status = 'sent', sent_at = 1 WHERE id > 40`, `ANALYZE`} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("with statistics", check)
}

// fillForPlans writes 2,000 review items, events and outbox rows of 100 invitees, so that
// ANALYZE has something to count.
func fillForPlans(t *testing.T, s *Store) {
	t.Helper()
	codes := make([]string, 2000)
	for i := range codes {
		codes[i] = fmt.Sprint(100 + i%100)
	}
	reasons := []campaign.ReasonCode{campaign.ReasonAgreementReturned, campaign.ReasonQuestion, campaign.ReasonBounced}
	addReviews(t, s, codes, func(i int) campaign.Reason { return campaign.Reason{Code: reasons[i%len(reasons)]} })
	at := time.Date(2012, 2, 7, 9, 0, 0, 0, time.UTC)
	kinds := []string{"answer", "queued", "agreement", "failed"}
	err := s.Tx(context.Background(), func(tx *Tx) error {
		for i, code := range codes {
			if err := tx.Log(Event{At: at, Invitee: code, Kind: kinds[i%len(kinds)], Cause: "test"}); err != nil {
				return err
			}
			key := fmt.Sprintf("invitation/%s/%d", code, i)
			if _, err := tx.Enqueue(Outgoing{Key: key, Kind: "invitation", Invitee: code, Recipient: "x@example.dk",
				MessageID: key, NextAttempt: at, CreatedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
