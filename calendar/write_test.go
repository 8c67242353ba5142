package calendar

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests compare the VTIMEZONE rule with the tz database everywhere
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// writeUpdate rewrites the golden files under testdata/ (go test ./calendar/ -update).
var writeUpdate = flag.Bool("update", false, "rewrite the golden files under testdata/")

// writeCPH is Europe/Copenhagen from the tz database: the tests state meeting times with it,
// independently of the rule the writer follows.
func writeCPH(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatalf("load Europe/Copenhagen: %v", err)
	}
	return loc
}

// writeCampaign is the 2012 campaign as far as the calendar objects need it, built by hand
// from shared/data (meetings-2012.csv, municipalities-2012.csv, the invitation's agenda).
func writeCampaign(t testing.TB) *campaign.Campaign {
	cph := writeCPH(t)
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, cph) }
	c := &campaign.Campaign{
		Name:     "Dialogmøde om det nye fælles bibliotekssystem",
		Language: "da",
		Location: cph,
		Organiser: campaign.Organiser{
			Name:    "KOMBIT",
			Email:   "dialogmoeder@kombit.test",
			Website: "https://kombit.dk/bibliotek",
			Contact: campaign.Contact{Title: "Chefkonsulent, Forretningsudvikling", Phone: "33 34 94 73",
				Email: "dialogmoeder@kombit.test"},
		},
		Meetings: []campaign.Meeting{
			{ID: "aalborg", City: "Aalborg", Venue: "Aalborg Bibliotekerne", Room: "Foredragssalen",
				Street: "Rendsburggade 2", Postcode: "9000", Start: at(2012, 2, 28, 10), End: at(2012, 2, 28, 12),
				Lat: 57.0472572, Lon: 9.9275896, HasGeo: true},
			{ID: "roskilde", City: "Roskilde", Venue: "Roskilde Bibliotekerne", Room: "Salen",
				Street: "Dronning Margrethes Vej 14", Postcode: "4000", Start: at(2012, 3, 1, 10), End: at(2012, 3, 1, 12),
				Lat: 55.6419, Lon: 12.0878, HasGeo: true},
			{ID: "vejle", City: "Vejle", Venue: "Vejle Bibliotekerne",
				Street: "Willy Sørensens Plads 1", Postcode: "7100", Start: at(2012, 3, 6, 10), End: at(2012, 3, 6, 12),
				Lat: 55.705401, Lon: 9.521222, HasGeo: true},
		},
		Agenda: []string{
			"Baggrund og formål med det nye bibliotekssystem",
			"Den nye løsning",
			"Hvorfor det giver mening at tænke skolebibliotekerne med",
			"Det videre forløb, herunder indflydelse på og organisering af kravspecifikationsarbejdet",
			"Proces, tidsplan og pris",
			"Hvad betyder det, at KOMBIT er med – herunder finansiering?",
			"Betydningen af bibliotekernes opbakning",
			"Tilslutningsaftale",
		},
		Invitees: []campaign.Invitee{
			{Code: "851", Name: "Aalborg", FormalName: "Aalborg Kommune", Email: "bibliotekschef@aalborg.kommune.test"},
			{Code: "265", Name: "Roskilde", FormalName: "Roskilde Kommune", Email: "bibliotekschef@roskilde.kommune.test"},
			{Code: "630", Name: "Vejle", FormalName: "Vejle Kommune", Email: "bibliotekschef@vejle.kommune.test"},
		},
	}
	c.Index()
	return c
}

// writeEvent is the Event for invitee code at meeting id, with the given revision and stamp.
func writeEvent(t testing.TB, code, meeting string, seq int, stamp time.Time) Event {
	t.Helper()
	c := writeCampaign(t)
	inv, ok := c.Invitee(code)
	if !ok {
		t.Fatalf("no invitee %s", code)
	}
	m, ok := c.Meeting(meeting)
	if !ok {
		t.Fatalf("no meeting %s", meeting)
	}
	ev := NewEvent(c, inv, m)
	ev.Sequence, ev.Stamp = seq, stamp
	return ev
}

