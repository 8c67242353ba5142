// Package schedules is the campaign's timeline: it turns the configured schedule and the
// invitees' current state into jobs (send the invitation, the agreement letter, a reminder, a
// nudge, the staff digest), each with a deterministic key and a due time, and runs each due job
// once through a Runner that sleeps on an injected clock until the next due time or a kick.
//
// What has run is recorded in a Ledger (the store implements it), so a job runs once across
// restarts. After downtime a missed job still runs if it still makes sense (before its Expires
// time) and is skipped and reported otherwise; of several missed jobs in one series (the
// digests, one invitee's nudges) only the latest runs.
//
// Local times follow one rule (see Resolve): a wall-clock time that does not exist because the
// clocks go forward (02:30 on 2026-03-29 in Europe/Copenhagen) means the first instant after the
// gap (03:00 CEST); a wall-clock time that happens twice because the clocks go back (02:30 on
// 2026-10-25) means the first of the two (02:30 CEST). A daily 02:30 job therefore runs exactly
// once on both nights. Whole days count as calendar days in the campaign's zone.
//
// Letters to invitees are planned on Danish working days (see workdays.go): a nudge that falls
// on a weekend or a day off moves to the next working day at the same time (the previous one
// where the next would reach its anchor), a reminder to the previous working day, so that it
// still comes before the meeting. The digest keeps its cron expression: it is the staff's.
package schedules

import (
	"fmt"
	"strconv"
	"time"
	_ "time/tzdata" // campaign zones such as Europe/Copenhagen on machines without a zone database
)

// Kind is what a job does; the shell maps it to a letter template or the digest.
type Kind string

// The kinds of job.
const (
	KindInvitation      Kind = "invitation"       // the invitation, per invitee
	KindAgreement       Kind = "agreement"        // the agreement letter with the priced PDF, per invitee
	KindReminder        Kind = "reminder"         // before a registered invitee's meeting
	KindNudgeUnanswered Kind = "nudge_unanswered" // to an invitee that has not answered
	KindNudgeAgreement  Kind = "nudge_agreement"  // to an invitee that has not returned the agreement
	KindDigest          Kind = "digest"           // the staff digest
	KindParticipantList Kind = "participant_list" // a meeting's participants, to the staff and hosts
	KindFinalReport     Kind = "final_report"     // the result, to the staff, once after the deadline
)

// PerInvitee reports whether jobs of the kind are one invitee's (their key names its code);
// the others concern the whole campaign.
func (k Kind) PerInvitee() bool {
	switch k {
	case KindDigest, KindParticipantList, KindFinalReport:
		return false
	}
	return true
}

// rank orders kinds due at the same instant: the invitation before anything that refers to
// it, the digest and the final report last so that they report what went out just before.
func (k Kind) rank() int {
	switch k {
	case KindInvitation:
		return 0
	case KindAgreement:
		return 1
	case KindReminder:
		return 2
	case KindNudgeUnanswered:
		return 3
	case KindNudgeAgreement:
		return 4
	case KindParticipantList:
		return 5
	case KindDigest:
		return 6
	}
	return 7
}

// Job is one thing to do at one time.
type Job struct {
	// Key names the job in the ledger and is stable across restarts and recomputation:
	// "invitation/101", "agreement/101", "reminder/101/aalborg/0", "nudge_unanswered/101/1",
	// "nudge_agreement/101/0", "digest/2012-02-07T07:00" (the local time it runs),
	// "participant_list/aalborg", "final_report". The number is the index in the configured
	// list of times (before: [14d, 7d] gives 0 and 1).
	Key  string
	Kind Kind
	Due  time.Time
	// Scheduled is when the job was due before an out-of-office moved it; equal to Due otherwise.
	Scheduled time.Time
	// Expires is when a job that has not run stops making sense: a missed job is skipped from
	// then on. Zero for the digest, which never expires (only a later digest supersedes it),
	// and for the final report.
	Expires time.Time
	Invitee string // the invitee's code; "" for the jobs of the whole campaign
	Meeting string // the meeting a reminder or participant list is for
	Seq     int    // the index in the configured list of times
	// Note says why Due differs from Scheduled ("moved: out of office until 2012-02-22").
	Note string

	order int // the invitee's position in the configuration, for a stable order
	slot  int // the job's place in the runner's record of what has run (Planner.slotOf); 0: none
	// superseded names the later job of the same series that makes this one moot (Runner.collect).
	superseded string
}

// fillKey writes the job's key from its kind, invitee, meeting and number (a digest has its
// key from the start).
func (j *Job) fillKey() {
	if j.Key != "" {
		return
	}
	switch j.Kind {
	case KindInvitation, KindAgreement:
		j.Key = string(j.Kind) + "/" + j.Invitee
	case KindReminder:
		j.Key = string(j.Kind) + "/" + j.Invitee + "/" + j.Meeting + "/" + strconv.Itoa(j.Seq)
	default:
		j.Key = string(j.Kind) + "/" + j.Invitee + "/" + strconv.Itoa(j.Seq)
	}
}

func (j Job) String() string {
	return fmt.Sprintf("%s at %s", j.Key, j.Due.Format(time.RFC3339))
}

// wallKey is the local time a job runs, as it appears in keys: "2012-02-07T07:00".
func wallKey(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02T15:04")
}
