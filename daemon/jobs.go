package daemon

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// Snapshot reads what the schedules need to know about every invitee, held by the invitee's
// position in the campaign (an invitee the store does not hold, or holds but the campaign no
// longer lists, has the zero state).
func (e *Engine) Snapshot(ctx context.Context) (ScheduleState, error) {
	if err := e.syncAddresses(ctx); err != nil {
		e.log.Warn("scheduler: cannot read the changed addresses", "err", err)
	}
	snap := ScheduleState{c: e.c, s: make([]schedules.InviteeState, len(e.c.Invitees))}
	err := e.st.View(ctx, func(tx *store.Tx) error {
		return tx.EachBrief(func(b store.Brief) {
			n, ok := e.c.IndexOf(b.Code)
			if !ok {
				return
			}
			is := schedules.InviteeState{
				Answered:          b.Status.Answered(),
				AgreementReturned: b.Agreement == campaign.AgreementReturned || b.Agreement == campaign.AgreementConfirmed,
			}
			if b.Status == campaign.StatusAttending {
				is.Meeting = b.Meeting
			}
			if b.AwayUntil != "" {
				if t, err := time.ParseInLocation("2006-01-02", b.AwayUntil, e.c.Location); err == nil {
					is.BackOn = t
				}
			}
			snap.s[n] = is
		})
	})
	return snap, err
}

// ScheduleState is the schedules' view of every invitee, by position in the campaign.
type ScheduleState struct {
	c *campaign.Campaign
	s []schedules.InviteeState
}

// Invitee is the invitee's state for the schedules; the zero state for a code not listed.
func (s ScheduleState) Invitee(code string) schedules.InviteeState {
	if n, ok := s.c.IndexOf(code); ok {
		return s.s[n]
	}
	return schedules.InviteeState{}
}

// RunJob performs a due job inside the run ledger's transaction (the schedules Runner's
// RunFunc): the letters it queues commit together with the ledger's record of it.
func (e *Engine) RunJob(ctx context.Context, job schedules.Job) error {
	tx, ok := txFrom(ctx)
	if !ok {
		return fmt.Errorf("job %s: run outside the ledger's transaction", job.Key)
	}
	if _, err := e.perform(tx, job, e.clock.Now()); err != nil {
		return fmt.Errorf("job %s: %w", job.Key, err)
	}
	return nil
}

// perform queues what a job sends; it reports whether anything was queued.
func (e *Engine) perform(tx *store.Tx, job schedules.Job, now time.Time) (bool, error) {
	cause := "job:" + job.Key
	switch job.Kind {
	case schedules.KindDigest:
		return e.queueDigest(tx, job, cause, now)
	case schedules.KindFinalReport:
		return e.queueStaff(tx, letters.KindFinalReport, job.Key, e.c.Organiser.Staff, Params{Until: now}, cause, now)
	case schedules.KindParticipantList:
		if _, ok := e.c.Meeting(job.Meeting); !ok {
			return false, nil // the meeting left the campaign since the job was planned
		}
		to := append(slices.Clone(e.c.Organiser.Staff), e.c.Schedule.ParticipantLists.To...)
		return e.queueStaff(tx, letters.KindParticipantList, job.Key, to, Params{Meeting: job.Meeting, Until: now}, cause, now)
	}
	inv, ok := e.c.Invitee(job.Invitee)
	if !ok {
		return false, nil // the invitee left the campaign since the job was planned
	}
	st, err := e.state(tx, inv.Code)
	if err != nil {
		return false, err
	}
	inv = e.addressed(inv, st)
	if st.Delivery == campaign.DeliveryUndeliverable && job.Kind != schedules.KindInvitation {
		return false, tx.Log(store.Event{At: now, Invitee: inv.Code, Kind: "job_skipped", Cause: cause,
			Detail: map[string]any{"reason": "the address is undeliverable"}})
	}
	q := queued{kind: letters.Kind(job.Kind), code: inv.Code, recipient: inv.Email, key: job.Key}
	switch job.Kind {
	case schedules.KindInvitation:
		if st.Status == campaign.StatusNew {
			after := st
			after.Status, after.UpdatedAt = campaign.StatusInvited, now
			if err := tx.PutState(after); err != nil {
				return false, err
			}
		}
	case schedules.KindAgreement:
		// The PDF is rendered when the letter is composed; its SHA-256 is logged when it is
		// sent (OnSent), so the log names the bytes that went out. A letter that went
		// already (to a new address, before the job came to this invitee) is not sent again.
		if st.Agreement != campaign.AgreementNone {
			return false, nil
		}
		after := st
		after.Agreement, after.UpdatedAt = campaign.AgreementSent, now
		if err := tx.PutState(after); err != nil {
			return false, err
		}
	case schedules.KindReminder:
		if st.Status != campaign.StatusAttending || st.Meeting != job.Meeting {
			return false, nil // no longer registered for that meeting
		}
		q.params = Params{Meeting: st.Meeting, Headcount: st.Headcount}
	case schedules.KindNudgeUnanswered:
		if st.Status.Answered() {
			return false, nil
		}
	case schedules.KindNudgeAgreement:
		if st.Agreement == campaign.AgreementReturned || st.Agreement == campaign.AgreementConfirmed {
			return false, nil
		}
	}
	return e.enqueue(tx, q, cause, now)
}

// queueDigest queues the digest to every staff address; it covers the time since the
// previous digest that ran.
func (e *Engine) queueDigest(tx *store.Tx, job schedules.Job, cause string, now time.Time) (bool, error) {
	since, err := e.lastDigest(tx, job.Key)
	if err != nil {
		return false, err
	}
	return e.queueStaff(tx, letters.KindDigest, job.Key, e.c.Organiser.Staff, Params{Since: since, Until: now}, cause, now)
}

// queueStaff queues a letter to the staff (the digest, the final report, a participant list,
// a review or sign-in notice) to each address once, one message per recipient, keyed
// prefix/address.
func (e *Engine) queueStaff(tx *store.Tx, kind letters.Kind, prefix string, to []string, p Params, cause string, now time.Time) (bool, error) {
	any := false
	seen := map[string]bool{}
	for _, addr := range to {
		if seen[addr] {
			continue
		}
		seen[addr] = true
		q := queued{kind: kind, code: staffCode, recipient: addr, key: prefix + "/" + addr, params: p}
		added, err := e.enqueue(tx, q, cause, now)
		if err != nil {
			return false, err
		}
		any = any || added
	}
	return any, nil
}

// lastDigest is when the latest digest before this one ran (zero for the first).
func (e *Engine) lastDigest(tx *store.Tx, except string) (time.Time, error) {
	r, _, err := tx.LastRun("digest/", except)
	return r.RanAt, err
}
