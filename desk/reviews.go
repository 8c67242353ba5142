package desk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/store"
)

// reviewRow is one open item of the queue.
type reviewRow struct {
	R          store.Review
	Age        time.Duration
	Inv        campaign.Invitee
	HasInvitee bool
	St         campaign.State
	Why        string
	Msg        *shownMessage
	Suggestion string // the suggested answer in words, "" when none
	Agreement  bool   // the item asks to check a returned agreement
	PDF        int    // the attachment to show beside it, -1 when none
	MessageID  string // the Message-ID of the message it is about (data-message-id), "" when none
}

func (s *Server) reviews(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderReviews(w, r, v, http.StatusOK, "")
}

// reviewsPerPage is how many open items the page of review items shows, the oldest first: a
// campaign's few fit on one, 20,000 are read a page at a time.
const reviewsPerPage = 50

// reviewPage is one page of the open items: From-To of Total, the oldest first; Next is the
// id after which the next page starts (0: this is the last), First says a page came before.
// Open is every invitee's open items, for the menu: Total when the page shows them all.
type reviewPage struct {
	Rows            []reviewRow
	From, To, Total int
	Next            int64
	First           bool
	Open            int
}

// reviewsView is which open items the page of review items shows: those of one invitee (Of;
// Of.Code "" for every invitee's), from the item after After (0: from the oldest). The
// page's forms carry it, so that settling an item comes back to the same items.
type reviewsView struct {
	Of    campaign.Invitee
	After int64
}

// reviewsViewOf reads the view from a query (invitee=615&after=120); false when the query
// names no invitee of the campaign.
func (s *Server) reviewsViewOf(q url.Values) (reviewsView, bool) {
	var v reviewsView
	v.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	v.After = max(v.After, 0)
	if code := q.Get("invitee"); code != "" {
		inv, ok := s.c.Invitee(code)
		if !ok {
			return v, false
		}
		v.Of = inv
	}
	return v, true
}

// URL is the page of the view with the pairs of names and values in more set too
// ("done", "7").
func (v reviewsView) URL(more ...string) string {
	q := url.Values{}
	if v.Of.Code != "" {
		q.Set("invitee", v.Of.Code)
	}
	if v.After > 0 {
		q.Set("after", strconv.FormatInt(v.After, 10))
	}
	for i := 0; i+1 < len(more); i += 2 {
		q.Set(more[i], more[i+1])
	}
	if len(q) == 0 {
		return "/reviews"
	}
	return "/reviews?" + q.Encode()
}

// Keep is the view as the query of a form's action ("?invitee=615"), "" for the first page
// of every item.
func (v reviewsView) Keep() string {
	if u := v.URL(); u != "/reviews" {
		return strings.TrimPrefix(u, "/reviews")
	}
	return ""
}

// Page is the view's page that starts after the item after (0: its first page).
func (v reviewsView) Page(after int64) string {
	v.After = after
	return v.URL()
}

// readReviews reads the view's page of open items.
func (s *Server) readReviews(ctx context.Context, v reviewsView) (reviewPage, error) {
	pg := reviewPage{First: v.After > 0}
	now := s.e.Now()
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var items []store.Review
		var rest int
		var err error
		if v.Of.Code == "" {
			items, pg.Total, rest, err = tx.OpenReviewsPage(v.After, reviewsPerPage)
			pg.Open = pg.Total
		} else {
			items, pg.Total, rest, err = tx.OpenReviewsPageOf(v.Of.Code, v.After, reviewsPerPage)
			if err == nil {
				pg.Open, err = tx.OpenReviewCount()
			}
		}
		if err != nil {
			return err
		}
		for _, rv := range items {
			row, err := s.reviewRow(tx, rv, now)
			if err != nil {
				return err
			}
			pg.Rows = append(pg.Rows, row)
		}
		pg.From = pg.Total - rest + 1
		pg.To = pg.From + len(items) - 1
		if rest > len(items) {
			pg.Next = items[len(items)-1].ID
		}
		return nil
	})
	return pg, err
}

// reviewRow is an open item with what the page shows beside it: the invitee and its state,
// the reason and suggestion in words, the message it is about.
func (s *Server) reviewRow(tx *store.Tx, rv store.Review, now time.Time) (reviewRow, error) {
	row := reviewRow{R: rv, Age: now.Sub(rv.CreatedAt), Why: s.reviewText(rv), PDF: -1}
	row.Inv, row.HasInvitee = s.c.Invitee(rv.Invitee)
	if row.HasInvitee {
		var err error
		if row.St, err = tx.State(rv.Invitee); err != nil {
			row.St = campaign.NewState(rv.Invitee)
		}
	}
	row.Agreement = rv.Why.Code == campaign.ReasonAgreementReturned || strings.HasPrefix(rv.Text, "the agreement came back")
	if rv.Suggestion != nil {
		row.Suggestion = s.answerWords(*rv.Suggestion)
	}
	if rv.Inbound == 0 {
		return row, nil
	}
	in, err := tx.Inbound(rv.Inbound)
	if err != nil {
		return row, err
	}
	m := parseMessage(in.Raw)
	row.Msg, row.MessageID = &m, in.MessageID
	for _, p := range m.Parts {
		if p.PDF && row.PDF < 0 {
			row.PDF = p.N
		}
	}
	return row, nil
}

