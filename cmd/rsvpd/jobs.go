package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/schedules"
)

// printFirstJobs lists the first jobs of the campaign's timeline (before anyone answers),
// one line per time and kind.
func printFirstJobs(w io.Writer, c *campaign.Campaign) {
	p, err := schedules.NewPlanner(c)
	if err != nil {
		fmt.Fprintf(w, "\nFirst scheduled jobs: %v\n", err)
		return
	}
	var groups, digests []schedules.Group
	for _, g := range p.Groups(schedules.Snapshot{}) {
		if g.Kind == schedules.KindDigest {
			digests = append(digests, g)
			continue
		}
		groups = append(groups, g)
	}
	const layout = "Mon 2 Jan 2006 15:04"
	fmt.Fprintf(w, "\nScheduled jobs before anyone answers (local time; `rsvpd simulate` shows every message):\n")
	for _, g := range groups {
		fmt.Fprintf(w, "  %s  %s to %d invitees\n", g.Due.In(c.Location).Format(layout), g.Kind, g.Count)
	}
	if len(digests) > 0 {
		fmt.Fprintf(w, "  %s  staff digest (%q), %d runs until %s\n", digests[0].Due.In(c.Location).Format(layout),
			c.Schedule.Digest, len(digests), digests[len(digests)-1].Due.In(c.Location).Format(layout))
	}
	if r := c.Schedule.Reminders; len(r.Before) > 0 {
		var offs []string
		for _, d := range r.Before {
			offs = append(offs, config.FormatDuration(d))
		}
		at := ""
		if r.HasTime {
			at = fmt.Sprintf(" at %02d:%02d", int(r.TimeOfDay.Hours()), int(r.TimeOfDay.Minutes())%60)
		}
		fmt.Fprintf(w, "  reminders %s before each registered invitee's meeting%s\n", strings.Join(offs, " and "), at)
	}
}
