package schedules

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Planner computes a campaign's jobs from its schedule and the invitees' state. It is built
// once per campaign (it parses the digest's cron expression) and only reads the campaign, so it
// is safe for concurrent use.
type Planner struct {
	c        *campaign.Campaign
	loc      *time.Location
	meetings map[string]campaign.Meeting
	first    campaign.Meeting
	// perInvitee is how many jobs one invitee can have (see slotOf): the runner keeps what has
	// run as one bit per possible job rather than a key per job.
	perInvitee int

	digest                  *Cron // nil: no digest configured
	digestFrom, digestUntil time.Time
	campaign                []Job // the participant lists and the final report, last

	// The relative times are the same for every invitee: computed once.
	reminders                       map[string]series // by meeting id
	nudgeUnanswered, nudgeAgreement series
}

// series is one Relative's times before one anchor, those that are before it.
type series struct {
	ok      bool // the anchor exists
	a       anchor
	w       workRule
	dues    []dueAt
	meeting int // for reminders: the meeting's position, for the job's slot
}

type dueAt struct {
	seq       int
	scheduled time.Time // as configured
	at        time.Time // on a working day (see workRule)
	note      string    // why at differs from scheduled
}

// workRule says how a series keeps its letters on working days (see workdays.go).
type workRule struct {
	// back moves a letter on a day off to the previous working day, as reminders must still
	// come before their meeting; otherwise (nudges) it goes to the next working day, or the
	// previous one where the next would reach the anchor.
	back bool
	// floor is the letter a nudge follows up: a nudge moved back never goes before it.
	floor time.Time
}

func (p *Planner) series(r campaign.Relative, a anchor, w workRule) series {
	s := series{ok: true, a: a, w: w}
	for i, d := range r.Before {
		due := p.relativeDue(r, d, a)
		if !due.Before(a.cutoff) {
			continue
		}
		at, note, ok := p.onWorkingDay(due, s, time.Time{})
		if !ok {
			continue
		}
		s.dues = append(s.dues, dueAt{seq: i, scheduled: due, at: at, note: note})
	}
	return s
}

// onWorkingDay moves due, if it falls on a day off, to a working day at the same time of
// day under the series' rule, and says why. ok is false when no working day will do: the
// next reaches the anchor and the previous comes before the letter followed up, or before
// back, the first day the invitee is back at work (a zero back: not away).
func (p *Planner) onWorkingDay(due time.Time, s series, back time.Time) (at time.Time, note string, ok bool) {
	naive := naiveWall(due, p.loc)
	dir := 1
	if s.w.back {
		dir = -1
	}
	moved, why := toWorkingDay(naive, dir)
	if why == "" {
		return due, "", true
	}
	at = Resolve(p.loc, moved)
	which := "the next working day"
	if dir < 0 {
		which = "the previous working day"
	} else if !at.Before(s.a.cutoff) {
		moved, _ = toWorkingDay(naive, -1)
		at, dir, which = Resolve(p.loc, moved), -1, "the previous working day, the next being too late"
	}
	if dir < 0 && (at.Before(s.w.floor) || (!back.IsZero() && civilDate(at, p.loc).Before(back))) {
		return time.Time{}, "", false
	}
	return at, "moved to " + which + ": " + why, true
}

// NewPlanner checks what the planner cannot do without (a zone, a deadline, meetings, a
// digest expression it can parse, the invitation time the digests start from) and returns a
// Planner. Validate finds the rest of what is wrong with a schedule.
func NewPlanner(c *campaign.Campaign) (*Planner, error) {
	if c == nil {
		return nil, errors.New("plan schedules: no campaign")
	}
	if c.Location == nil {
		return nil, errors.New("plan schedules: the campaign has no time zone")
	}
	if c.Deadline.IsZero() {
		return nil, errors.New("plan schedules: the campaign has no deadline")
	}
	if len(c.Meetings) == 0 {
		return nil, errors.New("plan schedules: the campaign has no meetings")
	}
	p := &Planner{
		c:        c,
		loc:      c.Location,
		meetings: make(map[string]campaign.Meeting, len(c.Meetings)),
		first:    c.Meetings[0],
	}
	if len(c.Invitees) > 0 {
		if _, ok := c.IndexOf(c.Invitees[0].Code); !ok {
			return nil, errors.New("plan schedules: the campaign is not indexed (call Campaign.Index)")
		}
	}
	for _, m := range c.Meetings {
		p.meetings[m.ID] = m
		if m.Start.Before(p.first.Start) {
			p.first = m
		}
	}
	p.reminders = make(map[string]series, len(c.Meetings))
	for i, m := range c.Meetings {
		rs := p.series(c.Schedule.Reminders, p.meetingAnchor(m), workRule{back: true})
		rs.meeting = i
		p.reminders[m.ID] = rs
	}
	s := c.Schedule
	p.perInvitee = 2 + len(s.NudgeUnanswered.Before) + len(s.NudgeAgreement.Before) + len(c.Meetings)*len(s.Reminders.Before)
	if a, ok := p.anchor(c.Schedule.NudgeUnanswered.Anchor); ok {
		p.nudgeUnanswered = p.series(c.Schedule.NudgeUnanswered, a, workRule{floor: c.Schedule.Invitations})
	}
	if a, ok := p.anchor(c.Schedule.NudgeAgreement.Anchor); ok {
		p.nudgeAgreement = p.series(c.Schedule.NudgeAgreement, a, workRule{floor: c.Schedule.Agreement})
	}
	if c.Schedule.Digest != "" {
		d, err := ParseCron(c.Schedule.Digest, c.Location)
		if err != nil {
			return nil, fmt.Errorf("plan schedules: digest: %w", err)
		}
		if c.Schedule.Invitations.IsZero() {
			return nil, errors.New("plan schedules: a digest needs the invitation time it starts from")
		}
		p.digest = d
		p.digestFrom = c.Schedule.Invitations
		// The daily digests end with the deadline: after it the final report says the result.
		p.digestUntil = c.DeadlineEnd().Add(-time.Nanosecond)
	}
	p.campaign = p.campaignJobs()
	return p, nil
}

