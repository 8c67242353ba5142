package desk

import (
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// The schedule's times as the configuration page writes them for the staff: several times in
// one phrase that names a month once, and the time of day once where they share it ("tirsdag
// den 14. og tirsdag den 21. februar kl. 9.00"), and a long regular series of runs by its rule
// ("hverdage kl. 7.00 fra tirsdag den 7. februar til fredag den 16. marts"). Times are given
// in the campaign's zone.

// times writes ts, ascending, as one phrase. The year is named only where the times span more
// than one.
func (f formatter) times(ts []time.Time) string {
	if len(ts) == 0 {
		return ""
	}
	oneClock := sameClock(ts)
	years := ts[0].Year() != ts[len(ts)-1].Year()
	parts := make([]string, len(ts))
	for i, t := range ts {
		lastOfMonth := !oneClock || i == len(ts)-1 || ts[i+1].Month() != t.Month() || ts[i+1].Year() != t.Year()
		parts[i] = f.day(t, lastOfMonth, years)
		if !oneClock {
			parts[i] += " " + f.clockOf(t)
		}
	}
	s := f.and(parts)
	if oneClock {
		s += " " + f.clockOf(ts[0])
	}
	return s
}

func sameClock(ts []time.Time) bool {
	for _, t := range ts[1:] {
		if t.Hour() != ts[0].Hour() || t.Minute() != ts[0].Minute() {
			return false
		}
	}
	return true
}

// day writes a date's weekday and day of the month, and its month (and year) when asked:
// "tirsdag den 14.", "tirsdag den 21. februar".
func (f formatter) day(t time.Time, month, year bool) string {
	var b strings.Builder
	if f.lang == "en" {
		b.WriteString(t.Weekday().String() + " " + strconv.Itoa(t.Day()))
		if month {
			b.WriteString(" " + t.Month().String())
		}
	} else {
		b.WriteString(campaign.WeekdayDa(t.Weekday()) + " den " + strconv.Itoa(t.Day()) + ".")
		if month {
			b.WriteString(" " + campaign.MonthDa(t.Month()))
		}
	}
	if month && year {
		b.WriteString(" " + strconv.Itoa(t.Year()))
	}
	return b.String()
}

// clockOf is a time of day in running text: "kl. 9.00", "at 09:00".
func (f formatter) clockOf(t time.Time) string {
	if f.lang == "en" {
		return "at " + campaign.FormatTimeEn(t)
	}
	return campaign.FormatTimeDa(t)
}

// and joins parts as a list in running text: "a, b og c".
func (f formatter) and(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + f.t("and") + " " + parts[len(parts)-1]
}

// runs writes a long series of runs, ascending (the digests), by its rule where it has one:
// one time of day, and a run on every day of some weekdays from the first to the last. Any
// other series is written as its count, first and last.
func (f formatter) runs(ts []time.Time) string {
	if len(ts) <= 3 {
		return f.times(ts)
	}
	first, last := ts[0], ts[len(ts)-1]
	years := first.Year() != last.Year()
	var on [7]bool
	for _, t := range ts {
		on[t.Weekday()] = true
	}
	// The series spans the days between its first and last run: counting them is bounded by
	// the campaign's length, not by the number of runs.
	days := 0
	end := dateOf(last)
	for d := dateOf(first); !d.After(end); d = d.AddDate(0, 0, 1) {
		if on[d.Weekday()] {
			days++
		}
	}
	from, to := f.day(first, true, years), f.day(last, true, years)
	if !sameClock(ts) || days != len(ts) {
		return f.t("when_irregular", len(ts), from, to)
	}
	return f.t("when_regular", f.weekdays(on), f.clockOf(first), from, to)
}

// dateOf is t's calendar day at noon in its zone, a time from which whole days can be added
// without a clock change moving it to another day.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, t.Location())
}

// weekdays names a set of weekdays: "hverdage", "hver dag", "hver mandag og torsdag".
func (f formatter) weekdays(on [7]bool) string {
	var names []string
	work := true
	for i := 1; i <= 7; i++ { // Monday first
		d := time.Weekday(i % 7)
		if on[d] != (d != time.Saturday && d != time.Sunday) {
			work = false
		}
		if !on[d] {
			continue
		}
		if f.lang == "en" {
			names = append(names, d.String())
		} else {
			names = append(names, campaign.WeekdayDa(d))
		}
	}
	switch {
	case work:
		return f.t("when_weekdays")
	case len(names) == 7:
		return f.t("when_daily")
	}
	return f.t("when_every", f.and(names))
}

// duration writes a span of whole days, hours or minutes in words: "3 dage", "15 minutter".
func (f formatter) duration(d time.Duration) string {
	n, unit := f.unit(d)
	if n == 1 {
		return "1 " + f.t(unit)
	}
	return f.t(unit+"s", n)
}

// per is a span as the length of a period: "time" for an hour, "15 minutter" otherwise.
func (f formatter) per(d time.Duration) string {
	if n, unit := f.unit(d); n == 1 {
		return f.t(unit)
	}
	return f.duration(d)
}

func (f formatter) unit(d time.Duration) (int64, string) {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return int64(d / (24 * time.Hour)), "dur_day"
	case d >= time.Hour && d%time.Hour == 0:
		return int64(d / time.Hour), "dur_hour"
	}
	return int64(max(d/time.Minute, 1)), "dur_minute"
}
