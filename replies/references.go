package replies

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// References: the ways a reply names a meeting, each resolved against the campaign. A city or
// its other spellings, the venue, its room or street; a date ("d. 28/2", "den 1. marts"); a
// weekday ("om torsdagen", "torsdagsmødet"), counted from the day the reply was written when it
// is relative ("på tirsdag", "i morgen"); an order ("det sidste af møderne"); a part of the
// country ("mødet her på Sjælland"); the host's own house ("mødet her hos os"); and for an
// answer written inline, the meeting whose quoted lines it stands under. A reference that fits
// more than one meeting is kept with all it fits, so that the reading can name them.

// refKind says how a meeting was named.
type refKind string

const (
	refCity     refKind = "city"
	refVenue    refKind = "venue"
	refRoom     refKind = "room"
	refStreet   refKind = "street"
	refDate     refKind = "date"
	refWeekday  refKind = "weekday"
	refRelDay   refKind = "relative_day"
	refOrder    refKind = "order"
	refRegion   refKind = "region"
	refHost     refKind = "host"
	refInline   refKind = "inline"
	refMisspelt refKind = "misspelt"
	refMonth    refKind = "month"
	refWeek     refKind = "week"
)

// mention is one reference to a meeting in a clause.
type mention struct {
	meeting string   // the meeting, "" when the words fit several
	alts    []string // the meetings the words fit, when several
	pos     int      // byte offset in the clause's lower-case text
	kind    refKind
	words   string // the words as written
	neg     bool   // named as left, refused or compared against ("ikke Vejle", "i stedet for Aalborg")
	clash   bool   // a weekday and a date that name different meetings ("tirsdag den 1. marts")
	late    bool   // with clash: "i morgen" written after midnight, two days it may mean
}

// refContext is what references are resolved against besides the campaign.
type refContext struct {
	c    *campaign.Campaign
	sent time.Time // when the reply was written; zero when unknown
	host string    // the meeting held in the invitee's own municipality, "" none
	self []string  // lower-case names of the invitee (its municipality), never a meeting
}

func newRefContext(c *campaign.Campaign, sent time.Time, invitee string) refContext {
	rc := refContext{c: c, sent: sent}
	if inv, ok := c.Invitee(invitee); ok && inv.Name != "" {
		name := strings.ToLower(inv.Name)
		rc.self = append(rc.self, name)
		for _, mt := range c.Meetings {
			if strings.ToLower(mt.City) == name {
				rc.host = mt.ID
			}
		}
	}
	if rc.sent.IsZero() {
		return rc
	}
	if c.Location != nil {
		rc.sent = rc.sent.In(c.Location)
	}
	return rc
}

