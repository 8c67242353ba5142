package schedules

import "time"

// InviteeState is what the schedules need to know about one invitee at the moment.
type InviteeState struct {
	// Meeting is the id of the meeting the invitee is registered for, "" when not registered.
	// A registered invitee has answered, whatever Answered says.
	Meeting string
	// Answered: the invitee has answered the invitation (registered or declined).
	Answered bool
	// AgreementReturned: the invitee has returned the agreement (pending confirmation counts).
	AgreementReturned bool
	// BackOn is the first day the invitee is back according to an out-of-office reply (its date
	// in the campaign's zone counts); zero when no out-of-office with a return date is known.
	BackOn time.Time
}

// State tells the invitees' current state; an invitee it knows nothing about has the zero
// InviteeState (not answered, nothing returned, not away).
type State interface {
	Invitee(code string) InviteeState
}

// Snapshot is a State held in memory, keyed by invitee code: what a store returns after
// reading every invitee's state in one query.
type Snapshot map[string]InviteeState

// Invitee returns the invitee's state, the zero value when unknown.
func (s Snapshot) Invitee(code string) InviteeState { return s[code] }
