package schedules

import (
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Each meeting's participant list goes out two days before it at 08:00, on the working day
// before when that is a Sunday (the staff prepare on working days), and expires when the
// meeting starts; none is planned when the schedule has no participant_lists.
func TestParticipantListJobs(t *testing.T) {
	c := campaign2012(t)
	if got := mustPlanner(t, c).ParticipantLists(); len(got) != 0 {
		t.Errorf("participant lists without participant_lists: %v", got)
	}
	c.Schedule.ParticipantLists = campaign.ParticipantLists{When: campaign.Relative{Before: []time.Duration{48 * time.Hour},
		TimeOfDay: 8 * time.Hour, HasTime: true}}
	p := mustPlanner(t, c)
	var got []string
	for _, j := range p.ParticipantLists() {
		m, _ := c.Meeting(j.Meeting)
		if !j.Expires.Equal(m.Start) || j.Invitee != "" || j.Kind.PerInvitee() {
			t.Errorf("%v expires %v, invitee %q; want at the meeting's start, for the whole campaign", j, j.Expires, j.Invitee)
		}
		got = append(got, j.Key+" "+j.Due.In(c.Location).Format("Mon 2 Jan 15:04"))
	}
	want := "participant_list/aalborg Fri 24 Feb 08:00|participant_list/roskilde Tue 28 Feb 08:00|participant_list/vejle Fri 2 Mar 08:00"
	if strings.Join(got, "|") != want {
		t.Errorf("participant lists:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
	timeline := p.Timeline(Snapshot{})
	if last := timeline[len(timeline)-1]; last.Kind != KindFinalReport {
		t.Errorf("the timeline ends with %v, want the final report", last)
	}
	// A list due after its meeting is a configuration error, named by its key.
	c.Schedule.ParticipantLists.When.Before = []time.Duration{0}
	c.Schedule.ParticipantLists.When.TimeOfDay = 13 * time.Hour
	err := Validate(c)
	if err == nil || !strings.Contains(err.Error(), "schedule.participant_lists.before[0]") {
		t.Errorf("a list after the meeting: %v", err)
	}
}
