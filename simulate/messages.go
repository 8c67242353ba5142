package simulate

import (
	"encoding/base64"
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/campaign"
)

// Mail writes the messages simulated invitees send, as real mail programs write them: a reply
// to the invitation that quotes it, a calendar client's REPLY, an out-of-office, a bounce.
type Mail struct {
	c      *campaign.Campaign
	signer *campaign.Signer
	quote  func(inv campaign.Invitee) string // the invitation's text, for quoting
}

// NewMail returns a message writer; quote gives the text of an invitee's invitation.
func NewMail(c *campaign.Campaign, signer *campaign.Signer, quote func(campaign.Invitee) string) *Mail {
	return &Mail{c: c, signer: signer, quote: quote}
}

func (m *Mail) domain() string {
	a := m.c.Organiser.Email
	return a[strings.LastIndexByte(a, '@')+1:]
}

func (m *Mail) invitationID(inv campaign.Invitee) string {
	return m.signer.MessageID("invitation/"+inv.Code, inv.Code)
}

func (m *Mail) subject(prefix string) string {
	return mime.QEncoding.Encode("utf-8", prefix+m.invitationSubject())
}

// invitationSubject is the invitation's subject as the Danish letter writes it.
func (m *Mail) invitationSubject() string {
	name := m.c.Name
	if r, size := utf8.DecodeRuneInString(name); size > 0 {
		name = string(unicode.ToLower(r)) + name[size:]
	}
	return "Invitation til " + name
}

// header writes the common header lines of a message from an invitee.
func (m *Mail) header(b *strings.Builder, from, to, subject, id string, at time.Time, inv campaign.Invitee) {
	fmt.Fprintf(b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		from, to, subject, at.Format(time.RFC1123Z), id)
	fmt.Fprintf(b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\nMIME-Version: 1.0\r\n", m.invitationID(inv), m.invitationID(inv))
}

// Reply is a person's answer in their own words, written in Outlook's style with the
// invitation quoted below a "-----Oprindelig meddelelse-----" block; with a file attached
// when one is given (the signed agreement).
func (m *Mail) Reply(inv campaign.Invitee, from, text string, at time.Time, n int, file ...File) []byte {
	if from == "" {
		from = inv.Email
	}
	var b strings.Builder
	m.header(&b, from, m.signer.ReplyAddress(m.c.Organiser.Email, inv.Code), m.subject("SV: "),
		fmt.Sprintf("sim-%s-%d@%s", inv.Code, n, hostOf(from)), at, inv)
	body := crlf(text) + "\r\n\r\nMed venlig hilsen\r\n" + orName(inv.Contact, "Bibliotekschefen") + "\r\n" + inv.FormalName + "\r\n\r\n" +
		"-----Oprindelig meddelelse-----\r\n" +
		fmt.Sprintf("Fra: %s [mailto:%s]\r\nSendt: %s\r\nTil: %s\r\nEmne: %s\r\n\r\n",
			m.c.Organiser.Name, m.c.Organiser.Email, m.c.Schedule.Invitations.Format("2. January 2006 15:04"), inv.Email,
			m.invitationSubject()) + crlf(m.quote(inv))
	var f File
	if len(file) > 0 {
		f = file[0]
	}
	writeBody(&b, fmt.Sprintf("sim-%s-%d-mixed", inv.Code, n), body, f)
	return []byte(b.String())
}

// CalendarReply is a calendar client's answer to the invitation's entry for a meeting
// (METHOD:REPLY), sent to the entry's organizer: the invitee's tokened address.
func (m *Mail) CalendarReply(inv campaign.Invitee, meeting, partstat string, at time.Time, n int) []byte {
	to := m.signer.ReplyAddress(m.c.Organiser.Email, inv.Code)
	prefix := map[string]string{"ACCEPTED": "Accepteret: ", "DECLINED": "Afvist: ", "TENTATIVE": "Foreløbigt: "}[partstat]
	var b strings.Builder
	m.header(&b, inv.Email, to, m.subject(prefix), fmt.Sprintf("sim-cal-%s-%d@%s", inv.Code, n, hostOf(inv.Email)), at, inv)
	boundary := "sim-" + inv.Code + "-alt"
	fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", boundary,
		map[string]string{"ACCEPTED": "Ja, jeg deltager.", "DECLINED": "Nej, jeg deltager ikke.", "TENTATIVE": "Måske."}[partstat])
	uid := calendar.UID(inv.Code, meeting, m.domain())
	lines := []string{
		"BEGIN:VCALENDAR", "PRODID:-//Microsoft Corporation//Outlook 14.0 MIMEDIR//EN", "VERSION:2.0", "METHOD:REPLY",
		"BEGIN:VEVENT",
		"ATTENDEE;PARTSTAT=" + partstat + ":mailto:" + inv.Email,
		"ORGANIZER:mailto:" + to,
		"UID:" + uid, "SEQUENCE:0",
		"DTSTAMP:" + at.UTC().Format(icsUTC),
	}
	// Outlook's reply repeats the event's times; ical.js and others refuse a VEVENT without DTSTART.
	if mt, ok := m.c.Meeting(meeting); ok {
		lines = append(lines, "DTSTART:"+mt.Start.UTC().Format(icsUTC), "DTEND:"+mt.End.UTC().Format(icsUTC))
	}
	ics := strings.Join(append(lines, "END:VEVENT", "END:VCALENDAR", ""), "\r\n")
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n%s--%s--\r\n", boundary, ics, boundary)
	return []byte(b.String())
}

