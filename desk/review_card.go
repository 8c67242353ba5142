package desk

import (
	"cmp"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// attendPrefill is what the form to register an invitee from a review item starts with: the
// meeting and the number of people rsvpd read in the message or suggests. Where it read none
// the field starts empty and the form asks for it: the first meeting or one person is never
// chosen for the staff.
type attendPrefill struct {
	Meeting string // a meeting id not held yet, "" when none was read
	People  int    // 0 when no number was read
}

// prefill is what rsvpd read or suggests for registering the item's invitee: the suggested
// answer first, then the meeting and people its reason names, then its reading's.
func (s *Server) prefill(rv store.Review, now time.Time) attendPrefill {
	var p attendPrefill
	if a := rv.Suggestion; a != nil && (a.Intent == "attend" || a.PartStat == "ACCEPTED" || a.PartStat == "TENTATIVE") {
		p.Meeting, p.People = cmp.Or(a.Meeting, a.CalMeeting), a.Headcount
	}
	for _, r := range []*campaign.Reason{&rv.Why, rv.Why.Reading} {
		if r == nil {
			continue
		}
		m, n := wantedMeeting(*r)
		p.Meeting, p.People = cmp.Or(p.Meeting, m), cmp.Or(p.People, n)
	}
	if m, ok := s.c.Meeting(p.Meeting); !ok || !now.Before(m.Start) {
		p.Meeting = ""
	}
	if !headcountOK(p.People) {
		p.People = 0
	}
	return p
}

// wantedMeeting is the meeting a reason says the invitee wants to come to, and how many: ""
// and 0 for a reason that names none (a decline, a meeting held already, several meetings).
func wantedMeeting(r campaign.Reason) (string, int) {
	switch r.Code {
	case campaign.ReasonAboveWelcome, campaign.ReasonCalendarTentative, campaign.ReadAttends, campaign.ReadChanges:
	case campaign.ReadCalendarAnswer:
		if r.PartStat == "DECLINED" {
			return "", 0
		}
	case campaign.ReadUndecided:
		if len(r.Alternatives) == 1 {
			return r.Alternatives[0], r.People
		}
		return "", r.People
	default:
		return "", 0
	}
	if r.Meeting == "*" {
		return "", r.People
	}
	return r.Meeting, r.People
}

// ownText is what the sender newly wrote in a message's text (replies.Trim: without the
// quoted message and the signature), "" when that is the whole text or nothing: the page
// shows it and the whole text behind a click.
func ownText(text string) string {
	own := replies.Trim(text)
	if own == "" || own == strings.TrimSpace(text) {
		return ""
	}
	return own
}

// newerReply is a reply of an invitee's that came after the message a review item is about,
// and was applied or held: the item's premise may have changed.
type newerReply struct {
	Inbound int64 // the message
	From    string
	At      time.Time
	Held    bool // held for review, not applied
	// After is the invitee's state the reply left ("" for a held one), Meeting and People
	// its registration.
	After   campaign.Status
	Meeting string
	People  int
	Review  int64 // the open item about the reply, 0 when none
	Code    string
}

// Link is where the newer reply is: its open item, else the invitee's story.
func (n *newerReply) Link() string {
	if n.Review != 0 {
		return "/reviews?invitee=" + n.Code + "#r" + strconv.FormatInt(n.Review, 10)
	}
	return "/invitees/" + n.Code + "#m" + strconv.FormatInt(n.Inbound, 10)
}

// canBeOvertaken says whether an item is about an answer in a message, which a later answer
// of the same invitee may change: not a question, an agreement, a bounce or a letter.
func canBeOvertaken(rv store.Review) bool {
	if rv.Inbound == 0 || rv.Invitee == "" || rv.Why.IsZero() {
		return false
	}
	switch kindOf(rv.Why.Code) {
	case "answer", "held", "sender":
		return true
	}
	return false
}

// markOvertaken gives each row whose item a later answer may have changed the latest reply of
// its invitee's applied or held after the item's message, reading each invitee's events once.
func (s *Server) markOvertaken(tx *store.Tx, rows []reviewRow) error {
	answers := map[string][]newerReply{}
	for i := range rows {
		rv := rows[i].R
		if !canBeOvertaken(rv) {
			continue
		}
		list, ok := answers[rv.Invitee]
		if !ok {
			var err error
			if list, err = answersOf(tx, rv.Invitee); err != nil {
				return err
			}
			answers[rv.Invitee] = list
		}
		var newest *newerReply
		for j := range list {
			if list[j].Inbound > rv.Inbound && (newest == nil || list[j].Inbound > newest.Inbound) {
				newest = &list[j]
			}
		}
		if newest == nil {
			continue
		}
		n := *newest
		items, err := tx.ReviewsOfInbound(n.Inbound)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.ResolvedAt.IsZero() && it.Invitee == rv.Invitee {
				n.Review = it.ID
				break
			}
		}
		rows[i].Newer = &n
	}
	return nil
}

// answersOf lists the replies of an invitee's that gave an answer, applied (an attendance or a
// decline, in words or in a calendar) or held for review, from its events.
func answersOf(tx *store.Tx, code string) ([]newerReply, error) {
	events, err := tx.Events(store.EventFilter{Invitee: code})
	if err != nil {
		return nil, err
	}
	var out []newerReply
	for _, e := range events {
		id, ok := strings.CutPrefix(e.Cause, "inbound:")
		inbound, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil || (e.Kind != "answer" && e.Kind != "held") {
			continue
		}
		str := func(k string) string { v, _ := e.Detail[k].(string); return v }
		n := newerReply{Inbound: inbound, From: str("from"), At: e.At, Held: e.Kind == "held", Code: code}
		if !n.Held {
			switch {
			case str("intent") == "attend", str("intent") == "decline":
			case str("partstat") == "ACCEPTED", str("partstat") == "DECLINED", str("partstat") == "TENTATIVE":
			default:
				continue // an out-of-office, a question, the agreement: no answer to the invitation
			}
			n.After, n.Meeting, n.People = campaign.Status(str("after")), str("registered"), intOf(e.Detail["people"])
		}
		out = append(out, n)
	}
	return out, nil
}

// overtaken reads one open item and the latest reply that came after its message and was
// applied or held (nil when none), as the page shows it.
func (s *Server) overtaken(ctx context.Context, id int64) (store.Review, *newerReply, error) {
	var row reviewRow
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		if row.R, err = tx.Review(id); err != nil {
			return err
		}
		rows := []reviewRow{row}
		err = s.markOvertaken(tx, rows)
		row = rows[0]
		return err
	})
	return row.R, row.Newer, err
}
