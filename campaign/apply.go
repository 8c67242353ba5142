package campaign

import (
	"maps"
	"slices"
	"time"
)

// Answer is what one message (or a staff decision) says, as far as the campaign is concerned.
// The shell builds it from the reading of a message; Apply decides what it changes.
type Answer struct {
	Class      string   `json:"class"`            // human, calendar, auto_reply, bounce, staff
	Intent     string   `json:"intent,omitempty"` // attend, decline, question, agreement, unclear, none
	Meeting    string   `json:"meeting,omitempty"`
	Headcount  int      `json:"headcount,omitempty"` // people coming, 0 when not stated
	Companions []string `json:"companions,omitempty"`
	// Calendar answers: the participation status and the meeting whose entry it answers.
	PartStat   string `json:"partstat,omitempty"`
	CalMeeting string `json:"cal_meeting,omitempty"`
	CalMethod  string `json:"cal_method,omitempty"`
	Permanent  bool   `json:"permanent,omitempty"`  // a bounce that will not go away
	AwayUntil  string `json:"away_until,omitempty"` // an out-of-office's return date, YYYY-MM-DD
	// NeedsReview asks for a person besides applying the answer.
	NeedsReview bool `json:"needs_review,omitempty"`
	// PDF is the PDF the message carries, as the reader checked it; nil when it carries none.
	// Only a valid one returns the agreement.
	PDF *AgreementPDF `json:"pdf,omitempty"`
	// Asks: the text asks a question besides its answer (the answer gets a holding reply).
	Asks bool `json:"asks,omitempty"`
	// Why is the reading's reason (empty for a staff decision).
	Why Reason `json:"why,omitzero"`
}

// EffectKind is what a change asks the shell to do.
type EffectKind string

const (
	EffectConfirm EffectKind = "confirmation" // registered: confirmation with a calendar REQUEST
	EffectChange  EffectKind = "change"       // meeting or headcount changed: REQUEST for the meeting
	// EffectCalendarCancel follows a change of meeting: the old meeting's CANCEL, in a message
	// of its own, since clients act on one calendar part per message.
	EffectCalendarCancel EffectKind = "calendar_cancel"
	EffectDeclineAck     EffectKind = "decline_ack" // declined before registering: acknowledgement
	EffectCancelAck      EffectKind = "cancel_ack"  // cancelled a registration: acknowledgement with a CANCEL
	EffectReview         EffectKind = "review"      // a person on the staff must look

	// Receipts and holding answers: each answers the invitee's message at once.
	EffectAgreementReceipt   EffectKind = "agreement_receipt"    // the signed agreement came as a PDF: the staff will check it
	EffectAgreementPDFNeeded EffectKind = "agreement_pdf_needed" // words (or a file that is no PDF) without the signed PDF
	EffectQuestionAck        EffectKind = "question_ack"         // a question: received, we will answer

	// Letters sent again to a new address (Readdress): those of the schedule.
	EffectInvitation      EffectKind = "invitation" // the invitation
	EffectAgreementLetter EffectKind = "agreement"  // the agreement letter with the PDF
)

// Effect is one consequence of an answer.
type Effect struct {
	Kind       EffectKind
	Meeting    string // the meeting the letter is about
	OldMeeting string // for a change of meeting: the one to cancel
	Headcount  int
	Sequence   int // the iCalendar SEQUENCE the letter's calendar parts carry
	Reason     Reason
	// InCalendar: the answer was a calendar Accept of the meeting's own entry, so the
	// invitee's calendar holds it, accepted, already. The letter sends no REQUEST for it: a
	// REQUEST asks for an answer, and Outlook asks the director again (see package calendar).
	InCalendar bool
	// File is the name of the file a receipt or a request for the PDF is about ("" for none);
	// FileProblem why it does not return the agreement (PDFNotPDF, PDFDamaged, PDFUnchanged).
	File, FileProblem string
}

// Apply is the RSVP state machine: it returns the invitee's new state and what the shell must
// do, for an answer received at now. It never reads the clock and never does I/O.
func Apply(c *Campaign, st State, a Answer, now time.Time) (State, []Effect) {
	next := st
	next.Companions = slices.Clone(st.Companions)
	next.PartStats = maps.Clone(st.PartStats)
	var eff []Effect
	switch a.Class {
	case "bounce":
		eff = applyBounce(&next, a)
	case "auto_reply":
		if a.AwayUntil != "" {
			next.AwayUntil = a.AwayUntil
		}
	case "calendar":
		eff = applyCalendar(c, &next, a, now)
	default: // human or staff
		eff = applyHuman(c, &next, a, now)
	}
	if a.Class == "human" || a.Class == "calendar" {
		next.AwayUntil = "" // someone is at the desk: the out-of-office is over
	}
	if a.NeedsReview && !hasReview(eff) {
		eff = append(eff, Effect{Kind: EffectReview, Reason: Reason{Code: ReasonReadingCheck}.Because(a.Why)})
	}
	if !st.Same(next) {
		next.UpdatedAt = now
		if next.Status.Answered() && !st.Status.Answered() {
			next.AnsweredAt = now
		}
	}
	return next, eff
}