// writeGoldens are the golden objects: Vejle's director is confirmed for Vejle (SEQUENCE 0),
// then declines, and the place is cancelled with the sequence raised.
func writeGoldens(t testing.TB) []struct {
	file   string
	method string
	ev     Event
} {
	req := writeEvent(t, "630", "vejle", 0, time.Date(2012, 2, 20, 8, 15, 0, 0, time.UTC))
	cancel := writeEvent(t, "630", "vejle", 1, time.Date(2012, 3, 2, 13, 40, 0, 0, time.UTC))
	return []struct {
		file   string
		method string
		ev     Event
	}{
		{"request-vejle.ics", MethodRequest, req},
		{"cancel-vejle.ics", MethodCancel, cancel},
	}
}

func writeMethod(method string, ev Event) ([]byte, error) {
	if method == MethodCancel {
		return Cancel(ev)
	}
	return Request(ev)
}

func TestGolden(t *testing.T) {
	for _, g := range writeGoldens(t) {
		t.Run(g.file, func(t *testing.T) {
			got, err := writeMethod(g.method, g.ev)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", g.file)
			if *writeUpdate {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./calendar/ -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", g.file, got, want)
			}
			// What a director's calendar shows, checked apart from the golden bytes so that a
			// careless -update cannot bless a wrong object.
			lines := writeCheckStructure(t, got)
			status := map[string]string{MethodRequest: "STATUS:CONFIRMED", MethodCancel: "STATUS:CANCELLED"}[g.method]
			for _, l := range []string{
				"METHOD:" + g.method,
				"UID:630.vejle.rsvpd@kombit.test",
				fmt.Sprintf("SEQUENCE:%d", g.ev.Sequence),
				"DTSTART;TZID=Europe/Copenhagen:20120306T100000",
				"DTEND;TZID=Europe/Copenhagen:20120306T120000",
				`LOCATION:Vejle Bibliotekerne\, Willy Sørensens Plads 1\, 7100 Vejle`,
				"GEO:55.705401;9.521222",
				`ORGANIZER;CN="KOMBIT":mailto:dialogmoeder@kombit.test`,
				"SUMMARY:Vejle: Dialogmøde om det nye fælles bibliotekssystem",
				status,
			} {
				if !writeHasLine(lines, l) {
					t.Errorf("%s has no line %q", g.file, l)
				}
			}
			attendee := `ATTENDEE;CN="Vejle Kommune";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bibliotekschef@vejle.kommune.test`
			if g.method == MethodCancel {
				attendee = `ATTENDEE;CN="Vejle Kommune";ROLE=REQ-PARTICIPANT:mailto:bibliotekschef@vejle.kommune.test`
			}
			if !writeHasLine(lines, attendee) {
				t.Errorf("%s has no line %q", g.file, attendee)
			}
		})
	}
}

// TestCancelFollowsRequest: the CANCEL must reach the same calendar entry (same UID) with a
// higher SEQUENCE, or clients keep the meeting.
func TestCancelFollowsRequest(t *testing.T) {
	g := writeGoldens(t)
	if g[0].ev.UID != g[1].ev.UID {
		t.Errorf("UID of the CANCEL %q differs from the REQUEST's %q", g[1].ev.UID, g[0].ev.UID)
	}
	if g[1].ev.Sequence <= g[0].ev.Sequence {
		t.Errorf("SEQUENCE of the CANCEL %d is not above the REQUEST's %d", g[1].ev.Sequence, g[0].ev.Sequence)
	}
}

func TestUID(t *testing.T) {
	tests := []struct {
		code, meeting, domain, want string
	}{
		{"630", "vejle", "kombit.test", "630.vejle.rsvpd@kombit.test"},
		{"630", "vejle", "KOMBIT.test", "630.vejle.rsvpd@kombit.test"},
		{"630", "vejle", "", "630.vejle.rsvpd"},
		{"6.30", "vejle", "kombit.test", "6%2E30.vejle.rsvpd@kombit.test"},
		{"630", "vej le;x", "kombit.test", "630.vej%20le%3Bx.rsvpd@kombit.test"},
		{"630", "vejle", "k@mbit.test", "630.vejle.rsvpd@k%40mbit.test"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := UID(tt.code, tt.meeting, tt.domain); got != tt.want {
				t.Errorf("UID(%q, %q, %q) = %q, want %q", tt.code, tt.meeting, tt.domain, got, tt.want)
			}
		})
	}
	// Different invitees or meetings must never share an entry in a calendar.
	seen := map[string]string{}
	for _, code := range []string{"1", "1.2", "1%2E2", "12", "1-2", "1_2"} {
		for _, m := range []string{"2", "2.1", "a", "a.b"} {
			u := UID(code, m, "kombit.test")
			if prev, dup := seen[u]; dup {
				t.Errorf("UID %q for both %s and %s/%s", u, prev, code, m)
			}
			seen[u] = code + "/" + m
		}
	}
}