func (s *Server) renderReviews(w http.ResponseWriter, r *http.Request, v *visit, status int, errText string) {
	view, ok := s.reviewsViewOf(r.URL.Query())
	if !ok {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	pg, err := s.readReviews(r.Context(), view)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	done, _ := strconv.ParseInt(r.URL.Query().Get("done"), 10, 64)
	confirmed, confirmedCode := "", ""
	if inv, ok := s.c.Invitee(r.URL.Query().Get("confirmed")); ok {
		confirmed, confirmedCode = inv.Name, inv.Code
	}
	s.render(w, r, status, "reviews", v, pg.Open, map[string]any{"Rows": pg.Rows, "Page": pg, "View": view, "Meetings": s.c.Meetings,
		"Invitees": s.c.Invitees, "Error": errText, "Done": done, "Confirmed": confirmed, "ConfirmedCode": confirmedCode,
		"Max": s.c.Companions.MaxHeadcount()})
}

// answerWords says what a suggested answer would do: "tilmeld Vejle, 2 deltagere".
func (s *Server) answerWords(a campaign.Answer) string {
	meeting := a.Meeting
	if meeting == "" {
		meeting = a.CalMeeting
	}
	switch {
	case a.Intent == "attend" || a.PartStat == "ACCEPTED":
		n := a.Headcount
		if n < 1 {
			n = 1
		}
		return fmt.Sprintf(s.t("sugg_attend"), s.meetingCity(meeting), s.people(n))
	case a.Intent == "decline" || a.PartStat == "DECLINED":
		return s.t("sugg_decline")
	case a.Intent == "agreement":
		return s.t("sugg_agreement")
	}
	return s.t("sugg_other")
}

// resolve applies a staff decision to a review item through the engine, as `rsvpd review
// resolve` does, recording the staff address with it.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	d := daemon.Decision{By: v.Staff, Note: strings.TrimSpace(r.PostFormValue("note")),
		Invitee: strings.TrimSpace(r.PostFormValue("invitee"))}
	switch r.PostFormValue("action") {
	case "accept":
		d.Accept = true
	case "attend":
		d.Attend = r.PostFormValue("meeting")
		d.Headcount, _ = strconv.Atoi(r.PostFormValue("headcount"))
		if d.Headcount < 1 || d.Headcount > 50 {
			s.renderReviews(w, r, v, http.StatusBadRequest, s.t("err_headcount"))
			return
		}
	case "decline":
		d.Decline = true
	case "ignore":
		d.Ignore = true
	}
	if _, err := s.e.Resolve(r.Context(), id, d); err != nil {
		msg := s.t("err_resolve")
		if errors.Is(err, daemon.ErrBadDecision) {
			msg = s.t("err_decision")
		} else if strings.Contains(err.Error(), "names no invitee") {
			msg = s.t("err_no_invitee")
		} else if strings.Contains(err.Error(), "already resolved") {
			msg = s.t("err_already")
		}
		s.log.Warn("desk: resolve", "review", id, "staff", v.Staff, "err", err)
		s.renderReviews(w, r, v, http.StatusBadRequest, msg)
		return
	}
	s.log.Info("desk: resolved", "review", id, "staff", v.Staff)
	s.backToReviews(w, r, id)
}

// backToReviews sends the browser back to the items it settled item id from, those of one
// invitee or all, at the same page (the form's action carries the view), saying it is done.
func (s *Server) backToReviews(w http.ResponseWriter, r *http.Request, id int64) {
	view, _ := s.reviewsViewOf(r.URL.Query())
	http.Redirect(w, r, view.URL("done", strconv.FormatInt(id, 10)), http.StatusSeeOther)
}

// answer sends the staff's own words to the invitee, in the thread of the message the item
// is about, through the outbox.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	if text == "" || len(text) > 20000 {
		s.renderReviews(w, r, v, http.StatusBadRequest, s.t("err_answer_text"))
		return
	}
	if err := s.e.AnswerReview(r.Context(), id, text, v.Staff); err != nil {
		s.log.Warn("desk: answer", "review", id, "staff", v.Staff, "err", err)
		s.renderReviews(w, r, v, http.StatusBadRequest, s.t("err_answer"))
		return
	}
	if r.PostFormValue("close") == "1" {
		_, err := s.e.Resolve(r.Context(), id, daemon.Decision{Ignore: true, By: v.Staff, Note: s.t("rv_answered_note")})
		if err != nil {
			s.log.Warn("desk: close answered item", "review", id, "err", err)
		}
	}
	s.backToReviews(w, r, id)
}

func (s *Server) confirmAgreement(w http.ResponseWriter, r *http.Request, v *visit) {
	code := r.PathValue("code")
	if err := s.e.ConfirmAgreement(r.Context(), code, v.Staff); err != nil {
		s.log.Warn("desk: confirm agreement", "invitee", code, "staff", v.Staff, "err", err)
		s.renderReviews(w, r, v, http.StatusBadRequest, s.t("err_confirm"))
		return
	}
	back := localPath(r.PostFormValue("back"))
	if back == "/" {
		back = "/reviews?confirmed=" + url.QueryEscape(code)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
