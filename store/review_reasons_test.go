package store

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
)

// OpenReviewReasons counts the open items by reason, of every invitee or of one, items without
// a reason under ""; resolved items count for none.
func TestOpenReviewReasons(t *testing.T) {
	s := openTemp(t)
	agreement, question := campaign.ReasonAgreementReturned, campaign.ReasonQuestion
	reasons := []campaign.ReasonCode{agreement, question, "", agreement, question, agreement}
	addReviews(t, s, []string{"615", "615", "101", "101", "615", "147"}, func(i int) campaign.Reason { return campaign.Reason{Code: reasons[i]} })
	resolve(t, s, 4)
	for code, want := range map[string]map[campaign.ReasonCode]int{
		"":    {agreement: 2, question: 2, "": 1},
		"615": {agreement: 1, question: 2},
		"101": {"": 1},
		"999": {},
	} {
		var got map[campaign.ReasonCode]int
		err := s.View(context.Background(), func(tx *Tx) (err error) { got, err = tx.OpenReviewReasons(code); return err })
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("OpenReviewReasons(%q) = %v, %v; want %v", code, got, err, want)
		}
	}
}

// OpenReviewsPageByReason pages through the open items of some reasons, or of all others,
// oldest first, of every invitee or of one, counting those it selects and those after the
// page's start.
func TestOpenReviewsPageByReason(t *testing.T) {
	s := openTemp(t)
	agreement, question, held := campaign.ReasonAgreementReturned, campaign.ReasonQuestion, campaign.ReasonHeld
	reasons := []campaign.ReasonCode{agreement, question, "", held, question, agreement, question, held}
	addReviews(t, s, []string{"615", "615", "101", "101", "615", "147", "101", "615"}, func(i int) campaign.Reason { return campaign.Reason{Code: reasons[i]} })
	resolve(t, s, 6)
	for _, c := range []struct {
		f     ReasonFilter
		after int64
		limit int
		want  string
	}{
		{ReasonFilter{Codes: []campaign.ReasonCode{question}}, 0, 50, "[2 5 7] 3 3"},
		{ReasonFilter{Codes: []campaign.ReasonCode{question}}, 2, 1, "[5] 3 2"},
		{ReasonFilter{Codes: []campaign.ReasonCode{question, held}}, 0, 0, "[2 4 5 7 8] 5 5"},
		{ReasonFilter{Codes: []campaign.ReasonCode{held, question, held}}, 4, 2, "[5 7] 5 3"},
		{ReasonFilter{Codes: []campaign.ReasonCode{question}, Except: true}, 1, 2, "[3 4] 4 3"},
		{ReasonFilter{Codes: []campaign.ReasonCode{question, agreement, held}, Except: true}, 0, 50, "[3] 1 1"},
		{ReasonFilter{Codes: []campaign.ReasonCode{question}, Invitee: "615"}, 0, 50, "[2 5] 2 2"},
		{ReasonFilter{Codes: []campaign.ReasonCode{agreement}}, 1, 50, "[] 1 0"},
	} {
		var items []Review
		var total, rest int
		err := s.View(context.Background(), func(tx *Tx) (err error) {
			items, total, rest, err = tx.OpenReviewsPageByReason(c.f, c.after, c.limit)
			return err
		})
		ids := make([]int64, len(items))
		for i, rv := range items {
			ids[i] = rv.ID
		}
		if got := fmt.Sprintf("%v %d %d", ids, total, rest); err != nil || got != c.want {
			t.Errorf("OpenReviewsPageByReason(%+v, %d, %d) = %s, %v; want %s", c.f, c.after, c.limit, got, err, c.want)
		}
	}
}

// The queries of open items by reason read the index of open items by reason, that of one
// invitee's open items for one invitee's, in a store without statistics, as rsvpd keeps it,
// and once it has them (ANALYZE) of a store where nearly every item is resolved.
func TestOpenReviewReasonPlans(t *testing.T) {
	s := openTemp(t)
	codes := make([]string, 2000)
	for i := range codes {
		codes[i] = fmt.Sprint(100 + i%100)
	}
	reasons := []campaign.ReasonCode{campaign.ReasonQuestion, campaign.ReasonHeld, campaign.ReasonAgreementReturned}
	addReviews(t, s, codes, func(i int) campaign.Reason { return campaign.Reason{Code: reasons[i%3]} })
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `UPDATE reviews SET resolved_at = 1, notified_at = 1 WHERE id > 40`); err != nil {
		t.Fatal(err)
	}
	queries := map[string]string{
		`SELECT ` + reasonCode + `, COUNT(*) FROM reviews` + openByReason + `WHERE resolved_at = 0 GROUP BY 1`:  "reviews_open_reason",
		`SELECT ` + reasonCode + `, COUNT(*) FROM reviews WHERE invitee = '615' AND resolved_at = 0 GROUP BY 1`: "reviews_open_invitee",
	}
	for _, f := range []ReasonFilter{{Codes: reasons[:1]}, {Codes: reasons, Except: true}, {Codes: reasons[:1], Invitee: "615"}} {
		from, args, err := f.from()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range args {
			from = strings.Replace(from, "?", fmt.Sprintf("'%s'", a), 1)
		}
		index := "reviews_open_reason"
		if f.Invitee != "" {
			index = "reviews_open_invitee"
			// Every invitee's page is a merge of a walk per code (TestQueryPlans).
			queries[`SELECT `+reviewCols+` FROM reviews`+from+` AND id > 10 ORDER BY id LIMIT 50`] = index
		}
		queries[`SELECT COUNT(*), COALESCE(SUM(id > 10), 0) FROM reviews`+from] = index
	}
	for _, stats := range []string{"without statistics", "with statistics"} {
		if stats == "with statistics" {
			if _, err := s.db.ExecContext(ctx, `ANALYZE`); err != nil {
				t.Fatal(err)
			}
		}
		for q, index := range queries {
			if p := queryPlan(t, s, q); !strings.Contains(p, "INDEX "+index) {
				t.Errorf("%s: %s\nplan: %s\nwant it to use %s", stats, q, p, index)
			}
		}
	}
}
