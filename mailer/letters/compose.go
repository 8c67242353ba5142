package letters

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"

	mail "github.com/wneessen/go-mail"
)

// Outgoing is one message to one recipient, with everything decided by the caller: nothing
// here reads the clock or invents an id, so the same outbox row always composes the same
// message (up to MIME boundaries).
type Outgoing struct {
	From    netmail.Address // with display name: {Name: "KOMBIT", Address: "dialogmoeder@kombit.test"}
	To      netmail.Address // exactly one recipient: one refused recipient would sink them all
	Cc      []netmail.Address
	ReplyTo netmail.Address // the invitee's tokened address; zero for none
	Subject string
	Text    string // the plain-text alternative (required)
	HTML    string // the HTML alternative ("" for a text-only message)
	// MessageID is the message's id without angle brackets (campaign.Signer.MessageID).
	MessageID  string
	InReplyTo  string   // without angle brackets; "" when not a reply
	References []string // without angle brackets, oldest first
	// AutoSubmitted is the RFC 3834 keyword: "auto-replied" for automatic answers to a
	// message, "auto-generated" for other automatic notices, "" for letters written to a
	// person (Kind.AutoSubmitted decides it per kind).
	AutoSubmitted string
	Date          time.Time
	// Calendar is an iTIP message (REQUEST, CANCEL, ...): it becomes a text/calendar
	// alternative beside text and HTML, which is what makes Outlook, Gmail and Apple Mail show
	// their Accept/Decline buttons or remove a cancelled entry, and the same bytes are attached
	// for the clients that only import attachments, named for the method (invite.ics for a
	// REQUEST, cancel.ics for a CANCEL). A message carries one calendar object: clients act on
	// one calendar part per message and leave the others, so a change of meeting sends the old
	// entry's CANCEL in a message of its own.
	Calendar    *CalendarPart
	Attachments []Attachment
}

// CalendarPart is an iCalendar object and its iTIP method, which must be the METHOD inside it.
type CalendarPart struct {
	Method string // "REQUEST", "CANCEL", "PUBLISH", ...
	ICS    []byte
}

// Attachment is a file sent with the message. Inline files (the digest's chart) are shown in
// the HTML by their Content-ID (<img src="cid:...">) instead of being listed as attachments.
type Attachment struct {
	Name        string
	ContentType string // "application/pdf"; "" guesses from the name
	Data        []byte
	Inline      bool
	ContentID   string // without angle brackets; required when Inline
}

// CalendarFileName is the name a calendar object is attached under, as mail programs show it:
// it says what the file does ("invite.ics" for a REQUEST, "cancel.ics" for a CANCEL).
func CalendarFileName(method string) string {
	switch strings.ToUpper(method) {
	case "REQUEST":
		return "invite.ics"
	case "CANCEL":
		return "cancel.ics"
	}
	return strings.ToLower(method) + ".ics"
}

