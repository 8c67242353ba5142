package digest

import (
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

// Day is how far the confirmed agreements had come by the end of a day: how many invitees
// had one, and their population. The chart draws them against the go-ahead threshold.
type Day struct {
	Day        time.Time // the day's midnight in the campaign's zone
	Confirmed  int
	Population int64
}

// confirmedPerDay counts the confirmed agreements per day from the staff's confirmations in
// the event log, from the day of the invitations (or of the first confirmation) to the day of
// now. The last day shows the report's own count, so the chart ends where the text does even
// for an agreement confirmed without an event.
func confirmedPerDay(c *campaign.Campaign, r status.Report, staff []store.Event, now time.Time) []Day {
	loc := location(c)
	day := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	first := map[string]time.Time{}
	var earliest time.Time
	for _, e := range staff {
		if e.At.After(now) || str(e.Detail, "after") != string(campaign.AgreementConfirmed) {
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
	type count struct {
		n   int
		pop int64
	}
	perDay := map[time.Time]count{}
	for code, at := range first {
		inv, ok := c.Invitee(code)
		if !ok {
			continue
		}
		d := day(at)
		if d.Before(start) {
			d = start // confirmed before the first day shown
		}
		k := perDay[d]
		k.n++
		k.pop += int64(inv.Population)
		perDay[d] = k
	}
	var out []Day
	var total count
	// time.Date rather than Add(24h): a day across a DST change is 23 or 25 hours long.
	for d := start; !d.After(end); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		k := perDay[d]
		total.n += k.n
		total.pop += k.pop
		out = append(out, Day{Day: d, Confirmed: total.n, Population: total.pop})
	}
	last := &out[len(out)-1]
	last.Confirmed, last.Population = r.Totals.Confirmed, r.Totals.ConfirmedPopulation
	return out
}
