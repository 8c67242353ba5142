// Package campaign is the domain of rsvpd: the campaign as configured (organiser, meetings,
// invitees, prices, schedule), the state of each invitee and the pure rules that change it.
// Nothing here does I/O or reads the clock: callers pass the time in.
package campaign

import (
	"fmt"
	"time"
)

// Campaign is one invitation campaign, validated and typed. It is built by package config
// from the YAML file; everything else only reads it.
type Campaign struct {
	Name      string // the campaign's title, used in subjects ("Dialogmøder om ...")
	Language  string // "da" (default) or "en"
	Location  *time.Location
	Organiser Organiser
	Meetings  []Meeting
	Agenda    []string
	// Deadline is the last day to sign up, as the start of that day in Location; the
	// deadline itself runs out at the end of the day (DeadlineEnd).
	Deadline   time.Time
	Companions CompanionPolicy
	Invitees   []Invitee
	Price      PriceModel
	Agreement  AgreementTerms
	Schedule   Schedule
	// GoAhead is the share (0..1) of municipalities or of population needed for the
	// project to go ahead.
	GoAhead float64
	// WithoutGoAhead says in one sentence what happens when the threshold is not reached;
	// Background why the campaign asks, in two or three sentences. The invitation carries
	// both; "" leaves them out.
	WithoutGoAhead string
	Background     string

	// InviteeRole is what the invited contact is ("bibliotekschef"): the participant lists
	// give it as the contact's role; "" writes "inviteret".
	InviteeRole string

	byCode  map[string]int
	byEmail map[string]int // the listed addresses
	byID    map[string]int
	// moved holds the addresses changed since the list was read (address.go).
	moved *movedAddresses
}

// Organiser is who sends the invitations and receives the answers.
type Organiser struct {
	Name    string   // "KOMBIT"
	Email   string   // the campaign address, "dialogmoeder@kombit.test"
	Staff   []string // digest and review recipients
	Contact Contact  // the person named in the letters
	Website string
	// LegalName, Address and CVR name the organiser as a party to the agreement:
	// "KOMBIT A/S", "Halfdansgade 8, 2300 København S", "19435075". LegalName is Name
	// when not configured.
	LegalName string
	Address   string
	CVR       string
}

// Contact is a person the letters name for questions.
type Contact struct {
	Name  string
	Title string
	Phone string
	Email string
}

// Meeting is one session of the meeting; an invitee attends one of them.
type Meeting struct {
	ID       string // "aalborg"
	City     string
	Venue    string
	Room     string
	Street   string
	Postcode string
	Start    time.Time
	End      time.Time
	Lat, Lon float64
	HasGeo   bool
	Capacity int // people; 0 = no limit
	// Aliases are other spellings a reply may use for the city ("Ålborg", "Velje").
	Aliases []string
}

// Address is the meeting place in one line, as it is written in a letter.
func (m Meeting) Address() string {
	s := m.Venue
	if m.Room != "" {
		s += ", " + m.Room
	}
	return fmt.Sprintf("%s, %s, %s %s", s, m.Street, m.Postcode, m.City)
}

// CompanionPolicy says how many people an invitee may bring without review.
type CompanionPolicy struct {
	// Included is how many companions are welcome without review (1: the director plus one
	// school-library representative).
	Included int
	// Role names the companion the invitation welcomes ("skolebibliotekskonsulent").
	Role string
}

// MaxHeadcount is the largest headcount accepted without review.
func (p CompanionPolicy) MaxHeadcount() int { return 1 + p.Included }

// Invitee is one invited organisation and its contact.
type Invitee struct {
	Code       string // "101"
	Name       string // "København"
	FormalName string // "Københavns Kommune": how letters address it; Name when not given
	Region     string
	Email      string // the registered address, lower-case
	Contact    string // the director's name where known, "" otherwise
	Population int    // the figure the price model names
	// Address and CVR name the invitee as a party to the agreement; "" when the list gives
	// none, and the agreement then leaves a line to fill in.
	Address string
	CVR     string
	// Amount, when not nil, overrides the computed price (in øre).
	Amount *int64
}

// PriceModel prices the agreement per invitee: rate per inhabitant times population, rounded.
type PriceModel struct {
	RateOere       int64  // rate per inhabitant in øre (700 = 7 kr.)
	PopulationName string // which figure: "population_2012q1"
	PopulationDate string // the date the figure is counted on, as written in the agreement
	RoundToKroner  int64  // round the amount to a multiple of this many kroner (1 = whole kroner)
	Per            string // what the rate is per, in words ("pr. indbygger pr. år")
	// Period is how often the amount is paid: PeriodYear (every year the agreement runs) or
	// PeriodOnce.
	Period Period
}

// Period is how often an agreement's amount is paid.
type Period string

const (
	PeriodYear Period = "year" // the amount is paid every year
	PeriodOnce Period = "once" // the amount is paid once
)

