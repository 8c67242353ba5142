package desk

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/store"
)

// resolve applies a staff decision to a review item through the engine, as `rsvpd review
// resolve` does, recording the staff address with it.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request, v *visit) {
	id, ok := s.itemID(w, r)
	if !ok {
		return
	}
	d, bad := s.decision(r, v, id)
	if bad.Text != "" {
		s.renderReviews(w, r, v, http.StatusBadRequest, bad)
		return
	}
	if _, err := s.e.Resolve(r.Context(), id, d); err != nil {
		msg := s.t("err_resolve")
		if errors.Is(err, daemon.ErrBadDecision) {
			msg = s.t("err_decision")
		} else if errors.Is(err, daemon.ErrNoInvitee) {
			msg = s.t("err_no_invitee")
		} else if errors.Is(err, daemon.ErrResolved) {
			msg = s.t("err_already")
		}
		s.log.Warn("desk: resolve", "review", id, "staff", v.Staff, "err", err)
		s.renderReviews(w, r, v, http.StatusBadRequest, reviewErr{Text: msg, Item: id, Form: r.PostForm})
		return
	}
	s.log.Info("desk: resolved", "review", id, "staff", v.Staff)
	s.backToReviews(w, r, id, d.Invitee)
}

// itemID is the review item the path names; false, with the page saying so, when it names none.
func (s *Server) itemID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
	}
	return id, err == nil
}

// decision reads the staff's decision on item id from its form, or says why it cannot be
// taken. The form's first button is a disabled one, so that Enter in a field presses none
// (see reviews.html); here an action must be named, a registration must name its meeting
// and people, and a decision that changes the invitee on an item a newer reply overtook must
// say that the staff has seen that reply.
func (s *Server) decision(r *http.Request, v *visit, id int64) (daemon.Decision, reviewErr) {
	d := daemon.Decision{By: v.Staff, Note: strings.TrimSpace(r.PostFormValue("note")),
		Invitee: strings.TrimSpace(r.PostFormValue("invitee"))}
	fail := func(field, key string, a ...any) (daemon.Decision, reviewErr) {
		return d, reviewErr{Text: s.t(key, a...), Item: id, Field: field, Form: r.PostForm}
	}
	switch r.PostFormValue("action") {
	case "accept":
		d.Accept = true
	case "attend":
		if d.Attend = r.PostFormValue("meeting"); d.Attend == "" {
			return fail("meeting", "err_meeting")
		}
		d.Headcount, _ = strconv.Atoi(r.PostFormValue("headcount"))
		if !headcountOK(d.Headcount) {
			return fail("headcount", "err_headcount")
		}
	case "decline":
		d.Decline = true
	case "ignore":
		d.Ignore = true
		return d, reviewErr{}
	default:
		return fail("", "err_decision")
	}
	if _, newer, err := s.overtaken(r.Context(), id); err == nil && newer != nil && r.PostFormValue("overtaken_ok") != "1" {
		if d.Accept {
			return fail("overtaken_ok_accept", "err_overtaken")
		}
		return fail("overtaken_ok", "err_overtaken")
	}
	return d, reviewErr{}
}

// backToReviews sends the browser back to the items it settled item id from, those of one
// invitee or kind or all, at the same page (the form's action carries the view), to the
// notice of what it did, which stands where the item was: the next item follows it. code
// names the invitee the staff chose for an item that named none.
func (s *Server) backToReviews(w http.ResponseWriter, r *http.Request, id int64, code string) {
	view, _ := s.reviewsViewOf(r.URL.Query())
	more := []string{"done", strconv.FormatInt(id, 10)}
	if code != "" {
		more = append(more, "for", code)
	}
	http.Redirect(w, r, view.URL(more...)+"#done", http.StatusSeeOther)
}

// answer sends the staff's own words to the invitee, in the thread of the message the item
// is about, through the outbox.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, v *visit) {
	id, ok := s.itemID(w, r)
	if !ok {
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	if text == "" || len(text) > 20000 {
		s.renderReviews(w, r, v, http.StatusBadRequest, reviewErr{Text: s.t("err_answer_text"), Item: id, Field: "text", Form: r.PostForm})
		return
	}
	if err := s.e.AnswerReview(r.Context(), id, text, v.Staff); err != nil {
		s.log.Warn("desk: answer", "review", id, "staff", v.Staff, "err", err)
		s.renderReviews(w, r, v, http.StatusBadRequest, reviewErr{Text: s.t("err_answer"), Item: id, Field: "text", Form: r.PostForm})
		return
	}
	if r.PostFormValue("close") == "1" {
		_, err := s.e.Resolve(r.Context(), id, daemon.Decision{Ignore: true, By: v.Staff, Note: s.t("rv_answered_note")})
		if err != nil {
			s.log.Warn("desk: close answered item", "review", id, "err", err)
		}
	}
	s.backToReviews(w, r, id, "")
}

func (s *Server) confirmAgreement(w http.ResponseWriter, r *http.Request, v *visit) {
	code := r.PathValue("code")
	if err := s.e.ConfirmAgreement(r.Context(), code, v.Staff); err != nil {
		s.log.Warn("desk: confirm agreement", "invitee", code, "staff", v.Staff, "err", err)
		s.renderReviews(w, r, v, http.StatusBadRequest, reviewErr{Text: s.t("err_confirm")})
		return
	}
	back := localPath(r.PostFormValue("back"))
	if back == "/" {
		back = "/reviews?confirmed=" + url.QueryEscape(code)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// keepForm gives the card of the item an action failed on what its form held, so that the
// staff does not type it again.
func keepForm(rows []reviewRow, e reviewErr) {
	for i := range rows {
		if rows[i].R.ID != e.Item || e.Form == nil {
			continue
		}
		row := &rows[i]
		row.Note, row.AnswerText, row.AddressText = e.Form.Get("note"), e.Form.Get("text"), e.Form.Get("address")
		if m := e.Form.Get("meeting"); m != "" {
			row.Attend.Meeting = m
		}
		if n, err := strconv.Atoi(e.Form.Get("headcount")); err == nil && headcountOK(n) {
			row.Attend.People = n
		}
	}
}

// headcountOK says whether the desk takes n people for one registration: 1 to 50, as
// err_headcount says.
func headcountOK(n int) bool { return n >= 1 && n <= 50 }

// doneNotice is what the page says the last action did, and where: before the card of the
// first item after the one acted on (the next to do), else after the last card. The page's
// address ends in #done, so the browser shows the notice and the next item, not the top.
type doneNotice struct {
	Text      string
	At        int   // the index of the card it stands before; -1: no notice
	Item      int64 // the item acted on, 0 when none is named
	Confirmed string
}

func (s *Server) doneNotice(r *http.Request, rows []reviewRow) (doneNotice, error) {
	q := r.URL.Query()
	n := doneNotice{At: -1}
	n.Item, _ = strconv.ParseInt(q.Get("done"), 10, 64)
	if inv, ok := s.c.Invitee(q.Get("confirmed")); ok {
		n.Confirmed, n.Text = inv.Code, s.t("rv_confirmed", inv.Name)
	} else if n.Item > 0 {
		err := s.st.View(r.Context(), func(tx *store.Tx) (err error) {
			n.Text, err = s.outcome(tx, n.Item, q.Get("for"))
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			return doneNotice{At: -1}, nil
		} else if err != nil {
			return n, err
		}
	}
	if n.Text == "" {
		return n, nil
	}
	n.At = len(rows)
	for i, row := range rows {
		if row.R.ID >= n.Item {
			n.At = i
			break
		}
	}
	return n, nil
}
