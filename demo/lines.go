package demo

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/status"
)

// tally counts the messages delivered per local day and kind.
type tally struct {
	loc   *time.Location
	mu    sync.Mutex
	byDay map[string]map[string]int
	total int
}

func newTally(loc *time.Location) *tally {
	return &tally{loc: loc, byDay: map[string]map[string]int{}}
}

func (t *tally) sent(at time.Time, kind string) {
	day := at.In(t.loc).Format(time.DateOnly)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byDay[day] == nil {
		t.byDay[day] = map[string]int{}
	}
	t.byDay[day][kind]++
	t.total++
}

// day returns a copy of one day's counts.
func (t *tally) day(d time.Time) map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]int{}
	for k, n := range t.byDay[d.In(t.loc).Format(time.DateOnly)] {
		out[k] = n
	}
	return out
}

// dayLines prints the live line of each campaign day.
type dayLines struct {
	w     io.Writer
	c     *campaign.Campaign
	width []int // of each meeting's column
}

func newDayLines(w io.Writer, c *campaign.Campaign) *dayLines {
	l := &dayLines{w: w, c: c}
	for _, m := range c.Meetings {
		l.width = append(l.width, max(len(m.ID), 9))
	}
	return l
}

func (l *dayLines) header() {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s  %4s  %4s  %8s", "DAY", "SENT", "READ", "ANSWERED")
	for i, m := range l.c.Meetings {
		fmt.Fprintf(&b, "  %*s", l.width[i], strings.ToUpper(m.ID))
	}
	b.WriteString("  DELIVERED BY THE DAEMON")
	fmt.Fprintln(l.w, b.String())
}

// line prints a day: messages the daemon delivered, replies it read, invitees who have
// answered so far, and per meeting the invitees registered (with the people they bring).
func (l *dayLines) line(day time.Time, sent map[string]int, read int, rep status.Report) {
	total := 0
	kinds := make([]string, 0, len(sent))
	for k, n := range sent {
		total += n
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if sent[kinds[i]] != sent[kinds[j]] {
			return sent[kinds[i]] > sent[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	var what []string
	for _, k := range kinds {
		what = append(what, fmt.Sprintf("%s %d", k, sent[k]))
	}
	var b strings.Builder
	t := rep.Totals
	fmt.Fprintf(&b, "%-14s  %4d  %4d  %8s", day.Format("2006-01-02 Mon"), total, read,
		fmt.Sprintf("%d/%d", t.Answered, t.Invitees))
	for i, m := range rep.Meetings {
		fmt.Fprintf(&b, "  %*s", l.width[i], fmt.Sprintf("%d (%d)", m.Invitees, m.People))
	}
	if len(what) > 0 {
		b.WriteString("  " + strings.Join(what, ", "))
	}
	fmt.Fprintln(l.w, strings.TrimRight(b.String(), " "))
}
