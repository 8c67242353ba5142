// Package digest makes the staff's reports of a campaign: the daily digest and, once after the
// deadline, the final report (letters.DigestData read from the store), the full status as a
// CSV attachment, an inline PNG chart of the confirmed agreements against the go-ahead
// threshold and of the registrations per meeting, and the participant list of a meeting. The
// totals per meeting and the go-ahead come from package status, so the reports and `rsvpd
// status` always show the same numbers; only confirmed agreements count toward the go-ahead.
package digest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

// Build reads the campaign's state from the store and fills the digest for the period from
// since (zero: the first digest) to now. Per meeting and in the progress it shows the state at
// the moment of reading; the new answers are those logged in [since, now], so a digest built
// again later for the same period lists the same answers.
func Build(tx *store.Tx, c *campaign.Campaign, since, now time.Time) (letters.DigestData, error) {
	s, err := read(tx, c, Options{Since: since, Now: now})
	if err != nil {
		return letters.DigestData{}, err
	}
	return s.data, nil
}

// Options say which report to make.
type Options struct {
	// Since is when the previous digest was made (zero: the first); Now is the report's time.
	Since, Now time.Time
	// Final makes the final report after the deadline instead of the daily digest.
	Final bool
}

// notSignedShown is how many of the invitees without a confirmed agreement a report lists by
// name, largest first; the CSV has them all. The final report lists more: it is the record.
const (
	notSignedShown      = 25
	notSignedShownFinal = 200
)

// snapshot is everything one digest is made of, read in one transaction.
type snapshot struct {
	data    letters.DigestData
	report  status.Report
	history []Day
}

// read gathers the digest, the status report it rests on and the agreements per day.
func read(tx *store.Tx, c *campaign.Campaign, o Options) (snapshot, error) {
	since, now := o.Since, o.Now
	rb := status.NewBuilder(c)
	if err := tx.EachState(rb.Add); err != nil {
		return snapshot{}, fmt.Errorf("build digest: %w", err)
	}
	answerEvents, err := tx.Events(store.EventFilter{Kind: "answer"})
	if err != nil {
		return snapshot{}, fmt.Errorf("build digest: %w", err)
	}
	loc := location(c)
	b := &builder{tx: tx, c: c, loc: loc, since: since, now: now, report: rb.Report()}
	d := &b.data
	d.Date, d.Since = now.In(loc), inLoc(since, loc)
	b.meetings()
	b.newAnswers(answerEvents)
	b.lists()
	b.progress()
	limit := notSignedShown
	if o.Final {
		limit = notSignedShownFinal
	}
	b.notSigned(limit)
	if err := b.review(); err != nil {
		return snapshot{}, fmt.Errorf("build digest: %w", err)
	}
	if err := b.bounces(answerEvents); err != nil {
		return snapshot{}, fmt.Errorf("build digest: %w", err)
	}
	b.away(answerEvents)
	staff, err := tx.Events(store.EventFilter{Kind: "agreement"})
	if err != nil {
		return snapshot{}, fmt.Errorf("build digest: %w", err)
	}
	b.agreements(answerEvents, staff)
	return snapshot{data: b.data, report: b.report, history: confirmedPerDay(c, b.report, staff, now)}, nil
}

// builder carries what the parts of a digest share while it is filled.
type builder struct {
	tx         *store.Tx
	c          *campaign.Campaign
	loc        *time.Location
	since, now time.Time
	report     status.Report
	data       letters.DigestData
}

// meetings copies the per-meeting totals of the status report.
func (b *builder) meetings() {
	for _, mt := range b.report.Meetings {
		m, ok := b.c.Meeting(mt.ID)
		if !ok {
			continue
		}
		end := m.End
		if end.IsZero() {
			end = m.Start
		}
		b.data.Meetings = append(b.data.Meetings, letters.DigestMeeting{Meeting: m,
			Municipalities: mt.Invitees, People: mt.People, Held: !end.After(b.now)})
	}
}

// newAnswers lists the answers of the period that changed an invitee's status, meeting or
// headcount: an out-of-office, a bounce or a question changes none of them and is not an
// answer to the invitation. Each change is listed, in the order it happened.
func (b *builder) newAnswers(events []store.Event) {
	type reg struct {
		meeting string
		people  int
	}
	last := map[string]reg{}
	for _, e := range events {
		before, after := str(e.Detail, "before"), str(e.Detail, "after")
		r := reg{str(e.Detail, "registered"), num(e.Detail, "people")}
		prev := last[e.Invitee]
		if after == string(campaign.StatusAttending) {
			last[e.Invitee] = r
		} else {
			delete(last, e.Invitee)
		}
		if e.At.Before(b.since) || e.At.After(b.now) {
			continue
		}
		st := campaign.Status(after)
		if !st.Answered() {
			continue
		}
		if before == after && (st != campaign.StatusAttending || prev == r) {
			continue
		}
		inv, ok := b.c.Invitee(e.Invitee)
		if !ok {
			continue
		}
		a := letters.DigestAnswer{Invitee: inv, At: e.At.In(b.loc), Status: st}
		if st == campaign.StatusAttending {
			if m, ok := b.c.Meeting(r.meeting); ok {
				a.Meeting, a.Headcount = &m, r.people
			}
		}
		if b.data.Totals.NewAnswers++; len(b.data.NewAnswers) < letters.ListLimit {
			b.data.NewAnswers = append(b.data.NewAnswers, a)
		}
	}
}

