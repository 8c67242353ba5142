package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Review is an item for the staff: a message or state the daemon could not decide alone.
type Review struct {
	ID      int64
	Inbound int64 // the message it is about, 0 when none
	Invitee string
	// Why is the reason as data. Items opened before reasons were data have none: their
	// English sentence is in Text.
	Why  campaign.Reason
	Text string
	// Suggestion is the answer a held reading suggests: accepting the item applies it.
	Suggestion *campaign.Answer
	CreatedAt  time.Time
	NotifiedAt time.Time
	ResolvedAt time.Time
	Resolution string
}

const reviewCols = `id, COALESCE(inbound, 0), invitee, reason, why, suggestion, created_at, notified_at, resolved_at, resolution`

func scanReview(r scanner) (Review, error) {
	var rv Review
	var why, suggestion string
	var created, notified, resolved int64
	err := r.Scan(&rv.ID, &rv.Inbound, &rv.Invitee, &rv.Text, &why, &suggestion, &created, &notified, &resolved, &rv.Resolution)
	if err != nil {
		return rv, err
	}
	rv.CreatedAt, rv.NotifiedAt, rv.ResolvedAt = fromMS(created), fromMS(notified), fromMS(resolved)
	if why != "" {
		if err := json.Unmarshal([]byte(why), &rv.Why); err != nil {
			return rv, fmt.Errorf("review %d: reason: %w", rv.ID, err)
		}
	}
	if suggestion != "" {
		rv.Suggestion = new(campaign.Answer)
		if err := json.Unmarshal([]byte(suggestion), rv.Suggestion); err != nil {
			return rv, fmt.Errorf("review %d: suggestion: %w", rv.ID, err)
		}
	}
	return rv, nil
}

// AddReview opens a review item.
func (tx *Tx) AddReview(r Review) (int64, error) {
	var inbound any
	if r.Inbound != 0 {
		inbound = r.Inbound
	}
	why, suggestion := "", ""
	if !r.Why.IsZero() {
		b, err := json.Marshal(r.Why)
		if err != nil {
			return 0, fmt.Errorf("open review for %q: %w", r.Invitee, err)
		}
		why = string(b)
	}
	if r.Suggestion != nil {
		b, err := json.Marshal(r.Suggestion)
		if err != nil {
			return 0, fmt.Errorf("open review for %q: %w", r.Invitee, err)
		}
		suggestion = string(b)
	}
	res, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO reviews (inbound, invitee, reason, why, suggestion, created_at) VALUES (?,?,?,?,?,?)`,
		inbound, r.Invitee, r.Text, why, suggestion, ms(r.CreatedAt))
	if err != nil {
		return 0, fmt.Errorf("open review for %q: %w", r.Invitee, err)
	}
	return res.LastInsertId()
}

// Review returns one review item.
func (tx *Tx) Review(id int64) (Review, error) {
	rv, err := scanReview(tx.tx.QueryRowContext(tx.ctx, `SELECT `+reviewCols+` FROM reviews WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return rv, fmt.Errorf("review %d: %w", id, ErrNotFound)
	}
	return rv, err
}

// Reviews lists review items: open ones only, or all; oldest first.
func (tx *Tx) Reviews(openOnly bool) ([]Review, error) {
	q := `SELECT ` + reviewCols + ` FROM reviews`
	if openOnly {
		q += ` WHERE resolved_at = 0`
	}
	return tx.queryReviews(q + ` ORDER BY id`)
}

// OpenReviewCount counts the review items not resolved yet, from the index of open items,
// without reading them.
func (tx *Tx) OpenReviewCount() (int, error) {
	var n int
	if err := tx.tx.QueryRowContext(tx.ctx, `SELECT COUNT(*) FROM reviews WHERE resolved_at = 0`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count open reviews: %w", err)
	}
	return n, nil
}

// OpenReviewStats counts the review items not resolved yet and says when the first of them
// (by id, the one a list of open items begins with) was opened: zero when none is open. The
// count and the first id come from the index of open items, the time from that one row.
func (tx *Tx) OpenReviewStats() (n int, first time.Time, err error) {
	var created int64
	err = tx.tx.QueryRowContext(tx.ctx, `SELECT n, COALESCE((SELECT created_at FROM reviews WHERE id = first), 0)
		FROM (SELECT COUNT(*) AS n, MIN(id) AS first FROM reviews WHERE resolved_at = 0)`).Scan(&n, &created)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count open reviews: %w", err)
	}
	return n, fromMS(created), nil
}

// OpenReviewsOf lists the review items about one invitee not resolved yet, oldest first, from
// the index of each invitee's items: a caller that wants one invitee's items need not read
// every open one.
func (tx *Tx) OpenReviewsOf(code string) ([]Review, error) {
	return tx.queryReviews(`SELECT `+reviewCols+` FROM reviews WHERE invitee = ? AND resolved_at = 0 ORDER BY id`, code)
}

