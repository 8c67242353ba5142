package schedules_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/schedules"
)

// The example configuration at the root of the project, as `rsvpd simulate` would read it:
// its schedule validates, and with nobody answering, all 98 municipalities get the invitation,
// the agreement letter and every nudge, nobody a reminder, nothing after the deadline. Run on the
// virtual clock from before the first job to after the deadline, every job runs once.
func TestExampleConfig(t *testing.T) {
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatalf("load the example configuration: %v", err)
	}
	c := cfg.Campaign
	if err := schedules.Validate(c); err != nil {
		t.Fatalf("the example schedule: %v", err)
	}
	p, err := schedules.NewPlanner(c)
	if err != nil {
		t.Fatal(err)
	}
	n := len(c.Invitees)
	if n != 98 {
		t.Fatalf("%d invitees, want the 98 municipalities", n)
	}
	timeline := p.Timeline(schedules.Snapshot{})
	perKind := map[schedules.Kind]int{}
	for _, j := range timeline {
		perKind[j.Kind]++
		if j.Kind.PerInvitee() && !j.Due.Before(c.DeadlineEnd()) {
			t.Errorf("a letter after the deadline: %v", j)
		}
	}
	s := c.Schedule
	want := map[schedules.Kind]int{
		schedules.KindInvitation:      n,
		schedules.KindAgreement:       n,
		schedules.KindNudgeUnanswered: n * len(s.NudgeUnanswered.Before),
		schedules.KindNudgeAgreement:  n * len(s.NudgeAgreement.Before),
	}
	for k, w := range want {
		if perKind[k] != w {
			t.Errorf("%d %s jobs, want %d", perKind[k], k, w)
		}
	}
	if perKind[schedules.KindReminder] != 0 {
		t.Errorf("%d reminders with nobody registered", perKind[schedules.KindReminder])
	}
	if s.Digest != "" && perKind[schedules.KindDigest] == 0 {
		t.Error("no digest in the timeline")
	}

	// The simulation: the whole timeline on the virtual clock.
	start := timeline[0].Due.Add(-24 * time.Hour)
	end := c.DeadlineEnd().Add(7 * 24 * time.Hour)
	v := clock.NewVirtual(start)
	ran := map[string]int{}
	r, err := schedules.NewRunner(c, schedules.RunnerConfig{
		Ledger: schedules.NewMemLedger(), Clock: v,
		State: func(context.Context) (schedules.State, error) { return schedules.Snapshot{}, nil },
		Run: func(_ context.Context, j schedules.Job) error {
			if !v.Now().Equal(j.Due) {
				return fmt.Errorf("%s ran at %v, due %v", j.Key, v.Now(), j.Due)
			}
			ran[j.Key]++
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := v.Go(ctx, func(ctx context.Context) { _ = r.Run(ctx) })
	began := time.Now()
	if err := v.RunUntil(ctx, end); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(began)
	cancel()
	<-done
	if len(ran) != len(timeline) {
		t.Errorf("%d jobs ran, the timeline has %d", len(ran), len(timeline))
	}
	for _, j := range timeline {
		if ran[j.Key] != 1 {
			t.Errorf("%s ran %d times", j.Key, ran[j.Key])
		}
	}
	t.Logf("%d jobs for %d invitees from %s to %s in %v", len(timeline), n,
		start.Format("2006-01-02"), end.Format("2006-01-02"), elapsed)
}

// How a shell runs the timeline: `rsvpd simulate` on a virtual clock, the daemon the same way
// with clock.Real(), the store's ledger and a Run that writes outbox rows.
func ExampleRunner() {
	loc, _ := time.LoadLocation("Europe/Copenhagen")
	at := func(s string) time.Time { t, _ := time.ParseInLocation("2006-01-02 15:04", s, loc); return t }
	c := &campaign.Campaign{
		Location: loc,
		Meetings: []campaign.Meeting{{ID: "aalborg", Start: at("2012-02-28 10:00")}},
		Deadline: at("2012-03-16 00:00"),
		Invitees: []campaign.Invitee{{Code: "101"}, {Code: "147"}},
		Schedule: campaign.Schedule{
			Invitations:     at("2012-02-06 09:00"),
			Reminders:       campaign.Relative{Before: []time.Duration{24 * time.Hour}, TimeOfDay: 8 * time.Hour, HasTime: true},
			NudgeUnanswered: campaign.Relative{Before: []time.Duration{7 * 24 * time.Hour}, Anchor: "first_meeting", TimeOfDay: 9 * time.Hour, HasTime: true},
		},
	}
	c.Index()

	v := clock.NewVirtual(at("2012-02-01 00:00"))
	state := schedules.Snapshot{}
	var r *schedules.Runner
	r, _ = schedules.NewRunner(c, schedules.RunnerConfig{
		Ledger: schedules.NewMemLedger(),
		Clock:  v,
		State:  func(context.Context) (schedules.State, error) { return state, nil },
		Run: func(_ context.Context, j schedules.Job) error {
			fmt.Println(v.Now().In(loc).Format("Mon 02 Jan 15:04"), j.Key)
			return nil
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := v.Go(ctx, func(ctx context.Context) { _ = r.Run(ctx) })

	_ = v.RunUntil(ctx, at("2012-02-10 12:00"))
	state["101"] = schedules.InviteeState{Meeting: "aalborg", Answered: true} // a reply arrives
	r.Kick()
	_ = v.RunUntil(ctx, at("2012-03-20 00:00"))
	cancel()
	<-done
	// Output:
	// Mon 06 Feb 09:00 invitation/101
	// Mon 06 Feb 09:00 invitation/147
	// Tue 21 Feb 09:00 nudge_unanswered/147/0
	// Mon 27 Feb 08:00 reminder/101/aalborg/0
	// Mon 19 Mar 07:00 final_report
}