func applyBounce(st *State, a Answer) []Effect {
	if !a.Permanent {
		return nil // a temporary failure: the server keeps trying, nothing to change yet
	}
	st.Delivery = DeliveryUndeliverable
	return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonBounced, Addresses: a.Why.Addresses,
		Status: a.Why.Status, Detail: a.Why.Detail}}}
}

func applyCalendar(c *Campaign, st *State, a Answer, now time.Time) []Effect {
	if a.CalMethod != "" && a.CalMethod != "REPLY" {
		return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonCalendarNotReply, Method: a.CalMethod}}}
	}
	meeting := a.CalMeeting
	if meeting == "" {
		meeting = a.Meeting
	}
	if _, ok := c.Meeting(meeting); !ok {
		return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonCalendarNoMeeting}}}
	}
	if st.PartStats == nil {
		st.PartStats = map[string]string{}
	}
	st.PartStats[meeting] = a.PartStat
	switch a.PartStat {
	case "ACCEPTED":
		if st.Status == StatusAttending && st.Meeting == meeting {
			return nil // accepting the entry we sent: it is already confirmed
		}
		n := st.Headcount
		if n < 1 || st.Status != StatusAttending {
			n = 1
		}
		return attendFrom(c, st, meeting, n, nil, now, true)
	case "DECLINED":
		if st.Status == StatusAttending && st.Meeting == meeting {
			return cancel(c, st, now)
		}
		if st.Status == StatusAttending || st.Status == StatusDeclined {
			return nil // declining another meeting's entry while registered for one: nothing changes
		}
		for _, m := range c.Meetings {
			if st.PartStats[m.ID] != "DECLINED" {
				return nil // still free to accept another meeting
			}
		}
		return decline(st)
	case "TENTATIVE":
		return []Effect{{Kind: EffectReview, Meeting: meeting, Reason: Reason{Code: ReasonCalendarTentative, Meeting: meeting}}}
	}
	return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonCalendarPartStat, PartStat: a.PartStat}}}
}

// applyHuman applies a person's answer (or a staff decision). A valid PDF returns the
// agreement whatever else the message says ("we come two to Vejle; the signed agreement is
// attached"), except beside a no; a question besides the answer gets one holding reply.
func applyHuman(c *Campaign, st *State, a Answer, now time.Time) []Effect {
	eff := applyIntent(c, st, a, now)
	if a.Intent != "agreement" && a.Intent != "decline" && a.PDF.ReturnsAgreement() {
		eff = append(eff, returnAgreement(st, a)...)
	}
	if a.Asks && a.Intent != "question" {
		eff = append(eff, Effect{Kind: EffectQuestionAck})
	}
	return eff
}

func applyIntent(c *Campaign, st *State, a Answer, now time.Time) []Effect {
	switch a.Intent {
	case "attend":
		meeting := a.Meeting
		if meeting == "" && st.Status == StatusAttending {
			meeting = st.Meeting // "we will only be one after all": same meeting, new headcount
		}
		if meeting == "" {
			markUnclear(st)
			return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonNoMeetingNamed}.Because(a.Why)}}
		}
		n := a.Headcount
		if n < 1 {
			n = max(1, st.Headcount)
		}
		return attend(c, st, meeting, n, a.Companions, now)
	case "decline":
		if st.Status == StatusAttending {
			return cancel(c, st, now)
		}
		if st.Status == StatusDeclined {
			return nil
		}
		return decline(st)
	case "agreement":
		return returnAgreement(st, a)
	case "question":
		return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonQuestion}.Because(a.Why)}, {Kind: EffectQuestionAck}}
	case "unclear":
		markUnclear(st)
		if a.Why.Code == ReadUndecided {
			if a.Why.Flag && !a.NeedsReview {
				return nil // not decided yet, and says it will answer: no one has to act
			}
			return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonReadingCheck}.Because(a.Why)}} // ask which
		}
		return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonAnswerUnreadable}.Because(a.Why)}}
	}
	return nil // "none": nothing to act on
}

