package desk

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	var rv store.Review
	err = s.st.View(r.Context(), func(tx *store.Tx) (err error) { rv, err = tx.Review(id); return err })
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	// A settled item is changed all the same: the form sent again finds the address changed
	// and does nothing, and one from before someone else's change is refused as such.
	if !daemon.BounceItem(rv) {
		s.renderReviews(w, r, v, http.StatusBadRequest, s.t("err_resolve"))
		return
	}
	if _, msg := s.changeAddress(r, v, rv.Invitee); msg != "" {
		s.renderReviewsWith(w, r, v, http.StatusBadRequest, msg, addressForm{Item: id, Input: r.PostFormValue("address")})
		return
	}
	view, _ := s.reviewsViewOf(r.URL.Query())
	http.Redirect(w, r, view.URL("readdressed", rv.Invitee), http.StatusSeeOther)
}

// inviteeAddress changes an invitee's address from its page and shows the page again.
func (s *Server) inviteeAddress(w http.ResponseWriter, r *http.Request, v *visit) {
	code := r.PathValue("code")
	if _, ok := s.c.Invitee(code); !ok {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	if _, msg := s.changeAddress(r, v, code); msg != "" {
		s.renderInvitee(w, r, v, code, http.StatusBadRequest, inviteeForm{Error: msg, Address: r.PostFormValue("address")})
		return
	}
	http.Redirect(w, r, "/invitees/"+url.PathEscape(code)+"?readdressed=1#address", http.StatusSeeOther)
}

// changeAddress makes the change a form asks for; msg says in words why it was not made.
func (s *Server) changeAddress(r *http.Request, v *visit, code string) (res daemon.AddressChanged, msg string) {
	ch := daemon.AddressChange{Address: r.PostFormValue("address"), Was: r.PostFormValue("was"), By: v.Staff}
	res, err := s.e.ChangeAddress(r.Context(), code, ch)
	if err != nil {
		s.log.Warn("desk: change of address", "invitee", code, "staff", v.Staff, "err", err)
		return res, s.addressError(err)
	}
	if !res.Unchanged {
		s.log.Info("desk: address changed", "invitee", code, "staff", v.Staff, "seq", res.Seq, "resent", len(res.Resent))
	}
	return res, ""
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
	kinds := make([]string, len(eff))
	for i, e := range eff {
		kinds[i] = string(e.Kind)
	}
	return s.lettersWords(kinds)
}

// lettersWords names letters by their kinds: "invitationen og tilslutningsaftalen".
func (s *Server) lettersWords(kinds []string) string {
	var words []string
	for _, k := range kinds {
		words = append(words, s.t("again_"+k))
	}
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + s.t("and") + " " + words[len(words)-1]
}

// readdressed is the notice after a change of address: the latest change of the invitee's,
// to what, and what it sent again.
func (s *Server) readdressed(tx *store.Tx, code string) (string, error) {
	changes, err := tx.Events(store.EventFilter{Invitee: code, Kind: "address"})
	if err != nil || len(changes) == 0 {
		return "", err
	}
	last := changes[len(changes)-1]
	to, _ := last.Detail["to"].(string)
	name := code
	if inv, ok := s.c.Invitee(code); ok {
		name = inv.Name
	}
	var kinds []string
	keys, _ := last.Detail["resent"].([]any)
	for _, k := range keys {
		if k, ok := k.(string); ok {
			kind, _, _ := strings.Cut(k, "/")
			kinds = append(kinds, kind)
		}
	}
	text := s.t("addr_done", name, to)
	if w := s.lettersWords(kinds); w != "" {
		return text + " " + s.t("addr_done_resent", capitalFirst(w)), nil
	}
	return text + " " + s.t("addr_done_nothing"), nil
}

func capitalFirst(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}