var (
	// relDayRe finds a day named from the day of writing.
	relDayRe = regexp.MustCompile(`(?:^|[^\p{L}])(i\s+morgen|i\s+overmorgen|i\s+dag|imorgen|idag)(?:$|[^\p{L}])`)
	// hostRe finds the meeting named as the writer's own house.
	hostRe = regexp.MustCompile(`(?:^|[^\p{L}])(her\s+i\s+huset|her\s+hos\s+os|hos\s+os\s+her|her\s+i\s+byen|her\s+på\s+biblioteket|hos\s+os\s+i\s+huset|hjemme\s+hos\s+os)(?:$|[^\p{L}])`)
	// regionRe finds a part of the country a meeting is placed in ("et af møderne i Jylland").
	regionRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:i|på)\s+(nordjylland|sønderjylland|midtjylland|østjylland|vestjylland|jylland|fyn|sjælland|bornholm|lolland|falster)(?:$|[^\p{L}])`)
	// negWindowRe marks a meeting named as refused or left: the words just before it.
	negWindowRe = regexp.MustCompile(`(?:^|\s)(?:ikke|fra|i stedet for|istedet for|istedenfor|frem for|fremfor|end|ud over|udover|hverken|not|from|instead of|rather than|than)(?:\s+(?:til|i|på|mødet|møde|dialogmødet|den|d\.|to|in|at|the))*\s*$`)
	// coordinationRe matches what joins two meetings named alike: "eller", "og", a comma.
	coordinationRe = regexp.MustCompile(`^\s*(?:,|og|eller|samt|or|and)\s*(?:(?:til|i|på|den|d\.|heller ikke)\s+)*$`)
)

// dottedDateRe is a date written with stops and the year ("01.03.2012"), which has the digits
// of a phone number.
var dottedDateRe = regexp.MustCompile(`\b\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})\b`)

// maxMentions bounds the references read in one clause.
const maxMentions = 24

// meetingMentions finds every reference to a meeting in a clause, in order of position.
func (rc refContext) meetingMentions(cl clause) []mention {
	text, lower := cl.text, cl.lower
	if contactRe.MatchString(text) && (strings.Contains(text, "@") || phoneLikeRe.MatchString(text) && phoneLikeRe.MatchString(dottedDateRe.ReplaceAllString(text, ""))) {
		return nil // a contact line of a signature
	}
	var out []mention
	add := func(m mention, end int) {
		if len(out) >= maxMentions {
			return
		}
		for _, o := range out {
			if m.pos < o.pos+len(o.words) && o.pos < end {
				return // a place already read (the date of "tirsdag den 28.")
			}
		}
		if orgAfterRe.MatchString(lower[end:]) || postcodeBeforeRe.MatchString(lower[:m.pos]) {
			return // "Vejle Kommune", "7100 Vejle": where someone works
		}
		for _, s := range rc.self {
			if m.kind == refCity && strings.Contains(lower[max(0, m.pos-6):m.pos], "fra ") && strings.HasPrefix(lower[m.pos:], s) {
				return // "to fra Roskilde" written from Roskilde: where they come from
			}
		}
		win := lower[max(0, m.pos-30):m.pos]
		prev := mentionBefore(out, m.pos)
		if prev >= 0 {
			if p := out[prev].pos + len(out[prev].words); p > m.pos-30 {
				win = lower[p:m.pos]
			}
		}
		m.neg = negWindowRe.MatchString(win) || m.meeting != "" && !rc.notPastID(m.meeting)
		if !m.neg && prev >= 0 && out[prev].neg && coordinationRe.MatchString(win) {
			// "hverken Aalborg eller Roskilde", "ikke den 28. og den 1.": the mention just
			// before, whichever was found first (cities are looked for meeting by meeting)
			m.neg = true
		}
		out = append(out, m)
	}
	rc.names(text, lower, add)
	rc.dated(text, lower, add)
	rc.weekdays(lower, add)
	rc.relative(lower, add)
	rc.ordered(lower, add)
	rc.regions(lower, add)
	rc.monthsAndWeeks(lower, add)
	if rc.host != "" {
		if loc := hostRe.FindStringSubmatchIndex(lower); loc != nil {
			add(mention{meeting: rc.host, pos: loc[2], kind: refHost, words: text[loc[2]:loc[3]]}, loc[3])
		}
	}
	sortMentions(out)
	return narrowed(out, lower)
}

// mentionBefore is the index of the mention that ends last at or before a position, -1 none.
func mentionBefore(ms []mention, before int) int {
	at, end := -1, -1
	for i, m := range ms {
		if e := m.pos + len(m.words); e <= before && e > end {
			at, end = i, e
		}
	}
	return at
}

func sortMentions(ms []mention) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].pos < ms[j-1].pos; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// names finds the meetings named by city, other spelling, venue, street or room, and the
// cities misspelt by one letter.
func (rc refContext) names(text, lower string, add func(mention, int)) {
	for _, mt := range rc.c.Meetings {
		type name struct {
			s    string
			kind refKind
		}
		names := []name{{mt.City, refCity}}
		for _, a := range mt.Aliases {
			names = append(names, name{a, refCity})
		}
		if mt.Venue != "" {
			names = append(names, name{mt.Venue, refVenue})
		}
		if s := streetName(mt.Street); s != "" {
			names = append(names, name{s, refStreet})
		}
		for _, n := range names {
			ln := strings.ToLower(n.s)
			for off := 0; ; {
				i := strings.Index(lower[off:], ln)
				if i < 0 {
					break
				}
				s, e := off+i, off+i+len(ln)
				if wordEdge(lower, s, e) {
					add(mention{meeting: mt.ID, pos: s, kind: n.kind, words: text[s:e]}, e)
				}
				off = e
			}
		}
		// A room is a common noun too ("salen"): only as a name, with its capital. A compound
		// room name ("Foredragssalen") names the room in lower case too ("vi sidder klar i
		// foredragssalen").
		if mt.Room != "" && utf8.RuneCountInString(mt.Room) >= 4 {
			hay, room := text, mt.Room
			if long := utf8.RuneCountInString(mt.Room) >= 10; long {
				hay, room = lower, strings.ToLower(mt.Room)
			}
			for off := 0; ; {
				i := strings.Index(hay[off:], room)
				if i < 0 {
					break
				}
				s, e := off+i, off+i+len(room)
				if wordEdge(hay, s, e) && (mt.Room != "Salen" || s > 0) && (hay[s] != text[s] || !sentenceStart(text, s)) {
					add(mention{meeting: mt.ID, pos: s, kind: refRoom, words: text[s:e]}, e)
				}
				off = e
			}
		}
	}
	for _, loc := range wordSpans(lower) {
		w := lower[loc[0]:loc[1]]
		for _, mt := range rc.c.Meetings {
			city := strings.ToLower(mt.City)
			if d := len(w) - len(city); d < -2 || d > 2 || w == city || utf8.RuneCountInString(city) < 5 {
				continue
			}
			if damerau1(w, city) {
				add(mention{meeting: mt.ID, pos: loc[0], kind: refMisspelt, words: text[loc[0]:loc[1]]}, loc[1])
			}
		}
	}
}

// streetName is a street address without its number ("Dronning Margrethes Vej").
func streetName(s string) string {
	f := strings.Fields(strings.ReplaceAll(s, ",", " "))
	for len(f) > 0 {
		r, _ := utf8.DecodeRuneInString(f[len(f)-1])
		if !unicode.IsDigit(r) {
			break
		}
		f = f[:len(f)-1]
	}
	name := strings.Join(f, " ")
	if utf8.RuneCountInString(name) < 6 {
		return ""
	}
	return name
}

// sentenceStart says whether the byte offset i starts the text or a sentence in it.
func sentenceStart(text string, i int) bool {
	t := strings.TrimRight(text[:i], " ")
	return t == "" || strings.HasSuffix(t, ".") || strings.HasSuffix(t, ":")
}

// dated finds the meetings named by date; a weekday written before the date that does not
// fall on it makes the reference clash ("tirsdag den 1. marts": 1 March is a Thursday).
func (rc refContext) dated(text, lower string, add func(mention, int)) {
	if !strings.ContainsAny(lower, "0123456789") && !ordinalWordIn(lower) {
		return
	}
	for _, d := range findDates(text) {
		id := meetingOnDay(rc.c, d)
		if id == "" {
			continue
		}
		m := mention{meeting: id, pos: d.start, kind: refDate, words: text[d.start:d.end]}
		if wd, wpos, ok := weekdayBefore(lower, d.start); ok {
			m.pos, m.words = wpos, text[wpos:d.end]
			mt, _ := rc.c.Meeting(id)
			if rc.startOf(mt).Weekday() != wd {
				m.clash, m.meeting = true, ""
				m.alts = appendUnique(rc.onWeekday(wd, false), id)
			}
		}
		add(m, d.end)
	}
}

func (rc refContext) startOf(mt campaign.Meeting) time.Time {
	if rc.c.Location != nil {
		return mt.Start.In(rc.c.Location)
	}
	return mt.Start
}

// weekdayBefore finds a weekday written just before a date ("tirsdag den", "tors. d.").
func weekdayBefore(lower string, at int) (time.Weekday, int, bool) {
	before := strings.TrimRight(lower[max(0, at-16):at], " ")
	before = strings.TrimSuffix(before, "den")
	before = strings.TrimSuffix(before, "d.")
	before = strings.TrimRight(before, " ,")
	spans := wordSpans(before)
	if len(spans) == 0 {
		return 0, 0, false
	}
	last := spans[len(spans)-1]
	if last[1] != len(before) {
		return 0, 0, false
	}
	wd, ok := weekdayOf(before[last[0]:last[1]])
	return wd, max(0, at-16) + last[0], ok
}

// longWeekdays are the weekday names of five letters or more: short forms ("tor", "man") are
// words of their own.
var longWeekdays = func() []string {
	var out []string
	for name := range weekdayNames {
		if utf8.RuneCountInString(name) >= 5 {
			out = append(out, name)
		}
	}
	return out
}()

// weekdayOf reads a weekday word: the name, its definite form and compounds ("torsdagen",
// "torsdagsmødet"); short forms only with their stop ("tors.") are left to dates.
func weekdayOf(w string) (time.Weekday, bool) {
	if len(w) < 5 || !strings.ContainsAny(w[:1], "mtofslwdsæå") {
		return 0, false
	}
	for _, name := range longWeekdays {
		if !strings.HasPrefix(w, name) {
			continue
		}
		wd := weekdayNames[name]
		rest := w[len(name):]
		if rest == "" || rest == "en" || rest == "ens" || strings.HasPrefix(rest, "s") {
			return wd, true
		}
	}
	return 0, false
}

// onWeekday lists the meetings held on a weekday; future keeps only those not yet held when
// the reply was written.
func (rc refContext) onWeekday(wd time.Weekday, future bool) []string {
	var ids []string
	for _, mt := range rc.c.Meetings {
		s := rc.startOf(mt)
		if s.Weekday() != wd {
			continue
		}
		if future && !rc.sent.IsZero() && s.Before(dayStart(rc.sent)) {
			continue
		}
		ids = append(ids, mt.ID)
	}
	return ids
}

func dayStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// weekdays finds meetings named by weekday. "på tirsdag" is the coming Tuesday counted from
// the day of writing; otherwise a weekday names the meetings on it not yet held.
func (rc refContext) weekdays(lower string, add func(mention, int)) {
	for _, loc := range wordSpans(lower) {
		w := lower[loc[0]:loc[1]]
		ord := ordinalBeforeRe.FindStringSubmatch(lower[max(0, loc[0]-30):loc[0]])
		wd, ok := weekdayOf(w)
		if !ok && ord != nil {
			wd, ok = weekdayOf(strings.TrimSuffix(w, "e")) // "den første af de to tirsdage"
		}
		if !ok {
			continue
		}
		before := strings.TrimRight(lower[max(0, loc[0]-12):loc[0]], " ")
		if (before == "i" || strings.HasSuffix(before, " i")) && strings.HasSuffix(w, "s") {
			continue // "i tirsdags": last Tuesday
		}
		ids := rc.onWeekday(wd, true)
		coming := strings.HasSuffix(before, "på") || strings.HasSuffix(before, "næste") || strings.HasSuffix(before, "kommende") || strings.HasSuffix(before, "nu på")
		if week, ok := weekOf(lower, loc); ok && !rc.sent.IsZero() {
			// "tirsdag i næste uge", "i denne uge om torsdagen": the week counted from the day of writing
			monday := dayStart(rc.sent).AddDate(0, 0, -((int(rc.sent.Weekday()) + 6) % 7))
			ids = nil
			if id := rc.meetingOn(monday.AddDate(0, 0, 7*week+(int(wd)+6)%7)); id != "" {
				ids = []string{id}
			}
		} else if coming && !rc.sent.IsZero() {
			if found := rc.comingWeekday(wd, strings.HasSuffix(before, "næste")); len(found) > 0 {
				ids = found
			}
		}
		if ord != nil && len(ids) > 1 {
			ids = rc.nthOf(ids, ord[1]) // "den sidste tirsdag": the later of the Tuesdays
		}
		m := mention{pos: loc[0], kind: refWeekday, words: lower[loc[0]:loc[1]]}
		switch len(ids) {
		case 0:
			continue
		case 1:
			m.meeting = ids[0]
		default:
			m.alts = ids
		}
		add(m, loc[1])
	}
}

// comingWeekday is the meeting on the coming weekday wd counted from the day of writing ("på
// tirsdag"). "næste tirsdag" written earlier in the same week may mean that Tuesday or the
// one a week later: the meetings on both are returned, so that two are held, not guessed.
func (rc refContext) comingWeekday(wd time.Weekday, next bool) []string {
	days := (int(wd) - int(rc.sent.Weekday()) + 7) % 7
	if days == 0 {
		days = 7
	}
	var ids []string
	if id := rc.meetingOn(dayStart(rc.sent).AddDate(0, 0, days)); id != "" {
		ids = append(ids, id)
	}
	monFirst := func(d time.Weekday) int { return (int(d) + 6) % 7 }
	if next && monFirst(wd) > monFirst(rc.sent.Weekday()) {
		if id := rc.meetingOn(dayStart(rc.sent).AddDate(0, 0, days+7)); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

var (
	// weekAfterRe and weekBeforeRe find the week a weekday is counted in, written after it
	// ("tirsdag i næste uge") or before it ("i denne uge om torsdagen", "næste uges tirsdag").
	weekAfterRe  = regexp.MustCompile(`^\s*,?\s*(?:(?:i\s+|om\s+)?(?:den\s+)?(næste|kommende|denne|indeværende|nuværende)\s+uge|om\s+(en|én|1|to|2|tre|3)\s+uger?)(?:$|[^\p{L}])`)
	weekBeforeRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:i\s+)?(?:den\s+)?(næste|kommende|denne|indeværende)\s+uges?\s*,?\s*(?:om\s+|på\s+)?$`)
)

