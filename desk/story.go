package desk

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// item is one line of an invitee's story.
type item struct {
	At   time.Time
	Kind string // in, out, event, review
	// For a message in: what it said and how it was read.
	Msg     *shownMessage
	Inbound store.Inbound
	Reading string // why it was read as it was, in words
	Class   string
	// For a message out: the outbox row, and the letter as sent (or composed again), with
	// what the desk says about where its text comes from; LetterErr when it cannot be shown.
	Out       store.Outgoing
	Letter    daemon.ShownLetter
	Note      note
	LetterErr bool
	// For an event: what happened, in words.
	Event store.Event
	Text  string
	// For a review item.
	Review     store.Review
	Why        string
	Resolution string
}

func (s *Server) invitee(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderInvitee(w, r, v, r.PathValue("code"), http.StatusOK, inviteeForm{})
}

// inviteeForm is what the page's form of a new address shows again after a refusal.
type inviteeForm struct {
	Error   string // why the address was not taken
	Address string // as typed
}

// renderInvitee writes an invitee's page: the notice of a change of address when the query
// asks (readdressed), the form of a new address as form holds it.
func (s *Server) renderInvitee(w http.ResponseWriter, r *http.Request, v *visit, code string, status int, form inviteeForm) {
	inv, ok := s.c.Invitee(code)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	var sy story
	var open int
	var done string
	err := s.st.View(r.Context(), func(tx *store.Tx) (err error) {
		if sy, err = s.storyOf(tx, code); err != nil {
			return err
		}
		if open, err = tx.OpenReviewCount(); err != nil || r.URL.Query().Get("readdressed") == "" {
			return err
		}
		done, err = s.readdressed(tx, code)
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if sy.st.Email != "" {
		inv.Email = sy.st.Email // the store's, should this process not have read it yet
	}
	// The letters are composed outside the read transaction: a staff letter reads the store
	// in one of its own.
	for i := range sy.items {
		it := &sy.items[i]
		if it.Kind != "out" {
			continue
		}
		l, err := s.e.SentLetter(r.Context(), it.Out)
		if err != nil {
			s.log.Warn("desk: show a letter", "key", it.Out.Key, "err", err)
			it.LetterErr = true
			continue
		}
		it.Letter, it.Note = l, s.letterNote(l.Source)
	}
	slices.SortStableFunc(sy.items, func(a, b item) int { return a.At.Compare(b.At) })
	s.render(w, r, status, "invitee", v, open, map[string]any{"Inv": inv, "St": sy.st, "Items": sy.items,
		"Waiting": sy.waiting, "Open": sy.open, "Price": s.c.PriceOf(inv), "Form": form, "Readdressed": done,
		"Resend": s.resendWords(sy.st, s.e.Now())})
}

func (s *Server) inboundItem(in store.Inbound) item {
	m := parseMessage(in.Raw)
	it := item{At: in.ReceivedAt, Kind: "in", Msg: &m, Inbound: in}
	var rd replies.Reading
	if in.Reading != "" && json.Unmarshal([]byte(in.Reading), &rd) == nil {
		it.Class = string(rd.Class)
		if rd.Answer != nil && !rd.Answer.Why.IsZero() {
			it.Reading = s.e.ReasonText(rd.Answer.Why)
		}
	}
	in.Raw = nil
	it.Inbound = in
	return it
}

// inboundOf returns the ledger id of an "inbound:42" cause.
func inboundOf(cause string) (int64, bool) {
	rest, ok := strings.CutPrefix(cause, "inbound:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// reviewText is a review item's reason in the campaign's language.
func (s *Server) reviewText(rv store.Review) string {
	if !rv.Why.IsZero() {
		return s.e.ReasonText(rv.Why)
	}
	return rv.Text
}

func (s *Server) meetingCity(id string) string {
	if m, ok := s.c.Meeting(id); ok {
		return m.City
	}
	return id
}

// story is everything that happened with one invitee, unsorted.
type story struct {
	st      campaign.State
	items   []item
	waiting []store.Outgoing
	open    []store.Review
}

// storyOf reads an invitee's story: the events, every message in (named by the events'
// causes and the review items) and out, and the review items.
func (s *Server) storyOf(tx *store.Tx, code string) (story, error) {
	sy := story{st: campaign.NewState(code)}
	if st, err := tx.State(code); err == nil {
		sy.st = st
	}
	events, err := tx.Events(store.EventFilter{Invitee: code})
	if err != nil {
		return sy, err
	}
	seen := map[int64]bool{}
	addInbound := func(id int64) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		in, err := tx.Inbound(id)
		if err == nil {
			sy.items = append(sy.items, s.inboundItem(in))
		}
		return err
	}
	var reg registration // what the invitee was registered for before each answer
	for _, e := range events {
		if id, ok := inboundOf(e.Cause); ok {
			if err := addInbound(id); err != nil {
				return sy, err
			}
		}
		switch e.Kind {
		case "queued", "sent", "review", "held":
			continue // shown with the message or the review item
		}
		sy.items = append(sy.items, item{At: e.At, Kind: "event", Event: e, Text: s.eventText(e, reg)})
		if e.Kind == "answer" {
			reg = registrationAfter(e)
		}
	}
	rows, err := tx.OutboxRows(store.OutboxFilter{Invitee: code})
	if err != nil {
		return sy, err
	}
	for _, o := range rows {
		at := o.CreatedAt
		if !o.SentAt.IsZero() {
			at = o.SentAt
		}
		sy.items = append(sy.items, item{At: at, Kind: "out", Out: o})
		if o.Status == store.OutboxPending {
			sy.waiting = append(sy.waiting, o)
		}
	}
	items, err := tx.ReviewsOf(code)
	if err != nil {
		return sy, err
	}
	for _, rv := range items {
		if rv.Inbound != 0 {
			if err := addInbound(rv.Inbound); err != nil {
				return sy, err
			}
		}
		sy.items = append(sy.items, item{At: rv.CreatedAt, Kind: "review", Review: rv, Why: s.reviewText(rv),
			Resolution: s.resolutionText(rv.Resolution)})
		if rv.ResolvedAt.IsZero() {
			sy.open = append(sy.open, rv)
		}
	}
	return sy, nil
}
