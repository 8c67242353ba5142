// Package digest makes the staff's daily overview of a campaign: the content of the digest
// letter (letters.DigestData) read from the store, the full status as a CSV attachment, and an
// inline PNG chart of registrations per meeting and answers over time. The totals per meeting
// and the go-ahead shares come from package status, so the digest and `rsvpd status` always
// show the same numbers.
package digest

import (
	"fmt"
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
	s, err := read(tx, c, since, now)
	if err != nil {
		return letters.DigestData{}, err
	}
	return s.data, nil
}

// snapshot is everything one digest is made of, read in one transaction.
type snapshot struct {
	data    letters.DigestData
	report  status.Report
	answers []Point
}

// read gathers the digest, the status report it rests on and the answers per day.
func read(tx *store.Tx, c *campaign.Campaign, since, now time.Time) (snapshot, error) {
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
	if err := b.review(); err != nil {
		return snapshot{}, fmt.Errorf("build digest: %w", err)
	}
	if err := b.bounces(answerEvents); err != nil {
		return snapshot{}, fmt.Errorf("build digest: %w", err)
	}
	b.away(answerEvents)
	if err := b.agreements(answerEvents); err != nil {
		return snapshot{}, fmt.Errorf("build digest: %w", err)
	}
	return snapshot{data: b.data, report: b.report, answers: answersPerDay(c, answerEvents, now)}, nil
}

// builder carries what the parts of a digest share while it is filled.
type builder struct {
	tx         *store.Tx
	c          *campaign.Campaign
	loc        *time.Location
	since, now time.Time
	report     status.Report
	states     map[string]campaign.State
	data       letters.DigestData
}

// meetings copies the per-meeting totals of the status report.
func (b *builder) meetings() {
	for _, mt := range b.report.Meetings {
		m, ok := b.c.Meeting(mt.ID)
		if !ok {
			continue
		}
		b.data.Meetings = append(b.data.Meetings, letters.DigestMeeting{Meeting: m,
			Municipalities: mt.Invitees, People: mt.People})
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

// lists fills the declines and those not answered yet, by name.
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

// progress counts the agreements against the go-ahead threshold, from the same rows as the
// status report's shares.
func (b *builder) progress() {
	t := b.report.Totals
	p := letters.DigestProgress{Joined: t.Agreements, Invitees: t.Invitees, Threshold: b.c.GoAhead}
	for _, row := range b.report.Rows {
		p.Population += int64(row.Population)
		if joined(campaign.AgreementStatus(row.Agreement)) {
			p.JoinedPopulation += int64(row.Population)
		}
	}
	b.data.Progress = p
}

func joined(a campaign.AgreementStatus) bool {
	return a == campaign.AgreementReturned || a == campaign.AgreementConfirmed
}

// review lists the open review items, oldest first, with the sender and subject of the
// message each is about, read from the inbound ledger.
func (b *builder) review() error {
	items, err := b.tx.Reviews(true)
	if err != nil {
		return err
	}
	b.data.Totals.Review = len(items)
	for _, rv := range items[:min(len(items), letters.ListLimit)] {
		it := letters.ReviewItem{ID: strconv.FormatInt(rv.ID, 10), Why: rv.Why, Reason: rv.Text, Received: rv.CreatedAt.In(b.loc)}
		if inv, ok := b.c.Invitee(rv.Invitee); ok {
			it.Invitee = inv
			it.From = inv.Email // an item about a state, not a message: name whose it is
		}
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
	return nil
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
