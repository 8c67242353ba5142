package desk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/replies"
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
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.eml"`, s.inboundName(in)))
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
	name := strings.TrimSuffix(fileName(p.FileName), ".pdf")
	if name == "" {
		name = fmt.Sprintf("%s-%d", s.t("inv_attachment"), n+1)
	}
	name = s.inboundName(in) + "-" + name
	if isPDF(p) {
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, name))
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	}
	w.Write(p.Content)
}

// inboundName names a stored message's downloads as a person files them: the day it came,
// who sent it and what it is ("2012-02-20-aarhus-svar"), from how it was read.
func (s *Server) inboundName(in store.Inbound) string {
	var rd replies.Reading
	who, what := "", "mail"
	if in.Reading != "" && json.Unmarshal([]byte(in.Reading), &rd) == nil {
		if rd.Class != "" {
			what = s.t("cls_" + string(rd.Class))
		}
		if rd.Answer != nil {
			if inv, ok := s.c.Invitee(rd.Answer.Invitee); ok {
				who = inv.Name
			}
		}
		if who == "" && rd.Bounce != nil {
			for _, addr := range rd.Bounce.Recipients {
				if inv, ok := s.c.InviteeByEmail(strings.ToLower(addr)); ok {
					who = inv.Name
					break
				}
			}
		}
	}
	parts := []string{in.ReceivedAt.In(s.c.Location).Format("2006-01-02")}
	if who != "" {
		parts = append(parts, who)
	}
	return fileName(strings.Join(append(parts, what), "-"))
}

// spelt writes æ, ø, å and a few others in ASCII for file names.
var spelt = strings.NewReplacer("æ", "ae", "ø", "oe", "å", "aa", "Æ", "Ae", "Ø", "Oe", "Å", "Aa", "é", "e", "ü", "ue")

// fileName keeps a file name to lower-case letters, digits, '.', '-' and '_' (æ, ø and å
// spelt out, spaces as '-'), which any header and any file system carries as it is.
func fileName(name string) string {
	var b strings.Builder
	for _, ch := range strings.ToLower(spelt.Replace(name)) {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '.', ch == '_':
			b.WriteRune(ch)
		case ch == '-' || ch == ' ':
			if !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.Trim(b.String(), "-.")
}
