package schedules

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Cron is a parsed cron expression, evaluated on the wall clock of a zone with the rule of
// Resolve. robfig/cron's own Next walks the zone's clock and so runs a 02:30 job twice on the
// night the clocks go back and not at all on the night they go forward; here its parser and
// its field matching are kept, but the matching is done on wall-clock times in UTC (where no
// hour is missing or repeated) and each match is then resolved in the zone.
type Cron struct {
	spec  string
	sched *cron.SpecSchedule
	loc   *time.Location
}

// ParseCron parses a standard five-field cron expression (minute hour day month weekday, or a
// descriptor such as @daily) to be evaluated in loc. It never panics: robfig/cron panics on
// "CRON_TZ=..." without fields, so zone prefixes are refused before it sees them (the digest
// runs in the campaign's zone), and any other panic is turned into an error. "@every"
// descriptors are refused: they count from whenever the process started, which no restart
// could repeat.
func ParseCron(spec string, loc *time.Location) (c *Cron, err error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		return nil, fmt.Errorf("empty cron expression")
	}
	if strings.HasPrefix(s, "CRON_TZ=") || strings.HasPrefix(s, "TZ=") {
		return nil, fmt.Errorf("cron expression %q: leave the time zone out; it runs in the campaign's time zone", spec)
	}
	if strings.HasPrefix(s, "@every") {
		return nil, fmt.Errorf("cron expression %q: @every is not supported; name the times (e.g. \"0 7 * * 1-5\")", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("cron expression %q: %v", spec, r)
		}
	}()
	parsed, err := cron.ParseStandard(s)
	if err != nil {
		return nil, fmt.Errorf("cron expression %q (minute hour day month weekday): %w", spec, err)
	}
	ss, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("cron expression %q: not a time-of-day schedule", spec)
	}
	if loc == nil {
		loc = time.UTC
	}
	// Matching runs on naive wall-clock times in UTC: with Location time.Local robfig/cron
	// uses the location of the time it is given.
	cp := *ss
	cp.Location = time.Local
	return &Cron{spec: spec, sched: &cp, loc: loc}, nil
}

// ValidateCron reports whether spec is a cron expression the digest can use; it never panics.
func ValidateCron(spec string) error {
	_, err := ParseCron(spec, time.UTC)
	return err
}

// String is the expression as written.
func (c *Cron) String() string { return c.spec }

// Next returns the first run strictly after t, with the local wall-clock time it was
// scheduled for resolved by Resolve, or false if there is none within five years (robfig/cron's
// horizon: "0 0 30 2 *" never runs). Wall-clock times that resolve to the same instant (02:00
// and 02:30 in a gap both become 03:00) are one run.
func (c *Cron) Next(t time.Time) (time.Time, bool) {
	// Near a clock change, start a little before t's wall-clock reading: in the repeated hour
	// the reading goes back, and a match there may still resolve to an instant after t.
	naive := naiveWall(t, c.loc)
	if start, end := t.In(c.loc).ZoneBounds(); (!start.IsZero() && t.Sub(start) < 30*time.Hour) ||
		(!end.IsZero() && end.Sub(t) < 30*time.Hour) {
		naive = naive.Add(-3 * time.Hour).Truncate(time.Minute)
	}
	for i := 0; i < 100000; i++ { // bounded: a day of minutes in a gap, with room to spare
		naive = c.sched.Next(naive)
		if naive.IsZero() {
			return time.Time{}, false
		}
		if at := Resolve(c.loc, naive); at.After(t) {
			return at, true
		}
	}
	return time.Time{}, false
}
