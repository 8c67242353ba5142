package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// Incoming is what an iCalendar object received by mail says: its iTIP method and, for the
// first scheduling component (VEVENT, VTODO, ...), its identity, organizer and attendees.
// It is read for matching a calendar client's answer to an invitation, so it keeps only what
// that needs.
type Incoming struct {
	// Method is the iTIP method, upper-case (REPLY, REQUEST, CANCEL, COUNTER, ...); "" when
	// the object names none.
	Method    string
	UID       string
	Sequence  int
	Organizer string // address, lower-case, without "mailto:"
	Attendees []IncomingAttendee
	Summary   string
	Comment   string
	// Start is DTSTART where it could be read cheaply (UTC, a floating or date value, or a
	// TZID the Go time zone database knows); zero otherwise.
	Start time.Time
}

// IncomingAttendee is one ATTENDEE line of an incoming object.
type IncomingAttendee struct {
	Address  string // lower-case, without "mailto:"
	Name     string // the CN parameter
	PartStat string // upper-case as in RFC 5545; "NEEDS-ACTION" when the line states none
}

// Answer returns the attendee whose answer the object carries. In a REPLY that is the
// attendee with the given address when there is one (clients sometimes echo the whole list),
// else the first attendee that states an answer, else the first attendee.
func (in *Incoming) Answer(from string) (IncomingAttendee, bool) {
	if len(in.Attendees) == 0 {
		return IncomingAttendee{}, false
	}
	from = strings.ToLower(strings.TrimSpace(from))
	if from != "" {
		for _, a := range in.Attendees {
			if a.Address == from {
				return a, true
			}
		}
	}
	for _, a := range in.Attendees {
		if a.PartStat != "NEEDS-ACTION" {
			return a, true
		}
	}
	return in.Attendees[0], true
}

// ErrNoCalendar is returned by ReadIncoming when the data holds no VCALENDAR object.
var ErrNoCalendar = errors.New("no VCALENDAR object")

// ReadIncoming reads the first VCALENDAR object in data.
//
// Real mail bends RFC 5545 in many ways (text after END:VCALENDAR, trailing spaces,
// lower-case names, "MAILTO:", bare LF, stray lines between components), and
// golang-ical's whole-calendar parser gives up on the first of them. So the object is
// unfolded here and each content line is handed to golang-ical's property parser on its
// own: a line it cannot read is skipped instead of losing the whole answer.
func ReadIncoming(data []byte) (*Incoming, error) {
	lines := rdUnfold(data)
	in := &Incoming{}
	var (
		inCalendar, seenCalendar bool
		depth                    int    // component nesting inside the VCALENDAR
		first                    string // the first scheduling component read, e.g. "VEVENT"
		done                     bool   // the first scheduling component is complete
	)
	for _, line := range lines {
		name, value, params, ok := rdProperty(line)
		if !ok {
			continue
		}
		switch name {
		case "BEGIN":
			v := strings.ToUpper(value)
			if !inCalendar {
				if v == "VCALENDAR" {
					inCalendar, seenCalendar = true, true
				}
				continue
			}
			depth++
			if depth == 1 && first == "" && rdScheduling(v) {
				first = v
			}
			continue
		case "END":
			if !inCalendar {
				continue
			}
			if strings.EqualFold(value, "VCALENDAR") {
				inCalendar = false
				// Only the first object counts; anything after it is someone else's.
				return in, nil
			}
			if depth == 1 && first != "" {
				done = true
			}
			if depth > 0 {
				depth--
			}
			continue
		}
		if !inCalendar {
			continue
		}
		if depth == 0 {
			if name == "METHOD" {
				in.Method = strings.ToUpper(value)
			}
			continue
		}
		if depth != 1 || first == "" || done {
			continue // alarms, time zones, later components
		}
		rdApply(in, name, value, params)
	}
	if !seenCalendar {
		return nil, ErrNoCalendar
	}
	return in, nil
}

// rdProperty splits one content line into its upper-case name, value and parameters, with
// golang-ical's parser where it accepts the line and a plain split where it does not (a
// stray quote inside a CN must not cost the attendee's answer).
func rdProperty(line string) (name, value string, params map[string][]string, ok bool) {
	colon := rdValueColon(line)
	if colon < maxParamHead {
		if prop, err := ics.ParseProperty(ics.ContentLine(line)); err == nil && prop != nil {
			return strings.ToUpper(prop.IANAToken), strings.TrimSpace(prop.Value), prop.ICalParameters, true
		}
	}
	if colon <= 0 {
		return "", "", nil, false
	}
	head := strings.Split(line[:colon], ";")
	name = strings.ToUpper(strings.TrimSpace(head[0]))
	if name == "" {
		return "", "", nil, false
	}
	params = make(map[string][]string, len(head)-1)
	for _, p := range head[1:] {
		k, v, found := strings.Cut(p, "=")
		if !found {
			continue
		}
		params[strings.ToUpper(strings.TrimSpace(k))] = []string{strings.Trim(v, "\" ")}
	}
	return name, strings.TrimSpace(line[colon+1:]), params, true
}

