package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// The iTIP methods rsvpd sends. The MIME part that carries the object must name the same
// method ("text/calendar; method=REQUEST"), or Outlook shows no buttons.
const (
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
)

// TZID is the time zone whose local times the objects carry (see the package comment).
const TZID = "Europe/Copenhagen"

// writeProdID names the product that wrote the object (PRODID is required).
const writeProdID = "-//rsvpd//rsvpd calendar//EN"

// Person is an organizer or attendee: a display name (CN) and an e-mail address.
type Person struct {
	Name  string // may be empty; any characters, written quoted
	Email string // a plain address, "bibliotekschef@vejle.kommune.test"
}

// Event is one invitee's place at one meeting, as a calendar object describes it.
// Text fields may hold any characters: newlines are normalised, control characters dropped
// and the rest escaped on writing.
type Event struct {
	// UID identifies the event in the invitee's calendar: the same for every REQUEST and
	// CANCEL about this invitee and meeting (see UID).
	UID string
	// Sequence is the revision; raise it on every change sent for the same UID, or
	// clients ignore the newer object.
	Sequence int
	// Stamp is DTSTAMP, the time the object is created: passed in, never read from a clock.
	Stamp       time.Time
	Summary     string // the city and the campaign's title: "Aalborg: Dialogmøde om …"
	Description string // the agenda, the contact and the web page; several lines
	Location    string // "Vejle Bibliotekerne, Willy Sørensens Plads 1, 7100 Vejle"
	Lat, Lon    float64
	HasGeo      bool // false: no GEO is written
	Start, End  time.Time
	Organizer   Person // the campaign address: where calendar clients send their REPLY
	Attendee    Person // the invitee
}

// Request writes the meeting request (METHOD:REQUEST, STATUS:CONFIRMED) for ev.
func Request(ev Event) ([]byte, error) { return writeObject(ev, MethodRequest) }

// Cancel writes the cancellation (METHOD:CANCEL, STATUS:CANCELLED) of the event with ev's
// UID; ev.Sequence must be higher than that of the last REQUEST sent for it.
func Cancel(ev Event) ([]byte, error) { return writeObject(ev, MethodCancel) }

// UID returns the stable UID of an invitee's place at a meeting: "<code>.<meeting>.rsvpd@
// <domain>". Pass a domain that is the campaign's own (the campaign address's domain, or a
// name under it when several campaigns share one), so that two campaigns never share a UID.
// Characters outside letters, digits, '-' and '_' (and '.' in the domain) are %-escaped, so
// different inputs never give the same UID.
func UID(inviteeCode, meetingID, domain string) string {
	uid := writeUIDPart(inviteeCode, false) + "." + writeUIDPart(meetingID, false) + ".rsvpd"
	if domain = strings.TrimSpace(domain); domain != "" {
		uid += "@" + writeUIDPart(strings.ToLower(domain), true)
	}
	return uid
}

// NewEvent fills an Event for invitee inv at meeting m of campaign c: the title, the agenda,
// the address, the coordinates, the times, the organiser and the invitee, with a UID in the
// domain of the campaign address. The caller sets Sequence and Stamp, which come from the
// invitee's state and the clock.
//
// The title starts with the city ("Aalborg: Dialogmøde om det nye fælles bibliotekssystem"):
// the invitation carries an entry for every meeting, and a calendar shows them apart only by
// title, often cut short in week and month views, so the city comes first. The description
// ends with whom to ask and where to read more, which a calendar shows when the letter is
// long gone.
func NewEvent(c *campaign.Campaign, inv campaign.Invitee, m campaign.Meeting) Event {
	domain := ""
	if at := strings.LastIndexByte(c.Organiser.Email, '@'); at >= 0 {
		domain = c.Organiser.Email[at+1:]
	}
	name := inv.Contact
	if name == "" {
		name = inv.FormalName
	}
	if name == "" {
		name = inv.Name
	}
	return Event{
		UID:         UID(inv.Code, m.ID, domain),
		Summary:     Summary(m, c.Name),
		Description: writeDescription(c),
		Location:    m.Address(),
		Lat:         m.Lat,
		Lon:         m.Lon,
		HasGeo:      m.HasGeo,
		Start:       m.Start,
		End:         m.End,
		Organizer:   Person{Name: c.Organiser.Name, Email: c.Organiser.Email},
		Attendee:    Person{Name: name, Email: inv.Email},
	}
}

