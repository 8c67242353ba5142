package desk

import (
	"cmp"
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
	folded                          string // Q as searches compare it (search.go)
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

// match reports whether an invitee in its state matches the filter; text is the invitee's
// folded text for the search.
func (f filter) match(row inviteeRow, text string) bool {
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
	if f.folded == "" || strings.Contains(text, f.folded) {
		return true
	}
	// An address changed on the desk is not in the texts folded once for the desk's life.
	return row.St.Email != "" && strings.Contains(fold(row.St.Email), f.folded)
}

func (s *Server) invitees(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	f := filter{Q: cutQuery(q.Get("q")), State: q.Get("state"), Meeting: q.Get("meeting"), Region: q.Get("region"), Sort: q.Get("sort")}
	f.folded = fold(f.Q)
	var l inviteeList
	err := s.st.View(r.Context(), func(tx *store.Tx) error {
		sn, err := readSnapshot(tx, true)
		if err != nil {
			return err
		}
		l = s.listOf(sn, f, q.Get("page"))
		// The list neither filters nor sorts by the open items, so only the page's are counted.
		codes := make([]string, len(l.shown))
		for i, row := range l.shown {
			codes[i] = row.Inv.Code
		}
		reviews, err := tx.OpenReviewCounts(codes)
		for i := range l.shown {
			l.shown[i].Reviews = reviews[l.shown[i].Inv.Code]
		}
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	views := make([]rowView, 0, len(l.shown))
	for _, row := range l.shown {
		views = append(views, s.rowView(row))
	}
	s.render(w, r, http.StatusOK, "invitees", v, l.open, map[string]any{"Rows": views, "F": f, "States": filterStates,
		"Regions": l.regions, "Meetings": s.c.Meetings, "Total": len(s.c.Invitees), "Matches": l.matches, "Page": l.page,
		"Query": f.query()})
}

// inviteeList is a page of the list of invitees: the rows shown, the regions to filter by,
// how many invitees match the filter, and how many review items are open in all.
type inviteeList struct {
	shown   []inviteeRow
	regions []string
	matches int
	page    pages
	open    int
}

// listOf filters and sorts the invitees as f asks and cuts out the page.
func (s *Server) listOf(sn snapshot, f filter, page string) inviteeList {
	var rows []inviteeRow
	regions := map[string]bool{}
	var texts []string
	if f.folded != "" {
		texts = s.searchTexts()
	}
	for i, inv := range s.c.Invitees {
		if inv.Region != "" {
			regions[inv.Region] = true
		}
		row := inviteeRow{Inv: inv, St: sn.state(inv.Code), Activity: sn.activity[inv.Code]}
		text := ""
		if texts != nil {
			text = texts[i]
		}
		if f.match(row, text) {
			rows = append(rows, row)
		}
	}
	switch f.Sort {
	case "population":
		slices.SortStableFunc(rows, func(a, b inviteeRow) int { return cmp.Compare(b.Inv.Population, a.Inv.Population) })
	case "activity":
		slices.SortStableFunc(rows, func(a, b inviteeRow) int { return b.Activity.Compare(a.Activity) })
	case "name":
		campaign.SortByName(s.lang, rows, func(r inviteeRow) string { return r.Inv.Name })
	}
	var regionList []string
	for r := range regions {
		regionList = append(regionList, r)
	}
	slices.Sort(regionList)
	pg := paginate(len(rows), page)
	return inviteeList{shown: rows[pg.From:pg.To], regions: regionList, matches: len(rows), page: pg, open: sn.openCount}
}
