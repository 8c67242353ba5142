package campaign

import "time"

// Status is where an invitee stands in the RSVP loop.
type Status string

const (
	StatusNew       Status = "new"       // not invited yet
	StatusInvited   Status = "invited"   // invited, no answer yet
	StatusAttending Status = "attending" // registered for a meeting
	StatusDeclined  Status = "declined"  // will not come (or cancelled)
	StatusUnclear   Status = "unclear"   // answered, but staff must decide what it means
)

// Answered reports whether the invitee has given an answer (yes, no or one for the staff).
func (s Status) Answered() bool {
	return s == StatusAttending || s == StatusDeclined || s == StatusUnclear
}

// AgreementStatus is where the invitee's accession agreement stands.
type AgreementStatus string

const (
	AgreementNone      AgreementStatus = "none"      // not sent yet
	AgreementSent      AgreementStatus = "sent"      // the letter with the PDF went out
	AgreementReturned  AgreementStatus = "returned"  // returned as a PDF, awaiting the staff's check
	AgreementConfirmed AgreementStatus = "confirmed" // confirmed by staff
)

// Delivery says whether mail reaches the invitee.
type Delivery string

const (
	DeliveryOK            Delivery = "ok"
	DeliveryUndeliverable Delivery = "undeliverable"
)

// State is one invitee's state, as the store keeps it.
type State struct {
	Code       string
	Status     Status
	Meeting    string // meeting id when attending
	Headcount  int
	Companions []string
	Agreement  AgreementStatus
	Delivery   Delivery
	// AwayUntil is the return date of an out-of-office ("2012-03-05"), "" when none is known.
	AwayUntil string
	// Sequence is the iCalendar SEQUENCE of the invitee's current calendar entry.
	Sequence int
	// PartStats is the calendar answer per meeting id, as RFC 5545 writes it (ACCEPTED ...).
	PartStats  map[string]string
	AnsweredAt time.Time
	UpdatedAt  time.Time
	// AgreementSHA256 is the hex SHA-256 of the agreement PDF that was sent.
	AgreementSHA256 string
	// AgreementSigned: the PDF that returned the agreement carries a digital signature;
	// ReturnedSHA256 is that PDF's hex SHA-256. Both are for the staff who confirm it.
	AgreementSigned bool
	ReturnedSHA256  string
	// Email is the address the staff changed the invitee's to (Readdress), "" while the
	// list's address holds.
	Email string
}

// NewState is the state of an invitee the store has not seen yet.
func NewState(code string) State {
	return State{Code: code, Status: StatusNew, Agreement: AgreementNone, Delivery: DeliveryOK}
}