// Summary is the title of a meeting's calendar entry: the city, then the campaign's title.
func Summary(m campaign.Meeting, title string) string {
	if m.City == "" {
		return title
	}
	return m.City + ": " + title
}

// writeDescription is the DESCRIPTION: the agenda, then the organiser's contact and web page,
// each part only when configured, separated by a blank line.
func writeDescription(c *campaign.Campaign) string {
	en := c.Language == "en"
	var parts []string
	if a := writeAgenda(en, c.Agenda); a != "" {
		parts = append(parts, a)
	}
	if k := writeContact(en, c.Organiser); k != "" {
		parts = append(parts, k)
	}
	return strings.Join(parts, "\n\n")
}

// writeAgenda turns the agenda items into a heading and one item a line.
func writeAgenda(en bool, items []string) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	if en {
		b.WriteString("Agenda:")
	} else {
		b.WriteString("Dagsorden:")
	}
	for _, it := range items {
		b.WriteString("\n• ")
		b.WriteString(strings.TrimSpace(it))
	}
	return b.String()
}

// writeContact is the person to ask ("Kontakt: Chefkonsulent, Forretningsudvikling, KOMBIT,
// tlf. 33 34 94 73, dialogmoeder@kombit.test") and the web page, each on a line of its own.
func writeContact(en bool, o campaign.Organiser) string {
	label, phone, more := "Kontakt: ", "tlf. ", "Læs mere: "
	if en {
		label, phone, more = "Contact: ", "phone ", "More: "
	}
	var lines []string
	c := o.Contact
	if c.Name != "" || c.Title != "" || c.Phone != "" || c.Email != "" {
		var who []string
		for _, s := range []string{c.Name, c.Title, o.Name} {
			if s = strings.TrimSpace(s); s != "" {
				who = append(who, s)
			}
		}
		if c.Phone != "" {
			who = append(who, phone+strings.TrimSpace(c.Phone))
		}
		if c.Email != "" {
			who = append(who, strings.TrimSpace(c.Email))
		}
		lines = append(lines, label+strings.Join(who, ", "))
	}
	if w := strings.TrimSpace(o.Website); w != "" {
		lines = append(lines, more+w)
	}
	return strings.Join(lines, "\n")
}

func writeObject(ev Event, method string) ([]byte, error) {
	if err := writeCheck(ev); err != nil {
		return nil, fmt.Errorf("write calendar %s %q: %w", method, ev.UID, err)
	}
	start, startZoned := writeDateTime(ev.Start)
	end, endZoned := writeDateTime(ev.End)

	var w writeLines
	w.add("BEGIN:VCALENDAR")
	w.add("VERSION:2.0")
	w.add("PRODID:" + writeProdID)
	w.add("CALSCALE:GREGORIAN")
	w.add("METHOD:" + method)
	if startZoned || endZoned {
		w.vtimezone()
	}
	w.add("BEGIN:VEVENT")
	w.add("UID:" + writeText(writeOneLine(ev.UID, " ")))
	w.add("SEQUENCE:" + strconv.Itoa(ev.Sequence))
	w.add("DTSTAMP:" + ev.Stamp.UTC().Format("20060102T150405Z"))
	w.add("DTSTART" + start)
	w.add("DTEND" + end)
	if s := writeOneLine(ev.Summary, " "); s != "" {
		w.add("SUMMARY:" + writeText(s))
	}
	if s := strings.TrimSpace(writeClean(ev.Description)); s != "" {
		w.add("DESCRIPTION:" + writeText(s))
	}
	if s := writeOneLine(ev.Location, ", "); s != "" {
		w.add("LOCATION:" + writeText(s))
	}
	if ev.HasGeo {
		w.add("GEO:" + strconv.FormatFloat(ev.Lat, 'f', -1, 64) + ";" + strconv.FormatFloat(ev.Lon, 'f', -1, 64))
	}
	w.add("ORGANIZER" + writeCN(ev.Organizer.Name) + ":mailto:" + strings.TrimSpace(ev.Organizer.Email))
	attendee := "ATTENDEE" + writeCN(ev.Attendee.Name) + ";ROLE=REQ-PARTICIPANT"
	status := "CONFIRMED"
	if method == MethodRequest {
		attendee += ";PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
	} else {
		status = "CANCELLED"
	}
	w.add(attendee + ":mailto:" + strings.TrimSpace(ev.Attendee.Email))
	w.add("STATUS:" + status)
	w.add("TRANSP:OPAQUE")
	w.add("END:VEVENT")
	w.add("END:VCALENDAR")
	return []byte(w.b.String()), nil
}

