package letters

import (
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// DigestData is the content of the staff's daily digest. The digest package fills it from the
// store; the digest template only shows it. Lists are shown in the order given.
type DigestData struct {
	// Date is when the digest was made; Since when the previous one was (zero: the first).
	Date  time.Time
	Since time.Time
	// Meetings holds each meeting's registrations against its capacity.
	Meetings []DigestMeeting
	// NewAnswers are the answers recorded since the previous digest.
	NewAnswers []DigestAnswer
	// Declines are all invitees that declined (or cancelled).
	Declines []DigestInvitee
	// Unanswered are the invited that have not answered.
	Unanswered []DigestInvitee
	// Review holds the open review items, each with its reason.
	Review []ReviewItem
	// Bounces are invitees whose mail came back.
	Bounces []DigestBounce
	// Away are invitees with an out-of-office, with the return date when it is known.
	Away []DigestAway
	// Agreements are the agreements returned so far.
	Agreements []DigestAgreement
	// Totals says how many entries each list stands for when its maker kept only the first
	// ListLimit of a longer one (the letter names those and counts the rest); a zero total
	// means the list is whole.
	Totals DigestTotals
	// Progress is how far the campaign is from its go-ahead threshold.
	Progress DigestProgress
	// ChartCID is the Content-ID (without angle brackets) of the inline PNG chart the caller
	// attaches; "" when there is no chart.
	ChartCID string
	// CSVName is the file name of the attached status CSV; "" when none is attached.
	CSVName string
}

// DigestTotals counts the entries of the digest's lists.
type DigestTotals struct {
	NewAnswers, Declines, Unanswered, Review, Bounces, Away, Agreements int
}

// DigestMeeting is one meeting's registrations.
type DigestMeeting struct {
	Meeting        campaign.Meeting // Capacity 0 means no limit
	Municipalities int              // invitees registered
	People         int              // the sum of their headcounts
}

// Free is the number of places left; negative when the meeting is overbooked. Without a
// capacity it is 0 and means nothing: check Meeting.Capacity first.
func (m DigestMeeting) Free() int {
	if m.Meeting.Capacity == 0 {
		return 0
	}
	return m.Meeting.Capacity - m.People
}

// DigestAnswer is one answer recorded since the previous digest.
type DigestAnswer struct {
	Invitee campaign.Invitee
	At      time.Time
	Status  campaign.Status // attending, declined or unclear
	// Meeting and Headcount are set when Status is attending.
	Meeting   *campaign.Meeting
	Headcount int
}

// DigestInvitee is an invitee in a list (declines, not answered), with when it got there
// (zero when that is not known or does not matter).
type DigestInvitee struct {
	Invitee campaign.Invitee
	At      time.Time
	// Undeliverable: mail to the invitee's address bounces for good, so silence is no answer.
	Undeliverable bool
}

// DigestBounce is a message that could not be delivered.
type DigestBounce struct {
	Invitee   campaign.Invitee
	Address   string
	Reason    string // the server's words, shortened
	At        time.Time
	Permanent bool // the address is marked undeliverable; temporary ones are still retried
}

// DigestAway is an out-of-office answer.
type DigestAway struct {
	Invitee campaign.Invitee
	Until   time.Time // the return date; zero when the message gave none
}

// DigestAgreement is a returned agreement.
type DigestAgreement struct {
	Invitee   campaign.Invitee
	At        time.Time
	Confirmed bool // confirmed by the staff (rsvpd agreement confirm)
}

// DigestProgress counts the agreements against the go-ahead threshold: the project goes ahead
// when Threshold of the invitees, or invitees with Threshold of the population, have joined.
type DigestProgress struct {
	Joined           int   // invitees whose agreement is returned or confirmed
	Invitees         int   // all invitees
	JoinedPopulation int64 // their population
	Population       int64 // the population of all invitees
	Threshold        float64
}

// InviteeShare is the share (0..1) of the invitees that have joined.
func (p DigestProgress) InviteeShare() float64 {
	if p.Invitees == 0 {
		return 0
	}
	return float64(p.Joined) / float64(p.Invitees)
}

// PopulationShare is the share (0..1) of the population whose municipality has joined.
func (p DigestProgress) PopulationShare() float64 {
	if p.Population == 0 {
		return 0
	}
	return float64(p.JoinedPopulation) / float64(p.Population)
}

// Reached reports whether either share has reached the threshold.
func (p DigestProgress) Reached() bool {
	return p.Threshold > 0 && (p.InviteeShare() >= p.Threshold || p.PopulationShare() >= p.Threshold)
}

// Registered is the number of invitees registered for any meeting.
func (d *DigestData) Registered() int {
	n := 0
	for _, m := range d.Meetings {
		n += m.Municipalities
	}
	return n
}

// People is the number of people registered for any meeting.
func (d *DigestData) People() int {
	n := 0
	for _, m := range d.Meetings {
		n += m.People
	}
	return n
}