// weekOf reads the week written beside the weekday at loc: 0 this week, 1 the next.
func weekOf(lower string, loc [2]int) (int, bool) {
	m := weekAfterRe.FindStringSubmatch(lower[loc[1]:min(len(lower), loc[1]+32)])
	if m == nil {
		m = weekBeforeRe.FindStringSubmatch(lower[max(0, loc[0]-32):loc[0]])
	}
	if m == nil {
		return 0, false
	}
	if len(m) > 2 && m[2] != "" {
		return numberWord(m[2]), true // "tirsdag om to uger"
	}
	if m[1] == "næste" || m[1] == "kommende" {
		return 1, true
	}
	return 0, true
}

// meetingOn returns the meeting held on the day of t, "" none.
func (rc refContext) meetingOn(t time.Time) string {
	for _, mt := range rc.c.Meetings {
		s := rc.startOf(mt)
		if s.Year() == t.Year() && s.YearDay() == t.YearDay() {
			return mt.ID
		}
	}
	return ""
}

// relative finds a meeting named as "i morgen", "i overmorgen", "i dag".
func (rc refContext) relative(lower string, add func(mention, int)) {
	if rc.sent.IsZero() || !strings.Contains(lower, "morgen") && !strings.Contains(lower, "dag") {
		return
	}
	loc := relDayRe.FindStringSubmatchIndex(lower)
	if loc == nil {
		return
	}
	w := strings.Join(strings.Fields(lower[loc[2]:loc[3]]), " ")
	days := map[string]int{"i morgen": 1, "imorgen": 1, "i overmorgen": 2, "i dag": 0, "idag": 0}[w]
	m := mention{pos: loc[2], kind: refRelDay, words: lower[loc[2]:loc[3]]}
	m.meeting = rc.meetingOn(dayStart(rc.sent).AddDate(0, 0, days))
	if days > 0 && rc.sent.Hour() < smallHours {
		// written after midnight, "i morgen" may count from the day before: two days, held
		// when they differ
		if other := rc.meetingOn(dayStart(rc.sent).AddDate(0, 0, days-1)); other != m.meeting {
			m.alts = appendUnique(nil, other)
			m.alts = appendUnique(m.alts, m.meeting)
			m.alts = without(m.alts, []string{""})
			m.meeting, m.clash, m.late = "", true, true
		}
	}
	if m.meeting != "" || len(m.alts) > 0 {
		add(m, loc[3])
	}
}

