package desk

import (
	"cmp"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// outcome says in words what settling (or answering) item id did, read back from the store
// rather than from the form: whether the item is settled, what the decision made of the
// invitee, and which letters it queued to whom and whether they are sent yet. code names the
// invitee when the item names none (an unknown sender the staff recognised). The staff sees
// what happened, not only that something did: "Sag 21 er afgjort. Næstved er tilmeldt mødet i
// Vejle med 2 deltagere. Bekræftelsen sendes til …".
func (s *Server) outcome(tx *store.Tx, id int64, code string) (string, error) {
	rv, err := tx.Review(id)
	if err != nil {
		return "", err
	}
	var parts []string
	if rv.ResolvedAt.IsZero() {
		parts = append(parts, s.t("done_open", id))
	} else {
		parts = append(parts, s.t("rv_done", id))
	}
	inv, ok := s.c.Invitee(cmp.Or(rv.Invitee, code))
	if !ok {
		return strings.Join(parts, " "), nil
	}
	cause := fmt.Sprintf("staff:review/%d", id)
	events, err := tx.Events(store.EventFilter{Invitee: inv.Code})
	if err != nil {
		return "", err
	}
	if change, ok := closedByAddress(events, id); ok {
		w, err := s.addressWords(tx, inv, change)
		return strings.Join(append(parts, w), " "), err
	}
	changed := false
	for _, e := range events {
		if e.Cause == cause && e.Kind == "answer" {
			parts, changed = append(parts, s.stateWords(inv, e.Detail)), true
		}
	}
	if !changed && strings.HasPrefix(rv.Resolution, "ignored") {
		parts = append(parts, s.t("done_closed"))
	}
	mine, err := outboxOf(tx, inv.Code, cause)
	if err != nil {
		return "", err
	}
	return strings.Join(append(parts, s.lettersWords(mine)), " "), nil
}

// closedByAddress is the change of address that closed item id (a bounce item's "Ny
// adresse"), found among the invitee's events; false when none did.
func closedByAddress(events []store.Event, id int64) (store.Event, bool) {
	for _, e := range events {
		if e.Kind != "resolved" || int64(intOf(e.Detail["review"])) != id || !strings.HasPrefix(e.Cause, "staff:address/") {
			continue
		}
		for _, c := range events {
			if c.Kind == "address" && c.Cause == e.Cause {
				return c, true
			}
		}
	}
	return store.Event{}, false
}

// stateWords says what a decision's answer event left the invitee as.
func (s *Server) stateWords(inv campaign.Invitee, detail map[string]any) string {
	str := func(k string) string { v, _ := detail[k].(string); return v }
	switch campaign.Status(str("after")) {
	case campaign.StatusAttending:
		return s.t("done_attending", inv.Name, s.meetingCity(str("registered")), s.people(intOf(detail["people"])))
	case campaign.StatusDeclined:
		return s.t("done_declined", inv.Name)
	}
	return s.t("done_state", inv.Name, s.t("st_"+str("after")))
}

// lettersWords says which letters were queued, to whom, and whether they are sent yet: "Den
// ændrede tilmelding og aflysningen af den tidligere kalenderaftale sendes til …".
func (s *Server) lettersWords(rows []store.Outgoing) string {
	var names, copies []string
	to, sent := "", true
	for _, o := range rows {
		if strings.HasSuffix(o.Key, "/copy") {
			copies = append(copies, o.Recipient)
			continue
		}
		name := s.t("done_letter_" + o.Kind)
		if strings.HasPrefix(name, "done_letter_") {
			name = strings.ToLower(s.t("letter_" + o.Kind))
		}
		names, to = append(names, name), cmp.Or(to, o.Recipient)
		sent = sent && o.Status == store.OutboxSent
	}
	if len(names) == 0 {
		return s.t("done_no_mail")
	}
	key := "done_sending"
	if sent {
		key = "done_sent"
	}
	out := s.t(key, upperFirst(s.f().and(names)), to)
	if len(copies) > 0 {
		out += " " + s.t("done_copy", s.f().and(copies))
	}
	return out
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
