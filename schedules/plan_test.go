package schedules

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// The plan the desk shows is the timeline's: for invitees registered for each meeting, one
// who has not answered and one who declined, every kind of job is due at the plan's times of
// its kind (and meeting), and at no other.
func TestPlanIsTheTimeline(t *testing.T) {
	c := campaign2012(t)
	c.Schedule.ParticipantLists = campaign.ParticipantLists{When: campaign.Relative{Before: []time.Duration{2 * day},
		TimeOfDay: 8 * time.Hour, HasTime: true}}
	// Listed late first: the plan is in time order whatever the configuration's order.
	c.Schedule.NudgeAgreement.Before = []time.Duration{2 * day, 7 * day}
	p := mustPlanner(t, c)
	st := Snapshot{"147": {Meeting: "aalborg"}, "851": {Meeting: "roskilde"}, "265": {Meeting: "vejle"},
		"630": {Answered: true}}
	fromTimeline := map[string]map[time.Time]bool{}
	for _, j := range p.Timeline(st) {
		k := string(j.Kind) + "/" + j.Meeting
		if fromTimeline[k] == nil {
			fromTimeline[k] = map[time.Time]bool{}
		}
		fromTimeline[k][j.Due] = true
	}
	plan := p.Plan()
	seen := map[string]bool{}
	for _, pl := range plan {
		k := string(pl.Kind) + "/" + pl.Meeting
		seen[k] = true
		for i, at := range pl.Times {
			if !fromTimeline[k][at] {
				t.Errorf("%s: the plan has %v, the timeline has no such job", k, at)
			}
			if i > 0 && !pl.Times[i-1].Before(at) {
				t.Errorf("%s: the plan's times are not ascending: %v", k, pl.Times)
			}
		}
		if len(pl.Times) != len(fromTimeline[k]) {
			t.Errorf("%s: the plan has %d times, the timeline %d", k, len(pl.Times), len(fromTimeline[k]))
		}
	}
	for k := range fromTimeline {
		if !seen[k] {
			t.Errorf("the timeline has jobs of %s, the plan none", k)
		}
	}
	var got []string
	for _, pl := range plan {
		if pl.Kind == KindDigest {
			got = append(got, fmt.Sprintf("digest %d from %s to %s", len(pl.Times), pl.Times[0].In(c.Location).Format("Mon 2 Jan 15:04"),
				pl.Times[len(pl.Times)-1].In(c.Location).Format("Mon 2 Jan 15:04")))
			continue
		}
		var ts []string
		for _, at := range pl.Times {
			ts = append(ts, at.In(c.Location).Format("Mon 2 Jan 15:04"))
		}
		got = append(got, strings.TrimSpace(string(pl.Kind)+" "+pl.Meeting)+": "+strings.Join(ts, ", "))
	}
	want := []string{
		"invitation: Mon 6 Feb 09:00",
		"agreement: Mon 20 Feb 09:00",
		"nudge_unanswered: Tue 14 Feb 09:00, Tue 21 Feb 09:00",
		"reminder aalborg: Mon 27 Feb 08:00",
		"reminder roskilde: Wed 29 Feb 08:00",
		"reminder vejle: Mon 5 Mar 08:00",
		"nudge_agreement: Fri 9 Mar 09:00, Wed 14 Mar 09:00",
		"participant_list aalborg: Fri 24 Feb 08:00",
		"participant_list roskilde: Tue 28 Feb 08:00",
		"participant_list vejle: Fri 2 Mar 08:00",
		"digest 29 from Tue 7 Feb 07:00 to Fri 16 Mar 07:00",
		"final_report: Mon 19 Mar 07:00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the 2012 plan:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
