package schedules

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func mustPlanner(t testing.TB, c *campaign.Campaign) *Planner {
	t.Helper()
	p, err := NewPlanner(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dues lists a planner's jobs as "key local-time" lines, for comparing.
func dues(jobs []Job, loc *time.Location) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.Key + " " + j.Due.In(loc).Format("2006-01-02 15:04")
	}
	return out
}

func find(jobs []Job, key string) (Job, bool) {
	for _, j := range jobs {
		if j.Key == key {
			return j, true
		}
	}
	return Job{}, false
}

// The times each kind of job gets for one invitee who has not answered, from the 2012 schedule.
func TestJobTimes(t *testing.T) {
	c := campaign2012(t)
	c.Invitees = c.Invitees[:1]
	c.Index()
	tests := []struct {
		name  string
		state InviteeState
		want  []string
	}{
		{"not answered: invitation, agreement, two nudges of each kind", InviteeState{}, []string{
			"invitation/101 2012-02-06 09:00",
			"nudge_unanswered/101/0 2012-02-14 09:00", // 14 days before Aalborg, 28 Feb
			"agreement/101 2012-02-20 09:00",
			"nudge_unanswered/101/1 2012-02-21 09:00",
			"nudge_agreement/101/0 2012-03-09 09:00", // 7 days before the deadline day, 16 Mar
			"nudge_agreement/101/1 2012-03-14 09:00",
		}},
		{"registered for Vejle: a reminder the day before, no answer nudge", InviteeState{Meeting: "vejle", Answered: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
			"reminder/101/vejle/0 2012-03-05 08:00",
			"nudge_agreement/101/0 2012-03-09 09:00",
			"nudge_agreement/101/1 2012-03-14 09:00",
		}},
		{"declined, agreement returned: only the letters", InviteeState{Answered: true, AgreementReturned: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
		}},
		{"registered without Answered set still counts as answered", InviteeState{Meeting: "aalborg", AgreementReturned: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
			"reminder/101/aalborg/0 2012-02-27 08:00",
		}},
		{"registered for a meeting the config no longer has: no reminder", InviteeState{Meeting: "odense", Answered: true, AgreementReturned: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
		}},
		{"away until 22 Feb: both answer nudges become one on 23 Feb", InviteeState{BackOn: local(t, "2012-02-22 00:00"), AgreementReturned: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
			"nudge_unanswered/101/1 2012-02-23 09:00",
		}},
		{"away until Saturday 18 Feb: the first nudge moves past Sunday 19 Feb to Monday, the second stays", InviteeState{BackOn: local(t, "2012-02-18 00:00"), AgreementReturned: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
			"nudge_unanswered/101/0 2012-02-20 09:00",
			"nudge_unanswered/101/1 2012-02-21 09:00",
		}},
		{"back on a nudge's day: that nudge stays", InviteeState{BackOn: local(t, "2012-02-14 00:00"), AgreementReturned: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"nudge_unanswered/101/0 2012-02-14 09:00",
			"agreement/101 2012-02-20 09:00",
			"nudge_unanswered/101/1 2012-02-21 09:00",
		}},
		{"back on 27 Feb: moved to 09:00 on the day of the first meeting, still before 10:00", InviteeState{BackOn: local(t, "2012-02-27 00:00"), AgreementReturned: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
			"nudge_unanswered/101/1 2012-02-28 09:00",
		}},
		{"back on the first meeting's day: the answer nudges are dropped", InviteeState{BackOn: local(t, "2012-02-28 00:00"), AgreementReturned: true}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
		}},
		{"back on 15 Mar: one agreement nudge on the deadline day", InviteeState{Answered: true, BackOn: local(t, "2012-03-15 00:00")}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
			"nudge_agreement/101/1 2012-03-16 09:00",
		}},
		{"back on the deadline day: no agreement nudge after the deadline", InviteeState{Answered: true, BackOn: local(t, "2012-03-16 00:00")}, []string{
			"invitation/101 2012-02-06 09:00",
			"agreement/101 2012-02-20 09:00",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlanner(t, c)
			jobs := p.Jobs(Snapshot{"101": tt.state})
			got := dues(jobs, c.Location)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("jobs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestMovedNudgeSaysWhy(t *testing.T) {
	c := campaign2012(t)
	p := mustPlanner(t, c)
	jobs := p.Jobs(Snapshot{"101": {BackOn: local(t, "2012-02-22 00:00")}})
	j, ok := find(jobs, "nudge_unanswered/101/1")
	if !ok {
		t.Fatal("moved nudge missing")
	}
	if !j.Scheduled.Equal(local(t, "2012-02-21 09:00")) || !j.Due.Equal(local(t, "2012-02-23 09:00")) {
		t.Errorf("moved nudge scheduled %v due %v, want scheduled 21 Feb, due 23 Feb", j.Scheduled, j.Due)
	}
	if j.Note != "moved: out of office until 2012-02-22" {
		t.Errorf("note = %q", j.Note)
	}
	if !j.Expires.Equal(local(t, "2012-02-28 10:00")) {
		t.Errorf("an answer nudge expires at %v, want the first meeting", j.Expires)
	}
}

// Relative times: with and without a time of day, from a meeting and from the deadline.
func TestRelativeDue(t *testing.T) {
	c := campaign2012(t)
	p := mustPlanner(t, c)
	hm := func(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }
	tests := []struct {
		name   string
		r      campaign.Relative
		before time.Duration
		anchor string
		want   string
	}{
		{"2h before the meeting", campaign.Relative{}, 2 * time.Hour, "aalborg", "2012-02-28 08:00"},
		{"1d before the meeting at 08:00", campaign.Relative{HasTime: true, TimeOfDay: hm(8, 0)}, day, "aalborg", "2012-02-27 08:00"},
		{"12h before the meeting at 20:00 is the evening before", campaign.Relative{HasTime: true, TimeOfDay: hm(20, 0)}, 12 * time.Hour, "aalborg", "2012-02-27 20:00"},
		{"36h before the deadline runs out", campaign.Relative{}, 36 * time.Hour, "deadline", "2012-03-15 12:00"},
		{"7d before the deadline at 09:00", campaign.Relative{HasTime: true, TimeOfDay: hm(9, 0)}, 7 * day, "deadline", "2012-03-09 09:00"},
		{"0d before the deadline at 09:00 is the deadline day", campaign.Relative{HasTime: true, TimeOfDay: hm(9, 0)}, 0, "deadline", "2012-03-16 09:00"},
		{"1d at 09:30 before the first meeting", campaign.Relative{HasTime: true, TimeOfDay: hm(9, 30)}, day, "first_meeting", "2012-02-27 09:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := p.anchor(tt.anchor)
			if !ok {
				t.Fatalf("anchor %q unknown", tt.anchor)
			}
			got := p.relativeDue(tt.r, tt.before, a).In(c.Location).Format("2006-01-02 15:04")
			if got != tt.want {
				t.Errorf("due %s, want %s", got, tt.want)
			}
		})
	}
}

// A calendar day is a calendar day across a clock change, and a time of day in the skipped
// hour runs at 03:00.
func TestRelativeDueAcrossDST(t *testing.T) {
	c := campaign2012(t)
	c.Meetings = []campaign.Meeting{{ID: "x", Start: local(t, "2026-03-30 10:00")}}
	c.Deadline = local(t, "2026-04-30 00:00")
	c.Schedule.Digest = ""
	p := mustPlanner(t, c)
	a, _ := p.anchor("x")
	tests := []struct {
		r      campaign.Relative
		before time.Duration
		want   string
	}{
		{campaign.Relative{}, 7 * day, "2026-03-23 10:00 CET"},
		{campaign.Relative{}, day, "2026-03-29 10:00 CEST"},
		{campaign.Relative{HasTime: true, TimeOfDay: 2*time.Hour + 30*time.Minute}, day, "2026-03-29 03:00 CEST"},
	}
	for _, tt := range tests {
		if got := p.relativeDue(tt.r, tt.before, a).Format("2006-01-02 15:04 MST"); got != tt.want {
			t.Errorf("%v before (time %v): %s, want %s", tt.before, tt.r.TimeOfDay, got, tt.want)
		}
	}
}

func TestDigestWindow(t *testing.T) {
	c := campaign2012(t)
	p := mustPlanner(t, c)
	all := p.Digests(time.Time{}, local(t, "2013-01-01 00:00"))
	if len(all) == 0 {
		t.Fatal("no digests")
	}
	first, last := all[0], all[len(all)-1]
	// Invitations go out Monday 6 Feb 09:00: the first digest is Tuesday's.
	if first.Key != "digest/2012-02-07T07:00" || !first.Due.Equal(local(t, "2012-02-07 07:00")) {
		t.Errorf("first digest %v, want digest/2012-02-07T07:00", first)
	}
	// The deadline runs out at midnight after Friday 16 Mar: the last daily digest is that
	// Friday's, and the final report takes the next digest's time, Monday 19 Mar at 07:00.
	if last.Key != "digest/2012-03-16T07:00" {
		t.Errorf("last digest %v, want digest/2012-03-16T07:00", last)
	}
	if len(all) != 29 { // six weeks of weekdays less the Monday after the deadline
		t.Errorf("%d digests, want 29", len(all))
	}
	if f := p.FinalReport(); f.Key != "final_report" || !f.Due.Equal(local(t, "2012-03-19 07:00")) || !f.Expires.IsZero() {
		t.Errorf("final report %v (expires %v), want final_report at 2012-03-19 07:00, never expiring", f, f.Expires)
	}
	for _, j := range all {
		if wd := j.Due.In(c.Location).Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("digest on a %v: %v", wd, j)
		}
	}
}

