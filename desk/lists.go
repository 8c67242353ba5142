package desk

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
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
	s.render(w, r, http.StatusOK, "list", v, open, map[string]any{"M": m, "P": ps, "Total": total, "Role": s.c.Companions.Role})
}

// listCSV is the list as CSV, with the headers in the campaign's language.
func (s *Server) listCSV(w http.ResponseWriter, r *http.Request, v *visit) {
	m, ok := s.c.Meeting(r.PathValue("meeting"))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	var ps []participant
	err := s.st.View(r.Context(), func(tx *store.Tx) (err error) {
		ps, _, err = s.participants(tx, m.ID)
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, s.t("csv_file"), m.ID))
	cw := csv.NewWriter(w)
	cw.Write([]string{s.t("csv_code"), s.t("csv_municipality"), s.t("csv_contact"), s.t("csv_email"),
		s.t("csv_people"), s.t("csv_companions"), s.t("csv_agreement")})
	for _, p := range ps {
		cw.Write([]string{p.Inv.Code, csvSafe(p.Inv.Name), csvSafe(p.Inv.Contact), csvSafe(p.Inv.Email),
			strconv.Itoa(p.Headcount), csvSafe(strings.Join(p.Companions, "; ")), s.t("ag_" + p.Agreement)})
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a value as a formula (companions' roles come
// from replies).
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