// icsUTC is an iCalendar date-time in UTC (RFC 5545 section 3.3.5, form 2).
const icsUTC = "20060102T150405Z"

// OutOfOffice is an automatic reply from the invitee's mail server, naming the return date.
func (m *Mail) OutOfOffice(inv campaign.Invitee, back time.Time, at time.Time, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <sim-ooo-%s-%d@%s>\r\n",
		inv.Email, m.c.Organiser.Email, m.subject("Automatisk svar: "), at.Format(time.RFC1123Z), inv.Code, n, hostOf(inv.Email))
	fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nAuto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n", m.invitationID(inv))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	fmt.Fprintf(&b, "Tak for din mail. Jeg er på ferie og er tilbage %s.\r\nI mellemtiden kan du kontakte biblioteket på hovednummeret.\r\n",
		campaign.FormatDateDa(back))
	return []byte(b.String())
}

// Bounce is the delivery-status notification a mail server sends when the invitee's address
// does not exist (RFC 3464), quoting the headers of the invitation.
func (m *Mail) Bounce(inv campaign.Invitee, at time.Time, n int) []byte {
	host := hostOf(inv.Email)
	boundary := "sim-dsn-" + inv.Code
	var b strings.Builder
	fmt.Fprintf(&b, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\nTo: %s\r\nSubject: Undelivered Mail Returned to Sender\r\n", host, m.c.Organiser.Email)
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <sim-dsn-%s-%d@%s>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n", at.Format(time.RFC1123Z), inv.Code, n, host)
	fmt.Fprintf(&b, "Content-Type: multipart/report; report-type=delivery-status; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nI'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.\r\n\r\n<%s>: host mx.%s said: 550 5.1.1 User unknown\r\n\r\n", boundary, inv.Email, host)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.%s\r\n\r\nFinal-Recipient: rfc822; %s\r\nOriginal-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <%s>: Recipient address rejected: User unknown\r\n\r\n", boundary, host, inv.Email, inv.Email, inv.Email)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n\r\n--%s--\r\n",
		boundary, m.c.Organiser.Name, m.c.Organiser.Email, inv.Email, m.subject(""), m.invitationID(inv), boundary)
	return []byte(b.String())
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "example.test"
}

func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// crlf turns line ends into CRLF, as mail is written on the wire.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// Letter is a message of the campaign a simulated invitee answers: what the answer quotes and
// threads to.
type Letter struct {
	MessageID string // without angle brackets
	Subject   string
	Date      time.Time
	Text      string
}

// File is a file attached to a simulated answer.
type File struct {
	Name string
	Type string // "application/pdf"
	Data []byte
}

// Answer is a person's reply in their own words to one of the campaign's letters (the
// agreement letter, a request for the PDF), in that letter's thread and with its subject,
// quoting it as Outlook does; with the file attached when file.Data is set (the signed
// agreement), as multipart/mixed.
func (m *Mail) Answer(inv campaign.Invitee, re Letter, text string, at time.Time, n int, file File) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <sim-%s-%d@%s>\r\n",
		inv.Email, m.signer.ReplyAddress(m.c.Organiser.Email, inv.Code), mime.QEncoding.Encode("utf-8", "SV: "+re.Subject),
		at.Format(time.RFC1123Z), inv.Code, n, hostOf(inv.Email))
	fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\nMIME-Version: 1.0\r\n", re.MessageID, re.MessageID)
	body := crlf(text) + "\r\n\r\nMed venlig hilsen\r\n" + orName(inv.Contact, "Bibliotekschefen") + "\r\n" + inv.FormalName +
		"\r\n\r\n-----Oprindelig meddelelse-----\r\n" +
		fmt.Sprintf("Fra: %s [mailto:%s]\r\nSendt: %s\r\nTil: %s\r\nEmne: %s\r\n\r\n", m.c.Organiser.Name, m.c.Organiser.Email,
			re.Date.Format("2. January 2006 15:04"), inv.Email, re.Subject) + crlf(re.Text)
	writeBody(&b, fmt.Sprintf("sim-%s-%d-mixed", inv.Code, n), body, file)
	return []byte(b.String())
}

// writeBody writes the Content-Type and the body: the text alone, or multipart/mixed with the
// file attached when it has data.
func writeBody(b *strings.Builder, boundary, body string, file File) {
	if file.Data == nil {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body)
		return
	}
	fmt.Fprintf(b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", boundary, body)
	fmt.Fprintf(b, "--%s\r\nContent-Type: %s; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		boundary, file.Type, file.Name, file.Name)
	enc := base64.StdEncoding.EncodeToString(file.Data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	fmt.Fprintf(b, "%s\r\n--%s--\r\n", enc, boundary)
}
