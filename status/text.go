package status

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the report as a table in the campaign's language, with the totals per
// meeting below it and the agreements against the go-ahead threshold last. Only confirmed
// agreements count toward the threshold; those returned but not checked are named apart.
func (r Report) WriteText(w io.Writer, loc *time.Location) error {
	wd := Words{en: r.lang == "en"}
	h := tableHeadings(wd)
	city := map[string]string{}
	for _, m := range r.Meetings {
		city[m.ID] = m.City
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(h.invitees, "\t"))
	for _, row := range r.Rows {
		state := wd.Status(row.Status)
		if row.Delivery != "" && row.Delivery != "ok" {
			state += " (" + strings.ToLower(wd.Delivery(row.Delivery)) + ")"
		}
		if row.AwayUntil != "" {
			state += fmt.Sprintf(" (%s %s)", h.awayUntil, wd.Date(row.AwayUntil))
		}
		last := "-"
		if !row.LastChange.IsZero() {
			last = wd.Time(row.LastChange.In(loc))
		}
		meeting, people := "-", "-"
		if row.Meeting != "" {
			meeting = or(city[row.Meeting], row.Meeting)
		}
		if row.Headcount > 0 {
			people = fmt.Sprint(row.Headcount)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Code, row.Name, state, meeting, people, wd.Agreement(row.Agreement), last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	r.writePage(w, wd)
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(h.meetings, "\t"))
	for _, m := range r.Meetings {
		capacity := "-"
		if m.Capacity > 0 {
			capacity = fmt.Sprint(m.Capacity)
			if m.OverCapacity {
				capacity += " (" + h.over + ")"
			}
		}
		starts := m.StartsLocal
		if t, err := time.ParseInLocation("2006-01-02 15:04", m.StartsLocal, loc); err == nil {
			starts = wd.Time(t)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", m.City, starts, m.Invitees, m.People, capacity)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", strings.Join(r.Totals.summary(wd), "\n"))
	return err
}

// headings are the table's column names and the words inside its cells.
type headings struct {
	invitees, meetings []string
	awayUntil, over    string
}

func tableHeadings(wd Words) headings {
	if wd.English() {
		return headings{
			invitees:  []string{"CODE", "NAME", "STATE", "MEETING", "PEOPLE", "AGREEMENT", "LAST CHANGE"},
			meetings:  []string{"MEETING", "STARTS", "INVITEES", "PEOPLE", "PLACES"},
			awayUntil: "away until", over: "overbooked",
		}
	}
	return headings{
		invitees:  []string{"KODE", "KOMMUNE", "STATUS", "MØDE", "PERSONER", "AFTALE", "SENEST ÆNDRET"},
		meetings:  []string{"MØDE", "TIDSPUNKT", "KOMMUNER", "PERSONER", "PLADSER"},
		awayUntil: "fraværende til", over: "overbooket",
	}
}

// summary is the totals in three sentences: the answers, the agreements (confirmed, and those
// returned but not checked apart), and the go-ahead with what it still needs.
func (t Totals) summary(wd Words) []string {
	n := func(v int) string { return wd.Number(int64(v)) }
	if wd.English() {
		lines := []string{
			fmt.Sprintf("%s invitees: %s invited, %s answered (%s registered with %s people, %s declined, %s unclear), %s not answered, %s undeliverable",
				n(t.Invitees), n(t.Invited), n(t.Answered), n(t.Attending), n(t.People), n(t.Declined), n(t.Unclear), n(t.NotAnswered), n(t.Undeliverable)),
			fmt.Sprintf("Agreements confirmed: %s (%s of the invitees, %s of the population); returned but not checked: %s (not counted)",
				n(t.Confirmed), wd.Percent(t.AgreementShare), wd.Percent(t.AgreementPopulation), n(t.Unchecked)),
		}
		if t.GoAhead {
			return append(lines, "Go-ahead threshold reached on confirmed agreements.")
		}
		return append(lines, fmt.Sprintf("Go-ahead threshold not reached: %s or %s more needed.",
			wd.Count(int64(t.NeededInvitees), "invitee", "invitees"), wd.Count(t.NeededPopulation, "inhabitant", "inhabitants")))
	}
	lines := []string{
		fmt.Sprintf("%s inviterede: %s har fået invitationen, %s har svaret (%s tilmeldt med %s personer, %s afbud, %s uklare), %s har ikke svaret, %s kan ikke nås på mail",
			n(t.Invitees), n(t.Invited), n(t.Answered), n(t.Attending), n(t.People), n(t.Declined), n(t.Unclear), n(t.NotAnswered), n(t.Undeliverable)),
		fmt.Sprintf("Bekræftede tilslutningsaftaler: %s (%s af kommunerne, %s af indbyggerne); returneret, men ikke kontrolleret: %s (tæller ikke med)",
			n(t.Confirmed), wd.Percent(t.AgreementShare), wd.Percent(t.AgreementPopulation), n(t.Unchecked)),
	}
	if t.GoAhead {
		return append(lines, "Grænsen for at gå videre er nået med bekræftede aftaler.")
	}
	return append(lines, fmt.Sprintf("Grænsen for at gå videre er ikke nået: der mangler %s eller %s.",
		wd.Count(int64(t.NeededInvitees), "kommune", "kommuner"), wd.Count(t.NeededPopulation, "indbygger", "indbyggere")))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// writePage says, under a page of the table, which rows it shows and where the next page
// starts; nothing when the table shows every invitee.
func (r Report) writePage(w io.Writer, wd Words) {
	p := r.Page
	if p == nil || p.Rows >= p.Total {
		return
	}
	switch {
	case p.Rows == 0 && wd.English():
		fmt.Fprintf(w, "no invitees after %s (of %d)\n", p.After, p.Total)
	case p.Rows == 0:
		fmt.Fprintf(w, "ingen inviterede efter %s (af %d)\n", p.After, p.Total)
	case wd.English():
		fmt.Fprintf(w, "invitees %d-%d of %d", p.First, p.First+p.Rows-1, p.Total)
		if p.Next != "" {
			fmt.Fprintf(w, "; the next %d: --after %s", p.Limit, p.Next)
		}
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "inviterede %d-%d af %d", p.First, p.First+p.Rows-1, p.Total)
		if p.Next != "" {
			fmt.Fprintf(w, "; de næste %d: --after %s", p.Limit, p.Next)
		}
		fmt.Fprintln(w)
	}
}