// attend registers the invitee for a meeting, or changes its registration.
func attend(c *Campaign, st *State, meeting string, headcount int, companions []string, now time.Time) []Effect {
	return attendFrom(c, st, meeting, headcount, companions, now, false)
}

// attendFrom is attend; inCalendar says the answer was a calendar Accept of the meeting's
// entry. SEQUENCE is raised only for a calendar object that is sent: not for an entry the
// invitee's calendar already holds, but for the CANCEL of the old meeting's entry on a change.
func attendFrom(c *Campaign, st *State, meeting string, headcount int, companions []string, now time.Time, inCalendar bool) []Effect {
	m, ok := c.Meeting(meeting)
	if !ok {
		markUnclear(st)
		return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonUnknownMeeting, Quote: meeting}}}
	}
	if !now.Before(m.Start) {
		return []Effect{{Kind: EffectReview, Meeting: meeting, Reason: Reason{Code: ReasonMeetingPast, Meeting: meeting}}}
	}
	var eff []Effect
	wasAttending, old := st.Status == StatusAttending, st.Meeting
	if wasAttending && old == meeting && headcount == st.Headcount && companions == nil {
		return nil // the same answer again
	}
	if wasAttending && old != meeting {
		if om, ok := c.Meeting(old); ok && !now.Before(om.Start) {
			return []Effect{{Kind: EffectReview, Meeting: meeting, Reason: Reason{Code: ReasonChangeFromPast, OldMeeting: old, Meeting: meeting}}}
		}
	}
	st.Status, st.Meeting, st.Headcount = StatusAttending, meeting, headcount
	if companions != nil {
		st.Companions = companions
	}
	if !inCalendar || (wasAttending && old != meeting) {
		st.Sequence++
	}
	switch {
	case !wasAttending:
		eff = append(eff, Effect{Kind: EffectConfirm, Meeting: meeting, Headcount: headcount, Sequence: st.Sequence, InCalendar: inCalendar})
	case old != meeting:
		eff = append(eff, Effect{Kind: EffectChange, Meeting: meeting, OldMeeting: old, Headcount: headcount, Sequence: st.Sequence, InCalendar: inCalendar},
			Effect{Kind: EffectCalendarCancel, Meeting: meeting, OldMeeting: old, Headcount: headcount, Sequence: st.Sequence})
	default:
		eff = append(eff, Effect{Kind: EffectChange, Meeting: meeting, Headcount: headcount, Sequence: st.Sequence, InCalendar: inCalendar})
	}
	if headcount > c.Companions.MaxHeadcount() {
		eff = append(eff, Effect{Kind: EffectReview, Meeting: meeting,
			Reason: Reason{Code: ReasonAboveWelcome, Meeting: meeting, People: headcount, Welcome: c.Companions.MaxHeadcount()}})
	}
	return eff
}

// cancel withdraws a registration.
func cancel(c *Campaign, st *State, now time.Time) []Effect {
	m, _ := c.Meeting(st.Meeting)
	if !now.Before(m.Start) {
		return []Effect{{Kind: EffectReview, Meeting: st.Meeting, Reason: Reason{Code: ReasonCancelPast, Meeting: st.Meeting}}}
	}
	old := st.Meeting
	st.Status, st.Meeting, st.Headcount, st.Companions = StatusDeclined, "", 0, nil
	st.Sequence++
	return []Effect{{Kind: EffectCancelAck, Meeting: old, Sequence: st.Sequence}}
}

func decline(st *State) []Effect {
	st.Status, st.Meeting, st.Headcount, st.Companions = StatusDeclined, "", 0, nil
	return []Effect{{Kind: EffectDeclineAck}}
}

// markUnclear records an answer staff must interpret, without undoing a registration.
func markUnclear(st *State) {
	if st.Status != StatusAttending && st.Status != StatusDeclined {
		st.Status = StatusUnclear
	}
}

func hasReview(eff []Effect) bool {
	for _, e := range eff {
		if e.Kind == EffectReview {
			return true
		}
	}
	return false
}

// Same reports whether two states say the same, whatever their timestamps.
func (a State) Same(b State) bool {
	return a.Status == b.Status && a.Meeting == b.Meeting && a.Headcount == b.Headcount &&
		slices.Equal(a.Companions, b.Companions) && a.Agreement == b.Agreement && a.Delivery == b.Delivery &&
		a.AgreementSigned == b.AgreementSigned && a.ReturnedSHA256 == b.ReturnedSHA256 &&
		a.AwayUntil == b.AwayUntil && a.Sequence == b.Sequence && maps.Equal(a.PartStats, b.PartStats) &&
		a.Email == b.Email
}
