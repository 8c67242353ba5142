package desk

import (
	"fmt"
	"net/http"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/digest"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

// participant is one registered invitee on a meeting's list.
type participant struct {
	Inv        campaign.Invitee
	Headcount  int
	Companions []string
	Agreement  string
}

// participants lists a meeting's registrations from status.Build, as `rsvpd status` counts
// them, by name in the campaign's language (Danish: Æ, Ø, Å last), as the participant list
// the staff get by mail orders them: the order a reader looks a municipality up in.
func (s *Server) participants(tx *store.Tx, meeting string) ([]participant, status.MeetingTotal, error) {
	states, err := tx.States()
	if err != nil {
		return nil, status.MeetingTotal{}, err
	}
	rep := status.Build(s.c, states)
	var out []participant
	for _, row := range rep.Rows {
		if row.Status != string(campaign.StatusAttending) || row.Meeting != meeting {
			continue
		}
		inv, _ := s.c.Invitee(row.Code)
		out = append(out, participant{Inv: inv, Headcount: row.Headcount, Companions: row.Companions, Agreement: row.Agreement})
	}
	campaign.SortByName(s.lang, out, func(p participant) string { return p.Inv.Name })
	var total status.MeetingTotal
	for _, m := range rep.Meetings {
		if m.ID == meeting {
			total = m
		}
	}
	return out, total, nil
}

func (s *Server) lists(w http.ResponseWriter, r *http.Request, v *visit) {
	sn, err := s.snapshot(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "lists", v, sn.openCount, s.overviewOf(sn))
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, v *visit) {
	m, ok := s.c.Meeting(r.PathValue("meeting"))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	var ps []participant
	var total status.MeetingTotal
	var open int
	err := s.st.View(r.Context(), func(tx *store.Tx) (err error) {
		if ps, total, err = s.participants(tx, m.ID); err != nil {
			return err
		}
		open, err = tx.OpenReviewCount()
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "list", v, open, map[string]any{"M": m, "P": ps, "Total": total, "Unnamed": letters.UnnamedCompanion(s.lang, s.c.Companions.Role)})
}

// listCSV is the list as the participant list mailed before the meeting attaches it, made
// by the same code (digest.Participants): one row per person, Kommune;Navn;Rolle, opened by
// Excel with Danish settings as it is meant to be read.
func (s *Server) listCSV(w http.ResponseWriter, r *http.Request, v *visit) {
	m, ok := s.c.Meeting(r.PathValue("meeting"))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	var pl letters.ParticipantList
	var b []byte
	err := s.st.View(r.Context(), func(tx *store.Tx) error {
		var err error
		pl, b, err = digest.Participants(tx, s.c, m.ID, s.e.Now())
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, pl.CSVName))
	w.Write(b)
}
