// Package status summarises a campaign's state: one row per invitee and totals per meeting,
// for `rsvpd status`, the digest and the demo, so all three always agree.
package status

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Row is one invitee's line.
type Row struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Meeting    string    `json:"meeting"`
	Headcount  int       `json:"headcount"`
	Companions []string  `json:"companions"`
	Agreement  string    `json:"agreement"`
	Delivery   string    `json:"delivery"`
	AwayUntil  string    `json:"away_until,omitempty"`
	Population int       `json:"population"`
	LastChange time.Time `json:"last_change,omitzero"`
}

// MeetingTotal counts one meeting's registrations.
type MeetingTotal struct {
	ID           string `json:"id"`
	City         string `json:"city"`
	Invitees     int    `json:"invitees"`
	People       int    `json:"people"`
	Capacity     int    `json:"capacity"`
	OverCapacity bool   `json:"over_capacity"`
	StartsLocal  string `json:"starts"`
}

// Totals counts the whole campaign.
type Totals struct {
	Invitees      int `json:"invitees"`
	Invited       int `json:"invited"`
	Answered      int `json:"answered"`
	Attending     int `json:"attending"`
	People        int `json:"people"`
	Declined      int `json:"declined"`
	Unclear       int `json:"unclear"`
	NotAnswered   int `json:"not_answered"`
	Undeliverable int `json:"undeliverable"`
	// Agreements returned or confirmed, and the share of invitees and of population they make.
	Agreements          int     `json:"agreements"`
	AgreementShare      float64 `json:"agreement_share"`
	AgreementPopulation float64 `json:"agreement_population_share"`
	GoAhead             bool    `json:"go_ahead"`
}

// Report is the campaign's state at one moment.
type Report struct {
	Rows     []Row          `json:"invitees"`
	Meetings []MeetingTotal `json:"meetings"`
	Totals   Totals         `json:"totals"`
	// Page says which rows a paged report holds (Report.Page); nil when it holds them all.
	Page *Page `json:"page,omitempty"`
}

// Page is one page of a report's rows, in code order.
type Page struct {
	After string `json:"after,omitempty"` // the rows follow this code ("" from the first)
	Limit int    `json:"limit"`           // at most this many rows
	First int    `json:"first"`           // the position (from 1) of the first row shown
	Rows  int    `json:"rows"`            // how many rows are shown
	Total int    `json:"total"`           // how many rows there are
	Next  string `json:"next,omitempty"`  // the code to pass as After for the next page; "" at the end
}

// Build summarises the states (invitees without a stored state count as new).
func Build(c *campaign.Campaign, states []campaign.State) Report {
	b := NewBuilder(c)
	for _, st := range states {
		b.Add(st)
	}
	return b.Report()
}

// Builder makes a Report from states given one at a time, as they are read from the store:
// one row per invitee, without a list of every state and a map of them beside it.
type Builder struct {
	c    *campaign.Campaign
	rows []Row
	st   []stateOf
}

// stateOf is what the totals need of a state beyond its row.
type stateOf struct {
	status   campaign.Status
	delivery campaign.Delivery
}

// NewBuilder starts a report in which every invitee is new.
func NewBuilder(c *campaign.Campaign) *Builder {
	b := &Builder{c: c, rows: make([]Row, len(c.Invitees)), st: make([]stateOf, len(c.Invitees))}
	for i, inv := range c.Invitees {
		b.put(i, inv, campaign.NewState(inv.Code))
	}
	return b
}

// Add sets an invitee's state; a state of a code the campaign does not list is left out.
func (b *Builder) Add(st campaign.State) {
	i, ok := b.c.IndexOf(st.Code)
	if !ok {
		return
	}
	b.put(i, b.c.Invitees[i], st)
}

func (b *Builder) put(i int, inv campaign.Invitee, st campaign.State) {
	b.rows[i] = Row{Code: inv.Code, Name: inv.Name, Status: string(st.Status), Meeting: st.Meeting,
		Headcount: st.Headcount, Companions: st.Companions, Agreement: string(st.Agreement),
		Delivery: string(st.Delivery), AwayUntil: st.AwayUntil, Population: inv.Population, LastChange: st.UpdatedAt}
	b.st[i] = stateOf{status: st.Status, delivery: st.Delivery}
}

