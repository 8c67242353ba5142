package simulate

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// line is one entry of the timeline: a message out or a scripted message in.
type line struct {
	at   time.Time
	out  bool
	kind string
	who  string
	addr string
	note string
}

// WriteTimeline prints the simulation: every message the daemon would send (local time,
// template, invitee, address) with the scripted messages that came in between, day by day,
// then the number of messages per day and template.
func WriteTimeline(w io.Writer, c *campaign.Campaign, res Result) error {
	var lines []line
	for _, m := range res.Messages {
		who := "staff"
		if inv, ok := c.Invitee(m.Invitee); ok {
			who = inv.Code + " " + inv.Name
		}
		lines = append(lines, line{at: m.CreatedAt, out: true, kind: m.Kind, who: who, addr: m.Recipient})
	}
	for _, a := range res.Inbound {
		note := ""
		if a.Step.Text != "" {
			note = fmt.Sprintf("%q", clip(a.Step.Text, 60))
		}
		from := a.Invitee.Email
		if a.Step.Sender != "" {
			from = a.Step.Sender
		}
		lines = append(lines, line{at: a.Step.At, kind: a.Step.Kind(), who: a.Invitee.Code + " " + a.Invitee.Name, addr: from,
			note: note + "  => " + a.Read})
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.Before(lines[j].at) })

	loc := c.Location
	fmt.Fprintf(w, "Timeline of %q, simulated from %s to %s (%s); nothing was sent.\n",
		c.Name, res.Start.In(loc).Format("2006-01-02 15:04"), res.End.In(loc).Format("2006-01-02 15:04"), loc)
	day := ""
	perDay := map[string]map[string]int{}
	var days []string
	kinds := map[string]bool{}
	for _, l := range lines {
		t := l.at.In(loc)
		if d := t.Format("2006-01-02 Mon"); d != day {
			day = d
			fmt.Fprintf(w, "\n%s\n", d)
		}
		if l.out {
			fmt.Fprintf(w, "  %s  -> %-17s %-24s %s\n", t.Format("15:04"), l.kind, l.who, l.addr)
			if perDay[day] == nil {
				perDay[day] = map[string]int{}
				days = append(days, day)
			}
			perDay[day][l.kind]++
			kinds[l.kind] = true
			continue
		}
		fmt.Fprintf(w, "  %s  <- %-17s %-24s %s %s\n", t.Format("15:04"), l.kind, l.who, l.addr, strings.TrimSpace(l.note))
	}
	return writeSummary(w, perDay, days, kinds, len(res.Messages))
}

func writeSummary(w io.Writer, perDay map[string]map[string]int, days []string, kinds map[string]bool, total int) error {
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	fmt.Fprintf(w, "\nMessages per day (%d in all):\n", total)
	for _, d := range days {
		var parts []string
		n := 0
		for _, k := range ks {
			if c := perDay[d][k]; c > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", k, c))
				n += c
			}
		}
		fmt.Fprintf(w, "  %s  %4d  %s\n", d, n, strings.Join(parts, ", "))
	}
	return nil
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
