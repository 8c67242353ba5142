package desk

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// inviteeRow is one invitee's line in the list.
type inviteeRow struct {
	Inv      campaign.Invitee
	St       campaign.State
	Activity time.Time
	Reviews  int
}

// rowView is a line of the list written out, so that the template only places strings: a
// list of a thousand invitees is rendered in a few milliseconds.
type rowView struct {
	Code, Name, Region, Status, State, City, People, Headcount, Agreement, Population, Activity string
	Bounced                                                                                     bool
	Reviews                                                                                     int
}

func (s *Server) rowView(row inviteeRow) rowView {
	f := s.f()
	v := rowView{Code: row.Inv.Code, Name: row.Inv.Name, Region: row.Inv.Region, Status: string(row.St.Status),
		State: f.t("st_" + string(row.St.Status)), City: "–", Agreement: f.t("ag_" + string(row.St.Agreement)),
		Population: f.number(row.Inv.Population), Activity: "–", Reviews: row.Reviews,
		Bounced: row.St.Delivery == campaign.DeliveryUndeliverable}
	if row.St.Meeting != "" {
		v.City = s.meetingCity(row.St.Meeting)
	}
	if row.St.Headcount > 0 {
		v.People, v.Headcount = f.people(row.St.Headcount), strconv.Itoa(row.St.Headcount)
	}
	if !row.Activity.IsZero() {
		v.Activity = s.dateTime(row.Activity)
	}
	return v
}

// filter is the list's query: search, state, meeting, region and order.
type filter struct {
	Q, State, Meeting, Region, Sort string
}

// The states the list filters by: the RSVP states, mail that does not arrive, and where the
// agreement stands.
var filterStates = []string{"invited", "attending", "declined", "unclear", "undeliverable",
	"agreement_missing", "agreement_returned", "agreement_confirmed"}

// query is the filter as a query string, for the links to other pages of the list.
func (f filter) query() string {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Q, "state": f.State, "meeting": f.Meeting, "region": f.Region, "sort": f.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v.Encode()
}

// perPage is how many invitees one page of the list shows: a campaign of a hundred fits on
// one, a larger one is read a page at a time.
const perPage = 200

// pages is where one page of the list starts and ends.
type pages struct {
	N, Of, From, To int
	Prev, Next      int // page numbers, 0 for none
}

func paginate(total int, page string) pages {
	n, _ := strconv.Atoi(page)
	of := max(1, (total+perPage-1)/perPage)
	n = min(max(n, 1), of)
	p := pages{N: n, Of: of, From: (n - 1) * perPage, To: min(total, n*perPage)}
	if n > 1 {
		p.Prev = n - 1
	}
	if n < of {
		p.Next = n + 1
	}
	return p
}

func (f filter) match(row inviteeRow) bool {
	st := row.St
	switch f.State {
	case "":
	case "undeliverable":
		if st.Delivery != campaign.DeliveryUndeliverable {
			return false
		}
	case "agreement_missing":
		if st.Agreement == campaign.AgreementReturned || st.Agreement == campaign.AgreementConfirmed {
			return false
		}
	case "agreement_returned", "agreement_confirmed":
		if "agreement_"+string(st.Agreement) != f.State {
			return false
		}
	case "invited":
		if st.Status != campaign.StatusInvited && st.Status != campaign.StatusNew {
			return false
		}
	default:
		if string(st.Status) != f.State {
			return false
		}
	}
	if f.Meeting != "" && st.Meeting != f.Meeting {
		return false
	}
	if f.Region != "" && row.Inv.Region != f.Region {
		return false
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		hay := strings.ToLower(strings.Join([]string{row.Inv.Code, row.Inv.Name, row.Inv.FormalName,
			row.Inv.Email, row.Inv.Contact}, " "))
		if !strings.Contains(hay, q) {
			return false
		}
	}
	return true
}

func (s *Server) invitees(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	f := filter{Q: q.Get("q"), State: q.Get("state"), Meeting: q.Get("meeting"), Region: q.Get("region"), Sort: q.Get("sort")}
	sn, err := s.snapshot(r.Context(), true)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var rows []inviteeRow
	regions := map[string]bool{}
	for _, inv := range s.c.Invitees {
		if inv.Region != "" {
			regions[inv.Region] = true
		}
		row := inviteeRow{Inv: inv, St: sn.state(inv.Code), Activity: sn.activity[inv.Code]}
		if f.match(row) {
			rows = append(rows, row)
		}
	}
	switch f.Sort {
	case "population":
		slices.SortStableFunc(rows, func(a, b inviteeRow) int { return cmp.Compare(b.Inv.Population, a.Inv.Population) })
	case "activity":
		slices.SortStableFunc(rows, func(a, b inviteeRow) int { return b.Activity.Compare(a.Activity) })
	case "name":
		slices.SortStableFunc(rows, func(a, b inviteeRow) int { return strings.Compare(a.Inv.Name, b.Inv.Name) })
	}
	var regionList []string
	for r := range regions {
		regionList = append(regionList, r)
	}
	slices.Sort(regionList)
	pg := paginate(len(rows), q.Get("page"))
	shown := rows[pg.From:pg.To]
	reviews, err := s.openReviewsOf(r.Context(), shown)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	views := make([]rowView, 0, len(shown))
	for _, row := range shown {
		row.Reviews = reviews[row.Inv.Code]
		views = append(views, s.rowView(row))
	}
	s.render(w, r, http.StatusOK, "invitees", v, map[string]any{"Rows": views, "F": f, "States": filterStates,
		"Regions": regionList, "Meetings": s.c.Meetings, "Total": len(s.c.Invitees), "Matches": len(rows), "Page": pg,
		"Query": f.query()})
}

// openReviewsOf counts the open review items of the invitees on a page of the list: the list
// neither filters nor sorts by them, so the others' need not be counted.
func (s *Server) openReviewsOf(ctx context.Context, rows []inviteeRow) (map[string]int, error) {
	codes := make([]string, len(rows))
	for i, row := range rows {
		codes[i] = row.Inv.Code
	}
	var counts map[string]int
	err := s.st.View(ctx, func(tx *store.Tx) (err error) {
		counts, err = tx.OpenReviewCounts(codes)
		return err
	})
	return counts, err
}
