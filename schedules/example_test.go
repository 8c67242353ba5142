package schedules_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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
		if j.Kind != schedules.KindDigest && !j.Due.Before(c.DeadlineEnd()) {
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