// TestVTimezoneMatchesTZDatabase checks the rule the writer states in its VTIMEZONE (and
// computes local times with) against the tz database, hour by hour from the day the EU rule
// began to 2040, plus every minute around each change.
func TestVTimezoneMatchesTZDatabase(t *testing.T) {
	cph := writeCPH(t)
	check := func(u time.Time) {
		local, ok := writeLocal(u)
		wantLocal := u.In(cph)
		_, off := wantLocal.Zone()
		ambiguous := off == 3600 && wantLocal.Add(-time.Hour).In(cph).Hour() == wantLocal.Hour()
		if ambiguous {
			if ok {
				t.Fatalf("%s (%s) is the second of two equal local times but was written as local %s", u, wantLocal, local)
			}
			return
		}
		if !ok {
			t.Fatalf("%s (%s) not written as a local time", u, wantLocal)
		}
		if w := wantLocal.Format("2006-01-02T15:04:05"); local.Format("2006-01-02T15:04:05") != w {
			t.Fatalf("%s: local time %s, tz database %s", u, local.Format("2006-01-02T15:04:05"), w)
		}
	}
	begin := time.Date(1996, 3, 31, 1, 0, 0, 0, time.UTC)
	for u := begin; u.Year() < 2040; u = u.Add(time.Hour) {
		check(u)
	}
	for y := 1997; y < 2040; y++ {
		for _, m := range []time.Month{time.March, time.October} {
			change := writeLastSunday(y, m).Add(time.Hour)
			for d := -3 * time.Hour; d <= 3*time.Hour; d += time.Minute {
				check(change.Add(d))
			}
		}
	}
	if _, ok := writeLocal(begin.Add(-time.Second)); ok {
		t.Errorf("an instant before the EU rule began was written as a local time")
	}
}

// TestTimesOutsideTheRuleAreUTC: the instants a local time cannot name are written in UTC.
func TestTimesOutsideTheRuleAreUTC(t *testing.T) {
	ev := writeEvent(t, "630", "vejle", 0, time.Date(2012, 2, 20, 8, 0, 0, 0, time.UTC))
	tests := []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"before 1996", time.Date(1995, 6, 1, 8, 0, 0, 0, time.UTC), time.Date(1995, 6, 1, 10, 0, 0, 0, time.UTC),
			[]string{"DTSTART:19950601T080000Z", "DTEND:19950601T100000Z"}},
		{"second 02:30 of the October night", time.Date(2012, 10, 28, 1, 30, 0, 0, time.UTC), time.Date(2012, 10, 28, 3, 0, 0, 0, time.UTC),
			[]string{"DTSTART:20121028T013000Z", "DTEND;TZID=Europe/Copenhagen:20121028T040000"}},
		{"first 02:30 of the October night", time.Date(2012, 10, 28, 0, 30, 0, 0, time.UTC), time.Date(2012, 10, 28, 3, 0, 0, 0, time.UTC),
			[]string{"DTSTART;TZID=Europe/Copenhagen:20121028T023000", "DTEND;TZID=Europe/Copenhagen:20121028T040000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := ev
			ev.Start, ev.End = tt.start, tt.end
			out, err := Request(ev)
			if err != nil {
				t.Fatal(err)
			}
			lines := writeCheckStructure(t, out)
			for _, l := range tt.want {
				if !writeHasLine(lines, l) {
					t.Errorf("no line %q in\n%s", l, out)
				}
			}
			zoned := strings.Contains(string(out), "TZID=")
			if hasTZ := writeHasLine(lines, "BEGIN:VTIMEZONE"); hasTZ != zoned {
				t.Errorf("VTIMEZONE written: %v, a TZID used: %v", hasTZ, zoned)
			}
		})
	}
}

