package desk

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

// snapshot is what most pages read, in their one read transaction: every invitee's state and
// how many review items are open (the count the menu shows too) and since when; with
// perInvitee (the list of invitees) also when each invitee last had an event.
type snapshot struct {
	states    map[string]campaign.State
	openCount int
	firstOpen time.Time // when the first open item was opened
	activity  map[string]time.Time
}

func (s *Server) snapshot(ctx context.Context) (snapshot, error) {
	var sn snapshot
	err := s.st.View(ctx, func(tx *store.Tx) (err error) {
		sn, err = readSnapshot(tx, false)
		return err
	})
	return sn, err
}

func readSnapshot(tx *store.Tx, perInvitee bool) (snapshot, error) {
	var sn snapshot
	states, err := tx.States()
	if err != nil {
		return sn, err
	}
	sn.states = make(map[string]campaign.State, len(states))
	for _, st := range states {
		sn.states[st.Code] = st
	}
	if sn.openCount, sn.firstOpen, err = tx.OpenReviewStats(); err != nil || !perInvitee {
		return sn, err
	}
	sn.activity, err = tx.LastActivity()
	return sn, err
}

func (sn snapshot) state(code string) campaign.State {
	if st, ok := sn.states[code]; ok {
		return st
	}
	return campaign.NewState(code)
}

type meetingRow struct {
	M                 campaign.Meeting
	Invitees, People  int
	Capacity, Percent int
	Over, Held        bool
	CompanionsAsked   int
}

type overviewData struct {
	Meetings                              []meetingRow
	Invitees, Invited, Answered, NotYet   int
	Attending, Declined, Unclear, Bounced int
	Confirmed, Returned, Missing          int
	GoAhead                               *goAhead // nil when the campaign has no threshold
	Deadline                              time.Time
	DaysLeft                              int
	DeadlinePassed                        bool
	OpenReviews                           int
	OldestReview                          time.Duration
	ReviewKinds                           []kindCount // the open items of each kind that has some
}

// goAhead is the threshold on confirmed agreements and what is still needed to reach it.
type goAhead struct {
	Share                      float64
	Count, NeedCount           int
	Population, NeedPopulation int64
	TargetCount                int
	TargetPopulation           int64
	Reached                    bool
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request, v *visit) {
	var sn snapshot
	var reasons map[campaign.ReasonCode]int
	err := s.st.View(r.Context(), func(tx *store.Tx) (err error) {
		if sn, err = readSnapshot(tx, false); err != nil {
			return err
		}
		reasons, err = tx.OpenReviewReasons("")
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d := s.overviewOf(sn)
	d.ReviewKinds = kindCounts(reasons, reviewsView{})
	s.render(w, r, http.StatusOK, "overview", v, sn.openCount, d)
}

// overviewOf counts the campaign with status.Report, as the participant lists and the digest
// do, so that the overview and they always agree.
func (s *Server) overviewOf(sn snapshot) overviewData {
	c := s.c
	now := s.e.Now()
	b := status.NewBuilder(c)
	for _, st := range sn.states {
		b.Add(st)
	}
	rep := b.Report()
	t := rep.Totals
	d := overviewData{Invitees: t.Invitees, Deadline: c.Deadline, OpenReviews: sn.openCount,
		Invited: t.Invited, Answered: t.Answered, NotYet: t.NotAnswered,
		Attending: t.Attending, Declined: t.Declined, Unclear: t.Unclear, Bounced: t.Undeliverable,
		Confirmed: t.Confirmed, Returned: t.Unchecked, Missing: t.Invitees - t.Confirmed - t.Unchecked}
	for i, m := range c.Meetings {
		row := meetingRow{M: m, Invitees: rep.Meetings[i].Invitees, People: rep.Meetings[i].People,
			Capacity: m.Capacity, Held: !now.Before(m.Start)}
		if m.Capacity > 0 {
			row.Percent = min(100, row.People*100/m.Capacity)
			row.Over = row.People > m.Capacity
		}
		d.Meetings = append(d.Meetings, row)
	}
	d.GoAhead = goAheadOf(c, d.Confirmed, t.ConfirmedPopulation)
	today := dayOf(now.In(c.Location))
	d.DaysLeft = int(math.Round(c.Deadline.Sub(today).Hours() / 24))
	d.DeadlinePassed = !now.Before(c.DeadlineEnd())
	if sn.openCount > 0 {
		d.OldestReview = now.Sub(sn.firstOpen)
	}
	return d
}

// goAheadOf works out the threshold with the campaign's own rule (campaign.Needed and
// GoAheadReached), which the digest and status use too, so that the three never disagree on
// whether it is reached or on how much is still needed. A campaign without a threshold has
// none to show (nil).
func goAheadOf(c *campaign.Campaign, confirmed int, population int64) *goAhead {
	if c.GoAhead <= 0 {
		return nil
	}
	invitees, total := int64(len(c.Invitees)), c.TotalPopulation()
	g := goAhead{Share: c.GoAhead, Count: confirmed, Population: population}
	g.TargetCount = int(campaign.Needed(c.GoAhead, 0, invitees))
	g.TargetPopulation = campaign.Needed(c.GoAhead, 0, total)
	g.NeedCount = int(campaign.Needed(c.GoAhead, int64(confirmed), invitees))
	g.NeedPopulation = campaign.Needed(c.GoAhead, population, total)
	g.Reached = c.GoAheadReached(confirmed, population, len(c.Invitees), total)
	return &g
}

func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}
