package replies

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/rsvpd/rsvpd/campaign"
)

// message is a decoded mail: its headers, every leaf part with content decoded to UTF-8, and
// the text body chosen for reading.
type message struct {
	header      textproto.MIMEHeader // the top-level header, raw (not RFC 2047 decoded)
	from        string               // lower-case address, "" unless From holds exactly one
	fromName    string
	fromProblem campaign.Reason // why from is "": the From header is missing, broken or a list
	subject     string
	messageID   string
	inReplyTo   string
	references  []string
	date        time.Time
	recipients  []string // To, Cc, Delivered-To, X-Original-To, ... lower-case
	root        *enmime.Part
	parts       []*enmime.Part // leaf parts in depth-first order
	text        string         // the chosen plain-text body
	html        string         // the chosen HTML body, when the text came from it
	tnef        *tnefContent   // what winmail.dat holds, when there is one (tnef.go)
	// complex names the bound a part of the message passed, so that it was not read (an
	// HTML body too big to turn into text); partial names the bounds that cut what was read
	// (a very long line). Both go into the reason, and the reading is held for a person.
	complex     campaign.Reason
	partial     []campaign.Reason
	bodyText    *string  // cache of body()
	explanation *string  // cache of bounceExplanation()
	lines       []string // cache of bodyLines()
	kinds       []lineKind
}

// bodyLines returns the body split into lines and each line's kind for trimming, computed
// once: the reply text and the colleague's signature are both read from them. A line longer
// than maxLine is read only as far as that.
func (m *message) bodyLines() ([]string, []lineKind) {
	if m.lines == nil {
		m.lines = strings.Split(normaliseBody(m.body()), "\n")
		cut := false
		for i, l := range m.lines {
			if len(l) > maxLine {
				m.lines[i], cut = clipUTF8(l, maxLine), true
			}
		}
		if cut {
			m.partial = append(m.partial, campaign.Reason{Code: campaign.NoteLongLine, Count: maxLine >> 10})
		}
		m.kinds = classifyLines(m.lines)
	}
	return m.lines, m.kinds
}

// clipUTF8 cuts s to at most n bytes without splitting a character.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var errEmpty = errors.New("empty message")

// decode parses raw with enmime, tolerant of broken structure: a part it cannot read is
// skipped, a message whose MIME structure it cannot read at all is read as plain text.
// The returned message is nil only for empty input.
func decode(raw []byte) (*message, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errEmpty
	}
	if len(raw) > maxMessage {
		raw = raw[:maxMessage]
	}
	raw = dropMboxLine(raw)
	if err := checkMIMEShape(raw); err != nil {
		return headerOnly(raw, err)
	}
	parser := enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.DisableCharacterDetection(true),
		// Nor guess the charset of a part that states none: partText reads such bytes as
		// UTF-8 when they are valid and as Windows-1252 when not, which is what Danish mail
		// without a charset is, and costs nothing next to statistical detection.
		enmime.MinCharsetDetectRunes(1<<30),
		enmime.DisableTextConversion(true),
		enmime.StripMediaTypeInvalidCharacters(true),
	)
	root, err := parser.ReadParts(bytes.NewReader(raw))
	if err != nil || root == nil {
		return decodeLoose(raw, err)
	}
	if fixed := repairBoundary(raw, root); fixed != nil && checkMIMEShape(fixed) == nil {
		if r2, err := parser.ReadParts(bytes.NewReader(fixed)); err == nil && r2 != nil {
			root = r2
		}
	}
	m := &message{header: root.Header, root: root}
	m.readHeader()
	collectParts(root, &m.parts)
	m.chooseBody()
	m.readTNEF() // Outlook's winmail.dat: its note when the MIME body has none (tnef.go)
	if !m.looksLikeMail() {
		return m, errors.New("no message header: not an RFC 5322 message")
	}
	return m, nil
}

// dropMboxLine removes the "From sender date" line an mbox file starts each message with.
func dropMboxLine(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line := raw[:i]
			if !bytes.Contains(line, []byte(":")) || bytes.Count(line, []byte(":")) >= 2 {
				return raw[i+1:]
			}
		}
	}
	return raw
}

var boundaryLineRe = regexp.MustCompile(`(?m)^--([^\s-][^\s]{5,69})[ \t]*\r?$`)

