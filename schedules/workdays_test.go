package schedules

import (
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// TestDayOff: the Danish days off of 2012 (Easter Sunday 8 April), store bededag before and
// after its abolition, and Easter on its earliest and latest dates.
func TestDayOff(t *testing.T) {
	tests := []struct {
		date, want string
	}{
		{"2012-01-01", "nytårsdag"},
		{"2012-04-05", "skærtorsdag"},
		{"2012-04-06", "langfredag"},
		{"2012-04-08", "påskedag"},
		{"2012-04-09", "2. påskedag"},
		{"2012-05-04", "store bededag"},
		{"2012-05-17", "Kristi himmelfartsdag"},
		{"2012-05-27", "pinsedag"},
		{"2012-05-28", "2. pinsedag"},
		{"2012-06-05", "grundlovsdag"},
		{"2012-12-24", "juleaftensdag"},
		{"2012-12-25", "juledag"},
		{"2012-12-26", "2. juledag"},
		{"2012-12-31", "nytårsaftensdag"},
		{"2023-05-05", "store bededag"}, // the last one
		{"2024-04-26", ""},              // the fourth Friday after Easter 2024: a working day since the abolition
		{"2024-03-28", "skærtorsdag"},   // Easter 31 March 2024
		{"2025-04-21", "2. påskedag"},   // Easter 20 April 2025
		{"2008-03-24", "2. påskedag"},   // Easter 23 March 2008
		{"2038-04-26", "2. påskedag"},   // Easter 25 April 2038, the latest possible
		{"2285-03-22", "påskedag"},      // the earliest possible
		{"2012-05-01", ""},              // 1 May: municipal offices are open
		{"2012-02-28", ""},
	}
	for _, tt := range tests {
		d, err := time.Parse("2006-01-02", tt.date)
		if err != nil {
			t.Fatal(err)
		}
		if got := DayOff(d.Year(), d.Month(), d.Day()); got != tt.want {
			t.Errorf("DayOff(%s) = %q, want %q", tt.date, got, tt.want)
		}
	}
}

// TestLettersOnWorkingDays: nudges and reminders that the schedule puts on a weekend or a
// day off go out on a working day at the same time of day; a nudge on the next working day,
// or the previous one when the next would be too late; a reminder on the previous one, so
// that it still comes before the meeting. The 2012 meetings are moved around Easter
// (Sunday 8 April 2012) to meet each case.
func TestLettersOnWorkingDays(t *testing.T) {
	type tc struct {
		name  string
		edit  func(c *campaign.Campaign)
		state InviteeState
		key   string
		due   string // "" : the job is not there
		note  string
	}
	tests := []tc{
		{"a nudge on a Saturday goes out on Monday",
			func(c *campaign.Campaign) { c.Schedule.NudgeUnanswered.Before = []time.Duration{10 * day} }, // Sat 18 Feb
			InviteeState{AgreementReturned: true},
			"nudge_unanswered/101/0", "2012-02-20 09:00", "moved to the next working day: 2012-02-18 is a Saturday"},
		{"a nudge on langfredag goes out after Easter, on Tuesday",
			func(c *campaign.Campaign) { c.Deadline = local(t, "2012-04-13 00:00") }, // 7d before: Fri 6 Apr
			InviteeState{Answered: true},
			"nudge_agreement/101/0", "2012-04-10 09:00", "moved to the next working day: 2012-04-06 is langfredag"},
		{"the next working day would reach the meeting: the previous one",
			func(c *campaign.Campaign) {
				c.Meetings[0].Start, c.Meetings[0].End = local(t, "2012-04-10 08:30"), local(t, "2012-04-10 10:30")
				c.Schedule.NudgeUnanswered.Anchor = "aalborg"
				c.Schedule.NudgeUnanswered.Before = []time.Duration{4 * day} // Fri 6 Apr, langfredag
			},
			InviteeState{AgreementReturned: true},
			"nudge_unanswered/101/0", "2012-04-04 09:00",
			"moved to the previous working day, the next being too late: 2012-04-06 is langfredag"},
		{"a reminder on a Sunday goes out on the Friday before",
			func(c *campaign.Campaign) { c.Schedule.Reminders.Before = []time.Duration{2 * day} }, // Sun 26 Feb
			InviteeState{Meeting: "aalborg", Answered: true, AgreementReturned: true},
			"reminder/101/aalborg/0", "2012-02-24 08:00", "moved to the previous working day: 2012-02-26 is a Sunday"},
		{"a reminder on 2. påskedag goes out before Easter, on Wednesday",
			func(c *campaign.Campaign) {
				c.Meetings[1].Start, c.Meetings[1].End = local(t, "2012-04-10 10:00"), local(t, "2012-04-10 12:00")
				c.Deadline = local(t, "2012-04-20 00:00")
			},
			InviteeState{Meeting: "roskilde", Answered: true, AgreementReturned: true},
			"reminder/101/roskilde/0", "2012-04-04 08:00", "moved to the previous working day: 2012-04-09 is 2. påskedag"},
		{"moving back would put the nudge before the agreement letter it follows up: dropped",
			func(c *campaign.Campaign) {
				// The agreement letter on Friday 9 March at 13:00, the nudge two days before a
				// meeting on Monday 12 March at 08:30: Saturday at 12:00 is a day off, Monday
				// at 12:00 too late, Friday at 12:00 before the letter.
				c.Meetings[2].Start, c.Meetings[2].End = local(t, "2012-03-12 08:30"), local(t, "2012-03-12 10:30")
				c.Schedule.Agreement = local(t, "2012-03-09 13:00")
				c.Schedule.NudgeAgreement.Anchor = "vejle"
				c.Schedule.NudgeAgreement.Before = []time.Duration{2 * day}
				c.Schedule.NudgeAgreement.TimeOfDay = 12 * time.Hour
			},
			InviteeState{Answered: true},
			"nudge_agreement/101/0", "", ""},
		{"moving back is fine when the letter followed up went out before",
			func(c *campaign.Campaign) {
				c.Meetings[2].Start, c.Meetings[2].End = local(t, "2012-03-12 08:30"), local(t, "2012-03-12 10:30")
				c.Schedule.Agreement = local(t, "2012-03-09 09:00")
				c.Schedule.NudgeAgreement.Anchor = "vejle"
				c.Schedule.NudgeAgreement.Before = []time.Duration{2 * day}
				c.Schedule.NudgeAgreement.TimeOfDay = 12 * time.Hour
			},
			InviteeState{Answered: true},
			"nudge_agreement/101/0", "2012-03-09 12:00",
			"moved to the previous working day, the next being too late: 2012-03-10 is a Saturday"},
		{"a working day stays as it is",
			func(c *campaign.Campaign) {},
			InviteeState{},
			"nudge_unanswered/101/0", "2012-02-14 09:00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := campaign2012(t)
			tt.edit(c)
			c.Index()
			jobs := mustPlanner(t, c).Jobs(Snapshot{"101": tt.state})
			j, ok := find(jobs, tt.key)
			if tt.due == "" {
				if ok {
					t.Errorf("%s is due %s, want it dropped", tt.key, j.Due.In(c.Location))
				}
				return
			}
			if !ok {
				t.Fatalf("no job %s in:\n%s", tt.key, strings.Join(dues(jobs, c.Location), "\n"))
			}
			if got := j.Due.In(c.Location).Format("2006-01-02 15:04"); got != tt.due || j.Note != tt.note {
				t.Errorf("%s due %s (%q), want %s (%q)", tt.key, got, j.Note, tt.due, tt.note)
			}
			for _, j := range jobs {
				if ok, why := WorkingDay(naiveWall(j.Due, c.Location)); !ok && j.Kind != KindDigest {
					t.Errorf("%s goes out on %s, %s", j.Key, j.Due.In(c.Location).Format("Mon 2006-01-02"), why)
				}
			}
		})
	}
}

