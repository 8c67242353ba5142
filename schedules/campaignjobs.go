package schedules

import "time"

// campaignJobs plans the jobs of the whole campaign besides the digests: a participant list
// before each meeting (when the schedule has participant_lists), and the final report. Their
// times depend only on the configuration.
func (p *Planner) campaignJobs() []Job {
	var jobs []Job
	if pl := p.c.Schedule.ParticipantLists; len(pl.When.Before) > 0 {
		for _, m := range p.c.Meetings {
			s := p.series(pl.When, p.meetingAnchor(m), workRule{back: true}) // before the meeting, like a reminder
			for _, d := range s.dues[:min(len(s.dues), 1)] {
				jobs = append(jobs, Job{Key: string(KindParticipantList) + "/" + m.ID, Kind: KindParticipantList,
					Due: d.at, Scheduled: d.at, Expires: s.a.cutoff, Meeting: m.ID})
			}
		}
	}
	at := p.finalReportAt()
	return append(jobs, Job{Key: string(KindFinalReport), Kind: KindFinalReport, Due: at, Scheduled: at})
}

// finalReportAt is when the final report goes out: at the first digest time after the
// deadline has run out, where the staff expect their morning mail, or at 07:00 on the first
// weekday after it when the campaign sends no digest. The daily digests stop before it.
func (p *Planner) finalReportAt() time.Time {
	end := p.c.DeadlineEnd()
	if p.digest != nil {
		if at, ok := p.digest.Next(end.Add(-time.Nanosecond)); ok {
			return at
		}
	}
	day := civilDate(end, p.loc)
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	return Resolve(p.loc, day.Add(7*time.Hour))
}

// FinalReport is the final report's job.
func (p *Planner) FinalReport() Job { return p.campaign[len(p.campaign)-1] }

// ParticipantLists are the participant lists' jobs, one per meeting, in meeting order; none
// when the schedule has no participant_lists.
func (p *Planner) ParticipantLists() []Job {
	var out []Job
	for _, j := range p.campaign {
		if j.Kind == KindParticipantList {
			out = append(out, j)
		}
	}
	return out
}

// checkParticipantLists checks the participant lists' time before every meeting the way the
// reminders are checked: before the meeting and after the invitations.
func (p *Planner) checkParticipantLists(add func(path, format string, args ...any)) {
	pl := p.c.Schedule.ParticipantLists
	if len(pl.When.Before) == 0 {
		return
	}
	for _, m := range p.c.Meetings {
		p.checkRelative(add, "participant_lists", pl.When, p.meetingAnchor(m), time.Time{})
	}
}
