package schedules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
)

// harness runs Runners for one campaign on a virtual clock, against one ledger and one outbox
// (effects), as the daemon would across restarts.
type harness struct {
	t      *testing.T
	c      *campaign.Campaign
	v      *clock.Virtual
	ledger *MemLedger
	eff    *effects
	state  *lockedState
}

func newHarness(t *testing.T, c *campaign.Campaign, start time.Time) *harness {
	v := clock.NewVirtual(start)
	return &harness{t: t, c: c, v: v, ledger: NewMemLedger(), eff: newEffects(v.Now), state: newLockedState()}
}

func (h *harness) runner(mod func(*RunnerConfig)) *Runner {
	h.t.Helper()
	cfg := RunnerConfig{
		Ledger: h.ledger, Clock: h.v, State: h.state.read, Run: h.eff.run,
		Logger: slog.New(slog.NewTextHandler(h.t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	r, err := NewRunner(h.c, cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// start runs r as a participant of the virtual clock; stop kills it (as a SIGKILL would, as far
// as the ledger is concerned: whatever was not committed is lost).
func (h *harness) start(r *Runner) (stop func()) {
	stop, _ = h.startKillable(r)
	return stop
}

// startKillable is start that also returns kill, which ends the runner without waiting for it,
// for killing it from inside a job.
func (h *harness) startKillable(r *Runner) (stop func(), kill func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := h.v.Go(ctx, func(ctx context.Context) {
		if err := r.Run(ctx); err != nil {
			h.t.Errorf("Run: %v", err)
		}
	})
	return func() { cancel(); <-done }, cancel
}

// killWhileQueueing starts a runner (changed by mod) that is killed while it queues key, in
// the 09:00 batch, so that the transaction of key never commits; a fresh runner starts
// 30 s later and runs for a minute.
func (h *harness) killWhileQueueing(key string, mod func(*RunnerConfig)) {
	killed := false
	stopA, killA := h.startKillable(h.runner(mod))
	h.eff.fail = func(j Job) error {
		if j.Key == key && !killed {
			killed = true
			killA()
			return errors.New("killed")
		}
		return nil
	}
	h.runUntil("2012-02-06 09:00")
	stopA()
	h.v.Advance(30 * time.Second)
	stopB := h.start(h.runner(nil))
	h.v.Advance(time.Minute)
	stopB()
}

func (h *harness) runUntil(s string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.v.RunUntil(ctx, local(h.t, s)); err != nil {
		h.t.Fatalf("run the clock to %s: %v", s, err)
	}
}

func (h *harness) records() map[string]Record {
	recs := h.ledger.Runs()
	out := map[string]Record{}
	for _, r := range recs {
		if _, dup := out[r.Key]; dup {
			h.t.Errorf("ledger holds %s twice", r.Key)
		}
		out[r.Key] = r
	}
	return out
}

// ranOnce checks that every job in the ledger as ran was performed exactly once (no job run
// twice, none recorded without its letters) and returns the keys that ran, sorted.
func (h *harness) ranOnce() []string {
	h.t.Helper()
	runs := h.eff.keys()
	var keys []string
	for k, rec := range h.records() {
		if rec.Outcome != OutcomeRan {
			if n := len(runs[k]); n != 0 {
				h.t.Errorf("%s was skipped but performed %d times", k, n)
			}
			continue
		}
		if n := len(runs[k]); n != 1 {
			h.t.Errorf("%s performed %d times, want once", k, n)
		}
		keys = append(keys, k)
	}
	for k := range runs {
		if _, ok := h.records()[k]; !ok {
			h.t.Errorf("%s performed but not in the ledger", k)
		}
	}
	sort.Strings(keys)
	return keys
}

// The 2012 campaign run from before the invitations to after the deadline on the virtual clock,
// with scripted answers arriving while it runs: every job runs once, on its minute, to the
// right people.
func TestRunnerWholeCampaign(t *testing.T) {
	c := campaign2012(t)
	h := newHarness(t, c, local(t, "2012-02-05 00:00"))
	r := h.runner(nil)

	type answer struct {
		at   string
		code string
		set  func(*InviteeState)
	}
	script := []answer{
		{"2012-02-08 10:15", "101", func(s *InviteeState) { s.Meeting, s.Answered = "roskilde", true }},
		{"2012-02-15 14:00", "147", func(s *InviteeState) { s.Answered = true }}, // declines
		{"2012-02-16 08:00", "851", func(s *InviteeState) { s.BackOn = local(t, "2012-02-22 00:00") }},
		{"2012-02-21 08:59", "265", func(s *InviteeState) { s.Meeting, s.Answered = "aalborg", true }}, // a minute before a nudge
		{"2012-03-02 11:00", "101", func(s *InviteeState) { s.AgreementReturned = true }},
		{"2012-03-05 08:30", "630", func(s *InviteeState) { s.Meeting, s.Answered = "vejle", true }}, // after its reminder time
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scripted := h.v.Go(ctx, func(ctx context.Context) {
		for _, a := range script {
			if err := h.v.Wait(ctx, local(t, a.at), nil); err != nil {
				return
			}
			h.state.set(a.code, a.set)
			r.Kick()
		}
	})
	stop := h.start(r)
	began := time.Now()
	h.runUntil("2012-03-25 00:00")
	elapsed := time.Since(began)
	stop()
	cancel()
	<-scripted

	var letters []string
	digests := 0
	for k, rec := range h.records() {
		if rec.Outcome != OutcomeRan {
			t.Errorf("%s: %s (%s), want every job run on time", k, rec.Outcome, rec.Reason)
		}
		if rec.Kind == KindDigest {
			digests++
			continue
		}
		line := k + " " + rec.At.In(c.Location).Format("01-02 15:04")
		if !rec.At.Equal(rec.Due) {
			line += " (due " + rec.Due.In(c.Location).Format("01-02 15:04") + ")"
		}
		letters = append(letters, line)
	}
	h.ranOnce()
	sort.Strings(letters)
	want := []string{
		"agreement/101 02-20 09:00", "agreement/147 02-20 09:00", "agreement/265 02-20 09:00",
		"agreement/630 02-20 09:00", "agreement/851 02-20 09:00",
		// The result, once, at the first digest time after the deadline.
		"final_report 03-19 07:00",
		"invitation/101 02-06 09:00", "invitation/147 02-06 09:00", "invitation/265 02-06 09:00",
		"invitation/630 02-06 09:00", "invitation/851 02-06 09:00",
		// 101 returned the agreement on 2 Mar: no agreement nudges.
		"nudge_agreement/147/0 03-09 09:00", "nudge_agreement/147/1 03-14 09:00",
		"nudge_agreement/265/0 03-09 09:00", "nudge_agreement/265/1 03-14 09:00",
		"nudge_agreement/630/0 03-09 09:00", "nudge_agreement/630/1 03-14 09:00",
		"nudge_agreement/851/0 03-09 09:00", "nudge_agreement/851/1 03-14 09:00",
		// 101 answered on 8 Feb, the others had not by the first nudge.
		"nudge_unanswered/147/0 02-14 09:00", "nudge_unanswered/265/0 02-14 09:00",
		"nudge_unanswered/630/0 02-14 09:00", "nudge_unanswered/630/1 02-21 09:00",
		"nudge_unanswered/851/0 02-14 09:00",
		// 851 is away until 22 Feb (known since 16 Feb): its second nudge waits for 23 Feb.
		"nudge_unanswered/851/1 02-23 09:00",
		"reminder/101/roskilde/0 02-29 08:00",
		"reminder/265/aalborg/0 02-27 08:00",
		// 630 registered at 08:30, after its reminder's time but before its meeting.
		"reminder/630/vejle/0 03-05 08:30 (due 03-05 08:00)",
	}
	sort.Strings(want)
	if strings.Join(letters, "\n") != strings.Join(want, "\n") {
		t.Errorf("letters:\n%s\n\nwant:\n%s", strings.Join(letters, "\n"), strings.Join(want, "\n"))
	}
	if digests != 29 {
		t.Errorf("%d digests, want 29 (weekdays 7 Feb to 16 Mar)", digests)
	}
	t.Logf("six virtual weeks in %v", elapsed)
	if elapsed > 5*time.Second {
		t.Errorf("the campaign took %v of real time", elapsed)
	}
}

// Killed and restarted around a due time: no job lost, none run twice.
func TestRunnerRestartAroundDueTime(t *testing.T) {
	keys := []string{"invitation/101", "invitation/147", "invitation/265", "invitation/630", "invitation/851"}
	tests := []struct {
		name string
		run  func(h *harness)
		// wantAt is when the invitations were performed (all of them, or per key).
		wantAt map[string]string
	}{
		{"killed a second before, restarted a second after", func(h *harness) {
			stop := h.start(h.runner(nil))
			h.runUntil("2012-02-06 08:59")
			h.v.Advance(59 * time.Second)
			stop()
			h.v.Advance(2 * time.Second) // 09:00:01, nobody running
			stop = h.start(h.runner(nil))
			h.v.Advance(time.Minute)
			stop()
		}, map[string]string{"*": "09:00:01"}},
		{"killed in the middle of the 09:00 batch", func(h *harness) {
			h.killWhileQueueing("invitation/265", nil)
			// The five letters are one batch, one transaction: killed while 265 was written,
			// none of them was queued, and the next runner queues all five.
		}, map[string]string{"*": "09:00:30"}},
		{"killed in the middle of the second batch", func(h *harness) {
			h.killWhileQueueing("invitation/265", func(c *RunnerConfig) { c.BatchSize = 2 })
			// In the configuration's order: the batch of 101 and 147 committed, the one of 851
			// and 265 did not, and 630 was never begun.
		}, map[string]string{"invitation/101": "09:00:00", "invitation/147": "09:00:00", "*": "09:00:30"}},
		{"killed just after the batch, restarted at once", func(h *harness) {
			stop := h.start(h.runner(nil))
			h.runUntil("2012-02-06 09:00")
			stop()
			stop = h.start(h.runner(nil))
			h.v.Advance(time.Minute)
			stop()
		}, map[string]string{"*": "09:00:00"}},
		{"the new runner starts before the old one is gone", func(h *harness) {
			stopA := h.start(h.runner(nil))
			h.runUntil("2012-02-06 08:59")
			stopB := h.start(h.runner(nil))
			h.v.Advance(2 * time.Minute)
			stopA()
			h.v.Advance(time.Minute)
			stopB()
		}, map[string]string{"*": "09:00:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := campaign2012(t)
			c.Schedule.Digest = ""
			h := newHarness(t, c, local(t, "2012-02-06 08:00"))
			tt.run(h)
			ran := h.ranOnce()
			if strings.Join(ran, " ") != strings.Join(keys, " ") {
				t.Errorf("ran %v, want %v", ran, keys)
			}
			runs := h.eff.keys()
			for _, k := range keys {
				want, ok := tt.wantAt[k]
				if !ok {
					want = tt.wantAt["*"]
				}
				if len(runs[k]) == 1 {
					if got := runs[k][0].In(c.Location).Format("15:04:05"); got != want {
						t.Errorf("%s performed at %s, want %s", k, got, want)
					}
				}
			}
		})
	}
}

// After downtime, a missed job runs if it still makes sense and is skipped (recorded and
// reported once) otherwise; of several missed in one series only the latest runs.
func TestRunnerAfterDowntime(t *testing.T) {
	c := campaign2012(t)
	c.Invitees = c.Invitees[:2] // 101 registered for Aalborg, 147 silent
	c.Index()
	tests := []struct {
		name, downFrom, backAt string
		wantRan                []string
		wantSkipped            []string // letters: "key: reason prefix"
		wantDigestsSkipped     int      // all superseded by the one that runs
	}{
		{"down over the first nudge and the agreement letter", "2012-02-13 12:00", "2012-02-22 12:00",
			[]string{"agreement/101", "agreement/147", "digest/2012-02-22T07:00", "nudge_unanswered/147/1"},
			[]string{"nudge_unanswered/147/0: superseded by nudge_unanswered/147/1"},
			6}, // 14, 15, 16, 17, 20 and 21 Feb; 22 Feb runs
		{"down past the meetings, back before the deadline", "2012-02-13 12:00", "2012-03-10 12:00",
			[]string{"agreement/101", "agreement/147", "digest/2012-03-09T07:00", "nudge_agreement/101/0", "nudge_agreement/147/0"},
			[]string{
				"nudge_unanswered/147/0: missed: due 2012-02-14 09:00, useful only before 2012-02-28 10:00",
				"nudge_unanswered/147/1: missed: due 2012-02-21 09:00, useful only before 2012-02-28 10:00",
				"reminder/101/aalborg/0: missed: due 2012-02-27 08:00, useful only before 2012-02-28 10:00",
			},
			18}, // 14 Feb to 9 Mar: 19 weekdays
		{"down past the deadline", "2012-02-05 00:00", "2012-03-20 12:00",
			[]string{"final_report"},
			[]string{
				"agreement/101: missed", "agreement/147: missed", "invitation/101: missed", "invitation/147: missed",
				"nudge_agreement/101/0: missed", "nudge_agreement/101/1: missed",
				"nudge_agreement/147/0: missed", "nudge_agreement/147/1: missed",
				"nudge_unanswered/147/0: missed", "nudge_unanswered/147/1: missed", "reminder/101/aalborg/0: missed",
			},
			29}, // none had run: the final report supersedes all 29 daily digests
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, c, local(t, "2012-02-05 00:00"))
			h.state.set("101", func(s *InviteeState) { s.Meeting, s.Answered = "aalborg", true })
			stop := h.start(h.runner(nil))
			h.runUntil(tt.downFrom)
			stop()
			before := h.records()
			h.v.Set(local(t, tt.backAt))

			r := h.runner(nil)
			rep, err := r.Step(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var ran, skipped []string
			for _, j := range rep.Ran {
				ran = append(ran, j.Key)
			}
			digestsSkipped := 0
			for _, s := range rep.Skipped {
				if s.Job.Kind == KindDigest {
					digestsSkipped++
					if !strings.HasPrefix(s.Reason, "superseded by digest/") && s.Reason != "superseded by final_report" {
						t.Errorf("digest %s skipped because %q, want superseded", s.Job.Key, s.Reason)
					}
					continue
				}
				skipped = append(skipped, s.Job.Key+": "+s.Reason)
			}
			if digestsSkipped != tt.wantDigestsSkipped {
				t.Errorf("%d digests skipped, want %d", digestsSkipped, tt.wantDigestsSkipped)
			}
			sort.Strings(ran)
			sort.Strings(skipped)
			if strings.Join(ran, " ") != strings.Join(tt.wantRan, " ") {
				t.Errorf("ran on start:\n%v\nwant\n%v", ran, tt.wantRan)
			}
			if len(skipped) != len(tt.wantSkipped) {
				t.Fatalf("skipped on start:\n%s\nwant\n%s", strings.Join(skipped, "\n"), strings.Join(tt.wantSkipped, "\n"))
			}
			for i := range skipped {
				if !strings.HasPrefix(skipped[i], tt.wantSkipped[i]) {
					t.Errorf("skipped %q, want %q", skipped[i], tt.wantSkipped[i])
				}
			}
			for _, k := range ran {
				if _, ok := before[k]; ok {
					t.Errorf("%s ran again after the restart", k)
				}
			}
			// A second look reports nothing again: skips are recorded.
			rep2, err := r.Step(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(rep2.Ran)+len(rep2.Skipped)+len(rep2.Failed) != 0 {
				t.Errorf("second step did %+v, want nothing", rep2)
			}
			// And a runner started later still does not redo or re-report anything.
			rep3, _ := h.runner(nil).Step(context.Background())
			if len(rep3.Ran)+len(rep3.Skipped) != 0 {
				t.Errorf("a new runner did %+v, want nothing", rep3)
			}
			h.ranOnce()
		})
	}
}

// The DST nights: a daily 02:30 job runs exactly once on 2026-03-29 (at 03:00 CEST, the first
// instant after the skipped hour) and exactly once on 2026-10-25 (at the first 02:30, CEST),
// whether the runner sleeps until its next job or wakes every minute through the night, and
// when it is killed and restarted inside the odd hour.
func TestRunnerDSTNights(t *testing.T) {
	c := campaign2012(t)
	c.Invitees = nil
	c.Meetings = []campaign.Meeting{{ID: "x", Start: local(t, "2026-11-20 10:00")}}
	c.Deadline = local(t, "2026-11-30 00:00")
	c.Schedule = campaign.Schedule{Invitations: local(t, "2026-03-01 09:00"), Digest: "30 2 * * *"}
	c.Index()

	nights := []struct {
		name, from, restartAt, killAt, until string
		want                                 map[string]string // local date -> the one run, local time
	}{
		{"spring", "2026-03-27 12:00", "2026-03-29 03:00", "2026-03-29 01:59", "2026-03-31 00:00", map[string]string{
			"2026-03-28": "02:30 CET", "2026-03-29": "03:00 CEST", "2026-03-30": "02:30 CEST"}},
		{"autumn", "2026-10-23 12:00", "", "", "2026-10-27 00:00", map[string]string{
			"2026-10-24": "02:30 CEST", "2026-10-25": "02:30 CEST", "2026-10-26": "02:30 CET"}},
	}
	modes := []struct {
		name     string
		maxSleep time.Duration
	}{{"sleeping until due", 0}, {"waking every minute", time.Minute}}
	for _, n := range nights {
		for _, m := range modes {
			t.Run(n.name+", "+m.name, func(t *testing.T) {
				h := newHarness(t, c, local(t, n.from))
				stop := h.start(h.runner(func(cfg *RunnerConfig) { cfg.MaxSleep = m.maxSleep }))
				h.runUntil(n.until)
				stop()
				checkNights(t, h, n.want)
			})
		}
	}

	t.Run("spring, killed before the gap, back at 03:00:30", func(t *testing.T) {
		h := newHarness(t, c, local(t, "2026-03-28 12:00"))
		stop := h.start(h.runner(nil))
		h.runUntil("2026-03-29 01:59")
		stop()
		h.v.Set(local(t, "2026-03-29 03:00").Add(30 * time.Second))
		stop = h.start(h.runner(nil))
		h.runUntil("2026-03-30 00:00")
		stop()
		checkNights(t, h, map[string]string{"2026-03-29": "03:00 CEST"})
	})
	t.Run("autumn, killed after the run, back in the repeated hour", func(t *testing.T) {
		h := newHarness(t, c, local(t, "2026-10-24 12:00"))
		stop := h.start(h.runner(func(cfg *RunnerConfig) { cfg.MaxSleep = time.Minute }))
		// 02:45 CEST, written in UTC: a local 02:45 that night is ambiguous.
		if err := h.v.RunUntil(context.Background(), time.Date(2026, 10, 25, 0, 45, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		stop()
		h.v.Advance(55 * time.Minute) // 02:40 CET, the second time the clock shows 02:40
		if got := h.v.Now().In(c.Location).Format("15:04 MST"); got != "02:40 CET" {
			t.Fatalf("restart at %s, want 02:40 CET", got)
		}
		stop = h.start(h.runner(func(cfg *RunnerConfig) { cfg.MaxSleep = time.Minute }))
		h.runUntil("2026-10-26 00:00")
		stop()
		checkNights(t, h, map[string]string{"2026-10-25": "02:30 CEST"})
	})
}

// checkNights checks the runs of the digest on the given local dates: one each, at the time.
func checkNights(t *testing.T, h *harness, want map[string]string) {
	t.Helper()
	h.ranOnce()
	perDay := map[string][]string{}
	for _, ats := range h.eff.keys() {
		for _, at := range ats {
			l := at.In(h.c.Location)
			perDay[l.Format("2006-01-02")] = append(perDay[l.Format("2006-01-02")], l.Format("15:04 MST"))
		}
	}
	for d, w := range want {
		if got := perDay[d]; len(got) != 1 || got[0] != w {
			t.Errorf("runs on %s: %v, want exactly one at %s", d, got, w)
		}
	}
}

// A failing job is tried again after a pause that doubles; a panicking one is a failure, not
// the end of the runner.
func TestRunnerRetriesFailures(t *testing.T) {
	c := campaign2012(t)
	c.Invitees = c.Invitees[:1]
	c.Schedule.Digest = ""
	c.Index()
	h := newHarness(t, c, local(t, "2012-02-06 08:00"))
	attempts := 0
	var tried []string
	h.eff.fail = func(j Job) error {
		if j.Key != "invitation/101" {
			return nil
		}
		attempts++
		tried = append(tried, h.v.Now().In(c.Location).Format("15:04"))
		switch attempts {
		case 1:
			return errors.New("smtp outbox full")
		case 2:
			panic("template bug")
		}
		return nil
	}
	stop := h.start(h.runner(nil))
	h.runUntil("2012-02-06 10:00")
	stop()
	if want := []string{"09:00", "09:01", "09:03"}; strings.Join(tried, " ") != strings.Join(want, " ") {
		t.Errorf("attempts at %v, want %v (1 and 2 minutes apart)", tried, want)
	}
	if n := h.eff.count("invitation/101"); n != 1 {
		t.Errorf("invitation performed %d times, want once", n)
	}
	h.ranOnce()
}

func TestNewRunnerNeedsItsParts(t *testing.T) {
	c := campaign2012(t)
	v := clock.NewVirtual(local(t, "2012-02-06 08:00"))
	full := RunnerConfig{Ledger: NewMemLedger(), Clock: v, State: func(context.Context) (State, error) { return Snapshot{}, nil },
		Run: func(context.Context, Job) error { return nil }}
	for _, tt := range []struct {
		name string
		mod  func(*RunnerConfig)
	}{
		{"ledger", func(c *RunnerConfig) { c.Ledger = nil }},
		{"clock", func(c *RunnerConfig) { c.Clock = nil }},
		{"state", func(c *RunnerConfig) { c.State = nil }},
		{"run function", func(c *RunnerConfig) { c.Run = nil }},
	} {
		cfg := full
		tt.mod(&cfg)
		if _, err := NewRunner(c, cfg); err == nil || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("without a %s: %v, want an error naming it", tt.name, err)
		}
	}
	if _, err := NewRunner(c, full); err != nil {
		t.Errorf("with every part: %v", err)
	}
}

// A state that cannot be read stops nothing for good: the runner tries again after a pause.
func TestRunnerStateErrorIsRetried(t *testing.T) {
	c := campaign2012(t)
	c.Invitees = c.Invitees[:1]
	c.Schedule.Digest = ""
	c.Index()
	h := newHarness(t, c, local(t, "2012-02-06 08:58"))
	fails := 3
	r := h.runner(func(cfg *RunnerConfig) {
		cfg.State = func(ctx context.Context) (State, error) {
			if fails > 0 {
				fails--
				return nil, errors.New("database is locked")
			}
			return h.state.read(ctx)
		}
	})
	stop := h.start(r)
	h.runUntil("2012-02-06 09:30")
	stop()
	runs := h.eff.keys()["invitation/101"]
	// Read at 08:58, 08:59 and 09:00 fails; at 09:01 the state is back and the invitation runs.
	if len(runs) != 1 || runs[0].In(c.Location).Format("15:04") != "09:01" {
		t.Errorf("invitation ran at %v, want once at 09:01", runs)
	}
}

// The cost of one wake-up (a kick after an answer) with nothing due, which grows with the
// invitees.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{98, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := campaign2012(b)
			manyInvitees(c, n)
			v := clock.NewVirtual(local(b, "2012-02-10 12:00"))
			ledger := NewMemLedger()
			r, err := NewRunner(c, RunnerConfig{Ledger: ledger, Clock: v,
				State: func(context.Context) (State, error) { return Snapshot{}, nil },
				Run:   func(context.Context, Job) error { return nil }})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r.Step(context.Background()); err != nil { // runs the invitations
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := r.Step(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