// repairBoundary rewrites the top-level Content-Type of a message whose MIME structure was
// damaged on the way (a multipart whose stated boundary never occurs, or a body of boundary
// lines under a header that lost its Content-Type), using the boundary the body does use.
// It returns nil when there is nothing to repair.
func repairBoundary(raw []byte, root *enmime.Part) []byte {
	headEnd := bytes.Index(raw, []byte("\n\n"))
	if crlf := bytes.Index(raw, []byte("\r\n\r\n")); crlf >= 0 && (headEnd < 0 || crlf < headEnd) {
		headEnd = crlf
	}
	if headEnd < 0 {
		return nil
	}
	body := raw[headEnd:]
	ct := root.Header.Get("Content-Type")
	multipart := strings.HasPrefix(strings.ToLower(root.ContentType), "multipart/")
	switch {
	case multipart && root.FirstChild == nil:
	case ct == "":
	default:
		return nil
	}
	mm := boundaryLineRe.FindSubmatch(body)
	if mm == nil {
		if multipart {
			// No boundary at all: read the body as the plain text it is.
			return replaceContentType(raw[:headEnd], "text/plain", body)
		}
		return nil
	}
	b := string(mm[1])
	if bytes.Count(body, []byte("--"+b)) < 2 {
		return nil
	}
	kind := "multipart/mixed"
	if strings.EqualFold(root.ContentType, "multipart/report") || bytes.Contains(bytes.ToLower(body), []byte("message/delivery-status")) {
		kind = "multipart/report; report-type=delivery-status"
	}
	return replaceContentType(raw[:headEnd], kind+`; boundary="`+b+`"`, body)
}

// replaceContentType returns the message with its top-level Content-Type (and transfer
// encoding, which a multipart cannot have) replaced.
func replaceContentType(head []byte, ct string, body []byte) []byte {
	var out bytes.Buffer
	skip := false
	for _, line := range bytes.SplitAfter(head, []byte("\n")) {
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if skip {
				continue
			}
		} else {
			name, _, _ := bytes.Cut(line, []byte(":"))
			n := strings.ToLower(strings.TrimSpace(string(name)))
			skip = n == "content-type" || n == "content-transfer-encoding"
			if skip {
				continue
			}
		}
		out.Write(line)
	}
	if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteByte('\n')
	}
	out.WriteString("Content-Type: " + ct + "\n")
	out.Write(body)
	return out.Bytes()
}

// headerOnly reads the header of a message whose body is not read (it is too complex), so
// that the sender and subject are still known; the error says why.
func headerOnly(raw []byte, cause error) (*message, error) {
	head, _ := splitHead(raw)
	text := string(head)
	if !utf8.ValidString(text) {
		text = fromLatin(head)
	}
	h := textproto.MIMEHeader{}
	tr := textproto.NewReader(bufio.NewReader(strings.NewReader(strings.ReplaceAll(text, "\r\n", "\n") + "\n\n")))
	if parsed, err := tr.ReadMIMEHeader(); err == nil || len(parsed) > 0 {
		h = parsed
	}
	m := &message{header: h, complex: complexNote(cause)}
	m.readHeader()
	return m, cause
}

