package simulate

import (
	"context"

	"io/fs"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/schedules"
)

// TestLettersOnWorkingDays runs the example campaign with its dates moved so that the
// schedule puts letters on a Saturday, a Sunday and langfredag, and reads the send times
// off the simulated outbox: every letter to a director goes out on a working day, at the
// time the schedule names. The deadline is Friday 13 April 2012, so the first agreement nudge
// (7 days before) falls on langfredag, 6 April, and goes out on Tuesday 10 April, after
// 2. påskedag; the first answer nudge (10 days before Aalborg on Tuesday 28 February) falls
// on Saturday 18 February and goes out on Monday 20 February; København's reminder for
// Aalborg (2 days before) falls on Sunday 26 February and goes out on Friday 24 February.
func TestLettersOnWorkingDays(t *testing.T) {
	data, err := fs.ReadFile(rsvpd.ExampleFS(), rsvpd.ExampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, e := range [][2]string{
		{"deadline: 2012-03-16", "deadline: 2012-04-13"},
		{"before: [14d, 7d]", "before: [10d]"},
		{"before: [1d]", "before: [2d]"},
	} {
		if !strings.Contains(s, e[0]) {
			t.Fatalf("the example no longer says %q", e[0])
		}
		s = strings.Replace(s, e[0], e[1], 1)
	}
	cfg, err := config.Parse([]byte(s), rsvpd.ExampleConfig, rsvpd.ExampleFS(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaign
	script, err := ParseScript([]byte(`- {at: 2012-02-07 10:00, from: "101", text: Jeg kommer til Aalborg.}`), "script", c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Config: cfg, Script: script, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string][]string{} // kind/invitee -> local send times
	for _, m := range res.Messages {
		at := m.CreatedAt.In(c.Location)
		sent[m.Kind+"/"+m.Invitee] = append(sent[m.Kind+"/"+m.Invitee], at.Format("Mon 2006-01-02 15:04"))
		switch m.Kind {
		case "digest", "confirmation", "change", "decline_ack", "cancel_ack", "staff_review":
			continue // the staff's own mail, and answers to the invitee's own message
		}
		if ok, why := schedules.WorkingDay(at); !ok {
			t.Errorf("%s to %s goes out on %s, %s", m.Kind, m.Invitee, at.Format("Mon 2006-01-02 15:04"), why)
		}
	}
	for key, want := range map[string]string{
		"nudge_unanswered/147": "Mon 2012-02-20 09:00",
		"nudge_agreement/147":  "Tue 2012-04-10 09:00,Wed 2012-04-11 09:00",
		"reminder/101":         "Fri 2012-02-24 08:00",
	} {
		if got := strings.Join(sent[key], ","); got != want {
			t.Errorf("%s sent at %s, want %s", key, got, want)
		}
	}
	if n := len(sent["nudge_agreement/101"]); n != 2 {
		t.Errorf("%d agreement nudges to København, want 2: %v", n, sent)
	}
}
