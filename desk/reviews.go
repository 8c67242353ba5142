package desk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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
	// Attend is what the form to register the invitee starts with: what rsvpd read or suggests.
	Attend attendPrefill
	// Newer is the latest reply of the invitee's applied or held after the message the item
	// is about, when the item is about an answer: the item may be out of date. Nil when none.
	Newer *newerReply
	// Note and AnswerText are what the item's forms held when an action on it failed.
	Note, AnswerText string
	Kind             string // the key of its kind (reviewKinds)
	// Bounce: the item is about mail that does not reach the invitee; the page offers a new
	// address first (Resend says what that sends again, AddressText what the form held when
	// it was refused). NoMail: mail to the invitee's address bounces, so no answer is
	// written to it.
	Bounce, NoMail      bool
	Resend, AddressText string
}

func (s *Server) reviews(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderReviews(w, r, v, http.StatusOK, reviewErr{})
}

// reviewsPerPage is how many open items the page of review items shows, the oldest first: a
// campaign's few fit on one, 20,000 are read a page at a time.
const reviewsPerPage = 50

// reviewPage is one page of the open items: From-To of Total, the oldest first; Next is the
// id after which the next page starts (0: this is the last), First says a page came before.
// Kinds counts the open items of each kind (of the invitee's, when the view is of one), All
// every open item of the view's invitee or of all. Open is every invitee's open items, for
// the menu: All when the page shows every invitee's.
type reviewPage struct {
	Rows            []reviewRow
	From, To, Total int
	Next            int64
	First           bool
	Kinds           []kindCount
	All, Open       int
}

// reviewsView is which open items the page of review items shows: those of one invitee (Of;
// Of.Code "" for every invitee's), of one kind (Kind, a key of reviewKinds; "" for every
// kind), from the item after After (0: from the oldest). The page's forms carry it, so that
// settling an item comes back to the same items.
type reviewsView struct {
	Of    campaign.Invitee
	Kind  string
	After int64
}

// reviewsViewOf reads the view from a query (invitee=615&kind=question&after=120); false
// when the query names no invitee of the campaign or no kind of item.
func (s *Server) reviewsViewOf(q url.Values) (reviewsView, bool) {
	var v reviewsView
	v.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	v.After = max(v.After, 0)
	if v.Kind = q.Get("kind"); v.Kind != "" {
		if _, ok := kindNamed(v.Kind); !ok {
			return v, false
		}
	}
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
	if v.Kind != "" {
		q.Set("kind", v.Kind)
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

// AllKinds is the first page of the view's items of every kind.
func (v reviewsView) AllKinds() string {
	v.Kind, v.After = "", 0
	return v.URL()
}

// Page is the view's page that starts after the item after (0: its first page).
func (v reviewsView) Page(after int64) string {
	v.After = after
	return v.URL()
}

// readReviews reads the view's page of open items, and counts the open items of each kind.
func (s *Server) readReviews(ctx context.Context, v reviewsView) (reviewPage, error) {
	pg := reviewPage{First: v.After > 0}
	now := s.e.Now()
	err := s.st.View(ctx, func(tx *store.Tx) error {
		byReason, err := tx.OpenReviewReasons(v.Of.Code)
		if err != nil {
			return err
		}
		pg.Kinds = kindCounts(byReason, v)
		for _, n := range byReason {
			pg.All += n
		}
		var items []store.Review
		var rest int
		switch k, ok := kindNamed(v.Kind); {
		case ok:
			items, pg.Total, rest, err = tx.OpenReviewsPageByReason(k.filter(v.Of.Code), v.After, reviewsPerPage)
		case v.Of.Code == "":
			items, pg.Total, rest, err = tx.OpenReviewsPage(v.After, reviewsPerPage)
		default:
			items, pg.Total, rest, err = tx.OpenReviewsPageOf(v.Of.Code, v.After, reviewsPerPage)
		}
		pg.Open = pg.All
		if err == nil && v.Of.Code != "" {
			pg.Open, err = tx.OpenReviewCount()
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
		return s.markOvertaken(tx, pg.Rows)
	})
	return pg, err
}

// reviewRow is an open item with what the page shows beside it: the invitee and its state,
// the reason and suggestion in words, the message it is about.
func (s *Server) reviewRow(tx *store.Tx, rv store.Review, now time.Time) (reviewRow, error) {
	row := reviewRow{R: rv, Age: now.Sub(rv.CreatedAt), Why: s.reviewText(rv), PDF: -1, Kind: kindOf(rv.Why.Code)}
	row.Inv, row.HasInvitee = s.c.Invitee(rv.Invitee)
	if row.HasInvitee {
		var err error
		if row.St, err = tx.State(rv.Invitee); err != nil {
			row.St = campaign.NewState(rv.Invitee)
		}
		if row.St.Email != "" {
			row.Inv.Email = row.St.Email
		}
		row.Bounce = daemon.BounceItem(rv)
		row.NoMail = row.Bounce || row.St.Delivery == campaign.DeliveryUndeliverable
		if row.Bounce {
			row.Resend = s.resendWords(row.St, now)
		}
	}
	row.Agreement = rv.Why.Code == campaign.ReasonAgreementReturned || strings.HasPrefix(rv.Text, "the agreement came back")
	if rv.Suggestion != nil {
		row.Suggestion = s.answerWords(*rv.Suggestion)
	}
	row.Attend = s.prefill(rv, now)
	if rv.Inbound == 0 {
		return row, nil
	}
	in, err := tx.Inbound(rv.Inbound)
	if err != nil {
		return row, err
	}
	m := parseMessage(in.Raw)
	m.Own = ownText(m.Text)
	row.Msg, row.MessageID = &m, in.MessageID
	for _, p := range m.Parts {
		if p.PDF && row.PDF < 0 {
			row.PDF = p.N
		}
	}
	return row, nil
}

// reviewErr is why an action on the page of items failed: Text, shown on the item's card when
// Item is not 0 (with the form's Field focused and what the form held kept), else at the top.
type reviewErr struct {
	Text  string
	Item  int64
	Field string
	Form  url.Values
}

// OnItem says whether the error is about item id's card.
func (e reviewErr) OnItem(id int64) bool { return e.Text != "" && e.Item == id }

// Focus says whether the card of item id opens with its field focused (autofocus, which
// also brings the card into view): the field the error is about.
func (e reviewErr) Focus(id int64, field string) bool { return e.OnItem(id) && e.Field == field }

// InDecide says whether the error is about the form that settles item id another way, which
// then opens.
func (e reviewErr) InDecide(id int64) bool {
	return e.OnItem(id) && e.Field != "text" && e.Field != "overtaken_ok_accept" && e.Field != "address"
}

func (s *Server) renderReviews(w http.ResponseWriter, r *http.Request, v *visit, status int, e reviewErr) {
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
	keepForm(pg.Rows, e)
	if e.Item != 0 && !slices.ContainsFunc(pg.Rows, func(row reviewRow) bool { return row.R.ID == e.Item }) {
		e.Item = 0 // its card is not on the page (settled meanwhile, or on another page): say it at the top
	}
	n, err := s.doneNotice(r, pg.Rows)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, status, "reviews", v, pg.Open, map[string]any{"Rows": pg.Rows, "Page": pg, "View": view, "Meetings": s.c.Meetings,
		"Invitees": s.c.Invitees, "Error": e, "Notice": n, "Max": s.c.Companions.MaxHeadcount()})
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