// Report counts the rows and orders them by code.
func (b *Builder) Report() Report {
	c := b.c
	r := Report{Rows: b.rows}
	totals := map[string]*MeetingTotal{}
	for _, m := range c.Meetings {
		r.Meetings = append(r.Meetings, MeetingTotal{ID: m.ID, City: m.City, Capacity: m.Capacity,
			StartsLocal: m.Start.In(c.Location).Format("2006-01-02 15:04")})
	}
	for i := range r.Meetings {
		totals[r.Meetings[i].ID] = &r.Meetings[i]
	}
	var popTotal, popAgreed int64
	t := &r.Totals
	for i := range r.Rows {
		row, st := &r.Rows[i], b.st[i]
		popTotal += int64(row.Population)
		t.Invitees++
		if st.status != campaign.StatusNew {
			t.Invited++
		}
		switch st.status {
		case campaign.StatusAttending:
			t.Attending++
			t.People += row.Headcount
			if mt := totals[row.Meeting]; mt != nil {
				mt.Invitees++
				mt.People += row.Headcount
			}
		case campaign.StatusDeclined:
			t.Declined++
		case campaign.StatusUnclear:
			t.Unclear++
		case campaign.StatusInvited:
			t.NotAnswered++
		}
		if st.status.Answered() {
			t.Answered++
		}
		if st.delivery == campaign.DeliveryUndeliverable {
			t.Undeliverable++
		}
		if a := campaign.AgreementStatus(row.Agreement); a == campaign.AgreementReturned || a == campaign.AgreementConfirmed {
			t.Agreements++
			popAgreed += int64(row.Population)
		}
	}
	for i := range r.Meetings {
		m := &r.Meetings[i]
		m.OverCapacity = m.Capacity > 0 && m.People > m.Capacity
	}
	if t.Invitees > 0 {
		t.AgreementShare = float64(t.Agreements) / float64(t.Invitees)
	}
	if popTotal > 0 {
		t.AgreementPopulation = float64(popAgreed) / float64(popTotal)
	}
	t.GoAhead = t.AgreementShare >= c.GoAhead || t.AgreementPopulation >= c.GoAhead
	sort.SliceStable(r.Rows, func(i, j int) bool { return codeLess(r.Rows[i].Code, r.Rows[j].Code) })
	b.rows, b.st = nil, nil
	return r
}

// Paged returns the report with at most limit rows (0: all), those after the code after ("":
// from the first), with the totals of the whole campaign and a Page that says where the next
// page starts.
func (r Report) Paged(after string, limit int) Report {
	start := 0
	if after != "" {
		start = sort.Search(len(r.Rows), func(i int) bool { return codeLess(after, r.Rows[i].Code) })
	}
	end := len(r.Rows)
	if limit > 0 && start+limit < end {
		end = start + limit
	}
	p := &Page{After: after, Limit: limit, First: start + 1, Rows: end - start, Total: len(r.Rows)}
	if end < len(r.Rows) && end > start {
		p.Next = r.Rows[end-1].Code
	}
	r.Rows, r.Page = r.Rows[start:end], p
	return r
}

// codeLess orders numeric codes by number ("98" before "101") and others as text.
func codeLess(a, b string) bool {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) < len(b)
	}
	return a < b
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// WriteJSON writes the report as one JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as a table, with the totals per meeting below it.
func (r Report) WriteText(w io.Writer, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tSTATE\tMEETING\tPEOPLE\tAGREEMENT\tLAST CHANGE")
	for _, row := range r.Rows {
		state := row.Status
		if row.Delivery != "" && row.Delivery != string(campaign.DeliveryOK) {
			state += " (" + row.Delivery + ")"
		}
		if row.AwayUntil != "" {
			state += " (away until " + row.AwayUntil + ")"
		}
		last := "-"
		if !row.LastChange.IsZero() {
			last = row.LastChange.In(loc).Format("2006-01-02 15:04")
		}
		meeting, people := dash(row.Meeting), "-"
		if row.Headcount > 0 {
			people = fmt.Sprint(row.Headcount)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Code, row.Name, state, meeting, people, row.Agreement, last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p := r.Page; p != nil && p.Rows < p.Total {
		last := p.First + p.Rows - 1
		if p.Rows == 0 {
			fmt.Fprintf(w, "no rows after %s (of %d invitees)\n", p.After, p.Total)
		} else {
			fmt.Fprintf(w, "rows %d-%d of %d invitees", p.First, last, p.Total)
			if p.Next != "" {
				fmt.Fprintf(w, "; the next %d: --after %s", p.Limit, p.Next)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "MEETING\tSTARTS\tINVITEES\tPEOPLE\tCAPACITY")
	for _, m := range r.Meetings {
		capacity := "-"
		if m.Capacity > 0 {
			capacity = fmt.Sprint(m.Capacity)
			if m.OverCapacity {
				capacity += " (over)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", m.ID, m.StartsLocal, m.Invitees, m.People, capacity)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	t := r.Totals
	_, err := fmt.Fprintf(w, "\n%d invitees: %d invited, %d answered (%d attending with %d people, %d declined, %d unclear), %d not answered, %d undeliverable\n"+
		"agreements returned: %d (%.0f%% of invitees, %.0f%% of population); go-ahead threshold reached: %s\n",
		t.Invitees, t.Invited, t.Answered, t.Attending, t.People, t.Declined, t.Unclear, t.NotAnswered, t.Undeliverable,
		t.Agreements, 100*t.AgreementShare, 100*t.AgreementPopulation, yesNo(t.GoAhead))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
