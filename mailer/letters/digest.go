package letters

import (
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// DigestData is the content of the staff's daily digest and of the final report after the
// deadline (KindFinalReport). The digest package fills it from the store; the templates only
// show it. Lists are shown in the order given.
type DigestData struct {
	// Date is when the digest was made; Since when the previous one was (zero: the first).
	Date  time.Time
	Since time.Time
	// Review holds the open review items that need a person, oldest first; ToCheck the
	// routine ones (a returned agreement to check and confirm), oldest first, which the
	// letter counts in one line instead of listing (Totals.ToCheck counts them when ToCheck
	// holds only the first).
	Review  []ReviewItem
	ToCheck []ReviewItem
	// NotSigned are the invitees without a confirmed agreement, the largest population first,
	// at most a page of them; NotSignedMore counts those left out and their population.
	NotSigned               []DigestUnsigned
	NotSignedMore           int
	NotSignedMorePopulation int64
	// Enough is how many of the largest on NotSigned would together bring the population the
	// go-ahead still needs (0: it is reached, or the list does not bring enough).
	Enough int
	// Meetings holds each meeting's registrations against its capacity.
	Meetings []DigestMeeting
	// NewAnswers are the answers recorded since the previous digest.
	NewAnswers []DigestAnswer
	// Declines are all invitees that declined (or cancelled).
	Declines []DigestInvitee
	// Unanswered are the invited that have not answered.
	Unanswered []DigestInvitee
	// Bounces are invitees whose mail came back.
	Bounces []DigestBounce
	// Away are invitees with an out-of-office, with the return date when it is known.
	Away []DigestAway
	// Agreements are the agreements returned so far, confirmed or not yet checked.
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
	NewAnswers, Declines, Unanswered, Review, ToCheck, Bounces, Away, Agreements int
}

// DigestMeeting is one meeting's registrations.
type DigestMeeting struct {
	Meeting        campaign.Meeting // Capacity 0 means no limit
	Municipalities int              // invitees registered
	People         int              // the sum of their headcounts
	// Held: the meeting was over when the digest was made; its free places mean nothing.
	Held bool
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
	Confirmed bool // checked and confirmed by the staff; only these count toward the go-ahead
}

// DigestUnsigned is an invitee without a confirmed agreement, with where it stands.
type DigestUnsigned struct {
	Invitee   campaign.Invitee
	Status    campaign.Status
	Meeting   *campaign.Meeting // the meeting it is registered for, nil when none
	Agreement campaign.AgreementStatus
	// Undeliverable: mail to the invitee's address bounces for good.
	Undeliverable bool
}

// DigestProgress counts the agreements against the go-ahead threshold: the project goes ahead
// when Threshold of the invitees, or invitees with Threshold of the population, have joined
// with an agreement the staff has confirmed. Agreements returned but not checked are counted
// apart (Unchecked) and never toward the threshold.
type DigestProgress struct {
	Confirmed           int   // invitees whose agreement the staff has confirmed
	ConfirmedPopulation int64 // their population
	Unchecked           int   // invitees whose agreement has come back but is not checked
	UncheckedPopulation int64 // their population
	Invitees            int   // all invitees
	Population          int64 // the population of all invitees
	Threshold           float64
}

// InviteeShare is the share (0..1) of the invitees with a confirmed agreement.
func (p DigestProgress) InviteeShare() float64 {
	if p.Invitees == 0 {
		return 0
	}
	return float64(p.Confirmed) / float64(p.Invitees)
}

// PopulationShare is the share (0..1) of the population whose municipality has a confirmed
// agreement.
func (p DigestProgress) PopulationShare() float64 {
	if p.Population == 0 {
		return 0
	}
	return float64(p.ConfirmedPopulation) / float64(p.Population)
}

// Reached reports whether the confirmed agreements reach the threshold by either share.
func (p DigestProgress) Reached() bool { return p.reached(p.Confirmed, p.ConfirmedPopulation) }

// ReachedIfChecked reports whether confirming every unchecked agreement would reach it.
func (p DigestProgress) ReachedIfChecked() bool {
	return p.reached(p.Confirmed+p.Unchecked, p.ConfirmedPopulation+p.UncheckedPopulation)
}

func (p DigestProgress) reached(n int, pop int64) bool {
	c := campaign.Campaign{GoAhead: p.Threshold}
	return c.GoAheadReached(n, pop, p.Invitees, p.Population)
}

// NeededInvitees is how many more confirmed agreements reach the threshold by the share of
// invitees (0 once the threshold is reached either way).
func (p DigestProgress) NeededInvitees() int {
	if p.Reached() {
		return 0
	}
	return int(campaign.Needed(p.Threshold, int64(p.Confirmed), int64(p.Invitees)))
}

// NeededPopulation is how many more inhabitants with confirmed agreements reach the threshold
// by the share of population (0 once the threshold is reached either way).
func (p DigestProgress) NeededPopulation() int64 {
	if p.Reached() {
		return 0
	}
	return campaign.Needed(p.Threshold, p.ConfirmedPopulation, p.Population)
}

// MinimumInvitees is how many invitees the threshold asks for by their share (49 of 98).
func (p DigestProgress) MinimumInvitees() int {
	return int(campaign.Needed(p.Threshold, 0, int64(p.Invitees)))
}

// DaysOpen is how many whole days a review item has been open when the digest is made.
func (d *DigestData) DaysOpen(it ReviewItem) int {
	if it.Received.IsZero() || !d.Date.After(it.Received) {
		return 0
	}
	return int(d.Date.Sub(it.Received) / (24 * time.Hour))
}

// OldestToCheck is how many days the oldest routine item has been open (0 for none).
func (d *DigestData) OldestToCheck() int {
	if len(d.ToCheck) == 0 {
		return 0
	}
	return d.DaysOpen(d.ToCheck[0])
}

// Confirmed lists the confirmed agreements; Unchecked those returned but not checked.
func (d *DigestData) Confirmed() []DigestAgreement { return d.agreementsWhere(true) }

// Unchecked lists the agreements returned but not checked yet.
func (d *DigestData) Unchecked() []DigestAgreement { return d.agreementsWhere(false) }

func (d *DigestData) agreementsWhere(confirmed bool) []DigestAgreement {
	var out []DigestAgreement
	for _, a := range d.Agreements {
		if a.Confirmed == confirmed {
			out = append(out, a)
		}
	}
	return out
}

// SetNotSigned lists the first limit of rows, which come largest population first, counts
// the rest in NotSignedMore and NotSignedMorePopulation, and sets Enough against the
// population the go-ahead still needs: Progress must be filled in before.
func (d *DigestData) SetNotSigned(rows []DigestUnsigned, limit int) {
	if len(rows) > limit {
		for _, u := range rows[limit:] {
			d.NotSignedMore++
			d.NotSignedMorePopulation += int64(u.Invitee.Population)
		}
		rows = rows[:limit:limit]
	}
	d.NotSigned = rows
	d.Enough = enough(rows, d.Progress.NeededPopulation())
}

// enough is how many of the first on list together have need inhabitants; 0 when need is
// nothing or the list does not have them.
func enough(list []DigestUnsigned, need int64) int {
	if need <= 0 {
		return 0
	}
	var sum int64
	for i, u := range list {
		sum += int64(u.Invitee.Population)
		if sum >= need {
			return i + 1
		}
	}
	return 0
}

// NotSignedCount is how many invitees have no confirmed agreement, listed or not.
func (d *DigestData) NotSignedCount() int { return len(d.NotSigned) + d.NotSignedMore }

// HeldAll reports whether every meeting has been held.
func (d *DigestData) HeldAll() bool {
	for _, m := range d.Meetings {
		if !m.Held {
			return false
		}
	}
	return len(d.Meetings) > 0
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