// TestNudgeAfterOutOfOfficeOnWorkingDay: back on a Friday, the nudge moved to "the day after"
// would go out on Saturday: it goes out on Monday. Back on a Saturday with the deadline on
// Monday, the nudge can go neither on Sunday, nor on Monday (the anchor is the meeting at
// 08:30), nor back on Friday (still away): it is dropped.
func TestNudgeAfterOutOfOfficeOnWorkingDay(t *testing.T) {
	c := campaign2012(t)
	jobs := mustPlanner(t, c).Jobs(Snapshot{"101": {BackOn: local(t, "2012-02-17 00:00"), AgreementReturned: true}})
	j, ok := find(jobs, "nudge_unanswered/101/0")
	if !ok || !j.Due.Equal(local(t, "2012-02-20 09:00")) {
		t.Fatalf("nudge after an out-of-office until Friday 17 Feb: %v (found %v), want Monday 20 Feb 09:00", j.Due, ok)
	}
	if want := "moved: out of office until 2012-02-17; moved to the next working day: 2012-02-18 is a Saturday"; j.Note != want {
		t.Errorf("note %q, want %q", j.Note, want)
	}

	c.Meetings[0].Start = local(t, "2012-02-20 08:30")
	c.Meetings[0].End = local(t, "2012-02-20 10:30")
	c.Schedule.NudgeUnanswered.Before = []time.Duration{4 * day} // Thu 16 Feb
	jobs = mustPlanner(t, c).Jobs(Snapshot{"101": {BackOn: local(t, "2012-02-18 00:00"), AgreementReturned: true}})
	if j, ok := find(jobs, "nudge_unanswered/101/0"); ok {
		t.Errorf("nudge due %s, want it dropped", j.Due.In(c.Location))
	}
}