// Location is the zone the campaign's local times are in.
func (p *Planner) Location() *time.Location { return p.loc }

// Jobs returns the campaign's one-off jobs for the invitees' state st, sorted by due time:
// every invitee's invitation and agreement letter; reminders for the meeting an invitee is
// registered for; nudges to those who have not answered and to those who have not returned the
// agreement, each moved past an out-of-office or dropped when that leaves no time before its
// anchor. Jobs that have run are included: the ledger, not the planner, knows what has run.
func (p *Planner) Jobs(st State) []Job {
	jobs := make([]Job, 0, len(p.c.Invitees)*4)
	for n := range p.c.Invitees {
		jobs = p.appendJobs(jobs, n, st.Invitee(p.c.Invitees[n].Code))
	}
	for i := range jobs {
		jobs[i].fillKey()
	}
	p.sort(jobs)
	return jobs
}

// appendJobs appends invitee n's jobs for its state is, unsorted and without their keys: the
// runner looks at every invitee's jobs at every step and needs the key of only the few that
// are due (fillKey writes it).
func (p *Planner) appendJobs(jobs []Job, n int, is InviteeState) []Job {
	s := p.c.Schedule
	code := p.c.Invitees[n].Code
	if !s.Invitations.IsZero() {
		jobs = append(jobs, p.once(KindInvitation, code, n, s.Invitations))
	}
	if !s.Agreement.IsZero() {
		jobs = append(jobs, p.once(KindAgreement, code, n, s.Agreement))
	}
	if rs, ok := p.reminders[is.Meeting]; ok && is.Meeting != "" {
		for _, d := range rs.dues {
			jobs = append(jobs, Job{
				Kind: KindReminder, Due: d.at, Scheduled: d.scheduled, Expires: rs.a.cutoff,
				Invitee: code, Meeting: is.Meeting, Seq: d.seq, Note: d.note, order: n,
				slot: p.slotOf(n, KindReminder, rs.meeting, d.seq),
			})
		}
	}
	if !is.Answered && is.Meeting == "" {
		jobs = p.nudges(jobs, KindNudgeUnanswered, p.nudgeUnanswered, code, n, is.BackOn)
	}
	if !is.AgreementReturned {
		jobs = p.nudges(jobs, KindNudgeAgreement, p.nudgeAgreement, code, n, is.BackOn)
	}
	return jobs
}

// slotOf numbers invitee n's possible jobs from 1: its invitation, its agreement letter, each
// answer nudge, each agreement nudge, each reminder of each meeting. 0 is no slot (a digest).
func (p *Planner) slotOf(n int, k Kind, meeting, seq int) int {
	s := p.c.Schedule
	nu, na := len(s.NudgeUnanswered.Before), len(s.NudgeAgreement.Before)
	off := 0
	switch k {
	case KindInvitation:
	case KindAgreement:
		off = 1
	case KindNudgeUnanswered:
		off = 2 + seq
	case KindNudgeAgreement:
		off = 2 + nu + seq
	case KindReminder:
		off = 2 + nu + na + meeting*len(s.Reminders.Before) + seq
	default:
		return 0
	}
	return n*p.perInvitee + off + 1
}

