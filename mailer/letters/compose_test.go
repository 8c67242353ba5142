package letters

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
)

// mimePart is one node of a parsed message: its media type, parameters, headers and, for a
// leaf, its decoded body.
type mimePart struct {
	mediaType string
	params    map[string]string
	header    map[string][]string
	body      []byte
	children  []*mimePart
}

// parseMessage reads a message back with the standard library only, strictly: a malformed
// structure fails the test instead of being guessed at as a tolerant reader would.
func parseMessage(t *testing.T, raw []byte) (*netmail.Message, *mimePart) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	root := readPart(t, msg.Header, msg.Body)
	return msg, root
}

// composedAs composes o and reads it back, failing the test unless its MIME structure is
// shape (as mimePart.shape writes it).
func composedAs(t *testing.T, o Outgoing, shape string) (*netmail.Message, *mimePart) {
	t.Helper()
	raw, err := o.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	msg, root := parseMessage(t, raw)
	if got := root.shape(); got != shape {
		t.Fatalf("structure %s, want %s", got, shape)
	}
	return msg, root
}

func readPart(t *testing.T, h map[string][]string, body io.Reader) *mimePart {
	t.Helper()
	ct := first(h, "Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", ct, err)
	}
	p := &mimePart{mediaType: mt, params: params, header: h}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: next part: %v", mt, err)
			}
			p.children = append(p.children, readPart(t, part.Header, part))
		}
		return p
	}
	var r io.Reader = body
	switch strings.ToLower(first(h, "Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected transfer encoding %q", first(h, "Content-Transfer-Encoding"))
	}
	if p.body, err = io.ReadAll(r); err != nil {
		t.Fatalf("%s: decode body: %v", mt, err)
	}
	return p
}