// writeCheck refuses an event no client could file correctly, naming the field.
func writeCheck(ev Event) error {
	var errs []error
	if writeOneLine(ev.UID, " ") == "" {
		errs = append(errs, errors.New("UID is empty"))
	}
	if ev.Sequence < 0 {
		errs = append(errs, fmt.Errorf("SEQUENCE %d is negative", ev.Sequence))
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"DTSTAMP", ev.Stamp}, {"start", ev.Start}, {"end", ev.End}} {
		// Years outside four digits cannot be written; a zero time is a forgotten field.
		if y := f.t.UTC().Year(); y < 1900 || y > 9999 {
			errs = append(errs, fmt.Errorf("%s %s is not set or out of range", f.name, f.t.UTC().Format(time.RFC3339)))
		}
	}
	if !ev.End.Truncate(time.Second).After(ev.Start.Truncate(time.Second)) {
		errs = append(errs, fmt.Errorf("end %s is not after start %s", ev.End.Format(time.RFC3339), ev.Start.Format(time.RFC3339)))
	}
	// Written this way round so that NaN, which fails every comparison, is refused too.
	if ev.HasGeo && !(ev.Lat >= -90 && ev.Lat <= 90 && ev.Lon >= -180 && ev.Lon <= 180) {
		errs = append(errs, fmt.Errorf("GEO %v;%v is not a latitude;longitude", ev.Lat, ev.Lon))
	}
	if err := writeCheckAddress(ev.Organizer.Email); err != nil {
		errs = append(errs, fmt.Errorf("organizer: %w", err))
	}
	if err := writeCheckAddress(ev.Attendee.Email); err != nil {
		errs = append(errs, fmt.Errorf("attendee: %w", err))
	}
	return errors.Join(errs...)
}

// writeCheckAddress accepts a plain ASCII address that can stand in a mailto: URI unescaped.
// Quoted local parts and the characters that would need escaping are refused: no real
// invitee address has them, and a mistake is better reported than sent.
func writeCheckAddress(addr string) error {
	a := strings.TrimSpace(addr)
	at := strings.IndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || strings.Count(a, "@") != 1 {
		return fmt.Errorf("address %q is not local@domain", addr)
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),:;<>[\\]", c) >= 0 {
			return fmt.Errorf("address %q has the character %q", addr, c)
		}
	}
	return nil
}

// writeDateTime writes a DTSTART/DTEND value with its parameters: ";TZID=...:local" where the
// Europe/Copenhagen rule names the instant unambiguously, ":...Z" (UTC) otherwise.
func writeDateTime(t time.Time) (string, bool) {
	if local, ok := writeLocal(t); ok {
		return ";TZID=" + TZID + ":" + local.Format("20060102T150405"), true
	}
	return ":" + t.UTC().Format("20060102T150405Z"), false
}

// writeLocal returns t's wall-clock time in Europe/Copenhagen under the EU summer-time rule
// (since 1996: +02:00 from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
// Sunday of October, +01:00 otherwise), the very rule the VTIMEZONE states, so that a client
// reading the two together gets t back. It is computed here instead of with the Go time zone
// database so that the local time and the VTIMEZONE can never disagree (the tests compare the
// rule with the database). ok is false before the rule began and in the hour after the
// October change, whose local times also name the hour before (RFC 5545 §3.3.5 reads them as
// the first).
func writeLocal(t time.Time) (local time.Time, ok bool) {
	u := t.UTC().Truncate(time.Second)
	if u.Before(time.Date(1996, time.March, 31, 1, 0, 0, 0, time.UTC)) {
		return time.Time{}, false
	}
	on := writeLastSunday(u.Year(), time.March).Add(time.Hour)
	off := writeLastSunday(u.Year(), time.October).Add(time.Hour)
	switch {
	case !u.Before(on) && u.Before(off):
		return u.Add(2 * time.Hour), true
	case !u.Before(off) && u.Before(off.Add(time.Hour)):
		return time.Time{}, false
	default:
		return u.Add(time.Hour), true
	}
}