// slotOfKey is the slot of the job a ledger key names; false for a key that names no job the
// planner can make (a digest, an invitee or a time no longer configured).
func (p *Planner) slotOfKey(key string) (int, bool) {
	kind, rest, _ := strings.Cut(key, "/")
	k := Kind(kind)
	code, meeting, seq := rest, -1, 0
	bad := func(seqs int) bool { return seq < 0 || seq >= seqs }
	switch k {
	case KindInvitation, KindAgreement:
	case KindNudgeUnanswered, KindNudgeAgreement:
		var num string
		code, num, _ = strings.Cut(rest, "/")
		var err error
		if seq, err = strconv.Atoi(num); err != nil {
			return 0, false
		}
		list := p.c.Schedule.NudgeUnanswered.Before
		if k == KindNudgeAgreement {
			list = p.c.Schedule.NudgeAgreement.Before
		}
		if bad(len(list)) {
			return 0, false
		}
	case KindReminder:
		parts := strings.Split(rest, "/")
		if len(parts) != 3 {
			return 0, false
		}
		code = parts[0]
		rs, ok := p.reminders[parts[1]]
		var err error
		if seq, err = strconv.Atoi(parts[2]); err != nil || !ok || bad(len(p.c.Schedule.Reminders.Before)) {
			return 0, false
		}
		meeting = rs.meeting
	default:
		return 0, false
	}
	n, ok := p.c.IndexOf(code)
	if !ok {
		return 0, false
	}
	return p.slotOf(n, k, meeting, seq), true
}

// once is an invitee's invitation or agreement letter: late is fine until the deadline runs
// out, after which inviting or sending an agreement to sign makes no sense.
func (p *Planner) once(k Kind, code string, order int, due time.Time) Job {
	return Job{
		Kind: k, Due: due, Scheduled: due, Expires: p.c.DeadlineEnd(), Invitee: code, order: order,
		slot: p.slotOf(order, k, 0, 0),
	}
}

