package schedules

import (
	"slices"
	"time"
)

// Resolve returns the instant at which a clock on the wall in loc shows the date and time of
// wall (read from its fields as written, whatever wall's own location):
//   - a wall-clock time that exists once is that instant;
//   - one that exists twice (the clocks go back) is the first of the two, so 02:30 on
//     2026-10-25 in Europe/Copenhagen is 02:30 CEST (00:30 UTC);
//   - one that does not exist (the clocks go forward) is the first instant after the gap, so
//     02:30 on 2026-03-29 is 03:00 CEST (01:00 UTC): the job still runs that day, as soon
//     as the day's clock has passed its time.
//
// time.Date leaves both cases to chance ("correct in one of the two zones involved in the
// transition, but it does not guarantee which"), hence this.
func Resolve(loc *time.Location, wall time.Time) time.Time {
	y, mo, d := wall.Date()
	h, mi, s := wall.Clock()
	naive := time.Date(y, mo, d, h, mi, s, wall.Nanosecond(), time.UTC)

	// Most days have one offset all day long: then the instant is naive minus that offset.
	lo, hi := naive.Add(-30*time.Hour).In(loc), naive.Add(30*time.Hour)
	if _, end := lo.ZoneBounds(); end.IsZero() || end.After(hi) {
		_, off := lo.Zone()
		return naive.Add(-time.Duration(off) * time.Second).In(loc)
	}

	// Otherwise the instant is naive minus one of the offsets in force within a day of it (a
	// zone changes offset at most a few times a year): try each.
	var first, latest time.Time
	var seen []int
	for probe := -30 * time.Hour; probe <= 30*time.Hour; probe += 6 * time.Hour {
		_, off := naive.Add(probe).In(loc).Zone()
		if slices.Contains(seen, off) {
			continue
		}
		seen = append(seen, off)
		u := naive.Add(-time.Duration(off) * time.Second)
		if sameWall(u.In(loc), naive) && (first.IsZero() || u.Before(first)) {
			first = u
		}
		if latest.IsZero() || u.After(latest) {
			latest = u
		}
	}
	if !first.IsZero() {
		return first.In(loc)
	}
	// In a gap: the instant computed with the offset from before the gap lies after the
	// transition; the period it falls in starts at the transition, the first instant after
	// the gap.
	if start, _ := latest.In(loc).ZoneBounds(); !start.IsZero() && !start.After(latest) {
		return start.In(loc)
	}
	return time.Date(y, mo, d, h, mi, s, wall.Nanosecond(), loc)
}

func sameWall(t, naive time.Time) bool {
	y1, m1, d1 := t.Date()
	y2, m2, d2 := naive.Date()
	h1, i1, s1 := t.Clock()
	h2, i2, s2 := naive.Clock()
	return y1 == y2 && m1 == m2 && d1 == d2 && h1 == h2 && i1 == i2 && s1 == s2 && t.Nanosecond() == naive.Nanosecond()
}

// naiveWall is t's wall-clock reading in loc as a UTC time: wall-clock arithmetic (a day is a
// calendar day) is done on it, and Resolve turns the result back into an instant.
func naiveWall(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, mo, d := l.Date()
	h, mi, s := l.Clock()
	return time.Date(y, mo, d, h, mi, s, l.Nanosecond(), time.UTC)
}

// atTimeOfDay is the naive wall time on naive's date at the clock time tod.
func atTimeOfDay(naive time.Time, tod time.Duration) time.Time {
	y, mo, d := naive.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Add(tod)
}

// civilDate is a date without a time, for comparing days in the campaign's zone.
func civilDate(t time.Time, loc *time.Location) time.Time {
	y, mo, d := t.In(loc).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}