// writeLastSunday is midnight UTC of the last Sunday of the month.
func writeLastSunday(year int, month time.Month) time.Time {
	d := time.Date(year, month+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	for d.Weekday() != time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// vtimezone writes the rule writeLocal follows. The onsets are local times in the offset
// being left: 02:00 CET and 03:00 CEST are both 01:00 UTC.
func (w *writeLines) vtimezone() {
	for _, l := range []string{
		"BEGIN:VTIMEZONE",
		"TZID:" + TZID,
		"X-LIC-LOCATION:" + TZID,
		"BEGIN:DAYLIGHT",
		"TZOFFSETFROM:+0100",
		"TZOFFSETTO:+0200",
		"TZNAME:CEST",
		"DTSTART:19960331T020000",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		"END:DAYLIGHT",
		"BEGIN:STANDARD",
		"TZOFFSETFROM:+0200",
		"TZOFFSETTO:+0100",
		"TZNAME:CET",
		"DTSTART:19961027T030000",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
		"END:STANDARD",
		"END:VTIMEZONE",
	} {
		w.add(l)
	}
}

// writeLines collects content lines, folded and ended with CRLF.
type writeLines struct{ b strings.Builder }

// add writes one content line folded at 75 octets (RFC 5545 §3.1): a continuation line is a
// space and at most 74 octets. A fold never falls inside a UTF-8 sequence, nor between a
// backslash and the character it escapes (allowed, but some parsers unescape before they
// unfold).
func (w *writeLines) add(line string) {
	// Each folded piece is written at once (a write per character cost half of writing an
	// invitation's three calendar objects).
	n, start := 0, 0
	for i := 0; i < len(line); {
		u := writeUnit(line, i)
		if n+u > 75 {
			w.b.WriteString(line[start:i])
			w.b.WriteString("\r\n ")
			start, n = i, 1
		}
		n += u
		i += u
	}
	w.b.WriteString(line[start:])
	w.b.WriteString("\r\n")
}

// writeUnit is the length of what must stay on one physical line from line[i]: a rune, or a
// backslash with the rune it escapes.
func writeUnit(line string, i int) int {
	if line[i] == '\\' && i+1 < len(line) {
		return 1 + writeUnit(line, i+1)
	}
	_, size := utf8.DecodeRuneInString(line[i:])
	return size
}

// The replacers of TEXT and CN values, built once: building one costs more than using it, and
// an invitation writes three calendar objects.
var (
	lineBreaks  = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n")
	textEscapes = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)
	cnQuotes    = strings.NewReplacer(`"`, "'", `\`, "/")
)

// writeClean makes s fit a TEXT value: valid UTF-8 (each run of invalid bytes becomes one
// U+FFFD), every line break (CRLF, CR, LF, U+2028,
// U+2029) a LF, and control characters other than LF and TAB dropped (RFC 5545 allows none;
// bare CRs and NULs break real parsers).
func writeClean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = lineBreaks.Replace(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return -1
		}
		return r
	}, s)
}

// writeOneLine cleans s and joins its non-blank lines with sep: SUMMARY, LOCATION and UID
// are shown on one line, so a line break there is turned into a separator.
func writeOneLine(s, sep string) string {
	var parts []string
	for _, l := range strings.Split(strings.ReplaceAll(writeClean(s), "\t", " "), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, sep)
}

// writeText escapes a cleaned TEXT value (RFC 5545 §3.3.11).
func writeText(s string) string {
	return textEscapes.Replace(s)
}

// writeCN writes the CN parameter, always quoted so that commas, semicolons and colons in a
// name need no escaping. A quoted parameter cannot hold a double quote, so it becomes an
// apostrophe. A backslash is literal in a quoted value by RFC 5545, but ical.js reads \" \n
// \, \; there as escapes (a name ending in a backslash swallows the closing quote and the
// address) and python-icalendar drops it before , ; :, so it becomes a slash. A caret that
// would start an RFC 6868 escape (^^, ^', ^n) is dropped, since parsers disagree on those
// (ical.js decodes them, python-icalendar does not). An empty name writes no CN.
func writeCN(name string) string {
	name = cnQuotes.Replace(writeOneLine(name, " "))
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == '^' && i+1 < len(name) && strings.IndexByte(`^'n`, name[i+1]) >= 0 {
			continue
		}
		b.WriteByte(name[i])
	}
	if b.Len() == 0 {
		return ""
	}
	return `;CN="` + b.String() + `"`
}

// writeUIDPart %-escapes what may not stand in a UID part unchanged; '.' separates the parts,
// so it is kept only in the domain.
func writeUIDPart(s string, domain bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || domain && c == '.' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