// decodeLoose reads a message enmime refused: headers up to the first empty line (as far as
// they parse), the rest as a plain-text body.
func decodeLoose(raw []byte, cause error) (*message, error) {
	text := string(raw)
	if !utf8.ValidString(text) {
		text = fromLatin(raw)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	head, body, found := strings.Cut(text, "\n\n")
	if !found {
		head, body = text, ""
	}
	h := textproto.MIMEHeader{}
	tr := textproto.NewReader(bufio.NewReader(strings.NewReader(head + "\n\n")))
	if parsed, err := tr.ReadMIMEHeader(); err == nil || len(parsed) > 0 {
		h = parsed
	}
	m := &message{header: h, text: body}
	m.readHeader()
	if !m.looksLikeMail() {
		if cause == nil {
			cause = errors.New("no header")
		}
		return m, fmt.Errorf("not an RFC 5322 message: %w", cause)
	}
	return m, nil
}

// looksLikeMail says whether the header has any field a mail message has.
func (m *message) looksLikeMail() bool {
	for _, k := range []string{"From", "To", "Subject", "Date", "Message-Id", "Content-Type",
		"Received", "Return-Path", "Mime-Version", "Sender", "Delivered-To"} {
		if _, ok := m.header[k]; ok {
			return true
		}
	}
	return false
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// charsetReader turns any charset the web and mail know into UTF-8.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	e, err := htmlindex.Get(strings.Trim(strings.ToLower(charset), "\" "))
	if err != nil {
		return nil, fmt.Errorf("charset %q: %w", charset, err)
	}
	return e.NewDecoder().Reader(input), nil
}

// maxHeaderText bounds the part of a header value that is decoded and read: a subject is a
// line, and mime.WordDecoder reads the rest of the value again for each encoded word that
// fails to decode.
const maxHeaderText = 16 << 10

// decodeHeader decodes RFC 2047 words and raw 8-bit (Latin-1) header bytes.
func decodeHeader(v string) string {
	if len(v) > maxHeaderText {
		v = v[:maxHeaderText]
	}
	if !utf8.ValidString(v) {
		v = fromLatin([]byte(v))
	}
	if strings.Contains(v, "=?") {
		// Adjacent encoded words may be split by folding inside a word; the decoder wants
		// each one whole.
		if d, err := wordDecoder.DecodeHeader(v); err == nil {
			v = d
		}
		if !utf8.ValidString(v) {
			// An encoded word that lies about its charset.
			v = strings.ToValidUTF8(v, "\uFFFD")
		}
	}
	return strings.Join(strings.Fields(v), " ")
}

// fromLatin decodes bytes as Windows-1252, the superset of Latin-1 that Danish mail without
// a stated charset is written in.
func fromLatin(b []byte) string {
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	return string(s)
}

func (m *message) get(name string) string { return decodeHeader(m.header.Get(name)) }

var msgIDRe = regexp.MustCompile(`<[^<>\s]+>`)

// readHeader fills the envelope fields from the top-level header. Addresses are parsed from
// the raw header (address.go); the Sender header names no one: only From is the sender.
func (m *message) readHeader() {
	m.subject = m.get("Subject")
	from := readFrom(m.header)
	m.from, m.fromName, m.fromProblem = from.addr, from.name, from.problem
	m.messageID = strings.Trim(strings.TrimSpace(m.header.Get("Message-Id")), "<>")
	m.inReplyTo = strings.Trim(firstMatch(msgIDRe, m.header.Get("In-Reply-To")), "<>")
	for _, id := range msgIDRe.FindAllString(m.header.Get("References"), 50) {
		m.references = append(m.references, strings.Trim(id, "<>"))
	}
	if d, err := mail.ParseDate(strings.TrimSpace(m.header.Get("Date"))); err == nil {
		m.date = d
	}
	m.recipients = readRecipients(m.header)
}

func firstMatch(re *regexp.Regexp, s string) string { return re.FindString(s) }

var addrRe = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*`)

// addressesIn returns every address-like word of a text, lower-case: for what a delivery
// report says in prose, never for a sender or a recipient header.
func addressesIn(v string) []string {
	found := addrRe.FindAllString(v, 100)
	for i, a := range found {
		found[i] = strings.ToLower(a)
	}
	return found
}

// collectParts lists the leaf parts of the tree, depth first.
func collectParts(p *enmime.Part, out *[]*enmime.Part) {
	for ; p != nil; p = p.NextSibling {
		if p.FirstChild != nil {
			collectParts(p.FirstChild, out)
			continue
		}
		*out = append(*out, p)
		if p.Parent == nil {
			return // the root has no siblings
		}
	}
}

// partText returns a text part's content as valid UTF-8: enmime decodes the stated charset,
// but mail that says utf-8 and is Latin-1 (or states nothing) is common.
func partText(p *enmime.Part) string {
	if utf8.Valid(p.Content) {
		return string(p.Content)
	}
	return fromLatin(p.Content)
}

// ctParam returns a parameter of a part's Content-Type (lower-case name), read with
// enmime's tolerant media type parser: enmime itself keeps only charset and boundary.
func ctParam(p *enmime.Part, name string) string {
	ct := p.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	_, params, _, err := mediatype.Parse(ct)
	if err != nil {
		return ""
	}
	for k, v := range params {
		if strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// isAttachment says whether a part is a file rather than the message's body.
func isAttachment(p *enmime.Part) bool {
	return strings.EqualFold(p.Disposition, "attachment")
}

// insideMessage says whether a part belongs to an attached message (message/rfc822 is
// parsed by enmime as a leaf, but a few senders nest its parts in a multipart instead).
func insideMessage(p *enmime.Part) bool {
	for q := p.Parent; q != nil; q = q.Parent {
		if strings.HasPrefix(q.ContentType, "message/") {
			return true
		}
	}
	return false
}

// chooseBody picks the text to read: the first plain-text part that is not an attachment,
// else the first HTML part turned into text.
func (m *message) chooseBody() {
	var html *enmime.Part
	for _, p := range m.parts {
		if isAttachment(p) || insideMessage(p) {
			continue
		}
		switch p.ContentType {
		case "text/plain", "":
			if t := partText(p); strings.TrimSpace(t) != "" {
				m.text = t
				return
			}
		case "text/html":
			if html == nil {
				html = p
			}
		}
	}
	if html != nil {
		m.html = partText(html)
		text, err := readHTML(m.html)
		if err != nil {
			m.complex = complexNote(err)
		}
		m.text = text
	}
}

// body returns the message's text with line ends normalised, at most maxBodyText of it.
func (m *message) body() string {
	if m.bodyText == nil {
		t := m.text
		if len(t) > maxBodyText {
			t = clipUTF8(t, maxBodyText)
			m.partial = append(m.partial, campaign.Reason{Code: campaign.NoteBodyCut, Count: maxBodyText >> 20})
		}
		t = strings.ReplaceAll(t, "\r\n", "\n")
		t = strings.ReplaceAll(t, "\r", "\n")
		m.bodyText = &t
	}
	return *m.bodyText
}
