package desk

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/rsvpd/rsvpd/store"
)

func (s *Server) digests(w http.ResponseWriter, r *http.Request, v *visit) {
	var rows []store.Outgoing
	var open int
	err := s.st.View(r.Context(), func(tx *store.Tx) (err error) {
		if rows, err = tx.OutboxRows(store.OutboxFilter{Kind: "digest", Status: store.OutboxSent}); err != nil {
			return err
		}
		open, err = tx.OpenReviewCount()
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	slices.Reverse(rows) // newest first
	s.render(w, r, http.StatusOK, "digests", v, open, map[string]any{"Rows": rows})
}

// digest shows one digest as the staff received it: its text part, composed again from the
// outbox row exactly as it was sent (by the engine, which reads the store for it in a read
// transaction of its own).
func (s *Server) digest(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var row store.Outgoing
	var open int
	if err == nil {
		err = s.st.View(r.Context(), func(tx *store.Tx) error {
			var err error
			if row, err = tx.OutgoingByID(id); err != nil {
				return err
			}
			open, err = tx.OpenReviewCount()
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
	s.render(w, r, http.StatusOK, "digest", v, open, map[string]any{"Row": row, "Subject": subject, "Text": text})
}