// Msg builds the go-mail message. It refuses a message that would go out wrong: no or several
// recipients, a header with a line break, no date or Message-ID, an unknown Auto-Submitted
// keyword, a calendar whose method is not the METHOD inside it.
func (o Outgoing) Msg() (*mail.Msg, error) {
	if err := o.check(); err != nil {
		return nil, fmt.Errorf("compose message %s: %w", o.MessageID, err)
	}
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	m.FromMailAddress(&o.From)
	m.ToMailAddress(&o.To)
	if len(o.Cc) > 0 {
		cc := make([]*netmail.Address, len(o.Cc))
		for i := range o.Cc {
			cc[i] = &o.Cc[i]
		}
		m.CcMailAddress(cc...)
	}
	if o.ReplyTo.Address != "" {
		m.ReplyToMailAddress(&o.ReplyTo)
	}
	m.SetGenHeaderPreformatted(mail.HeaderSubject, encodeSubject(o.Subject))
	m.SetMessageIDWithValue(o.MessageID)
	m.SetDateWithValue(o.Date)
	if o.InReplyTo != "" {
		m.SetGenHeader(mail.HeaderInReplyTo, bracket(o.InReplyTo))
	}
	if len(o.References) > 0 {
		refs := make([]string, len(o.References))
		for i, r := range o.References {
			refs[i] = bracket(r)
		}
		// One value: go-mail joins several values with commas, and References wants spaces.
		m.SetGenHeader(mail.HeaderReferences, strings.Join(refs, " "))
	}
	if o.AutoSubmitted != "" {
		m.SetGenHeader(mail.Header("Auto-Submitted"), o.AutoSubmitted)
	}
	m.SetUserAgent("rsvpd")

	m.SetBodyString(mail.TypeTextPlain, o.Text)
	if o.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, o.HTML)
	}
	if c := o.Calendar; c != nil {
		m.AddAlternativeString(mail.ContentType("text/calendar; method="+c.Method), string(c.ICS))
		name := CalendarFileName(c.Method)
		if err := m.AttachReader(name, bytes.NewReader(c.ICS),
			mail.WithFileContentType("application/ics")); err != nil {
			return nil, fmt.Errorf("compose message %s: attach %s: %w", o.MessageID, name, err)
		}
	}
	for _, a := range o.Attachments {
		opts := []mail.FileOption{}
		if a.ContentType != "" {
			opts = append(opts, mail.WithFileContentType(mail.ContentType(a.ContentType)))
		}
		if isMessage(a.ContentType) {
			// RFC 2046 5.2.1: a message/rfc822 part may not be base64-encoded; sent as it is,
			// the staff's mail program shows the original as a message, not as a file.
			if data, ok := asEightBit(a.Data); ok {
				a.Data = data
				opts = append(opts, mail.WithFileEncoding(mail.NoEncoding))
			}
		}
		var err error
		if a.Inline {
			opts = append(opts, mail.WithFileContentID(bracket(a.ContentID)))
			err = m.EmbedReader(a.Name, bytes.NewReader(a.Data), opts...)
		} else {
			err = m.AttachReader(a.Name, bytes.NewReader(a.Data), opts...)
		}
		if err != nil {
			return nil, fmt.Errorf("compose message %s: attach %s: %w", o.MessageID, a.Name, err)
		}
	}
	return m, nil
}

// Bytes is the message as RFC 5322 text with CRLF line ends: for .eml files and tests.
func (o Outgoing) Bytes() ([]byte, error) {
	m, err := o.Msg()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("write message %s: %w", o.MessageID, err)
	}
	return b.Bytes(), nil
}

// check collects everything wrong with the message, not just the first thing.
func (o Outgoing) check() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.From.Address == "" {
		add("no From address")
	}
	if o.To.Address == "" {
		add("no recipient")
	}
	for _, h := range []struct {
		name string
		a    netmail.Address
	}{{"From", o.From}, {"To", o.To}, {"Reply-To", o.ReplyTo}} {
		if h.a.Address != "" {
			if err := checkAddress(h.a); err != nil {
				add("%s: %w", h.name, err)
			}
		}
	}
	for _, a := range o.Cc {
		if err := checkAddress(a); err != nil {
			add("Cc: %w", err)
		}
	}
	if strings.TrimSpace(o.Subject) == "" {
		add("no subject")
	}
	if o.Text == "" {
		add("no text body")
	}
	if o.Date.IsZero() {
		add("no date")
	}
	if o.MessageID == "" {
		add("no Message-ID")
	}
	for _, h := range []struct{ name, v string }{
		{"Subject", o.Subject}, {"Message-ID", o.MessageID}, {"In-Reply-To", o.InReplyTo},
		{"References", strings.Join(o.References, " ")},
	} {
		if strings.ContainsAny(h.v, "\r\n") {
			add("%s contains a line break", h.name)
		}
	}
	for _, id := range append([]string{o.MessageID, o.InReplyTo}, o.References...) {
		if strings.ContainsAny(id, "<> \t") {
			add("message id %q: give it without angle brackets or spaces", id)
		}
	}
	switch o.AutoSubmitted {
	case "", "auto-generated", "auto-replied":
	default:
		add("Auto-Submitted %q: want auto-generated or auto-replied", o.AutoSubmitted)
	}
	if o.Calendar != nil {
		if err := checkCalendar(*o.Calendar); err != nil {
			add("calendar: %w", err)
		}
	}
	for _, a := range o.Attachments {
		if a.Name == "" || strings.ContainsAny(a.Name, "\r\n\"/\\") {
			add("attachment name %q", a.Name)
		}
		if a.Inline && (a.ContentID == "" || strings.ContainsAny(a.ContentID, "<> \r\n")) {
			add("inline attachment %q: Content-ID %q", a.Name, a.ContentID)
		}
		if a.Name == CalendarFileName("REQUEST") || a.Name == CalendarFileName("CANCEL") {
			add("attachment %q: the name is kept for the calendar parts", a.Name)
		}
	}
	return errors.Join(errs...)
}

