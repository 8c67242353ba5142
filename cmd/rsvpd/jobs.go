package main

import (
	"fmt"
	"io"

	"github.com/rsvpd/rsvpd/campaign"
)

// printFirstJobs lists the first jobs of the campaign's timeline.
func printFirstJobs(w io.Writer, c *campaign.Campaign) {
	fmt.Fprintf(w, "\nFirst scheduled jobs (local time):\n")
	fmt.Fprintf(w, "  %s  invitations to %d invitees\n", c.Schedule.Invitations.Format("Mon 2 Jan 2006 15:04"), len(c.Invitees))
	fmt.Fprintf(w, "  %s  agreement letters\n", c.Schedule.Agreement.Format("Mon 2 Jan 2006 15:04"))
}