// VAT says whether the amounts in the agreement include VAT (moms).
type VAT string

const (
	VATExcluded VAT = "excluded" // "ekskl. moms": VAT is added on the invoice
	VATIncluded VAT = "included" // "inkl. moms"
)

// AgreementTerms is what the agreement letter and PDF state besides the price.
type AgreementTerms struct {
	Title      string
	Conditions []string
	VAT        VAT
	// Until is the last day the agreement runs (the start of that day in the campaign's
	// Location); it cannot be terminated before. FirstInvoice is the month the first invoice
	// is sent (its first day). The agreement's sections on its term and on invoicing state
	// them, and so does the agreement letter, from here: the facts are kept once.
	Until        time.Time
	FirstInvoice time.Time
	// Term and Invoicing are more sentences for those sections (optional): what else the
	// term and the invoicing are ("Derefter fakturerer KOMBIT A/S det årlige beløb i januar").
	Term      string
	Invoicing string
	// Signatory is who signs for the organiser; an empty field leaves a line to fill in.
	Signatory Signatory
}

// Signatory is the person who signs an agreement for a party.
type Signatory struct {
	Name  string
	Title string
}

// Schedule is the campaign's timeline as configured; package schedules turns it into jobs.
type Schedule struct {
	Invitations time.Time
	// AnswerBy is the day the invitation asks for an answer by (the start of that day in
	// the campaign's Location): configured, or a week before the first meeting.
	AnswerBy        time.Time
	Agreement       time.Time
	Reminders       Relative // before each registered invitee's meeting
	NudgeUnanswered Relative // before Anchor (default the first meeting)
	NudgeAgreement  Relative // before Anchor (default the deadline)
	Digest          string   // cron expression, evaluated in the campaign's Location
	// ReviewBatch is the shortest time between two staff notifications of review items.
	ReviewBatch time.Duration
	// ParticipantLists is when each meeting's participant list goes out; none when its
	// When has no time.
	ParticipantLists ParticipantLists
}

// ParticipantLists says when each meeting's participant list goes to the staff, and to whom
// besides them (the meetings' hosts).
type ParticipantLists struct {
	When Relative // one time before each meeting
	To   []string // more recipients, lower-case; the staff always get it
}

// Relative is a set of times before an anchor, optionally snapped to a time of day.
type Relative struct {
	Before []time.Duration
	// Anchor is "deadline", "first_meeting", a meeting id, or "" for the invitee's meeting.
	Anchor string
	// TimeOfDay, when set (HasTime), moves each computed time to that clock time on its date.
	TimeOfDay time.Duration
	HasTime   bool
}

// DeadlineEnd is the first instant after the deadline day.
func (c *Campaign) DeadlineEnd() time.Time { return c.Deadline.AddDate(0, 0, 1) }

// Index builds the lookup tables; package config calls it once the campaign is complete.
func (c *Campaign) Index() {
	c.byCode = make(map[string]int, len(c.Invitees))
	c.byEmail = make(map[string]int, len(c.Invitees))
	for i, inv := range c.Invitees {
		c.byCode[inv.Code] = i
		c.byEmail[inv.Email] = i
	}
	c.byID = make(map[string]int, len(c.Meetings))
	for i, m := range c.Meetings {
		c.byID[m.ID] = i
	}
	if c.moved == nil {
		c.moved = &movedAddresses{}
	}
}

// Invitee returns the invitee with the given code, with the address that holds now (the
// list's, or the one the staff changed it to).
func (c *Campaign) Invitee(code string) (Invitee, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return Invitee{}, false
	}
	return c.withAddress(i), true
}

// IndexOf returns the invitee's position in Invitees; false for a code the campaign does not
// list (or before Index has been called).
func (c *Campaign) IndexOf(code string) (int, bool) {
	i, ok := c.byCode[code]
	return i, ok
}

// InviteeByEmail returns the invitee registered with the (lower-case) address now: an
// address the staff changed to, or a listed one that has not been changed.
func (c *Campaign) InviteeByEmail(addr string) (Invitee, bool) {
	i, ok := c.byAddress(addr)
	if !ok {
		return Invitee{}, false
	}
	return c.withAddress(i), true
}

// Meeting returns the meeting with the given id.
func (c *Campaign) Meeting(id string) (Meeting, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Meeting{}, false
	}
	return c.Meetings[i], true
}

// FirstMeeting is the meeting that starts first.
func (c *Campaign) FirstMeeting() Meeting {
	first := c.Meetings[0]
	for _, m := range c.Meetings[1:] {
		if m.Start.Before(first.Start) {
			first = m
		}
	}
	return first
}

// TotalPopulation sums the invitees' population figures.
func (c *Campaign) TotalPopulation() int64 {
	var n int64
	for _, inv := range c.Invitees {
		n += int64(inv.Population)
	}
	return n
}