func checkAddress(a netmail.Address) error {
	if strings.ContainsAny(a.Name, "\r\n") {
		return fmt.Errorf("display name %q contains a line break", a.Name)
	}
	p, err := netmail.ParseAddress(a.Address)
	if err != nil || p.Address != a.Address {
		return fmt.Errorf("%q is not a plain mail address", a.Address)
	}
	return nil
}

// checkCalendar insists that the MIME method and the METHOD inside the iCalendar agree:
// Outlook shows no buttons when they differ.
func checkCalendar(c CalendarPart) error {
	if c.Method == "" || strings.ContainsAny(c.Method, " ;\r\n\"") || strings.ToUpper(c.Method) != c.Method {
		return fmt.Errorf("method %q: want an upper-case iTIP method such as REQUEST", c.Method)
	}
	inner, ok := icsMethod(c.ICS)
	if !ok {
		return errors.New("the iCalendar has no METHOD")
	}
	if inner != c.Method {
		return fmt.Errorf("method %s, but the iCalendar says METHOD:%s", c.Method, inner)
	}
	return nil
}

// icsMethod finds the METHOD property of the VCALENDAR (before its first component).
func icsMethod(ics []byte) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(ics))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(strings.ToUpper(line), "BEGIN:") && !strings.EqualFold(line, "BEGIN:VCALENDAR") {
			return "", false
		}
		if name, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "METHOD") {
			return strings.ToUpper(strings.TrimSpace(v)), true
		}
	}
	return "", false
}

func bracket(id string) string { return "<" + id + ">" }

// encodeSubject writes the Subject value folded to lines of at most 76 octets: as it is when
// it is plain ASCII, else as RFC 2047 Q-encoded words of whole UTF-8 characters. go-mail would
// put a full-length first encoded word on a line of its own ("Subject:" and nothing else),
// which some readers (Python's email package, and the archives built on it) show with a
// leading space.
func encodeSubject(s string) string {
	const max = 76
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return foldWords(strings.Fields(s), len("Subject: "), max)
	}
	const open, end = "=?UTF-8?q?", "?="
	var words []string
	var w strings.Builder
	budget := max - len("Subject: ")
	for _, r := range s {
		enc := qEncodeRune(r)
		if w.Len() > 0 && len(open)+w.Len()+len(enc)+len(end) > budget {
			words = append(words, open+w.String()+end)
			w.Reset()
			budget = max - 1 // a continuation line starts with one space
		}
		w.WriteString(enc)
	}
	if w.Len() > 0 {
		words = append(words, open+w.String()+end)
	}
	return strings.Join(words, "\r\n ")
}

// qEncodeRune is one character in RFC 2047 Q encoding, restricted to what may stand in a
// Subject's encoded word.
func qEncodeRune(r rune) string {
	var buf [4]byte
	n := utf8.EncodeRune(buf[:], r)
	var b strings.Builder
	for _, c := range buf[:n] {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("!*+-/", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}

// foldWords joins words with spaces, breaking the line before a word that would pass max.
func foldWords(words []string, used, max int) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			if used+1+len(w) > max {
				b.WriteString("\r\n")
				used = 0
			}
			b.WriteByte(' ')
			used++
		}
		b.WriteString(w)
		used += len(w)
	}
	return b.String()
}

func isMessage(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "message/rfc822")
}

// asEightBit returns a stored original with CRLF line ends, fit to be sent as an 8bit part;
// false when it cannot be (NUL bytes, bare CRs, lines over 998 octets), and base64 it must be: clients
// read that too, and nothing of the original is lost.
func asEightBit(data []byte) ([]byte, bool) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, false
	}
	lines := bytes.Split(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n"))
	for i, l := range lines {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) > 998 || bytes.IndexByte(l, '\r') >= 0 {
			return nil, false
		}
		lines[i] = l
	}
	out := bytes.Join(lines, []byte("\r\n"))
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, '\r', '\n')
	}
	return out, true
}