// lists fills the declines and those not answered yet: the first ListLimit of each by name,
// and how many there are (a campaign of 100,000 has 60,000 without an answer).
func (b *builder) lists() {
	declines := newShortList(b.c, func(x letters.DigestInvitee) string { return x.Invitee.Name })
	unanswered := newShortList(b.c, func(x letters.DigestInvitee) string { return x.Invitee.Name })
	for _, row := range b.report.Rows {
		inv, ok := b.c.Invitee(row.Code)
		if !ok {
			continue
		}
		switch campaign.Status(row.Status) {
		case campaign.StatusDeclined:
			declines.add(letters.DigestInvitee{Invitee: inv, At: inLoc(row.LastChange, b.loc)})
		case campaign.StatusInvited:
			unanswered.add(letters.DigestInvitee{Invitee: inv,
				Undeliverable: campaign.Delivery(row.Delivery) == campaign.DeliveryUndeliverable})
		}
	}
	b.data.Declines, b.data.Totals.Declines = declines.list()
	b.data.Unanswered, b.data.Totals.Unanswered = unanswered.list()
}

// progress counts the agreements against the go-ahead threshold: the status report's
// totals, where only confirmed agreements count and unchecked ones are apart.
func (b *builder) progress() {
	t := b.report.Totals
	b.data.Progress = letters.DigestProgress{Confirmed: t.Confirmed, ConfirmedPopulation: t.ConfirmedPopulation,
		Unchecked: t.Unchecked, UncheckedPopulation: t.UncheckedPopulation,
		Invitees: t.Invitees, Population: t.Population, Threshold: b.c.GoAhead}
}

// review lists the oldest ListLimit open review items, with the sender and subject of the
// message each is about, read from the inbound ledger, and counts them all. A returned
// agreement to check is routine: it goes to ToCheck, which the letter counts in one line with
// the age of the oldest. The open items are counted in one pass, and only the items listed
// are read in full, however many are open.
func (b *builder) review() error {
	sp, err := b.tx.OpenReviewsSplit(campaign.ReasonAgreementReturned, letters.ListLimit)
	if err != nil {
		return err
	}
	for _, rv := range sp.Of {
		// No message to read for it: it is counted, not listed.
		b.data.ToCheck = append(b.data.ToCheck, b.reviewItem(rv))
	}
	for _, rv := range sp.Others {
		it := b.reviewItem(rv)
		if rv.Inbound != 0 {
			in, err := b.tx.InboundMeta(rv.Inbound)
			if err != nil {
				return fmt.Errorf("review %d: %w", rv.ID, err)
			}
			r, err := b.storedReading(rv.Inbound)
			if err != nil {
				return fmt.Errorf("review %d: %w", rv.ID, err)
			}
			it.From, it.Subject, it.MessageID = r.From, r.Subject, strings.Trim(in.MessageID, "<>")
			if !in.ReceivedAt.IsZero() {
				it.Received = in.ReceivedAt.In(b.loc)
			}
		}
		b.data.Review = append(b.data.Review, it)
	}
	b.data.Totals.Review, b.data.Totals.ToCheck = sp.NOthers, sp.NOf
	oldest := func(a, b letters.ReviewItem) int { return a.Received.Compare(b.Received) }
	slices.SortStableFunc(b.data.Review, oldest)
	slices.SortStableFunc(b.data.ToCheck, oldest)
	return nil
}

// reviewItem is an open item as the letter names it, before the message it is about is read.
func (b *builder) reviewItem(rv store.Review) letters.ReviewItem {
	it := letters.ReviewItem{ID: strconv.FormatInt(rv.ID, 10), Why: rv.Why, Reason: rv.Text, Received: rv.CreatedAt.In(b.loc)}
	if inv, ok := b.c.Invitee(rv.Invitee); ok {
		it.Invitee = inv
		it.From = inv.Email // an item about a state, not a message: name whose it is
	}
	return it
}

// str reads a text value of an event's detail ("" when missing).
func str(d map[string]any, key string) string {
	s, _ := d[key].(string)
	return s
}

// num reads a number of an event's detail: JSON gives float64 (0 when missing).
func num(d map[string]any, key string) int {
	switch v := d[key].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case int64:
		return int(v)
	}
	return 0
}

// inboundOf is the ledger id in a cause "inbound:42", 0 for other causes.
func inboundOf(cause string) int64 {
	rest, ok := strings.CutPrefix(cause, "inbound:")
	if !ok {
		return 0
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return 0
	}
	return id
}

func location(c *campaign.Campaign) *time.Location {
	if c.Location != nil {
		return c.Location
	}
	return time.UTC
}

// inLoc converts a time to the campaign's zone, leaving the zero time (unknown) zero.
func inLoc(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(loc)
}
