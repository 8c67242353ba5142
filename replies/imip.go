package replies

import (
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/calendar"
)

// An iMIP message (RFC 6047) carries its iCalendar object in a text/calendar part whose
// Content-Type names the method. A calendar file merely attached to an ordinary mail (no
// method parameter, disposition attachment) is not an iMIP message. Google adds the same
// object again as application/ics; Outlook with an Exchange server may send only winmail.dat,
// and then the subject prefix is all there is.

// exchangeSubjectRe maps the subject prefixes Outlook and Exchange write on meeting
// responses, in the languages of Danish offices and their neighbours, to a PARTSTAT.
var exchangeSubjectRe = regexp.MustCompile(`(?i)^\s*(accepted|accepteret|accepterat|godtatt|akseptert|angenommen|zugesagt|accepté|aceptado|accettato|geaccepteerd|declined|afvist|afslået|avböjt|avslått|avslag|abgelehnt|refusé|rechazado|rifiutato|geweigerd|tentative|tentatively|foreløbig|foreløbigt|foreløpig|preliminärt|mit vorbehalt|vorläufig|provisoire|provisional|provisorio|tentativo|voorlopig)(\s+(accepted|accepteret|accepterat|godtatt|akseptert|angenommen|zugesagt|accepté|acceptée|aceptado|accettato|geaccepteerd))?\s*:`)

// hasIMIPPart says whether m carries a calendar part marked as iMIP (a method parameter).
func hasIMIPPart(m *message) bool {
	for _, p := range m.parts {
		ct := strings.ToLower(p.ContentType)
		if (ct == "text/calendar" || ct == "application/ics") && ctParam(p, "method") != "" && !insideMessage(p) {
			return true
		}
	}
	return false
}

// readCalendar says whether m is a calendar message and what it answers.
func readCalendar(m *message) (*CalendarReply, bool) {
	var candidates []*enmime.Part
	for _, p := range m.parts {
		if insideMessage(p) {
			continue
		}
		ct := strings.ToLower(p.ContentType)
		if ct != "text/calendar" && ct != "application/ics" && ct != "text/x-vcalendar" {
			continue
		}
		candidates = append(candidates, p)
	}
	// iMIP marks its part with a method parameter; a lone calendar part that is the body
	// itself (not an attachment) counts too.
	var chosen *enmime.Part
	for _, p := range candidates {
		if ctParam(p, "method") != "" {
			chosen = p
			break
		}
	}
	if chosen == nil {
		for _, p := range candidates {
			if !isAttachment(p) && p.ContentType == "text/calendar" {
				chosen = p
				break
			}
		}
	}
	if chosen != nil {
		c := &CalendarReply{Method: strings.ToUpper(ctParam(chosen, "method"))}
		if in, err := calendar.ReadIncoming(chosen.Content); err == nil {
			if in.Method != "" {
				c.Method = in.Method
			}
			c.UID, c.Sequence, c.Comment, c.Start = in.UID, in.Sequence, in.Comment, in.Start
			if a, ok := in.Answer(m.from); ok {
				c.Attendee = a.Address
				if c.Method == "REPLY" || c.Method == "COUNTER" {
					c.PartStat = a.PartStat
				}
			}
		}
		if c.Method == "" {
			c.Method = "REQUEST"
		}
		return c, true
	}
	if len(candidates) > 0 {
		return nil, false // a calendar file attached to an ordinary mail
	}
	c, unreadable, ok := tnefAnswer(m)
	if ok {
		return c, true
	}
	if c, ok := exchangeAnswer(m); ok || unreadable == "" {
		return c, ok
	}
	return &CalendarReply{Method: "REPLY", Attendee: m.from, Unreadable: unreadable}, true
}

// exchangeAnswer reads a meeting response that carries no calendar object, from its subject
// prefix. It needs a sign that a calendar client wrote it: winmail.dat, Exchange's
// calendar headers, or no text of the sender's own.
func exchangeAnswer(m *message) (*CalendarReply, bool) {
	mm := exchangeSubjectRe.FindStringSubmatch(m.subject)
	if mm == nil {
		return nil, false
	}
	tnef := false
	for _, p := range m.parts {
		name := strings.ToLower(p.FileName)
		if p.ContentType == "application/ms-tnef" || name == "winmail.dat" {
			tnef = true
		}
	}
	h := m.header
	marker := tnef || h.Get("X-Ms-Tnef-Correlator") != "" ||
		strings.Contains(strings.ToLower(h.Get("Content-Class")), "calendarmessage") ||
		h.Get("X-Ms-Exchange-Calendar-Series-Instance-Id") != "" ||
		strings.TrimSpace(trimLines(m.bodyLines())) == ""
	if !marker {
		return nil, false
	}
	return &CalendarReply{Method: "REPLY", PartStat: subjectPartStat(mm[1]), Attendee: m.from, FromSubject: true}, true
}

// subjectPartStat maps an Exchange subject prefix to its PARTSTAT.
func subjectPartStat(prefix string) string {
	p := strings.ToLower(prefix)
	switch {
	case strings.HasPrefix(p, "tentative"), strings.HasPrefix(p, "forel"), strings.HasPrefix(p, "prelim"),
		strings.HasPrefix(p, "mit vor"), strings.HasPrefix(p, "vorl"), strings.HasPrefix(p, "provis"),
		strings.HasPrefix(p, "tentativo"), strings.HasPrefix(p, "voorlopig"):
		return "TENTATIVE"
	case strings.HasPrefix(p, "declin"), strings.HasPrefix(p, "afvis"), strings.HasPrefix(p, "afsl"),
		strings.HasPrefix(p, "avb"), strings.HasPrefix(p, "avsl"), strings.HasPrefix(p, "abgel"),
		strings.HasPrefix(p, "refus"), strings.HasPrefix(p, "rechaz"), strings.HasPrefix(p, "rifiut"),
		strings.HasPrefix(p, "geweig"):
		return "DECLINED"
	}
	return "ACCEPTED"
}