// TestRefusesBrokenEvents: an event no client could file is an error naming the field, not
// an object sent.
func TestRefusesBrokenEvents(t *testing.T) {
	base := writeEvent(t, "630", "vejle", 0, time.Date(2012, 2, 20, 8, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		edit func(*Event)
		want string
	}{
		{"no UID", func(e *Event) { e.UID = " \r\n" }, "UID is empty"},
		{"negative sequence", func(e *Event) { e.Sequence = -1 }, "SEQUENCE -1"},
		{"no stamp", func(e *Event) { e.Stamp = time.Time{} }, "DTSTAMP"},
		{"end before start", func(e *Event) { e.End = e.Start.Add(-time.Hour) }, "not after start"},
		{"empty meeting", func(e *Event) { e.End = e.Start }, "not after start"},
		{"latitude", func(e *Event) { e.Lat = 95 }, "GEO"},
		{"NaN", func(e *Event) { e.Lon = math.NaN() }, "GEO"},
		{"organizer", func(e *Event) { e.Organizer.Email = "" }, "organizer"},
		{"attendee without @", func(e *Event) { e.Attendee.Email = "vejle.kommune.test" }, "attendee"},
		{"attendee with CRLF", func(e *Event) { e.Attendee.Email = "a@b.test\r\nATTENDEE:mailto:x@y.test" }, "attendee"},
		{"attendee with quote", func(e *Event) { e.Attendee.Email = `"a b"@vejle.test` }, "attendee"},
		{"attendee with colon", func(e *Event) { e.Attendee.Email = "a:b@vejle.test" }, "attendee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := base
			tt.edit(&ev)
			for _, method := range []string{MethodRequest, MethodCancel} {
				out, err := writeMethod(method, ev)
				if err == nil {
					t.Fatalf("%s accepted:\n%s", method, out)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s error %q does not name %q", method, err, tt.want)
				}
			}
		})
	}
	// Without GEO the coordinates are not read: zero or NaN there is no error.
	ev := base
	ev.HasGeo, ev.Lat, ev.Lon = false, math.NaN(), 0
	if out, err := Request(ev); err != nil {
		t.Errorf("event without GEO refused: %v", err)
	} else if strings.Contains(string(out), "GEO:") {
		t.Errorf("GEO written although HasGeo is false:\n%s", out)
	}
}

// TestOddInputStaysValid feeds random text (CR, LF, control characters, invalid UTF-8,
// multi-byte runes, long runs, backslashes and separators) to every text field and checks
// that the object stays valid RFC 5545 and that each field reads back as the documented
// normalisation of its input.
func TestOddInputStaysValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(2012, 3))
	pieces := []string{"a", "Æ", "ø", "å", "€", "😀", "\r", "\n", "\r\n", "\x00", "\x1b", "\x7f", "\u0085",
		"\u2028", "\t", " ", "\\", "\\n", ";", ",", ":", `"`, "^", "^n", "\xff", "\xe6", "=", "mailto:x@y"}
	base := writeEvent(t, "630", "vejle", 3, time.Date(2012, 2, 20, 8, 0, 0, 0, time.UTC))
	for i := range 2000 {
		var b strings.Builder
		for range rng.IntN(400) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if i%100 == 0 {
			b.WriteString(strings.Repeat("lang tekst æøå ", 2000)) // very long text
		}
		s := b.String()
		ev := base
		ev.Summary, ev.Description, ev.Location, ev.Organizer.Name, ev.Attendee.Name = s, s, s, s, s
		for _, method := range []string{MethodRequest, MethodCancel} {
			out, err := writeMethod(method, ev)
			if err != nil {
				t.Fatalf("input %q: %v", s, err)
			}
			props := writeProps(writeCheckStructure(t, out))
			if got, want := props["DESCRIPTION"], writeModelText(s); got != want {
				t.Fatalf("input %q: DESCRIPTION reads %q, want %q", s, got, want)
			}
			if got, want := props["SUMMARY"], writeModelOneLine(s, " "); got != want {
				t.Fatalf("input %q: SUMMARY reads %q, want %q", s, got, want)
			}
			if got, want := props["LOCATION"], writeModelOneLine(s, ", "); got != want {
				t.Fatalf("input %q: LOCATION reads %q, want %q", s, got, want)
			}
		}
	}
}

// writeModelText is the documented normalisation of a TEXT field, written out separately
// from the code under test: each run of invalid bytes becomes one U+FFFD, every line break
// LF, other control characters vanish, surrounding white space is trimmed.
func writeModelText(s string) string {
	var b strings.Builder
	invalid := false // the previous byte was invalid UTF-8
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		bad := r == utf8.RuneError && size == 1
		switch {
		case bad && invalid:
		case bad:
			b.WriteRune('\uFFFD')
		case r == '\r' && strings.HasPrefix(s[i:], "\r\n"):
			b.WriteByte('\n')
			size = 2
		case r == '\r' || r == '\n' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\t' || r >= 0x20 && r != 0x7f && (r < 0x80 || r > 0x9f):
			b.WriteRune(r)
		}
		invalid = bad
		i += size
	}
	return strings.TrimSpace(b.String())
}