// nudges appends one invitee's nudges of one kind to jobs. An out-of-office whose return date
// comes after a nudge's day moves that nudge to the day after the return date at the same time
// of day (a day to catch up with the inbox), or drops it if that is no longer before the anchor.
// Either way a nudge goes out on a working day (onWorkingDay). Two nudges moved to the same
// time are one nudge (the later one in the list).
func (p *Planner) nudges(jobs []Job, k Kind, ser series, code string, order int, backOn time.Time) []Job {
	if !ser.ok {
		return jobs
	}
	first := len(jobs)
	var back time.Time
	if !backOn.IsZero() {
		back = civilDate(backOn, p.loc)
	}
	for _, d := range ser.dues {
		j := Job{
			Kind: k, Due: d.at, Scheduled: d.scheduled, Expires: ser.a.cutoff, Invitee: code, Seq: d.seq,
			Note: d.note, order: order, slot: p.slotOf(order, k, 0, d.seq),
		}
		if !back.IsZero() && civilDate(d.at, p.loc).Before(back) {
			moved := Resolve(p.loc, back.AddDate(0, 0, 1).Add(sinceMidnight(naiveWall(d.scheduled, p.loc))))
			if !moved.Before(ser.a.cutoff) {
				continue
			}
			at, why, ok := p.onWorkingDay(moved, ser, back)
			if !ok {
				continue
			}
			j.Due = at
			j.Note = "moved: out of office until " + back.Format("2006-01-02")
			if why != "" {
				j.Note += "; " + why
			}
		}
		// A later nudge landing on the same time replaces the earlier one.
		mine := jobs[first:]
		if i := slices.IndexFunc(mine, func(o Job) bool { return o.Due.Equal(j.Due) }); i >= 0 {
			mine[i] = j
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs
}

func sinceMidnight(naive time.Time) time.Duration {
	return naive.Sub(naive.Truncate(24 * time.Hour))
}

// anchor is what a Relative counts back from.
type anchor struct {
	ref    time.Time // a time without a time of day counts back from here
	day    time.Time // a time with a time of day counts back from this instant's date
	cutoff time.Time // a job must be due before this
	what   string    // for messages: "the deadline (2012-03-16)"
}

// anchor resolves a Relative's anchor name; "" (the invitee's own meeting) has no single
// anchor and is handled by meetingAnchor.
func (p *Planner) anchor(name string) (anchor, bool) {
	switch name {
	case "deadline":
		// "7d before the deadline at 09:00" is seven days before the deadline day, while
		// "36h before the deadline" counts from the moment it runs out, the end of that day.
		end := p.c.DeadlineEnd()
		return anchor{ref: end, day: p.c.Deadline, cutoff: end,
			what: "the deadline (" + p.c.Deadline.In(p.loc).Format("2006-01-02") + ")"}, true
	case "first_meeting":
		a := p.meetingAnchor(p.first)
		a.what = "the first meeting (" + a.what + ")"
		return a, true
	}
	if m, ok := p.meetings[name]; ok {
		return p.meetingAnchor(m), true
	}
	return anchor{}, false
}

func (p *Planner) meetingAnchor(m campaign.Meeting) anchor {
	return anchor{ref: m.Start, day: m.Start, cutoff: m.Start,
		what: m.ID + ", " + m.Start.In(p.loc).Format("2006-01-02 15:04")}
}

// relativeDue is d before a: whole days as calendar days in the campaign's zone, the rest as
// wall-clock time, then moved to r's time of day on the date reached, if it has one.
func (p *Planner) relativeDue(r campaign.Relative, d time.Duration, a anchor) time.Time {
	base := a.ref
	if r.HasTime {
		base = a.day
	}
	const day = 24 * time.Hour
	n := naiveWall(base, p.loc).AddDate(0, 0, -int(d/day)).Add(-(d % day))
	if r.HasTime {
		n = atTimeOfDay(n, r.TimeOfDay)
	}
	return Resolve(p.loc, n)
}

// Digests returns the digest runs due after after and at or before until, within the
// campaign's digest window: from the invitations to the end of the deadline.
func (p *Planner) Digests(after, until time.Time) []Job {
	var out []Job
	for {
		j, ok := p.NextDigest(after)
		if !ok || j.Due.After(until) {
			return out
		}
		out = append(out, j)
		after = j.Due
	}
}

// NextDigest is the first digest run due after t, or false when there is none left.
func (p *Planner) NextDigest(t time.Time) (Job, bool) {
	if p.digest == nil {
		return Job{}, false
	}
	if t.Before(p.digestFrom) {
		t = p.digestFrom.Add(-time.Nanosecond)
	}
	at, ok := p.digest.Next(t)
	if !ok || p.digestUntil.IsZero() || at.After(p.digestUntil) {
		return Job{}, false
	}
	return Job{Key: string(KindDigest) + "/" + wallKey(at, p.loc), Kind: KindDigest, Due: at, Scheduled: at}, true
}

// Group is a number of jobs of one kind due at one time.
type Group struct {
	Kind  Kind
	Due   time.Time
	Count int
}

// Groups counts the campaign's jobs for the state st by due time and kind, digests,
// participant lists and the final report included, in timeline order: the shape of the
// timeline without a job per invitee in memory.
func (p *Planner) Groups(st State) []Group {
	type at struct {
		due  int64
		kind Kind
	}
	idx := map[at]int{}
	var out []Group
	add := func(j *Job) {
		k := at{j.Due.UnixNano(), j.Kind}
		if i, ok := idx[k]; ok {
			out[i].Count++
			return
		}
		idx[k] = len(out)
		out = append(out, Group{Kind: j.Kind, Due: j.Due, Count: 1})
	}
	var buf []Job
	for n := range p.c.Invitees {
		buf = p.appendJobs(buf[:0], n, st.Invitee(p.c.Invitees[n].Code))
		for i := range buf {
			add(&buf[i])
		}
	}
	if p.digest != nil {
		for _, j := range p.Digests(time.Time{}, p.digestUntil) {
			add(&j)
		}
	}
	for _, j := range p.campaign {
		add(&j)
	}
	slices.SortFunc(out, func(a, b Group) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.Kind.rank(), b.Kind.rank())
	})
	return out
}

// Timeline is every job of the campaign for the state st, digests, participant lists and the
// final report included, sorted by due time: what the staff review before anything is sent,
// and what a simulation walks through.
func (p *Planner) Timeline(st State) []Job {
	jobs := p.Jobs(st)
	if p.digest != nil {
		jobs = append(jobs, p.Digests(time.Time{}, p.digestUntil)...)
	}
	jobs = append(jobs, p.campaign...)
	p.sort(jobs)
	return jobs
}

// sort orders jobs by due time, then kind, then invitee in configuration order, so that a
// timeline and the order of sending are the same on every run. Keys are unique, so the order
// is total. Jobs are large: the sort moves indexes and places each job once.
func (p *Planner) sort(jobs []Job) {
	idx := make([]int32, len(jobs))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(x, y int32) int { return compareJobs(&jobs[x], &jobs[y]) })
	sorted := make([]Job, len(jobs))
	for i, k := range idx {
		sorted[i] = jobs[k]
	}
	copy(jobs, sorted)
}

func compareJobs(a, b *Job) int {
	if c := a.Due.Compare(b.Due); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Kind.rank(), b.Kind.rank()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.order, b.order); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Meeting, b.Meeting); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Seq, b.Seq); c != 0 {
		return c
	}
	return cmp.Compare(a.Key, b.Key)
}
