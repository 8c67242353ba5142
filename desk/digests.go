package desk

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/rsvpd/rsvpd/store"
)

func (s *Server) digestRows(r *http.Request) ([]store.Outgoing, error) {
	var rows []store.Outgoing
	err := s.st.View(r.Context(), func(tx *store.Tx) error {
		var err error
		rows, err = tx.OutboxRows(store.OutboxFilter{Kind: "digest", Status: store.OutboxSent})
		return err
	})
	slices.Reverse(rows) // newest first
	return rows, err
}

func (s *Server) digests(w http.ResponseWriter, r *http.Request, v *visit) {
	rows, err := s.digestRows(r)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "digests", v, map[string]any{"Rows": rows})
}

// digest shows one digest as the staff received it: its text part, composed again from the
// outbox row exactly as it was sent.
func (s *Server) digest(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var row store.Outgoing
	if err == nil {
		err = s.st.View(r.Context(), func(tx *store.Tx) error {
			var err error
			row, err = tx.OutgoingByID(id)
			return err
		})
	}
	if err != nil || row.Kind != "digest" {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	subject, text, err := s.e.LetterText(r.Context(), row)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "digest", v, map[string]any{"Row": row, "Subject": subject, "Text": text})
}
