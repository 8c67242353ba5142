package simulate

import (
	"bytes"
	"testing"

	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/campaign"
)

// A simulated calendar answer carries the meeting's DTSTART, as Outlook's does: calendar
// readers refuse a VEVENT without it, and rsvpd matches an answer by UID and start.
func TestCalendarReplyHasTheMeetingsTimes(t *testing.T) {
	c := example(t).Campaign
	mail := NewMail(c, campaign.NewSigner([]byte("test"), "kombit.test"), func(campaign.Invitee) string { return "" })
	inv := c.Invitees[0]
	for _, m := range c.Meetings {
		msg := mail.CalendarReply(inv, m.ID, "ACCEPTED", m.Start.AddDate(0, 0, -10), 1)
		start := bytes.Index(msg, []byte("BEGIN:VCALENDAR"))
		end := bytes.Index(msg, []byte("END:VCALENDAR"))
		if start < 0 || end < start {
			t.Fatalf("%s: no calendar object in\n%s", m.ID, msg)
		}
		in, err := calendar.ReadIncoming(msg[start : end+len("END:VCALENDAR\r\n")])
		if err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		if in.Method != "REPLY" || !in.Start.Equal(m.Start) {
			t.Errorf("%s: method %q start %v, want REPLY at %v", m.ID, in.Method, in.Start, m.Start)
		}
		if len(in.Attendees) != 1 || in.Attendees[0].PartStat != "ACCEPTED" {
			t.Errorf("%s: attendees %+v", m.ID, in.Attendees)
		}
	}
}
