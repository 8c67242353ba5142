// Package status summarises a campaign's state: one row per invitee and totals per meeting,
// for `rsvpd status`, the digest and the demo, so all three always agree.
package status

import (
	"encoding/json"
	"io"
	"sort"
	"strings"
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
	// Population is the population of all invitees.
	Population int64 `json:"population"`
	// Confirmed agreements are those the staff has checked: only they count toward the
	// go-ahead. Unchecked ones have come back but nobody has checked them yet (a reply read as
	// an agreement, a PDF that may be unsigned): they are counted apart and never toward it.
	Confirmed           int   `json:"agreements_confirmed"`
	ConfirmedPopulation int64 `json:"agreements_confirmed_population"`
	Unchecked           int   `json:"agreements_unchecked"`
	UncheckedPopulation int64 `json:"agreements_unchecked_population"`
	// The shares of the invitees and of the population that the confirmed agreements make.
	AgreementShare      float64 `json:"agreement_share"`
	AgreementPopulation float64 `json:"agreement_population_share"`
	// GoAhead: the confirmed agreements reach the threshold. Otherwise it still needs
	// NeededInvitees more municipalities or NeededPopulation more inhabitants, whichever comes
	// first; GoAheadIfChecked says whether confirming every unchecked agreement would reach it.
	GoAhead          bool  `json:"go_ahead"`
	NeededInvitees   int   `json:"needed_invitees"`
	NeededPopulation int64 `json:"needed_population"`
	GoAheadIfChecked bool  `json:"go_ahead_if_checked"`
}

// Report is the campaign's state at one moment.
type Report struct {
	Rows     []Row          `json:"invitees"`
	Meetings []MeetingTotal `json:"meetings"`
	Totals   Totals         `json:"totals"`
	// Page says which rows a paged report holds (Report.Paged); nil when it holds them all.
	Page *Page `json:"page,omitempty"`

	lang string // the campaign's language, for the table's words
}

// Page is one page of a report's rows, in code order.
type Page struct {
	After string `json:"after,omitempty"` // the rows follow this code ("" from the first)
	Limit int    `json:"limit"`           // at most this many rows (0: all)
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
	t := &r.Totals
	for i := range r.Rows {
		row, st := &r.Rows[i], b.st[i]
		t.Population += int64(row.Population)
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
		switch campaign.AgreementStatus(row.Agreement) {
		case campaign.AgreementConfirmed:
			t.Confirmed++
			t.ConfirmedPopulation += int64(row.Population)
		case campaign.AgreementReturned:
			t.Unchecked++
			t.UncheckedPopulation += int64(row.Population)
		}
	}
	for i := range r.Meetings {
		m := &r.Meetings[i]
		m.OverCapacity = m.Capacity > 0 && m.People > m.Capacity
	}
	t.goAhead(c)
	r.lang = c.Language
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

// goAhead counts the confirmed agreements against the campaign's threshold.
func (t *Totals) goAhead(c *campaign.Campaign) {
	if t.Invitees > 0 {
		t.AgreementShare = float64(t.Confirmed) / float64(t.Invitees)
	}
	if t.Population > 0 {
		t.AgreementPopulation = float64(t.ConfirmedPopulation) / float64(t.Population)
	}
	t.GoAhead = c.GoAheadReached(t.Confirmed, t.ConfirmedPopulation, t.Invitees, t.Population)
	if !t.GoAhead {
		t.NeededInvitees = int(campaign.Needed(c.GoAhead, int64(t.Confirmed), int64(t.Invitees)))
		t.NeededPopulation = campaign.Needed(c.GoAhead, t.ConfirmedPopulation, t.Population)
	}
	t.GoAheadIfChecked = c.GoAheadReached(t.Confirmed+t.Unchecked, t.ConfirmedPopulation+t.UncheckedPopulation,
		t.Invitees, t.Population)
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
