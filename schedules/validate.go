package schedules

import (
	"fmt"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Problem is one thing wrong with a campaign's schedule, located by its configuration key path
// ("schedule.nudge_agreement.before[1]"), so that the config loader can add file and line.
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) Error() string { return p.Path + ": " + p.Msg }

// Problems is every problem Validate found, in the order of the schedule's keys.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Validate checks a campaign's schedule the way the planner will read it and returns Problems
// (nil when there are none): a digest expression that does not parse (never a panic) or never
// runs between the invitations and the deadline; an anchor that names no meeting; a reminder or
// nudge time that is not before its anchor (for reminders: before every meeting), or that comes
// before the invitations; an agreement nudge before the agreement letter.
func Validate(c *campaign.Campaign) error {
	if c == nil {
		return Problems{{Path: "campaign", Msg: "no campaign"}}
	}
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	if c.Schedule.Digest != "" {
		if _, err := ParseCron(c.Schedule.Digest, c.Location); err != nil {
			add("schedule.digest", "%v", err)
		}
	}
	// The time checks need what the planner needs; the config loader reports those itself.
	c2 := *c
	c2.Schedule.Digest = ""
	p, err := NewPlanner(&c2)
	if err != nil {
		add("schedule", "%v", err)
		return ps
	}
	s := c.Schedule
	if len(ps) == 0 && s.Digest != "" {
		if pd, err := NewPlanner(c); err == nil {
			if first, ok := pd.NextDigest(time.Time{}); !ok || !first.Due.Before(c.DeadlineEnd()) {
				add("schedule.digest", "%q never runs between the invitations (%s) and the end of the deadline (%s)",
					s.Digest, p.local(s.Invitations), c.Deadline.In(p.loc).Format("2006-01-02"))
			}
		}
	}
	for _, m := range c.Meetings {
		p.checkRelative(add, "reminders", s.Reminders, p.meetingAnchor(m), time.Time{})
	}
	p.checkParticipantLists(add)
	for _, r := range []struct {
		name  string
		rel   campaign.Relative
		after time.Time // the letter a nudge follows up
	}{
		{"nudge_unanswered", s.NudgeUnanswered, time.Time{}},
		{"nudge_agreement", s.NudgeAgreement, s.Agreement},
	} {
		a, ok := p.anchor(r.rel.Anchor)
		if !ok {
			add("schedule."+r.name+".of", "unknown anchor %q (deadline, first_meeting or a meeting id)", r.rel.Anchor)
			continue
		}
		p.checkRelative(add, r.name, r.rel, a, r.after)
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// checkRelative reports the times of r that are not before a or come before the invitations
// (or before the letter at after).
func (p *Planner) checkRelative(add func(path, format string, args ...any), name string, r campaign.Relative, a anchor, after time.Time) {
	inv := p.c.Schedule.Invitations
	for i, d := range r.Before {
		path := fmt.Sprintf("schedule.%s.before[%d]", name, i)
		due := p.relativeDue(r, d, a)
		what := fmt.Sprintf("%s before %s%s is %s", formatDuration(d), a.what, atTime(r), p.local(due))
		switch {
		case !due.Before(a.cutoff):
			add(path, "%s, not before it", what)
		case !inv.IsZero() && due.Before(inv):
			add(path, "%s, before the invitations go out (%s)", what, p.local(inv))
		case !after.IsZero() && due.Before(after):
			add(path, "%s, before the agreement letter goes out (%s)", what, p.local(after))
		}
	}
}

func (p *Planner) local(t time.Time) string { return t.In(p.loc).Format("2006-01-02 15:04") }

func atTime(r campaign.Relative) string {
	if !r.HasTime {
		return ""
	}
	return fmt.Sprintf(" at %02d:%02d", int(r.TimeOfDay/time.Hour), int(r.TimeOfDay%time.Hour/time.Minute))
}

// formatDuration writes d the way the configuration does: 7d, 36h, 30m.
func formatDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