func TestNewPlannerRefuses(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*campaign.Campaign)
		want   string
	}{
		{"no zone", func(c *campaign.Campaign) { c.Location = nil }, "time zone"},
		{"no deadline", func(c *campaign.Campaign) { c.Deadline = time.Time{} }, "deadline"},
		{"no meetings", func(c *campaign.Campaign) { c.Meetings = nil }, "meetings"},
		{"bad digest", func(c *campaign.Campaign) { c.Schedule.Digest = "CRON_TZ=Europe/Copenhagen" }, "digest"},
		{"digest without invitations", func(c *campaign.Campaign) { c.Schedule.Invitations = time.Time{} }, "invitation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := campaign2012(t)
			tt.modify(c)
			_, err := NewPlanner(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewPlanner = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// The whole timeline for a mid-campaign state of the five municipalities, as the staff would
// review it: compared with testdata/timeline-2012.golden, and checked for what matters.
func TestTimelineGolden(t *testing.T) {
	c := campaign2012(t)
	p := mustPlanner(t, c)
	st := Snapshot{
		"101": {Meeting: "roskilde", Answered: true},                          // København comes to Roskilde
		"147": {Answered: true, AgreementReturned: true},                      // Frederiksberg declined, signed
		"851": {BackOn: local(t, "2012-02-22 00:00")},                         // Aalborg is away until 22 Feb
		"265": {Meeting: "roskilde", Answered: true, AgreementReturned: true}, // Roskilde comes, signed
		"630": {Answered: false, BackOn: local(t, "2012-03-20 00:00")},        // Vejle away past everything
	}
	jobs := p.Timeline(st)
	var b strings.Builder
	for _, j := range jobs {
		line := fmt.Sprintf("%s  %-26s %s", j.Due.In(c.Location).Format("Mon 2006-01-02 15:04"), j.Key, j.Note)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	testenv.Golden(t, filepath.Join("testdata", "timeline-2012.golden"), b.String(), *update)

	for _, j := range jobs {
		is := st[j.Invitee]
		switch j.Kind {
		case KindNudgeUnanswered:
			if is.Answered || is.Meeting != "" {
				t.Errorf("answer nudge to %s, who answered: %v", j.Invitee, j)
			}
		case KindNudgeAgreement:
			if is.AgreementReturned {
				t.Errorf("agreement nudge to %s, who returned it: %v", j.Invitee, j)
			}
		case KindReminder:
			if is.Meeting != j.Meeting {
				t.Errorf("reminder to %s for %s, registered for %q", j.Invitee, j.Meeting, is.Meeting)
			}
		}
		if j.Kind.PerInvitee() && !j.Due.Before(c.DeadlineEnd()) {
			t.Errorf("a letter after the deadline: %v", j)
		}
		if j.Invitee == "630" && (j.Kind == KindNudgeAgreement || j.Kind == KindNudgeUnanswered) {
			t.Errorf("a nudge to Vejle, whose out-of-office runs past the deadline: %v", j)
		}
	}
}

// The cost of one wake-up's planning, which grows with the invitees.
func BenchmarkJobs(b *testing.B) {
	for _, n := range []int{98, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := campaign2012(b)
			manyInvitees(c, n)
			p := mustPlanner(b, c)
			st := Snapshot{}
			for i, inv := range c.Invitees {
				switch i % 4 {
				case 0:
					st[inv.Code] = InviteeState{Meeting: "vejle", Answered: true}
				case 1:
					st[inv.Code] = InviteeState{BackOn: local(b, "2012-02-22 00:00")}
				}
			}
			b.ResetTimer()
			for b.Loop() {
				p.Jobs(st)
			}
		})
	}
}