func first(h map[string][]string, k string) string {
	for key, v := range h {
		if strings.EqualFold(key, k) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// shape writes the MIME tree as one line: "mixed(alternative(text/plain,text/html),application/ics)".
func (p *mimePart) shape() string {
	if len(p.children) == 0 {
		return p.mediaType
	}
	s := make([]string, len(p.children))
	for i, c := range p.children {
		s[i] = c.shape()
	}
	return strings.TrimPrefix(p.mediaType, "multipart/") + "(" + strings.Join(s, ",") + ")"
}

// find returns the leaves with the media type.
func (p *mimePart) find(mediaType string) []*mimePart {
	if len(p.children) == 0 {
		if p.mediaType == mediaType {
			return []*mimePart{p}
		}
		return nil
	}
	var out []*mimePart
	for _, c := range p.children {
		out = append(out, c.find(mediaType)...)
	}
	return out
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func sampleICS(method, uid string) []byte {
	return []byte(crlf(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//rsvpd//test//DA
METHOD:` + method + `
BEGIN:VEVENT
UID:` + uid + `
DTSTAMP:20120206T080000Z
DTSTART:20120306T090000Z
DTEND:20120306T110000Z
SUMMARY:Dialogmøde om det nye fælles bibliotekssystem
LOCATION:Vejle Bibliotekerne\, Willy Sørensens Plads 1\, 7100 Vejle
ORGANIZER;CN=KOMBIT:mailto:dialogmoeder@kombit.test
ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:bibliotekschef@koebenhavn.kommune.test
SEQUENCE:0
END:VEVENT
END:VCALENDAR
`))
}

// letterMessage renders a letter of the example campaign and wraps it as the outbox would.
func letterMessage(t testing.TB, k Kind) (Outgoing, *campaign.Campaign) {
	t.Helper()
	c := exampleCampaign(t)
	l := newLetters(t, c, "")
	signer := campaign.NewSigner([]byte("test secret"), "kombit.test")
	d := SampleData(c, k)
	d.ReplyAddress = signer.ReplyAddress(c.Organiser.Email, d.Invitee.Code)
	r := render(t, l, k, d)
	return Outgoing{
		From:          netmail.Address{Name: "KOMBIT – Dialogmøder", Address: c.Organiser.Email},
		To:            netmail.Address{Address: d.Invitee.Email},
		ReplyTo:       netmail.Address{Name: "KOMBIT", Address: d.ReplyAddress},
		Subject:       r.Subject,
		Text:          r.Text,
		HTML:          r.HTML,
		MessageID:     signer.MessageID(string(k)+"/"+d.Invitee.Code, d.Invitee.Code),
		AutoSubmitted: "auto-generated",
		Date:          time.Date(2012, 2, 6, 9, 0, 0, 0, c.Location),
	}, c
}

func TestComposeInvitation(t *testing.T) {
	o, _ := letterMessage(t, KindInvitation)
	raw, err := o.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	msg, root := parseMessage(t, raw)
	if got := root.shape(); got != "alternative(text/plain,text/html)" {
		t.Errorf("structure %s, want multipart/alternative of text and HTML", got)
	}
	for _, p := range root.children {
		if !strings.EqualFold(p.params["charset"], "utf-8") || !strings.EqualFold(first(p.header, "Content-Transfer-Encoding"), "quoted-printable") {
			t.Errorf("%s: charset %q, encoding %q; want UTF-8 quoted-printable", p.mediaType, p.params["charset"], first(p.header, "Content-Transfer-Encoding"))
		}
	}
	if got := string(root.find("text/plain")[0].body); got != crlf(o.Text) {
		t.Errorf("text part decodes to something else than the letter:\n%q\nwant\n%q", got, crlf(o.Text))
	}
	if got := string(root.find("text/html")[0].body); got != crlf(o.HTML) {
		t.Error("HTML part decodes to something else than the letter")
	}

	header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for i, b := range header {
		if b >= 0x80 {
			t.Fatalf("raw 8-bit byte in the header at %d: %q", i, header[max(0, i-20):i+1])
		}
	}
	rawSubject := msg.Header.Get("Subject")
	if !strings.HasPrefix(rawSubject, "=?UTF-8?") {
		t.Errorf("Subject %q is not RFC 2047 encoded", rawSubject)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(rawSubject)
	if err != nil || subject != "Invitation til dialogmøde om det nye fælles bibliotekssystem" {
		t.Errorf("Subject decodes to %q (%v)", subject, err)
	}
	checkHeaders(t, msg, o)
	if ua := msg.Header.Get("User-Agent"); ua != "rsvpd" {
		t.Errorf("User-Agent %q", ua)
	}

	// A tolerant reader (the one rsvpd reads replies with) sees the same.
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if env.GetHeader("Subject") != subject || !strings.Contains(env.Text, "Kære bibliotekschef i Københavns Kommune") ||
		!strings.Contains(env.HTML, "Willy Sørensens Plads 1") || len(env.Errors) > 0 {
		t.Errorf("enmime reads subject %q, errors %v", env.GetHeader("Subject"), env.Errors)
	}
}

func checkHeaders(t *testing.T, msg *netmail.Message, o Outgoing) {
	t.Helper()
	h := msg.Header
	if got := h.Get("Message-Id"); got != "<"+o.MessageID+">" {
		t.Errorf("Message-ID %q, want <%s>", got, o.MessageID)
	}
	if got := h.Get("Auto-Submitted"); got != o.AutoSubmitted {
		t.Errorf("Auto-Submitted %q, want %q", got, o.AutoSubmitted)
	}
	if d, err := h.Date(); err != nil || !d.Equal(o.Date) {
		t.Errorf("Date %v (%v), want %v", d, err, o.Date)
	}
	for _, c := range []struct {
		name string
		want netmail.Address
	}{{"From", o.From}, {"To", o.To}, {"Reply-To", o.ReplyTo}} {
		list, err := h.AddressList(c.name)
		if err != nil || len(list) != 1 || list[0].Address != c.want.Address || list[0].Name != c.want.Name {
			t.Errorf("%s = %v (%v), want %v", c.name, list, err, c.want)
		}
	}
	if h.Get("Cc") != "" && len(o.Cc) == 0 {
		t.Errorf("Cc %q on a message without Cc", h.Get("Cc"))
	}
	if !strings.HasPrefix(h.Get("Mime-Version"), "1.0") {
		t.Errorf("MIME-Version %q", h.Get("Mime-Version"))
	}
}

func TestComposeConfirmationWithCalendar(t *testing.T) {
	o, _ := letterMessage(t, KindConfirmation)
	ics := sampleICS("REQUEST", "rsvpd-101-vejle@kombit.test")
	o.Calendar = &CalendarPart{Method: "REQUEST", ICS: ics}
	o.AutoSubmitted = "auto-replied"
	o.InReplyTo = "CAB1234@mail.koebenhavn.test"
	o.References = []string{"rsvpd.abc.101.def@kombit.test", "CAB1234@mail.koebenhavn.test"}
	o.Cc = []netmail.Address{{Name: "Kollega", Address: "kollega@koebenhavn.kommune.test"}}
	msg, root := composedAs(t, o, "mixed(alternative(text/plain,text/html,text/calendar),application/ics)")
	cal := root.find("text/calendar")[0]
	if cal.params["method"] != "REQUEST" {
		t.Errorf("calendar part method=%q, want REQUEST", cal.params["method"])
	}
	if m, _ := icsMethod(cal.body); m != "REQUEST" {
		t.Errorf("calendar part's METHOD is %q", m)
	}
	if !bytes.Equal(cal.body, ics) {
		t.Errorf("calendar alternative does not decode to the ICS given:\n%q", cal.body)
	}
	att := root.find("application/ics")[0]
	if !bytes.Equal(att.body, ics) {
		t.Error("invite.ics does not hold the ICS given")
	}
	if cd := first(att.header, "Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, `filename="invite.ics"`) {
		t.Errorf("invite.ics disposition %q", cd)
	}
	checkHeaders(t, msg, o)
	if got := msg.Header.Get("In-Reply-To"); got != "<CAB1234@mail.koebenhavn.test>" {
		t.Errorf("In-Reply-To %q", got)
	}
	if got := msg.Header.Get("References"); got != "<rsvpd.abc.101.def@kombit.test> <CAB1234@mail.koebenhavn.test>" {
		t.Errorf("References %q: want ids separated by spaces", got)
	}
	if cc, err := msg.Header.AddressList("Cc"); err != nil || len(cc) != 1 || cc[0].Address != "kollega@koebenhavn.kommune.test" {
		t.Errorf("Cc %v (%v)", cc, err)
	}
}

// TestComposeCancelAlone: the CANCEL of an old entry is the message's one calendar part, as
// an alternative (the one clients act on) and attached as cancel.ics, the name saying what the
// file does.
func TestComposeCancelAlone(t *testing.T) {
	o, _ := letterMessage(t, KindCalendarCancel)
	cancel := sampleICS("CANCEL", "rsvpd-101-aalborg@kombit.test")
	o.Calendar = &CalendarPart{Method: "CANCEL", ICS: cancel}
	_, root := composedAs(t, o, "mixed(alternative(text/plain,text/html,text/calendar),application/ics)")
	if c := root.find("text/calendar")[0]; c.params["method"] != "CANCEL" || !bytes.Equal(c.body, cancel) {
		t.Errorf("the calendar alternative: method=%q, body equal %v", c.params["method"], bytes.Equal(c.body, cancel))
	}
	att := root.find("application/ics")[0]
	if cd := first(att.header, "Content-Disposition"); !strings.Contains(cd, `filename="cancel.ics"`) || !bytes.Equal(att.body, cancel) {
		t.Errorf("the attached CANCEL: disposition %q, body equal %v", cd, bytes.Equal(att.body, cancel))
	}
}

func TestComposeDigestWithChartAndCSV(t *testing.T) {
	o, _ := letterMessage(t, KindDigest)
	png := []byte("\x89PNG\r\n\x1a\n not really a chart")
	csv := []byte("code,name,status\n101,København,attending\n")
	o.To = netmail.Address{Address: "staff@kombit.test"}
	o.ReplyTo = netmail.Address{}
	o.Attachments = []Attachment{
		{Name: "chart.png", ContentType: "image/png", Data: png, Inline: true, ContentID: "chart@rsvpd"},
		{Name: "status.csv", ContentType: "text/csv", Data: csv},
	}
	msg, root := composedAs(t, o, "mixed(related(alternative(text/plain,text/html),image/png),text/csv)")
	img := root.find("image/png")[0]
	if first(img.header, "Content-Id") != "<chart@rsvpd>" || !strings.HasPrefix(first(img.header, "Content-Disposition"), "inline") || !bytes.Equal(img.body, png) {
		t.Errorf("chart: Content-ID %q, disposition %q", first(img.header, "Content-Id"), first(img.header, "Content-Disposition"))
	}
	if !strings.Contains(string(root.find("text/html")[0].body), `src="cid:chart@rsvpd"`) {
		t.Error("the HTML does not point at the chart's Content-ID")
	}
	if !bytes.Equal(root.find("text/csv")[0].body, csv) {
		t.Error("status.csv changed on the way")
	}
	if msg.Header.Get("Reply-To") != "" {
		t.Errorf("Reply-To %q on a message without one", msg.Header.Get("Reply-To"))
	}
}

func TestComposeLongDanishSubject(t *testing.T) {
	o, _ := letterMessage(t, KindInvitation)
	o.Subject = "Påmindelse: Ændret tilmelding for Ærø, Brønderslev, Høje-Taastrup og Læsø – mødet i Århus, Ølstykke og Åbenrå ÆØÅ æøå"
	raw, err := o.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := parseMessage(t, raw)
	got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || got != o.Subject {
		t.Errorf("subject decodes to %q (%v), want %q", got, err, o.Subject)
	}
	head := string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))])
	at := strings.Index(head, "\r\nSubject: =?UTF-8?q?")
	if at < 0 {
		t.Fatalf("the Subject does not start with an encoded word on its own line:\n%s", head)
	}
	for _, line := range strings.Split(head[at+2:], "\r\n") {
		if !strings.HasPrefix(line, "Subject:") && !strings.HasPrefix(line, " ") {
			break
		}
		if len(line) > 76 {
			t.Errorf("Subject line of %d octets: %q", len(line), line)
		}
	}
}

func TestEncodeSubject(t *testing.T) {
	tests := []string{
		"Invitation: Dialogmøde om det nye fælles bibliotekssystem",
		"ÆØÅæøå",
		"Plain ASCII subject that is rather long and has to be folded somewhere near the end of it all",
		"Emoji 📅 and – dashes – and \"quotes\" and question? marks_ and = signs",
		strings.Repeat("ø", 100),
	}
	dec := new(mime.WordDecoder)
	for _, s := range tests {
		raw := encodeSubject(s)
		for _, line := range strings.Split("Subject: "+raw, "\r\n") {
			if len(line) > 76 {
				t.Errorf("%q: line of %d octets: %q", s, len(line), line)
			}
		}
		// Unfold as a reader does, then decode.
		got, err := dec.DecodeHeader(strings.ReplaceAll(raw, "\r\n", ""))
		if err != nil || got != s {
			t.Errorf("%q encodes to %q, which decodes to %q (%v)", s, raw, got, err)
		}
	}
}

func TestComposeRefuses(t *testing.T) {
	base, _ := letterMessage(t, KindConfirmation)
	tests := []struct {
		name   string
		change func(o *Outgoing)
		want   string
	}{
		{"no recipient", func(o *Outgoing) { o.To = netmail.Address{} }, "no recipient"},
		{"two recipients in one", func(o *Outgoing) { o.To.Address = "a@x.test, b@x.test" }, "not a plain mail address"},
		{"line break in subject", func(o *Outgoing) { o.Subject = "Hej\r\nBcc: victim@x.test" }, "Subject contains a line break"},
		{"line break in a name", func(o *Outgoing) { o.From.Name = "KOMBIT\nBcc: x@y.test" }, "line break"},
		{"no date", func(o *Outgoing) { o.Date = time.Time{} }, "no date"},
		{"no Message-ID", func(o *Outgoing) { o.MessageID = "" }, "no Message-ID"},
		{"bracketed id", func(o *Outgoing) { o.InReplyTo = "<a@b>" }, "without angle brackets"},
		{"unknown Auto-Submitted", func(o *Outgoing) { o.AutoSubmitted = "yes" }, "Auto-Submitted"},
		{"method differs from ICS", func(o *Outgoing) {
			o.Calendar = &CalendarPart{Method: "REQUEST", ICS: sampleICS("CANCEL", "u")}
		}, "METHOD:CANCEL"},
		{"ICS without METHOD", func(o *Outgoing) {
			o.Calendar = &CalendarPart{Method: "REQUEST", ICS: []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nMETHOD:REQUEST\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")}
		}, "no METHOD"},
		{"inline without Content-ID", func(o *Outgoing) {
			o.Attachments = []Attachment{{Name: "chart.png", Data: []byte("x"), Inline: true}}
		}, "Content-ID"},
		{"attachment named like the calendar", func(o *Outgoing) {
			o.Attachments = []Attachment{{Name: "invite.ics", Data: []byte("x")}}
		}, "kept for the calendar"},
		{"no text", func(o *Outgoing) { o.Text = "" }, "no text body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			tc.change(&o)
			_, err := o.Bytes()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), base.MessageID) && o.MessageID != "" {
				t.Errorf("error %q does not name the message", err)
			}
		})
	}
	t.Run("all problems at once", func(t *testing.T) {
		o := base
		o.To, o.Date, o.Subject = netmail.Address{}, time.Time{}, ""
		_, err := o.Msg()
		for _, s := range []string{"no recipient", "no date", "no subject"} {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("err = %v, want it to name %q", err, s)
			}
		}
	})
}

func TestComposeReviewWithOriginals(t *testing.T) {
	o, _ := letterMessage(t, KindStaffReview)
	o.To, o.ReplyTo = netmail.Address{Address: "staff@kombit.test"}, netmail.Address{}
	plain := "From: Kulturforvaltningen <kultur@eksempel.test>\nSubject: =?UTF-8?q?Sp=C3=B8rgsm=C3=A5l?=\nMessage-ID: <q1@eksempel.test>\n\nKan vi komme tre?\n"
	binary := "From: x@y.test\r\nSubject: binary\r\n\r\n\x00\x01\x02"
	o.Attachments = []Attachment{
		{Name: "original-r1.eml", ContentType: "message/rfc822", Data: []byte(plain)},
		{Name: "original-r2.eml", ContentType: "message/rfc822", Data: []byte(binary)},
	}
	_, root := composedAs(t, o, "mixed(alternative(text/plain,text/html),message/rfc822,message/rfc822)")
	origs := root.find("message/rfc822")
	if enc := first(origs[0].header, "Content-Transfer-Encoding"); enc != "8bit" {
		t.Errorf("a mail-safe original is sent as %q, want 8bit (RFC 2046 forbids base64 for message/rfc822)", enc)
	}
	inner, err := netmail.ReadMessage(bytes.NewReader(origs[0].body))
	if err != nil || inner.Header.Get("Message-Id") != "<q1@eksempel.test>" {
		t.Errorf("the attached original does not read back as the message (%v)", err)
	}
	if body, _ := io.ReadAll(inner.Body); string(body) != "Kan vi komme tre?\r\n" {
		t.Errorf("original body %q", body)
	}
	if enc := first(origs[1].header, "Content-Transfer-Encoding"); enc != "base64" || string(origs[1].body) != binary {
		t.Errorf("an original with NUL bytes: encoding %q, kept intact %v", enc, string(origs[1].body) == binary)
	}
}

func BenchmarkComposeInvitation(b *testing.B) {
	o, _ := letterMessage(b, KindInvitation)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := o.Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}