// writeModelOneLine is the normalisation of a one-line field: the lines of the TEXT model,
// tabs as spaces, each trimmed, blank ones dropped, joined with sep.
func writeModelOneLine(s, sep string) string {
	var parts []string
	for _, l := range strings.Split(writeModelText(s), "\n") {
		if l = strings.TrimSpace(strings.ReplaceAll(l, "\t", " ")); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, sep)
}

// writeCheckStructure fails the test unless out is well-formed RFC 5545 at the level of
// lines: CRLF only, physical lines of at most 75 octets, no fold inside a UTF-8 sequence, no
// control characters but HTAB, every content line "NAME[;params]:value", components balanced.
// It returns the unfolded content lines.
func writeCheckStructure(t testing.TB, out []byte) []string {
	t.Helper()
	s := string(out)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("object does not end with CRLF:\n%q", s)
	}
	var lines []string
	for i, phys := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(phys) > 75 {
			t.Fatalf("line %d has %d octets (more than 75): %q", i+1, len(phys), phys)
		}
		if !utf8.ValidString(phys) {
			t.Fatalf("line %d is not valid UTF-8 (a fold inside a sequence?): %q", i+1, phys)
		}
		for _, r := range phys {
			if r != '\t' && (r < 0x20 || r == 0x7f) {
				t.Fatalf("line %d has the control character %U: %q", i+1, r, phys)
			}
		}
		if strings.HasPrefix(phys, " ") {
			if len(lines) == 0 {
				t.Fatalf("object starts with a continuation line")
			}
			lines[len(lines)-1] += phys[1:]
			continue
		}
		lines = append(lines, phys)
	}
	var stack []string
	for _, l := range lines {
		name, _, _, ok := writeSplitLine(l)
		if !ok {
			t.Fatalf("not a content line: %q", l)
		}
		switch name {
		case "BEGIN":
			stack = append(stack, l[len("BEGIN:"):])
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != l[len("END:"):] {
				t.Fatalf("%q does not close %v", l, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 || lines[0] != "BEGIN:VCALENDAR" {
		t.Fatalf("components not balanced or not one VCALENDAR: open %v, first line %q", stack, lines[0])
	}
	return lines
}

// writeSplitLine splits a content line into name, parameters and value, honouring quoted
// parameter values.
func writeSplitLine(l string) (name, params, value string, ok bool) {
	i := 0
	for i < len(l) && (l[i] >= 'A' && l[i] <= 'Z' || l[i] == '-') {
		i++
	}
	if i == 0 || i == len(l) || l[i] != ':' && l[i] != ';' {
		return "", "", "", false
	}
	name = l[:i]
	quoted := false
	for j := i; j < len(l); j++ {
		switch {
		case l[j] == '"':
			quoted = !quoted
		case l[j] == ':' && !quoted:
			return name, l[i:j], l[j+1:], true
		}
	}
	return "", "", "", false
}

// writeProps returns the unescaped TEXT values of the VEVENT's properties by name.
func writeProps(lines []string) map[string]string {
	props := map[string]string{}
	for _, l := range lines {
		name, _, value, _ := writeSplitLine(l)
		var b strings.Builder
		for i := 0; i < len(value); i++ {
			if value[i] == '\\' && i+1 < len(value) {
				i++
				if value[i] == 'n' || value[i] == 'N' {
					b.WriteByte('\n')
				} else {
					b.WriteByte(value[i])
				}
				continue
			}
			b.WriteByte(value[i])
		}
		props[name] = b.String()
	}
	return props
}

func writeHasLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func TestFoldKeepsSequencesWhole(t *testing.T) {
	// Every offset of a 4-octet rune and of an escape against the 75-octet edge.
	for pad := range 80 {
		for _, tail := range []string{strings.Repeat("😀", 30), strings.Repeat(`\,`, 40), strings.Repeat("ø", 50)} {
			var w writeLines
			w.add("DESCRIPTION:" + strings.Repeat("x", pad) + tail)
			phys := strings.Split(strings.TrimSuffix(w.b.String(), "\r\n"), "\r\n")
			var joined strings.Builder
			for i, p := range phys {
				if len(p) > 75 || !utf8.ValidString(p) {
					t.Fatalf("pad %d: physical line %q (%d octets)", pad, p, len(p))
				}
				if strings.HasSuffix(p, `\`) && !strings.HasSuffix(p, `\\`) {
					t.Fatalf("pad %d: fold after an escaping backslash: %q", pad, p)
				}
				if i > 0 {
					p = strings.TrimPrefix(p, " ")
				}
				joined.WriteString(p)
			}
			if want := "DESCRIPTION:" + strings.Repeat("x", pad) + tail; joined.String() != want {
				t.Fatalf("pad %d: unfolds to %q, want %q", pad, joined.String(), want)
			}
		}
	}
}

// TestNewEvent: the invitee is named by the director's name where known, else by the formal
// name; the title names the city; the description carries the agenda, the person to ask and
// the web page, with headings in the campaign's language.
func TestNewEvent(t *testing.T) {
	c := writeCampaign(t)
	m, _ := c.Meeting("vejle")
	tests := []struct {
		name                string
		lang                string
		inv                 campaign.Invitee
		wantCN, wantHeading string
		wantContact         string
	}{
		{"director named", "da", campaign.Invitee{Code: "630", Name: "Vejle", FormalName: "Vejle Kommune", Contact: "Søren Ærø", Email: "b@vejle.test"},
			"Søren Ærø", "Dagsorden:\n• ",
			"\n\nKontakt: Chefkonsulent, Forretningsudvikling, KOMBIT, tlf. 33 34 94 73, dialogmoeder@kombit.test\nLæs mere: https://kombit.dk/bibliotek"},
		{"formal name", "en", campaign.Invitee{Code: "630", Name: "Vejle", FormalName: "Vejle Kommune", Email: "b@vejle.test"},
			"Vejle Kommune", "Agenda:\n• ",
			"\n\nContact: Chefkonsulent, Forretningsudvikling, KOMBIT, phone 33 34 94 73, dialogmoeder@kombit.test\nMore: https://kombit.dk/bibliotek"},
		{"short name only", "da", campaign.Invitee{Code: "630", Name: "Vejle", Email: "b@vejle.test"},
			"Vejle", "Dagsorden:\n• ", "\n\nKontakt: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Language = tt.lang
			ev := NewEvent(c, tt.inv, m)
			if ev.Attendee.Name != tt.wantCN || ev.Attendee.Email != tt.inv.Email {
				t.Errorf("attendee %+v, want CN %q", ev.Attendee, tt.wantCN)
			}
			if ev.Summary != "Vejle: Dialogmøde om det nye fælles bibliotekssystem" {
				t.Errorf("title %q does not start with the city", ev.Summary)
			}
			if !strings.HasPrefix(ev.Description, tt.wantHeading+"Baggrund") || strings.Count(ev.Description, "\n• ") != len(c.Agenda) {
				t.Errorf("description %q: want heading %q and %d items", ev.Description, tt.wantHeading, len(c.Agenda))
			}
			if !strings.Contains(ev.Description, tt.wantContact) {
				t.Errorf("description %q lacks %q", ev.Description, tt.wantContact)
			}
			if ev.UID != "630.vejle.rsvpd@kombit.test" || !ev.Start.Equal(m.Start) || !ev.End.Equal(m.End) || !ev.HasGeo {
				t.Errorf("event %+v does not carry the meeting", ev)
			}
		})
	}
}

// TestEntriesApart: the invitation's three entries have three titles, each naming its city,
// so a director tells them apart in the calendar before opening one.
func TestEntriesApart(t *testing.T) {
	c := writeCampaign(t)
	inv, _ := c.Invitee("630")
	seen := map[string]bool{}
	for _, m := range c.Meetings {
		ev := NewEvent(c, inv, m)
		if !strings.HasPrefix(ev.Summary, m.City+": ") {
			t.Errorf("the %s entry is titled %q", m.ID, ev.Summary)
		}
		if seen[ev.Summary] {
			t.Errorf("two entries titled %q", ev.Summary)
		}
		seen[ev.Summary] = true
	}
	// No contact and no web page configured: the description is the agenda alone.
	c.Organiser.Contact, c.Organiser.Website = campaign.Contact{}, ""
	if ev := NewEvent(c, inv, c.Meetings[0]); strings.Contains(ev.Description, "Kontakt") || strings.HasSuffix(ev.Description, "\n") {
		t.Errorf("description without contact: %q", ev.Description)
	}
}