// smallHours is the hour before which a day written of may be counted from the day before.
const smallHours = 4

// notPast says whether a meeting had not yet been held when the reply was written.
func (rc refContext) notPast(mt campaign.Meeting) bool {
	return rc.sent.IsZero() || !rc.startOf(mt).Before(dayStart(rc.sent))
}

// notPastID is notPast for a meeting's id: "Aalborg er overstået", "Tak for i går i Aalborg"
// written after the meeting name it as past, no choice.
func (rc refContext) notPastID(id string) bool {
	mt, ok := rc.c.Meeting(id)
	return !ok || rc.notPast(mt)
}

// addSome adds a mention of one meeting, or of several when the words fit several.
func (rc refContext) addSome(ids []string, m mention, end int, add func(mention, int)) {
	switch len(ids) {
	case 0:
		return
	case 1:
		m.meeting = ids[0]
	default:
		m.alts = ids
	}
	add(m, end)
}

// byTime lists the meeting ids in order of their start.
func (rc refContext) byTime() []string {
	ms := append([]campaign.Meeting(nil), rc.c.Meetings...)
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Start.Before(ms[j-1].Start); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// regions finds a meeting named by the part of the country it is held in, when the clause is
// about a meeting ("mødet her på Sjælland", "et af møderne i Jylland").
func (rc refContext) regions(lower string, add func(mention, int)) {
	if !meetingWordRe.MatchString(lower) {
		return
	}
	loc := regionRe.FindStringSubmatchIndex(lower)
	if loc == nil {
		return
	}
	region := lower[loc[2]:loc[3]]
	var ids []string
	for _, mt := range rc.c.Meetings {
		if mt.HasGeo && inRegion(region, mt.Lat, mt.Lon) {
			ids = append(ids, mt.ID)
		}
	}
	m := mention{pos: loc[2], kind: refRegion, words: region}
	switch len(ids) {
	case 0:
		return
	case 1:
		m.meeting = ids[0]
	default:
		m.alts = ids
	}
	add(m, loc[3])
}

// meetingWordRe finds the word for a meeting of the campaign (not "netværksmøde").
var meetingWordRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:dialog|mandags|tirsdags|onsdags|torsdags|fredags)?møde(?:t|rne|r)?(?:$|[^\p{L}])`)

// inRegion says whether a point lies in a part of Denmark, by rough boxes: enough to tell
// the big towns of the parts apart.
func inRegion(region string, lat, lon float64) bool {
	fyn := lat >= 54.95 && lat <= 55.65 && lon >= 9.65 && lon <= 10.95
	jylland := lat >= 54.75 && lon >= 8.0 && lon <= 10.95 && !fyn
	switch region {
	case "jylland":
		return jylland
	case "nordjylland":
		return jylland && lat >= 56.55
	case "midtjylland":
		return jylland && lat >= 55.85 && lat < 56.55
	case "østjylland":
		return jylland && lon >= 9.4 && lat >= 55.5 && lat < 56.55
	case "vestjylland":
		return jylland && lon < 9.0 && lat >= 55.3
	case "sønderjylland":
		return jylland && lat < 55.45
	case "fyn":
		return fyn
	case "sjælland":
		return lat >= 54.95 && lat <= 56.2 && lon >= 11.0 && lon <= 12.75
	case "bornholm":
		return lon >= 14.6
	case "lolland", "falster":
		return lat < 54.95 && lon >= 10.9 && lon <= 12.2
	}
	return false
}

func appendUnique(ids []string, id string) []string {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}
