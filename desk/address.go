package desk

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/store"
)

// The change of an invitee's address ("Ny adresse"): on a bounce item, and on the invitee's
// page. Both go through the engine's ChangeAddress, as `rsvpd address` does: the change is
// logged with the staff address, what did not arrive goes to the new address, and the
// bounce items close.

// reviewAddress changes the address of a bounce item's invitee and goes back to the items,
// saying what it did.
func (s *Server) reviewAddress(w http.ResponseWriter, r *http.Request, v *visit) {
	id, ok := s.itemID(w, r)
	if !ok {
		return
	}
	var rv store.Review
	err := s.st.View(r.Context(), func(tx *store.Tx) (err error) { rv, err = tx.Review(id); return err })
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	// A settled item is changed all the same: the form sent again finds the address changed
	// and does nothing, and one from before someone else's change is refused as such.
	if !daemon.BounceItem(rv) {
		s.renderReviews(w, r, v, http.StatusBadRequest, reviewErr{Text: s.t("err_resolve"), Item: id})
		return
	}
	if msg := s.changeAddress(r, v, rv.Invitee); msg != "" {
		s.renderReviews(w, r, v, http.StatusBadRequest, reviewErr{Text: msg, Item: id, Field: "address", Form: r.PostForm})
		return
	}
	s.backToReviews(w, r, id, "")
}

// inviteeAddress changes an invitee's address from its page and shows the page again.
func (s *Server) inviteeAddress(w http.ResponseWriter, r *http.Request, v *visit) {
	code := r.PathValue("code")
	if _, ok := s.c.Invitee(code); !ok {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	if msg := s.changeAddress(r, v, code); msg != "" {
		s.renderInvitee(w, r, v, code, http.StatusBadRequest, inviteeForm{Error: msg, Address: r.PostFormValue("address")})
		return
	}
	http.Redirect(w, r, "/invitees/"+url.PathEscape(code)+"?readdressed=1#address", http.StatusSeeOther)
}

// changeAddress makes the change a form asks for, and says in words why it was not made ("" when
// it was).
func (s *Server) changeAddress(r *http.Request, v *visit, code string) string {
	ch := daemon.AddressChange{Address: r.PostFormValue("address"), Was: r.PostFormValue("was"), By: v.Staff}
	res, err := s.e.ChangeAddress(r.Context(), code, ch)
	if err != nil {
		s.log.Warn("desk: change of address", "invitee", code, "staff", v.Staff, "err", err)
		return s.addressError(err)
	}
	if !res.Unchanged {
		s.log.Info("desk: address changed", "invitee", code, "staff", v.Staff, "seq", res.Seq, "resent", len(res.Resent))
	}
	return ""
}

// addressError says in the campaign's language why an address was not taken.
func (s *Server) addressError(err error) string {
	var bad *campaign.AddressError
	var taken *daemon.AddressTakenError
	var moved *daemon.AddressMovedError
	switch {
	case errors.As(err, &bad):
		return s.t("err_addr_"+string(bad.Problem), bad.Input)
	case errors.As(err, &taken):
		name := taken.Invitee
		if inv, ok := s.c.Invitee(taken.Invitee); ok {
			name = inv.Name
		}
		return s.t("err_addr_taken", taken.Address, name)
	case errors.As(err, &moved):
		return s.t("err_addr_moved", moved.Now)
	case errors.Is(err, daemon.ErrAddressBounces):
		return s.t("err_addr_bounces")
	case errors.Is(err, daemon.ErrOwnAddress):
		return s.t("err_addr_own")
	}
	return s.t("err_addr")
}

// resendWords says what a change of address would send again now, in words ("" for
// nothing): "invitationen og tilslutningsaftalen".
func (s *Server) resendWords(st campaign.State, now time.Time) string {
	_, eff := campaign.Readdress(s.c, st, "", now)
	names := make([]string, len(eff))
	for i, e := range eff {
		names[i] = s.t("done_letter_" + string(e.Kind))
	}
	return s.f().and(names)
}

// addressWords says what a change of address did: to what, and the letters it sent again
// (the outbox rows with its cause). cause is the change's ("staff:address/540/1").
func (s *Server) addressWords(tx *store.Tx, inv campaign.Invitee, change store.Event) (string, error) {
	mine, err := outboxOf(tx, inv.Code, change.Cause)
	if err != nil {
		return "", err
	}
	to, _ := change.Detail["to"].(string)
	return s.t("done_address", inv.Name, to) + " " + s.lettersWords(mine), nil
}

// readdressed is the notice after a change of address on the invitee's page: its latest.
func (s *Server) readdressed(tx *store.Tx, code string) (string, error) {
	changes, err := tx.Events(store.EventFilter{Invitee: code, Kind: "address"})
	inv, ok := s.c.Invitee(code)
	if err != nil || len(changes) == 0 || !ok {
		return "", err
	}
	return s.addressWords(tx, inv, changes[len(changes)-1])
}

// outboxOf lists the outbox rows of invitee code that cause queued: the letters one action sent.
func outboxOf(tx *store.Tx, code, cause string) ([]store.Outgoing, error) {
	rows, err := tx.OutboxRows(store.OutboxFilter{Invitee: code})
	if err != nil {
		return nil, err
	}
	var mine []store.Outgoing
	for _, o := range rows {
		if o.Cause == cause {
			mine = append(mine, o)
		}
	}
	return mine, nil
}
