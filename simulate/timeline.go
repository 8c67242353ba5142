package simulate

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// WriteTimeline prints the simulation: every message the daemon would send (local time,
// template, invitee, address) with the scripted messages that came in between, day by day,
// then the number of messages per day and template. Lines are written as they are merged,
// not gathered first.
func WriteTimeline(w io.Writer, c *campaign.Campaign, res Result) error {
	out := slices.Clone(res.Messages)
	slices.SortStableFunc(out, func(a, b Message) int { return a.CreatedAt.Compare(b.CreatedAt) })
	in := slices.Clone(res.Inbound)
	slices.SortStableFunc(in, func(a, b Arrival) int { return a.Step.At.Compare(b.Step.At) })

	loc := c.Location
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Timeline of %q, simulated from %s to %s (%s); nothing was sent.\n",
		c.Name, res.Start.In(loc).Format("2006-01-02 15:04"), res.End.In(loc).Format("2006-01-02 15:04"), loc)
	day := ""
	perDay := map[string]map[string]int{}
	var days []string
	kinds := map[string]bool{}
	newDay := func(t time.Time) {
		if d := t.Format("2006-01-02 Mon"); d != day {
			day = d
			fmt.Fprintf(bw, "\n%s\n", d)
		}
	}
	// Messages first at equal times: the order a stable sort of messages, then arrivals, gives.
	for len(out) > 0 || len(in) > 0 {
		if len(out) > 0 && (len(in) == 0 || !out[0].CreatedAt.After(in[0].Step.At)) {
			m := out[0]
			out = out[1:]
			who := "staff"
			if inv, ok := c.Invitee(m.Invitee); ok {
				who = inv.Code + " " + inv.Name
			}
			t := m.CreatedAt.In(loc)
			newDay(t)
			fmt.Fprintf(bw, "  %s  -> %-17s %-24s %s\n", t.Format("15:04"), m.Kind, who, m.Recipient)
			if perDay[day] == nil {
				perDay[day] = map[string]int{}
				days = append(days, day)
			}
			perDay[day][m.Kind]++
			kinds[m.Kind] = true
			continue
		}
		a := in[0]
		in = in[1:]
		note := ""
		if a.Step.Text != "" {
			note = fmt.Sprintf("%q", clip(a.Step.Text, 60))
		}
		note += "  => " + a.Read
		from := a.Invitee.Email
		if a.Step.Sender != "" {
			from = a.Step.Sender
		}
		t := a.Step.At.In(loc)
		newDay(t)
		fmt.Fprintf(bw, "  %s  <- %-17s %-24s %s %s\n", t.Format("15:04"), a.Step.Kind(), a.Invitee.Code+" "+a.Invitee.Name, from, strings.TrimSpace(note))
	}
	if err := writeSummary(bw, perDay, days, kinds, len(res.Messages)); err != nil {
		return err
	}
	return bw.Flush()
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
