package desk

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/store"
)

// answerView is what a one-click page shows: this invitee and this choice, nothing else.
type answerView struct {
	Token     string
	Inv       campaign.Invitee
	St        campaign.State
	Meeting   *campaign.Meeting // nil for a decline
	Decline   bool
	Max       int
	Headcount int
	Expired   bool
	Done      bool
	Outcome   daemon.LinkOutcome
	Error     string
	Contact   campaign.Contact
	Organiser string
	Deadline  string
}

// answerLink checks the token of a one-click page. Only a link rsvpd signed names an invitee;
// a forged one shows nothing.
func (s *Server) answerLink(w http.ResponseWriter, r *http.Request) (answerView, bool) {
	tok := r.PathValue("token")
	code, choice, err := s.signer.VerifyAnswerLink(tok, s.e.Now())
	inv, ok := s.c.Invitee(code)
	m, isMeeting := s.c.Meeting(choice)
	if (err != nil && !errors.Is(err, campaign.ErrLinkExpired)) || !ok || (!isMeeting && choice != campaign.ChoiceDecline) {
		s.renderPublic(w, r, http.StatusNotFound, answerView{Error: "pub_invalid"})
		return answerView{}, false
	}
	v := answerView{Token: tok, Inv: inv, Decline: !isMeeting, Max: s.c.Companions.MaxHeadcount(),
		Expired: errors.Is(err, campaign.ErrLinkExpired) || !s.e.Now().Before(s.c.DeadlineEnd())}
	if isMeeting {
		v.Meeting = &m
	}
	st := campaign.NewState(code)
	s.st.View(r.Context(), func(tx *store.Tx) error {
		if got, err := tx.State(code); err == nil {
			st = got
		}
		return nil
	})
	v.St = st
	v.Headcount = 1
	if st.Status == campaign.StatusAttending && st.Headcount > 0 {
		v.Headcount = st.Headcount
	}
	return v, true
}

func (s *Server) renderPublic(w http.ResponseWriter, r *http.Request, status int, v answerView) {
	c := s.c
	v.Contact, v.Organiser, v.Deadline = c.Organiser.Contact, c.Organiser.Name, s.longDate(c.Deadline)
	if v.Contact.Email == "" {
		v.Contact.Email = c.Organiser.Email
	}
	s.render(w, r, status, "answer", nil, 0, v)
}

// answerPage shows the answer a link gives, with a button: a GET changes nothing, since mail
// scanners fetch every link in a message.
func (s *Server) answerPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.answerLink(w, r)
	if !ok {
		return
	}
	status := http.StatusOK
	if v.Expired {
		status = http.StatusGone
	}
	s.renderPublic(w, r, status, v)
}

// answerPost applies the answer through the engine, as a reply by mail would be.
func (s *Server) answerPost(w http.ResponseWriter, r *http.Request) {
	if !s.limits.allow("answer-ip:"+s.clientIP(r), 30, 60e9, s.o.Now()) {
		s.renderPublic(w, r, http.StatusTooManyRequests, answerView{Error: "err_too_many"})
		return
	}
	v, ok := s.answerLink(w, r)
	if !ok {
		return
	}
	if v.Expired {
		s.renderPublic(w, r, http.StatusGone, v)
		return
	}
	n := 0
	if !v.Decline {
		var err error
		n, err = strconv.Atoi(r.PostFormValue("headcount"))
		if err != nil || n < 1 || n > 20 {
			v.Error = "pub_err_headcount"
			s.renderPublic(w, r, http.StatusBadRequest, v)
			return
		}
	}
	choice := campaign.ChoiceDecline
	if v.Meeting != nil {
		choice = v.Meeting.ID
	}
	out, err := s.e.AnswerByLink(r.Context(), v.Inv.Code, choice, n)
	if errors.Is(err, daemon.ErrDeadlinePassed) {
		v.Expired = true
		s.renderPublic(w, r, http.StatusGone, v)
		return
	}
	if err != nil {
		s.log.Error("desk: one-click answer", "invitee", v.Inv.Code, "choice", choice, "err", err)
		v.Error = "err_internal"
		s.renderPublic(w, r, http.StatusInternalServerError, v)
		return
	}
	s.log.Info("desk: one-click answer", "invitee", v.Inv.Code, "choice", choice, "headcount", n, "changed", out.Changed)
	v.Done, v.Outcome, v.St = true, out, out.State
	s.renderPublic(w, r, http.StatusOK, v)
}
