package desk

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/store"
)

// shownMessage is a stored message as the desk shows it: its envelope and its text. Its HTML
// is never shown as HTML: enmime turns a message with only an HTML part into text.
type shownMessage struct {
	From, To, Subject string
	Date              time.Time
	Text              string
	Own               string // what the sender newly wrote, when the text holds more (see ownText)
	Truncated         bool
	Parts             []part
	Error             string
}

// part is an attachment, named by its place among the message's attachments.
type part struct {
	N          int
	Name, Type string
	Size       int
	PDF        bool
}

// maxShown bounds the text shown on a page; the whole message is in the download.
const maxShown = 20000

func parseMessage(raw []byte) shownMessage {
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return shownMessage{Error: err.Error(), Text: clip(string(raw), 2000)}
	}
	m := shownMessage{From: env.GetHeader("From"), To: env.GetHeader("To"), Subject: env.GetHeader("Subject")}
	if d, err := env.Date(); err == nil {
		m.Date = d
	}
	text := env.Text
	if strings.TrimSpace(text) == "" && env.HTML != "" {
		text = "(" + strings.TrimSpace(env.HTML) + ")" // never reached: enmime fills Text from HTML
	}
	m.Text = clip(text, maxShown)
	m.Truncated = len(text) > len(m.Text)
	for i, a := range attachmentsOf(env) {
		m.Parts = append(m.Parts, part{N: i, Name: a.FileName, Type: a.ContentType, Size: len(a.Content), PDF: isPDF(a)})
	}
	return m
}

func attachmentsOf(env *enmime.Envelope) []*enmime.Part {
	return append(append([]*enmime.Part(nil), env.Attachments...), env.Inlines...)
}

func isPDF(p *enmime.Part) bool {
	return bytes.HasPrefix(p.Content, []byte("%PDF-")) &&
		(p.ContentType == "application/pdf" || strings.HasSuffix(strings.ToLower(p.FileName), ".pdf") || p.ContentType == "application/octet-stream")
}

// clip cuts s to at most n bytes at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (s *Server) inbound(w http.ResponseWriter, r *http.Request) (store.Inbound, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var in store.Inbound
	if err == nil {
		err = s.st.View(r.Context(), func(tx *store.Tx) error {
			var err error
			in, err = tx.Inbound(id)
			return err
		})
	}
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return in, false
	}
	return in, true
}

// messageRaw downloads a stored message as it arrived: never shown by the browser.
func (s *Server) messageRaw(w http.ResponseWriter, r *http.Request, v *visit) {
	in, ok := s.inbound(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="message-%d.eml"`, in.ID))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(in.Raw)
}

// messagePart serves an attachment: a PDF inline (the returned agreement, shown beside its
// review item) when its bytes are a PDF; anything else only as a download of unknown type.
func (s *Server) messagePart(w http.ResponseWriter, r *http.Request, v *visit) {
	in, ok := s.inbound(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	env, perr := enmime.ReadEnvelope(bytes.NewReader(in.Raw))
	if err != nil || perr != nil {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	parts := attachmentsOf(env)
	if n < 0 || n >= len(parts) {
		s.fail(w, r, http.StatusNotFound, "err_not_found")
		return
	}
	p := parts[n]
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if isPDF(p) {
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", fmt.Sprintf(`inline; filename="message-%d-%d.pdf"`, in.ID, n))
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="message-%d-%d.bin"`, in.ID, n))
	}
	w.Write(p.Content)
}
