package desk

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// staffKinds are the letters to the staff the desk lists: everything rsvpd sent them but the
// sign-in links, which are keys to the desk and are never shown.
var staffKinds = []letters.Kind{letters.KindDigest, letters.KindFinalReport, letters.KindParticipantList,
	letters.KindStaffReview, letters.KindStaffSignIn}

// staffPerPage is how many sent rows one page of the staff's letters reads: some sixty days
// of digests and a few hundred notices of new items.
const staffPerPage = 200

// staffLetter is one letter to the staff in the list: the rows of the same letter to each
// of its recipients as one.
type staffLetter struct {
	ID      int64 // the row shown
	Kind    string
	SentAt  time.Time
	Subject string
	To      []string
}

func staffKind(k string) bool { return slices.Contains(staffKinds, letters.Kind(k)) }

// digests lists the letters sent to the staff, newest first, of one kind or all.
func (s *Server) digests(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	kind := q.Get("kind")
	kinds := make([]string, 0, len(staffKinds))
	for _, k := range staffKinds {
		if kind == "" || kind == string(k) {
			kinds = append(kinds, string(k))
		}
	}
	if len(kinds) == 0 {
		kind, kinds = "", nil
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	var rows []store.Outgoing
	var subjects map[int64]string
	var open int
	err := s.st.View(r.Context(), func(tx *store.Tx) (err error) {
		if rows, err = tx.SentRows(daemon.StaffCode, kinds, before, staffPerPage); err != nil {
			return err
		}
		ids := make([]int64, len(rows))
		for i, o := range rows {
			ids[i] = o.ID
		}
		if subjects, err = tx.SentSubjects(ids); err != nil {
			return err
		}
		open, err = tx.OpenReviewCount()
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	list := groupLetters(rows, subjects)
	var older int64
	if len(rows) == staffPerPage {
		older = rows[len(rows)-1].ID
	}
	s.render(w, r, http.StatusOK, "digests", v, open, map[string]any{"Letters": list, "Kinds": staffKinds, "Kind": kind,
		"Older": older, "Newest": before > 0})
}

// groupLetters puts the rows of one letter to several recipients together: the staff's
// letters are queued once per address under one key, ending in the address.
func groupLetters(rows []store.Outgoing, subjects map[int64]string) []staffLetter {
	var out []staffLetter
	prev := ""
	for _, o := range rows {
		prefix := o.Key
		if i := strings.LastIndexByte(prefix, '/'); i > 0 {
			prefix = prefix[:i]
		}
		if prefix == prev && len(out) > 0 {
			l := &out[len(out)-1]
			l.To = append(l.To, o.Recipient)
			l.ID = o.ID // the first sent, as the list is newest first
			continue
		}
		prev = prefix
		out = append(out, staffLetter{ID: o.ID, Kind: o.Kind, SentAt: o.SentAt, Subject: subjects[o.ID], To: []string{o.Recipient}})
	}
	for i := range out {
		slices.Sort(out[i].To)
	}
	return out
}

// staffRow reads the outbox row of a letter to the staff named by the path's id, and the
// number of open review items for the menu.
func (s *Server) staffRow(w http.ResponseWriter, r *http.Request) (store.Outgoing, int, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var row store.Outgoing
	var open int
	if err == nil {
		err = s.st.View(r.Context(), func(tx *store.Tx) (err error) {
			if row, err = tx.OutgoingByID(id); err != nil {
				return err
			}
			open, err = tx.OpenReviewCount()
			return err
		})
	}
	if err != nil || row.Invitee != daemon.StaffCode || !staffKind(row.Kind) {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return row, 0, false
	}
	return row, open, true
}

// digest shows one letter to the staff as it was sent: its text and attachments as kept when
// it went out. One sent before rsvpd kept letters is composed again only where that gives
// the same letter (a notice of new items); a digest, written from the figures of its day, is
// then not shown rather than shown with today's.
func (s *Server) digest(w http.ResponseWriter, r *http.Request, v *visit) {
	row, open, ok := s.staffRow(w, r)
	if !ok {
		return
	}
	l, err := s.e.SentLetter(r.Context(), row)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "digest", v, open, map[string]any{"Row": row, "L": l, "Note": s.letterNote(l.Source)})
}

// digestFile serves a kept attachment of a letter to the staff: the chart shown in the page,
// anything else (the CSV) as a download under the name it was sent with.
func (s *Server) digestFile(w http.ResponseWriter, r *http.Request, v *visit) {
	row, _, ok := s.staffRow(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	var a store.SentAttachment
	if err == nil {
		a, err = s.e.SentAttachment(r.Context(), row, n)
	}
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	switch {
	case a.ContentType == "image/png":
		h.Set("Content-Type", "image/png")
		h.Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, fileName(a.Name)))
	case strings.HasPrefix(a.ContentType, "text/csv"):
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, fileName(a.Name)))
	default:
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, fileName(a.Name)))
	}
	w.Write(a.Data)
}

// note is what the desk says about where the text shown of a letter comes from: a warning
// where it may not be what was sent, a plain remark where it is.
type note struct {
	Text string
	Warn bool
}

// letterNote says where the text shown of a letter comes from: nothing for the text as kept,
// or composed again and checked to be the same as sent.
func (s *Server) letterNote(src daemon.LetterSource) note {
	switch src {
	case daemon.LetterDiffers:
		return note{Text: s.t("lt_differs"), Warn: true}
	case daemon.LetterUnchecked:
		return note{Text: s.t("lt_unchecked"), Warn: true}
	case daemon.LetterNotSent:
		return note{Text: s.t("lt_not_sent")}
	case daemon.LetterLost:
		return note{Text: s.t("lt_lost"), Warn: true}
	case daemon.LetterWithheld:
		return note{Text: s.t("lt_withheld")}
	}
	return note{}
}
