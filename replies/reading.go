package replies

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// The reading of a person's reply, in Danish first (Norwegian and Swedish share most of it)
// and English. The text read is the reply text: the quoted invitation, which names all three
// cities and dates, and the signature are already gone.
//
// Go's \b only knows ASCII letters, so the patterns mark word edges with nb ("not a letter").

const nb = `(?:^|[^\p{L}\p{N}])`
const ne = `(?:$|[^\p{L}\p{N}])`

// wordsRe compiles a list of lower-case phrases; it is matched against lower-cased text
// (case folding inside the regexp costs more than lower-casing once).
func wordsRe(alts string) *keyedRe {
	return newKeyedRe(nb+`(?:`+alts+`)`+ne, alts)
}

var (
	attendRe  = wordsRe(`deltager|deltage|deltagelse|deltar|delta|tilmeld\p{L}*|anmäl\p{L}*|påmeld\p{L}*|kommer gerne|kommer|komme|vi ses|ses i|ses den|glæder (mig|os)|ser frem til|regner med at (komme|deltage)|reserver\p{L}*|melder (mig|os) (til|på)|vil gerne (til|med|deltage|komme|være med)|sender|booke?|en plads|pladser|vil gerne (med|være med)|gerne med|er med|tager (turen|mødet)|passer (mig |os )?(fint|godt|bedst|bedre)|foretrækker|vælger|skifter|ændre\p{L}*|flytte\p{L}*|i stedet|ja tak|ja gerne|ja, gerne|attend\p{L}*|will come|we'll come|we will come|i'll come|coming|be there|join\p{L}*|participat\p{L}*|register\p{L}*|sign (me|us) up|count (me|us) in|see you|book\p{L}*|would like to come|prefer\p{L}*|switch\p{L}*|change (to|our)`)
	declineRe = wordsRe(`kan ikke|kan desværre ikke|kan jeg ikke|kan vi ikke|kommer ikke|deltager ikke|deltage ikke|har ikke mulighed|ingen mulighed|ikke mulighed|forhindret|afbud|melder fra|melde fra|afmeld\p{L}*|framelde\p{L}*|takke nej|takker nej|nej tak|må desværre|desværre|dessverre|tyvärr|kan inte|har inte möjlighet|springer over|ikke tid|ingen tid|optaget|ikke deltage|ikke komme|ikke med|cannot|can't|can not|won't be able|will not be able|unable|not able|not attend|won't attend|will not attend|unfortunately|regret\p{L}*|decline\p{L}*|no thanks|have to cancel|must cancel`)
	// changeRe marks a change of mind: the last meeting named is the new one.
	// laterRe marks a promise to answer later ("jeg vender tilbage"): no answer yet.
	laterRe = wordsRe(`kommer tilbage|vender tilbage|vender retur|melder tilbage|giver besked senere|giver lyd|vender snarest tilbage|vil overveje|skal lige undersøge|get back to you|will let you know|let you know later|come back to you`)
	// turnsRe marks a clause that turns an answer around ("men", "but", "så").
	turnsRe     = wordsRe(`men|but|så|so|i stedet|instead`)
	changeRe    = wordsRe(`skifter|skifte|ændre\p{L}*|ændring|flytte\p{L}*|bytte\p{L}*|i stedet|hellere|alligevel|switch\p{L}*|change\p{L}*|instead|rather|move us|move me`)
	questionRe  = wordsRe(`vil gerne vide|vil høre|kan i (fortælle|oplyse|sende)|kan du (fortælle|oplyse|sende)|spørgsmål|spørge|hvornår|hvordan|hvad koster|hvor meget|er der (mulighed|parkering)|could you (tell|send|let)|i wonder|question|wondering`)
	agreeRe     = wordsRe(`tilslutter (os|vi os|kommunen sig|sig)|hermed (underskrevet|underskrevne|tilslutning)|underskrevet tilslutningsaftale|underskrevne (tilslutningsaftale|aftale)|tilslutningsaftalen? (er )?underskrevet|vedhæftet (den )?underskrevne|vedlagt (den )?underskrevne|returnerer (hermed )?(den )?(underskrevne )?(tilslutnings)?aftale\p{L}*|sender hermed (den )?(underskrevne )?(tilslutnings)?aftale\p{L}*|signed (the )?(accession )?agreement|agreement (is )?signed|hereby (join|sign|accept)|we join|vi går med|kommunen går med|vi er med i (projektet|udbuddet)|accepterer (hermed )?(tilslutnings)?aftalen`)
	agreeWordRe = wordsRe(`aftale\p{L}*|tilslutning\p{L}*|underskr\p{L}*|underskrift|kontrakt|agreement|signed|signature`)

	// Headcount phrases. The number is group "n".
	numWord      = `\d{1,2}|en|én|een|et|to|tre|fire|fem|seks|syv|otte|ni|ti|två|fyra|sex|sju|åtta|one|two|three|four|five|six|seven|eight|nine|ten`
	headcountRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)` + nb + `(?:vi|we)\s+(?:er|kommer|bliver|deltager|bliver alligevel|kommer alligevel|er alligevel|will be|are|'ll be|will come|are coming)\s+(?:(?:kun|bare|så|i alt|alligevel|nok|only|just)\s+)*(?P<n>` + numWord + `)` + ne),
		regexp.MustCompile(`(?i)` + nb + `(?P<n>` + numWord + `)\s+(?:personer|person|deltagere|deltager|pers\.?|stk\.?|people|persons|participants|attendees|pladser|plads|seats|fra (?:os|kommunen|biblioteket|huset))` + ne),
		regexp.MustCompile(`(?i)` + nb + `(?:os|of us)\s+(?P<n>` + numWord + `)` + ne),
		regexp.MustCompile(`(?i)` + nb + `(?:the|de|vi)\s+(?P<n>two|three|four|to|tre|fire)\s+(?:of us|af os)` + ne),
		regexp.MustCompile(`(?i)` + nb + `(?:begge|both)(?:\s+(?:to|of us))?(?P<n>)` + ne),
	}
	aloneRe = wordsRe(`kun mig|bare mig|kun mig selv|jeg kommer alene|alene|kun én|kun en|only me|just me|just myself|on my own|by myself`)

	// Companion phrases: group "c" is the companion (a role and maybe a name).
	companionRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)` + nb + `(?:jeg|mig|mig selv)\s+og\s+(?P<c>[^,.;:!?\n]{3,80})`),
		regexp.MustCompile(`(?i)` + nb + `(?:sammen\s+)?med\s+(?P<c>(?:min|mit|vores|en|et|kommunens|bibliotekets|den|det)\s+[^,.;:!?\n]{3,80})`),
		regexp.MustCompile(`(?i)` + nb + `tager\s+(?P<c>[^,.;:!?\n]{3,60}?)\s+med` + ne),
		regexp.MustCompile(`(?i)` + nb + `(?:me|myself|i)\s+and\s+(?P<c>[^,.;:!?\n]{3,80})`),
		regexp.MustCompile(`(?i)` + nb + `(?:together\s+)?with\s+(?P<c>(?:my|our|a)\s+[^,.;:!?\n]{3,80})`),
		regexp.MustCompile(`(?i)` + nb + `bring(?:ing)?\s+(?P<c>(?:my|our|a)\s+[^,.;:!?\n]{3,80})`),
		regexp.MustCompile(`(?P<c>(?:\p{Lu}\p{Ll}+)(?:\s+\p{Lu}\p{Ll}+){1,2})\s+(?:deltager|kommer|tager)\s+(?:også|med)` + ne),
		// "Bibliotekschefen og jeg kommer", "Hanne Holm and I will come": the companion first.
		regexp.MustCompile(`(?i)` + nb + `(?P<c>(?:vores\s+|min\s+|our\s+|my\s+)?\p{L}[\p{L}-]{2,40}(?:\s+\p{Lu}\p{Ll}+){0,2})\s+(?:og\s+(?:jeg|mig)|and\s+(?:i|me))` + ne),
	}
	// roleRe finds the role in a companion phrase.
	roleRe = regexp.MustCompile(`(?i)(\p{L}*(konsulent|chef|leder|bibliotekar|medarbejder|kollega|kollegaer|koordinator|direktør|formand|souschef|udvikler|specialist|rådgiver|repræsentant|colleague|consultant|librarian|manager|director|deputy|coordinator|representative|advisor|adviser)\p{L}*)`)
	// companionStopRe ends a companion phrase where the sentence goes on about the meeting.
	companionStopRe = regexp.MustCompile(`(?i)\s+(til|i|på|den|d\.|kl\.?|to|in|at|on|for|deltager|kommer|vil|ville|gerne|også|med|tager|og vi|and we|will|are|is|er)(\s|$).*$`)
	nameRe          = regexp.MustCompile(`\p{Lu}[\p{Ll}'-]+(?:\s+\p{Lu}[\p{Ll}'-]+){0,2}`)
)

var numbers = map[string]int{
	"en": 1, "én": 1, "een": 1, "et": 1, "one": 1,
	"to": 2, "två": 2, "two": 2,
	"tre": 3, "three": 3, "fire": 4, "fyra": 4, "four": 4, "fem": 5, "five": 5,
	"seks": 6, "sex": 6, "six": 6, "syv": 7, "sju": 7, "seven": 7, "otte": 8, "åtta": 8, "eight": 8,
	"ni": 9, "nine": 9, "ti": 10, "ten": 10,
}

// textReading is what the words of a reply say.
type textReading struct {
	intent           Intent
	meeting          string
	meetingAmbiguous bool
	headcount        int // 0 when the text names no number
	companions       []string
	question         bool
	changed          bool
	evidence         string
	confidence       float64
}

// mention is a meeting named in a clause.
type mention struct {
	meeting  string
	pos      int
	negative bool // "fra Roskilde", "i stedet for Aalborg", "ikke Vejle"
	positive bool // "til Vejle", "i Aalborg"
}

// readText reads what the reply text answers.
func readText(c *campaign.Campaign, text string) textReading {
	tr := textReading{intent: IntentUnclear, confidence: 0.3}
	clauses := splitClauses(text)
	var attend, decline []int
	var all []mention
	perClause := make([][]mention, len(clauses))
	for i, cl := range clauses {
		ms := meetingMentions(c, cl)
		lc := strings.ToLower(cl)
		hasAttend := attendRe.MatchString(lc) && !laterRe.MatchString(lc)
		hasDecline := declineRe.MatchString(lc)
		if !hasAttend && orgLine(lc) {
			// "Vejle Bibliotekerne" on a line of its own is where the sender works (a
			// signature without a closing), not where they go.
			ms = nil
		}
		perClause[i] = ms
		all = append(all, ms...)
		if changeRe.MatchString(lc) && len(ms) > 0 && !hasDecline {
			tr.changed = true
			hasAttend = true
		}
		if !hasAttend && !hasDecline && len(ms) > 0 && i > 0 && turnsRe.MatchString(lc) && len(decline) > 0 {
			// "Jeg kan ikke den 28., men til Roskilde": after a refusal, a clause that turns
			// ("men", "but") and names a meeting chooses it.
			hasAttend = true
		}
		asks := strings.HasSuffix(cl, "?")
		switch {
		case asks:
			// "Kommer I også til Vejle?" asks; it answers nothing.
		case hasDecline:
			decline = append(decline, i)
		case hasAttend:
			attend = append(attend, i)
		}
		if asks || questionRe.MatchString(lc) {
			tr.question = true
		}
	}
	switch {
	case agreeRe.MatchString(strings.ToLower(text)):
		tr.intent, tr.confidence = IntentAgreement, 0.9
		tr.evidence = firstMatchText(agreeRe, strings.ToLower(text))
		return tr
	case len(attend) > 0:
		tr.intent, tr.confidence = IntentAttend, 0.9
		tr.evidence = clauses[attend[0]]
		tr.meeting, tr.meetingAmbiguous = chooseMeeting(perClause, attend, decline)
		if tr.meeting == "" && !tr.meetingAmbiguous {
			tr.meeting, tr.meetingAmbiguous = chooseFrom(all)
		}
	case len(decline) > 0:
		tr.intent, tr.confidence = IntentDecline, 0.9
		tr.evidence = clauses[decline[0]]
		return tr
	case len(all) > 0 && !tr.question:
		// Only a meeting named ("Vejle, 2 personer"): an answer, with less certainty.
		tr.intent, tr.confidence = IntentAttend, 0.75
		tr.meeting, tr.meetingAmbiguous = chooseFrom(all)
		tr.evidence = strings.TrimSpace(text)
	case tr.question:
		tr.intent, tr.confidence = IntentQuestion, 0.8
		tr.evidence = firstQuestion(clauses)
		return tr
	case headcountRes[0].MatchString(text) || aloneRe.MatchString(strings.ToLower(text)):
		// "Vi bliver alligevel kun én": how many come, not where: a new headcount for the
		// meeting already chosen.
		tr.intent, tr.confidence = IntentAttend, 0.6
		tr.evidence = strings.TrimSpace(text)
	default:
		return tr
	}
	if tr.meeting == "" {
		tr.confidence = 0.6
		if tr.meetingAmbiguous {
			tr.confidence = 0.5
		}
	}
	tr.headcount, tr.companions = readHeadcount(c, text)
	if tr.changed {
		// A change of mind names the meeting left as well as the new one.
		seen := map[string]bool{}
		for _, m := range all {
			seen[m.meeting] = true
		}
		tr.changed = len(seen) > 1
	}
	return tr
}

// orgLine says whether a (lower-case) clause is a short line naming an organisation.
func orgLine(lc string) bool {
	words := strings.Fields(lc)
	if len(words) > 5 {
		return false
	}
	for _, w := range words {
		if orgWords[strings.Trim(w, ".,")] {
			return true
		}
	}
	return false
}

func firstMatchText(re *keyedRe, s string) string {
	loc := re.FindStringIndex(s)
	if loc == nil {
		return ""
	}
	return strings.TrimSpace(s[loc[0]:loc[1]])
}

func firstQuestion(clauses []string) string {
	for _, cl := range clauses {
		if strings.Contains(cl, "?") {
			return cl
		}
	}
	for _, cl := range clauses {
		if questionRe.MatchString(strings.ToLower(cl)) {
			return cl
		}
	}
	return ""
}

// splitClauses cuts a text into the clauses answers are made of: at line ends, at ";", "!"
// and "?", at a full stop that ends a sentence (not "1. marts", "kl. 10"), and before
// "men"/"but", which turn an answer around.
func splitClauses(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if s := strings.TrimSpace(b.String()); s != "" {
			out = append(out, s)
		}
		b.Reset()
	}
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case '\n', ';', '!':
			flush()
			continue
		case '?':
			b.WriteRune(r)
			flush()
			continue
		case '.':
			b.WriteRune(r)
			// A full stop followed by a space and a capital (or the end) ends a sentence,
			// unless it closes a number ("1.") or an abbreviation ("kl.").
			if i+2 < len(rs) && rs[i+1] == ' ' && unicode.IsUpper(rs[i+2]) && !afterNumberOrAbbrev(rs, i) {
				flush()
			}
			continue
		case ',':
			rest := strings.ToLower(string(rs[i+1 : min(len(rs), i+6)]))
			if strings.HasPrefix(rest, " men ") || strings.HasPrefix(rest, " but ") || strings.HasPrefix(rest, " så ") || strings.HasPrefix(rest, " so ") {
				flush()
				continue
			}
		}
		if r == ' ' && i+4 < len(rs) {
			rest := strings.ToLower(string(rs[i+1 : min(len(rs), i+5)]))
			if rest == "men " || rest == "but " {
				flush()
				continue
			}
		}
		b.WriteRune(r)
	}
	flush()
	return out
}

func afterNumberOrAbbrev(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && unicode.IsLetter(rs[j]) {
		j--
	}
	word := strings.ToLower(string(rs[j+1 : i]))
	if i > 0 && unicode.IsDigit(rs[i-1]) {
		return true
	}
	switch word {
	case "kl", "ca", "bl", "a", "f", "d", "nr", "tlf", "mr", "mrs", "dr", "st", "ang", "vedr", "evt", "inkl", "mht":
		return true
	}
	return false
}

var (
	negBeforeRe = regexp.MustCompile(`(?i)(fra|i stedet for|istedet for|frem for|fremfor|ikke|end|from|instead of|rather than|not|passer ikke|ikke i)\s*$`)
	posBeforeRe = regexp.MustCompile(`(?i)(til|i|på|in|to|at|for)\s*$`)
	// orgAfterRe and postcodeBeforeRe find a city named as an organisation or in an address
	// ("Vejle Kommune", "7100 Vejle"): that is where someone works, not where they go.
	orgAfterRe       = regexp.MustCompile(`(?i)^s?\s+(kommune|kommunes|regionskommune|amt)`)
	postcodeBeforeRe = regexp.MustCompile(`\d{4}\s*$`)
)

// meetingMentions finds the meetings a clause names: by city or alias (misspelt by one
// letter too), by date, or by weekday when only one meeting falls on it.
func meetingMentions(c *campaign.Campaign, cl string) []mention {
	if (strings.Contains(cl, "@") || phoneLikeRe.MatchString(cl)) && contactRe.MatchString(cl) {
		return nil // a contact line of a signature
	}
	lower := strings.ToLower(cl)
	var out []mention
	at := map[int]bool{} // the positions of out, for covered and nearDate
	add := func(id string, start, end int) {
		before := wordsBefore(lower, start)
		m := mention{meeting: id, pos: start}
		m.negative = negBeforeRe.MatchString(before)
		m.positive = !m.negative && posBeforeRe.MatchString(before)
		if orgAfterRe.MatchString(cl[end:]) || postcodeBeforeRe.MatchString(wordsBefore(cl, start)) {
			return
		}
		out = append(out, m)
		at[start] = true
	}
	for _, mt := range c.Meetings {
		names := append([]string{mt.City}, mt.Aliases...)
		if mt.Venue != "" {
			names = append(names, mt.Venue)
		}
		for _, name := range names {
			ln := strings.ToLower(name)
			for off := 0; ; {
				i := strings.Index(lower[off:], ln)
				if i < 0 {
					break
				}
				s, e := off+i, off+i+len(ln)
				if wordEdge(lower, s, e) {
					add(mt.ID, s, e)
				}
				off = e
			}
		}
	}
	// Misspellings: a word one edit away from a city name of five letters or more.
	words := wordSpans(lower)
	for _, loc := range words {
		w := lower[loc[0]:loc[1]]
		for _, mt := range c.Meetings {
			city := strings.ToLower(mt.City)
			if d := len(w) - len(city); d < -2 || d > 2 || w == city || len(city) < 5 || at[loc[0]] {
				continue
			}
			if damerau1(w, city) {
				add(mt.ID, loc[0], loc[1])
			}
		}
	}
	var dates []foundDate
	if strings.ContainsAny(cl, "0123456789") {
		dates = findDates(cl) // every date form has a digit
	}
	for _, d := range dates {
		if id := meetingOnDay(c, d); id != "" && !at[d.start] {
			add(id, d.start, d.end)
		}
	}
	for _, loc := range words {
		wd, ok := weekdayNames[lower[loc[0]:loc[1]]]
		if !ok || utf8.RuneCountInString(lower[loc[0]:loc[1]]) < 5 {
			continue
		}
		var hit string
		n := 0
		for _, mt := range c.Meetings {
			if mt.Start.In(c.Location).Weekday() == wd {
				hit, n = mt.ID, n+1
			}
		}
		if n == 1 && !nearDate(at, loc[1]) {
			add(hit, loc[0], loc[1])
		}
	}
	return out
}

// wordSpans returns the byte spans of the words (letters and inner hyphens) of s.
func wordSpans(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s {
		letter := unicode.IsLetter(r) || (r == '-' && start >= 0)
		switch {
		case letter && start < 0:
			start = i
		case !letter && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

var phoneLikeRe = regexp.MustCompile(`\+?\d{2}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}`)

// nearDate says whether a mention starts right after pos (a weekday followed by its date
// is one mention, counted by the date).
func nearDate(at map[int]bool, pos int) bool {
	for p := pos; p <= pos+8; p++ {
		if at[p] {
			return true
		}
	}
	return false
}

// wordsBefore is the end of s before pos that the patterns looking back from a mention
// (negBeforeRe, posBeforeRe, postcodeBeforeRe) can match: the white space before pos and
// the 32 bytes before that, more than their longest phrase. They end in `\s*$`, so on all
// of s[:pos] they would read the whole text again for every mention.
func wordsBefore(s string, pos int) string {
	k := len(strings.TrimRight(s[:pos], " \t\n\f\r"))
	return s[max(0, k-32):pos]
}

func wordEdge(s string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// damerau1 says whether a and b differ by exactly one edit (insertion, deletion,
// substitution or the swap of two neighbouring letters: "Velje").
func damerau1(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) > len(y) {
		x, y = y, x
	}
	switch len(y) - len(x) {
	case 0:
		diff := []int{}
		for i := range x {
			if x[i] != y[i] {
				diff = append(diff, i)
			}
		}
		switch len(diff) {
		case 1:
			return true
		case 2:
			i, j := diff[0], diff[1]
			return j == i+1 && x[i] == y[j] && x[j] == y[i]
		}
		return false
	case 1:
		i := 0
		for i < len(x) && x[i] == y[i] {
			i++
		}
		return string(x[i:]) == string(y[i+1:])
	}
	return false
}

// meetingOnDay returns the meeting held on a found date ("1. marts", "1/3", "den 28.").
func meetingOnDay(c *campaign.Campaign, d foundDate) string {
	var hit string
	n := 0
	for _, mt := range c.Meetings {
		s := mt.Start.In(c.Location)
		if s.Day() != d.day || (d.month != 0 && s.Month() != d.month) || (d.year != 0 && s.Year() != d.year) {
			continue
		}
		hit, n = mt.ID, n+1
	}
	if n != 1 {
		return ""
	}
	return hit
}

// chooseMeeting picks the meeting of an attending answer: the meetings named in the clauses
// that attend (without those named as left or refused), else in the other clauses that do
// not decline. With a change of mind the last one named wins.
func chooseMeeting(perClause [][]mention, attend, decline []int) (string, bool) {
	var ms []mention
	for _, i := range attend {
		ms = append(ms, perClause[i]...)
	}
	if id, amb := chooseFrom(ms); id != "" || amb {
		return id, amb
	}
	declined := map[int]bool{}
	for _, i := range decline {
		declined[i] = true
	}
	ms = nil
	for i, cms := range perClause {
		if !declined[i] {
			ms = append(ms, cms...)
		}
	}
	return chooseFrom(ms)
}

// chooseFrom picks one meeting among mentions: those not negated; if several remain, those
// marked positive ("til Vejle"); if still several, the last one named when it is the only
// positive one, else none (ambiguous).
func chooseFrom(ms []mention) (string, bool) {
	distinct := func(ms []mention) []string {
		seen := map[string]bool{}
		var ids []string
		for _, m := range ms {
			if !seen[m.meeting] {
				seen[m.meeting] = true
				ids = append(ids, m.meeting)
			}
		}
		return ids
	}
	var keep []mention
	for _, m := range ms {
		if !m.negative {
			keep = append(keep, m)
		}
	}
	ids := distinct(keep)
	if len(ids) == 1 {
		return ids[0], false
	}
	if len(ids) == 0 {
		return "", false // only meetings left or refused
	}
	var pos []mention
	for _, m := range keep {
		if m.positive {
			pos = append(pos, m)
		}
	}
	if p := distinct(pos); len(p) == 1 {
		return p[0], false
	}
	return "", true
}

// readHeadcount reads how many come and who comes along.
func readHeadcount(c *campaign.Campaign, text string) (int, []string) {
	n := 0
	for _, re := range headcountRes {
		for _, mm := range re.FindAllStringSubmatch(text, -1) {
			v := strings.ToLower(mm[re.SubexpIndex("n")])
			k, err := strconv.Atoi(v)
			if err != nil {
				k = numbers[v]
			}
			if v == "" {
				k = 2 // "begge", "both of us"
			}
			if k > 0 && k < 50 {
				n = k // the last number stated wins ("vi bliver alligevel kun én")
			}
		}
	}
	alone := aloneRe.MatchString(strings.ToLower(text))
	if alone && (n == 0 || n == 1) {
		return 1, []string{}
	}
	comps := readCompanions(text)
	if n == 1 {
		return 1, []string{}
	}
	if n == 0 && len(comps) == 0 {
		return 0, comps // no number and nobody named: not stated
	}
	if n < 1+len(comps) {
		n = 1 + len(comps)
	}
	return n, comps
}

// readCompanions lists the people mentioned as coming along, by role and name.
func readCompanions(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, re := range companionRes {
		for _, mm := range re.FindAllStringSubmatch(text, -1) {
			comp := cleanCompanion(mm[re.SubexpIndex("c")])
			if comp == "" || seen[strings.ToLower(comp)] {
				continue
			}
			seen[strings.ToLower(comp)] = true
			out = append(out, comp)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// cleanCompanion reduces a companion phrase to its role and name ("vores
// skolebibliotekskonsulent Hanne Holm til mødet" -> "skolebibliotekskonsulent Hanne Holm");
// a phrase with neither a role nor a name is no companion.
func cleanCompanion(s string) string {
	s = strings.TrimSpace(s)
	s = companionStopRe.ReplaceAllString(s, "")
	fields := strings.Fields(s)
	for len(fields) > 0 {
		switch strings.ToLower(fields[0]) {
		case "min", "mit", "mine", "vores", "en", "et", "kommunens", "bibliotekets", "den", "det", "nye",
			"my", "our", "a", "the", "new", "også", "evt.", "evt", "gerne":
			fields = fields[1:]
			continue
		}
		break
	}
	s = strings.Trim(strings.Join(fields, " "), " -–")
	if s == "" {
		return ""
	}
	role := roleRe.FindString(s)
	name := nameRe.FindString(s)
	switch {
	case role != "" && name != "" && !strings.Contains(role, name):
		return role + " " + name
	case role != "":
		return role
	case name != "" && len(strings.Fields(name)) >= 2:
		return name
	}
	return ""
}

// readHuman reads a person's reply against the campaign.
func readHuman(a *Answer, r *Reading, m *message, c *campaign.Campaign) {
	text := r.ReplyText
	pdf := hasPDF(m)
	if strings.TrimSpace(text) == "" {
		switch {
		case pdf:
			a.Intent, a.Confidence = IntentAgreement, 0.75
			a.Why = campaign.Reason{Code: campaign.ReadPDFOnly}
		default:
			a.Intent, a.Confidence = IntentNone, 0.5
			a.NeedsReview = true
			a.Why = campaign.Reason{Code: campaign.ReadNoText}
		}
		return
	}
	tr := readText(c, intentText(text))
	if tr.intent != IntentAgreement && pdf && agreeWordRe.MatchString(strings.ToLower(text+" "+r.Subject)) && tr.intent != IntentDecline {
		tr.intent, tr.confidence, tr.evidence = IntentAgreement, 0.85, firstMatchText(agreeWordRe, strings.ToLower(text+" "+r.Subject))
	}
	if tr.intent == IntentAttend && tr.meeting == "" && !tr.meetingAmbiguous {
		// The subject may carry the choice when the sender wrote it ("Tilmelding Vejle").
		if ms := meetingMentions(c, stripReplyPrefix(r.Subject)); len(ms) > 0 {
			tr.meeting, tr.meetingAmbiguous = chooseFrom(ms)
			if tr.meeting != "" {
				tr.confidence = 0.8
			}
		}
	}
	a.Intent, a.Confidence, a.Question = tr.intent, tr.confidence, tr.question
	switch tr.intent {
	case IntentAttend:
		a.Meeting = tr.meeting
		a.Headcount, a.HeadcountStated = max(tr.headcount, 1), tr.headcount > 0
		a.Companions = tr.companions
		a.Why = attendReason(tr, a.Headcount)
		if tr.meeting == "" {
			a.NeedsReview = true
		}
		if a.Headcount > c.Companions.MaxHeadcount() {
			a.NeedsReview = true
			a.note(campaign.Reason{Code: campaign.NoteAboveWelcome, People: a.Headcount, Welcome: c.Companions.MaxHeadcount()})
		}
	case IntentDecline:
		a.Why = campaign.Reason{Code: campaign.ReadDeclines, Quote: clip(tr.evidence)}
	case IntentAgreement:
		a.Why = campaign.Reason{Code: campaign.ReadAgreement, Quote: clip(tr.evidence), Flag: pdf}
	case IntentQuestion:
		a.NeedsReview = true
		a.Why = campaign.Reason{Code: campaign.ReadQuestion, Quote: clip(tr.evidence)}
	default:
		a.NeedsReview = true
		a.Why = campaign.Reason{Code: campaign.ReadNothing}
	}
	if tr.question && tr.intent != IntentQuestion {
		a.NeedsReview = true
		a.note(campaign.Reason{Code: campaign.NoteAlsoAsks})
	}
}

func attendReason(tr textReading, n int) campaign.Reason {
	r := campaign.Reason{Code: campaign.ReadAttends, Meeting: tr.meeting, People: n, Quote: clip(tr.evidence)}
	if tr.meeting == "" && tr.meetingAmbiguous {
		r.Meeting = "*"
	}
	if tr.changed && tr.meeting != "" {
		r.Code = campaign.ReadChanges
	}
	return r
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:77]) + "..."
	}
	return s
}

var replyPrefixRe = regexp.MustCompile(`(?i)^\s*((re|sv|aw|vs|fw|fwd|vb|tr|wg|antw|odp)\s*(\[\d+\])?\s*:\s*)+`)

func stripReplyPrefix(s string) string { return replyPrefixRe.ReplaceAllString(s, "") }

// hasPDF says whether the message carries a PDF (a signed agreement is returned so).
func hasPDF(m *message) bool {
	for _, p := range m.parts {
		if p.ContentType == "application/pdf" || strings.HasSuffix(strings.ToLower(p.FileName), ".pdf") {
			return true
		}
	}
	return false
}
