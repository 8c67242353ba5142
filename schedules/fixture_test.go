package schedules

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

func copenhagen(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// local is a wall-clock time in Copenhagen, "2012-02-28 10:00".
func local(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, copenhagen(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// campaign2012 is the example campaign as the config builds it: KOMBIT's three dialogue
// meetings, the 2012 schedule, and five municipalities.
func campaign2012(t testing.TB) *campaign.Campaign {
	t.Helper()
	loc := copenhagen(t)
	meeting := func(id, city, day string) campaign.Meeting {
		return campaign.Meeting{ID: id, City: city, Start: local(t, day+" 10:00"), End: local(t, day+" 12:00")}
	}
	c := &campaign.Campaign{
		Name:     "Dialogmøde om det nye fælles bibliotekssystem",
		Location: loc,
		Meetings: []campaign.Meeting{
			meeting("aalborg", "Aalborg", "2012-02-28"),
			meeting("roskilde", "Roskilde", "2012-03-01"),
			meeting("vejle", "Vejle", "2012-03-06"),
		},
		Deadline: local(t, "2012-03-16 00:00"),
		Invitees: []campaign.Invitee{
			{Code: "101", Name: "København"},
			{Code: "147", Name: "Frederiksberg"},
			{Code: "851", Name: "Aalborg"},
			{Code: "265", Name: "Roskilde"},
			{Code: "630", Name: "Vejle"},
		},
		Schedule: campaign.Schedule{
			Invitations:     local(t, "2012-02-06 09:00"),
			Agreement:       local(t, "2012-02-20 09:00"),
			Reminders:       campaign.Relative{Before: []time.Duration{day}, TimeOfDay: 8 * time.Hour, HasTime: true},
			NudgeUnanswered: campaign.Relative{Before: []time.Duration{14 * day, 7 * day}, Anchor: "first_meeting", TimeOfDay: 9 * time.Hour, HasTime: true},
			NudgeAgreement:  campaign.Relative{Before: []time.Duration{7 * day, 2 * day}, Anchor: "deadline", TimeOfDay: 9 * time.Hour, HasTime: true},
			Digest:          "0 7 * * 1-5",
		},
	}
	c.Index()
	return c
}

const day = 24 * time.Hour

// manyInvitees replaces c's invitees with n numbered ones, for figures at scale.
func manyInvitees(c *campaign.Campaign, n int) {
	c.Invitees = make([]campaign.Invitee, n)
	for i := range c.Invitees {
		c.Invitees[i] = campaign.Invitee{Code: fmt.Sprint(1000 + i)}
	}
	c.Index()
}

// effects stands for the outbox: what a job's run wrote, kept only if the run committed. Its
// run function is the RunFunc; runs counts how often each key was performed.
type effects struct {
	mu   sync.Mutex
	runs map[string][]time.Time // key -> clock times it ran
	now  func() time.Time
	// fail, when set, decides that a run fails (the transaction rolls back).
	fail func(j Job) error
}

func newEffects(now func() time.Time) *effects {
	return &effects{runs: map[string][]time.Time{}, now: now}
}

func (e *effects) run(ctx context.Context, j Job) error {
	if e.fail != nil {
		if err := e.fail(j); err != nil {
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.runs[j.Key] = append(e.runs[j.Key], e.now())
	onRollback(ctx, func() { // the outbox rows of a rolled-back transaction are not there
		e.mu.Lock()
		defer e.mu.Unlock()
		e.runs[j.Key] = e.runs[j.Key][:len(e.runs[j.Key])-1]
	})
	return nil
}

func (e *effects) count(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.runs[key])
}

func (e *effects) keys() map[string][]time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string][]time.Time, len(e.runs))
	for k, v := range e.runs {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

// lockedState is a Snapshot that a test's scripted replies change while a runner reads it.
type lockedState struct {
	mu sync.Mutex
	s  Snapshot
}

func newLockedState() *lockedState { return &lockedState{s: Snapshot{}} }

func (l *lockedState) set(code string, f func(*InviteeState)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	is := l.s[code]
	f(&is)
	l.s[code] = is
}

func (l *lockedState) read(context.Context) (State, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cp := make(Snapshot, len(l.s))
	for k, v := range l.s {
		cp[k] = v
	}
	return cp, nil
}