// maxParamHead bounds the name and parameters of a property that golang-ical parses: its
// parser slows with the square of the parameters (a megabyte of ";X=1" takes over a minute),
// and a real property's parameters (CN, ROLE, PARTSTAT, RSVP ...) take a few hundred bytes.
// A longer head is read by the simple reader below, in one pass.
const maxParamHead = 2 << 10

// rdValueColon finds the colon that starts the value: the first one outside double quotes.
func rdValueColon(line string) int {
	quoted := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				return i
			}
		}
	}
	return strings.IndexByte(line, ':')
}

// rdScheduling says whether a component carries the scheduling data of an iTIP message.
func rdScheduling(name string) bool {
	switch name {
	case "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY":
		return true
	}
	return false
}

// rdApply records one property of the first scheduling component.
func rdApply(in *Incoming, name, value string, params map[string][]string) {
	switch name {
	case "UID":
		if in.UID == "" {
			in.UID = value
		}
	case "SEQUENCE":
		if n, err := strconv.Atoi(value); err == nil && n >= 0 {
			in.Sequence = n
		}
	case "ORGANIZER":
		if in.Organizer == "" {
			in.Organizer = rdAddress(value)
		}
	case "ATTENDEE":
		a := IncomingAttendee{
			Address:  rdAddress(value),
			Name:     rdParam(params, "CN"),
			PartStat: strings.ToUpper(rdParam(params, "PARTSTAT")),
		}
		if a.PartStat == "" {
			a.PartStat = "NEEDS-ACTION"
		}
		in.Attendees = append(in.Attendees, a)
	case "SUMMARY":
		if in.Summary == "" {
			in.Summary = value
		}
	case "COMMENT":
		if in.Comment == "" {
			in.Comment = value
		}
	case "DTSTART":
		if t, ok := rdTime(value, rdParam(params, "TZID")); ok {
			in.Start = t
		}
	}
}

// rdUnfold normalises line ends, unfolds continuation lines (RFC 5545 §3.1) and trims the
// trailing white space some clients leave, which golang-ical would otherwise keep in values.
func rdUnfold(data []byte) []string {
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	raw := strings.Split(strings.ReplaceAll(string(data), "\r", ""), "\n")
	lines := make([]string, 0, len(raw))
	// A folded line is joined in one builder: adding each piece to a string copied the
	// line so far again for every fold (a megabyte of folds took 15 s).
	var b strings.Builder
	flush := func() {
		lines = append(lines, strings.TrimRight(b.String(), " \t"))
		b.Reset()
	}
	for i, l := range raw {
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && i > 0 {
			b.WriteString(l[1:])
			continue
		}
		if i > 0 {
			flush()
		}
		b.WriteString(l)
	}
	if len(raw) > 0 {
		flush()
	}
	return lines
}

// rdParam returns a parameter's first value; parameter names are case-insensitive.
func rdParam(params map[string][]string, name string) string {
	for k, v := range params {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
	}
	return ""
}

// rdAddress turns a cal-address ("mailto:Name@Example.org", "MAILTO:...") into a plain,
// lower-case address.
func rdAddress(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.ToLower(strings.Trim(v, " <>\""))
}

// rdTime reads a DATE-TIME or DATE value. Windows zone names ("Romance Standard Time") are not
// in the Go database; such a start is left unread rather than guessed.
func rdTime(v, tzid string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	switch {
	case len(v) == 16 && strings.HasSuffix(v, "Z"):
		t, err := time.Parse("20060102T150405Z", v)
		return t, err == nil
	case len(v) == 15:
		loc := time.UTC
		if tzid != "" {
			l, err := time.LoadLocation(strings.Trim(tzid, "\"/"))
			if err != nil {
				return time.Time{}, false
			}
			loc = l
		}
		t, err := time.ParseInLocation("20060102T150405", v, loc)
		return t, err == nil
	case len(v) == 8:
		t, err := time.Parse("20060102", v)
		return t, err == nil
	}
	return time.Time{}, false
}

// String describes the object in one line, for logs and review notes.
func (in *Incoming) String() string {
	return fmt.Sprintf("%s uid=%q seq=%d attendees=%d", in.Method, in.UID, in.Sequence, len(in.Attendees))
}
