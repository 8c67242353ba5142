package digest

import (
	"fmt"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// Point is how many invitees had answered (attending, declined or unclear) by the end of a
// day; an invitee counts from its first answer on, whatever it answered later.
type Point struct {
	Day      time.Time // the day's midnight in the campaign's zone
	Answered int
}

// AnswersOverTime reads the answers from the event log and counts them per day, from the day
// of the invitations (or of the first answer, when the campaign names no invitation time) to
// the day of now.
func AnswersOverTime(tx *store.Tx, c *campaign.Campaign, now time.Time) ([]Point, error) {
	events, err := tx.Events(store.EventFilter{Kind: "answer"})
	if err != nil {
		return nil, fmt.Errorf("answers over time: %w", err)
	}
	return answersPerDay(c, events, now), nil
}

// answersPerDay counts the first answer of each invitee logged at or before now, per day.
func answersPerDay(c *campaign.Campaign, events []store.Event, now time.Time) []Point {
	loc := location(c)
	day := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	first := map[string]time.Time{}
	var earliest time.Time
	for _, e := range events {
		if e.At.After(now) || !campaign.Status(str(e.Detail, "after")).Answered() {
			continue
		}
		if _, ok := first[e.Invitee]; ok {
			continue
		}
		first[e.Invitee] = e.At
		if earliest.IsZero() || e.At.Before(earliest) {
			earliest = e.At
		}
	}
	end := day(now)
	start := end
	switch {
	case !c.Schedule.Invitations.IsZero():
		start = day(c.Schedule.Invitations)
	case !earliest.IsZero():
		start = day(earliest)
	}
	if start.After(end) {
		start = end
	}
	perDay := map[time.Time]int{}
	before := 0 // answers logged before the first day shown
	for _, at := range first {
		d := day(at)
		if d.Before(start) {
			before++
			continue
		}
		perDay[d]++
	}
	var out []Point
	total := before
	// time.Date rather than Add(24h): a day across a DST change is 23 or 25 hours long.
	for d := start; !d.After(end); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		total += perDay[d]
		out = append(out, Point{Day: d, Answered: total})
	}
	return out
}