// ReviewsOf lists the review items about one invitee, open and resolved, oldest first, from
// the index of each invitee's items: an invitee's page need not read every item to pick its own.
func (tx *Tx) ReviewsOf(code string) ([]Review, error) {
	return tx.queryReviews(`SELECT `+reviewCols+` FROM reviews WHERE invitee = ? ORDER BY id`, code)
}

// ReviewsOfInbound lists the review items about one stored message, open and resolved, oldest
// first, from the index of the items' messages.
func (tx *Tx) ReviewsOfInbound(inbound int64) ([]Review, error) {
	return tx.queryReviews(`SELECT `+reviewCols+` FROM reviews WHERE inbound = ? ORDER BY id`, inbound)
}

// OpenReviewCounts counts the open review items of each of the invitees named, from the index
// of each invitee's open items: a list that shows a page of invitees counts theirs without
// reading any item. An invitee without open items is not in the map.
func (tx *Tx) OpenReviewCounts(codes []string) (map[string]int, error) {
	counts := map[string]int{}
	if len(codes) == 0 {
		return counts, nil
	}
	list, err := json.Marshal(codes)
	if err != nil {
		return nil, fmt.Errorf("count open reviews: %w", err)
	}
	// One statement whatever the number of codes (json_each), where IN (?, ?, ...) would be
	// prepared once for each length of a page.
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT invitee, COUNT(*) FROM reviews
		WHERE resolved_at = 0 AND invitee IN (SELECT value FROM json_each(?)) GROUP BY invitee`, string(list))
	if err != nil {
		return nil, fmt.Errorf("count open reviews: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return nil, fmt.Errorf("count open reviews: %w", err)
		}
		counts[code] = n
	}
	return counts, rows.Err()
}

// reasonCode is a review item's reason code in SQL: "" for an item opened before reasons were
// data (its why is empty, which json_extract refuses).
const reasonCode = `(CASE WHEN why = '' THEN '' ELSE json_extract(why, '$.code') END)`

// ReasonSplit is the open review items parted by one reason: the oldest of the items of that
// reason (Of) and of the others (an item without a reason among them), and how many each part
// has.
type ReasonSplit struct {
	Of, Others   []Review
	NOf, NOthers int
}

// The queries of OpenReviewsSplit: one pass over the open items counts both parts, and each
// list walks the index of open ids from the oldest until it has its limit.
const (
	openSplitCount  = `SELECT COUNT(*), COALESCE(SUM(` + reasonCode + ` IS ?), 0) FROM reviews WHERE resolved_at = 0`
	openSplitOf     = `SELECT ` + reviewCols + ` FROM reviews WHERE resolved_at = 0 AND ` + reasonCode + ` IS ? ORDER BY id LIMIT ?`
	openSplitOthers = `SELECT ` + reviewCols + ` FROM reviews WHERE resolved_at = 0 AND ` + reasonCode + ` IS NOT ? ORDER BY id LIMIT ?`
)

// OpenReviewsSplit parts the open review items by the reason code: up to limit of the items of
// that reason and up to limit of the others, each oldest first, and how many each part has. A
// letter that names the first few of each part and counts the rest reads that much: the open
// items once to count both parts, and for each list the open items from the oldest until it
// has its limit. limit 0 lists none.
func (tx *Tx) OpenReviewsSplit(code campaign.ReasonCode, limit int) (ReasonSplit, error) {
	var sp ReasonSplit
	var open int
	if err := tx.tx.QueryRowContext(tx.ctx, openSplitCount, string(code)).Scan(&open, &sp.NOf); err != nil {
		return sp, fmt.Errorf("count open reviews: %w", err)
	}
	sp.NOthers = open - sp.NOf
	var err error
	if n := min(limit, sp.NOf); n > 0 {
		if sp.Of, err = tx.queryReviews(openSplitOf, string(code), n); err != nil {
			return sp, err
		}
	}
	if n := min(limit, sp.NOthers); n > 0 {
		sp.Others, err = tx.queryReviews(openSplitOthers, string(code), n)
	}
	return sp, err
}

// ReviewsPage lists up to limit review items after the id after (0: from the first; limit 0:
// all), oldest first, and says whether more follow: every item from the table, or the open
// ones from the index of open ids, from the page's start on. It reads one item past the page
// rather than count the items after it, which would read every open item's entry for a page
// that shows no total.
func (tx *Tx) ReviewsPage(openOnly bool, after int64, limit int) (items []Review, more bool, err error) {
	if items, err = tx.queryReviews(reviewsPageQuery(openOnly, limit), after); err != nil {
		return nil, false, err
	}
	if limit > 0 && len(items) > limit {
		return items[:limit], true, nil
	}
	return items, false, nil
}

// reviewsPageQuery is ReviewsPage's statement: the items after a page's start (the argument),
// oldest first, up to one more than limit (0: all).
func reviewsPageQuery(openOnly bool, limit int) string {
	q := `SELECT ` + reviewCols + ` FROM reviews WHERE id > ?`
	if openOnly {
		q = `SELECT ` + reviewCols + ` FROM reviews WHERE resolved_at = 0 AND id > ?`
	}
	q += ` ORDER BY id`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit+1)
	}
	return q
}

// The queries of the pages of open items: every invitee's (openPage...) and one invitee's
// (openPageOf...). Each counts the open items and those after a page's start in one pass over
// an index of open items, and reads the page from the index of open ids, or of one invitee's
// open items, from the page's start on.
const (
	openPageCount   = `SELECT COUNT(*), COALESCE(SUM(id > ?), 0) FROM reviews WHERE resolved_at = 0`
	openPageList    = `SELECT ` + reviewCols + ` FROM reviews WHERE resolved_at = 0 AND id > ? ORDER BY id`
	openPageOfCount = `SELECT COUNT(*), COALESCE(SUM(id > ?), 0) FROM reviews WHERE invitee = ? AND resolved_at = 0`
	openPageOfList  = `SELECT ` + reviewCols + ` FROM reviews WHERE invitee = ? AND resolved_at = 0 AND id > ? ORDER BY id`
)

// OpenReviewsPage lists up to limit open review items after the id after (0: from the first;
// limit 0: all), oldest first, and counts the open items in all and those after after: a page
// of them says which of how many it shows.
func (tx *Tx) OpenReviewsPage(after int64, limit int) (items []Review, open, rest int, err error) {
	return tx.openReviewsPage(openPageCount, openPageList, after, limit)
}

// OpenReviewsPageOf is OpenReviewsPage of one invitee's open items, from the index of each
// invitee's open items: the page of an invitee's items reads none of another's.
func (tx *Tx) OpenReviewsPageOf(code string, after int64, limit int) (items []Review, open, rest int, err error) {
	return tx.openReviewsPage(openPageOfCount, openPageOfList, after, limit, code)
}

// openReviewsPage counts the open items and those after after (count), and lists up to limit
// (0: all) of those (list), oldest first.
func (tx *Tx) openReviewsPage(count, list string, after int64, limit int, args ...any) ([]Review, int, int, error) {
	var open, rest int
	if err := tx.tx.QueryRowContext(tx.ctx, count, append([]any{after}, args...)...).Scan(&open, &rest); err != nil {
		return nil, 0, 0, fmt.Errorf("count open reviews: %w", err)
	}
	if rest == 0 {
		return nil, open, 0, nil
	}
	if limit > 0 {
		list += ` LIMIT ` + strconv.Itoa(limit)
	}
	items, err := tx.queryReviews(list, append(args, after)...)
	return items, open, rest, err
}

// UnnotifiedReviews lists open items the staff has not been told about yet, oldest first, from
// the index of (notified_at, resolved_at): the items notified or resolved are not read.
func (tx *Tx) UnnotifiedReviews() ([]Review, error) {
	return tx.queryReviews(`SELECT ` + reviewCols + ` FROM reviews WHERE resolved_at = 0 AND notified_at = 0 ORDER BY id`)
}

func (tx *Tx) queryReviews(q string, args ...any) ([]Review, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read reviews: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		rv, err := scanReview(rows)
		if err != nil {
			return nil, fmt.Errorf("read reviews: %w", err)
		}
		out = append(out, rv)
	}
	return out, rows.Err()
}

// LastReviewNotification is when the staff was last notified of review items (zero: never),
// the last entry of the index of notified_at: it reads no item.
func (tx *Tx) LastReviewNotification() (time.Time, error) {
	var v int64
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT COALESCE(MAX(notified_at), 0) FROM reviews`).Scan(&v)
	return fromMS(v), err
}

// MarkNotified records that the staff was told about these items.
func (tx *Tx) MarkNotified(ids []int64, at time.Time) error {
	for _, id := range ids {
		if _, err := tx.tx.ExecContext(tx.ctx, `UPDATE reviews SET notified_at = ? WHERE id = ?`, ms(at), id); err != nil {
			return fmt.Errorf("mark review %d notified: %w", id, err)
		}
	}
	return nil
}

// ResolveReview closes an item with the staff's decision.
func (tx *Tx) ResolveReview(id int64, resolution string, at time.Time) error {
	res, err := tx.tx.ExecContext(tx.ctx, `UPDATE reviews SET resolved_at = ?, resolution = ? WHERE id = ? AND resolved_at = 0`,
		ms(at), resolution, id)
	if err != nil {
		return fmt.Errorf("resolve review %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("resolve review %d: %w (or already resolved)", id, ErrNotFound)
	}
	return nil
}
