package schedules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

func TestValidate(t *testing.T) {
	hm := func(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }
	tests := []struct {
		name   string
		modify func(c *campaign.Campaign)
		want   []string // "path: part of the message"; none: valid
	}{
		{"the 2012 schedule is valid", func(*campaign.Campaign) {}, nil},
		{"no digest is valid", func(c *campaign.Campaign) { c.Schedule.Digest = "" }, nil},
		{"digest with a zone and no fields: an error, not a panic", func(c *campaign.Campaign) {
			c.Schedule.Digest = "CRON_TZ=Europe/Copenhagen"
		}, []string{"schedule.digest: cron expression \"CRON_TZ=Europe/Copenhagen\": leave the time zone out"}},
		{"digest that does not parse", func(c *campaign.Campaign) { c.Schedule.Digest = "0 25 * * *" }, []string{"schedule.digest: cron expression \"0 25 * * *\""}},
		{"digest that never runs in the campaign", func(c *campaign.Campaign) { c.Schedule.Digest = "0 7 * 7 *" }, []string{"schedule.digest: \"0 7 * 7 *\" never runs"}},
		{"reminder at 11:00 on the meeting day is not before a 10:00 meeting", func(c *campaign.Campaign) {
			c.Schedule.Reminders = campaign.Relative{Before: []time.Duration{0}, HasTime: true, TimeOfDay: hm(11, 0)}
		}, []string{
			"schedule.reminders.before[0]: 0d before aalborg, 2012-02-28 10:00 at 11:00 is 2012-02-28 11:00, not before it",
			"schedule.reminders.before[0]: 0d before roskilde, 2012-03-01 10:00 at 11:00 is 2012-03-01 11:00, not before it",
			"schedule.reminders.before[0]: 0d before vejle, 2012-03-06 10:00 at 11:00 is 2012-03-06 11:00, not before it",
		}},
		{"answer nudge before the invitations", func(c *campaign.Campaign) {
			c.Schedule.NudgeUnanswered.Before = []time.Duration{30 * day, 7 * day}
		}, []string{"schedule.nudge_unanswered.before[0]: 30d before the first meeting (aalborg, 2012-02-28 10:00) at 09:00 is 2012-01-29 09:00, before the invitations go out (2012-02-06 09:00)"}},
		{"agreement nudge before the agreement letter", func(c *campaign.Campaign) {
			c.Schedule.NudgeAgreement.Before = []time.Duration{7 * day, 26 * day}
		}, []string{"schedule.nudge_agreement.before[1]: 26d before the deadline (2012-03-16) at 09:00 is 2012-02-19 09:00, before the agreement letter goes out (2012-02-20 09:00)"}},
		{"unknown anchor", func(c *campaign.Campaign) { c.Schedule.NudgeAgreement.Anchor = "odense" }, []string{"schedule.nudge_agreement.of: unknown anchor \"odense\""}},
		{"an anchor that is a meeting id", func(c *campaign.Campaign) { c.Schedule.NudgeAgreement.Anchor = "vejle" }, nil},
		{"nudge after its anchor without a time of day", func(c *campaign.Campaign) {
			c.Schedule.NudgeUnanswered = campaign.Relative{Before: []time.Duration{0}, Anchor: "first_meeting"}
		}, []string{"schedule.nudge_unanswered.before[0]: 0d before the first meeting (aalborg, 2012-02-28 10:00) is 2012-02-28 10:00, not before it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := campaign2012(t)
			tt.modify(c)
			err := Validate(c)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want no problems", err)
				}
				return
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Validate = %v (%T), want Problems", err, err)
			}
			if len(ps) != len(tt.want) {
				t.Fatalf("problems:\n%v\nwant %d:\n%s", err, len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i, p := range ps {
				if !strings.HasPrefix(p.Error(), tt.want[i]) {
					t.Errorf("problem %d = %q, want it to start %q", i, p.Error(), tt.want[i])
				}
			}
		})
	}
}
