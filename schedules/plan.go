package schedules

import (
	"slices"
	"time"
)

// Planned is one kind of job as the schedule places it: the times a letter of the kind goes
// out (on working days, as the runner sends it), for one meeting where the kind is a
// meeting's. An invitee's out-of-office can still move that invitee's nudges (see Jobs).
type Planned struct {
	Kind    Kind
	Meeting string      // the meeting of reminders and of a participant list; "" otherwise
	Times   []time.Time // ascending, each once
}

// Plan is the schedule as dates, for people to read: the invitations, the agreement letters,
// the nudges to those who have not answered, each meeting's reminders, the nudges to return
// the agreement, the participant lists, the digests and the final report, in that order. A
// kind the schedule leaves out is not listed, nor a series none of whose times comes before
// its anchor. The times are those the jobs of Timeline are due at, from the same series.
func (p *Planner) Plan() []Planned {
	s := p.c.Schedule
	var out []Planned
	add := func(k Kind, meeting string, ts []time.Time) {
		if len(ts) == 0 {
			return
		}
		slices.SortFunc(ts, time.Time.Compare)
		ts = slices.CompactFunc(ts, time.Time.Equal)
		out = append(out, Planned{Kind: k, Meeting: meeting, Times: ts})
	}
	if !s.Invitations.IsZero() {
		add(KindInvitation, "", []time.Time{s.Invitations})
	}
	if !s.Agreement.IsZero() {
		add(KindAgreement, "", []time.Time{s.Agreement})
	}
	add(KindNudgeUnanswered, "", p.nudgeUnanswered.times())
	for _, m := range p.c.Meetings {
		add(KindReminder, m.ID, p.reminders[m.ID].times())
	}
	add(KindNudgeAgreement, "", p.nudgeAgreement.times())
	for _, j := range p.ParticipantLists() {
		add(KindParticipantList, j.Meeting, []time.Time{j.Due})
	}
	var digests []time.Time
	for _, j := range p.Digests(time.Time{}, p.digestUntil) {
		digests = append(digests, j.Due)
	}
	add(KindDigest, "", digests)
	add(KindFinalReport, "", []time.Time{p.FinalReport().Due})
	return out
}

// times are the series' times on working days.
func (s series) times() []time.Time {
	var out []time.Time
	for _, d := range s.dues {
		out = append(out, d.at)
	}
	return out
}
