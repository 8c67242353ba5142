package replies

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clauses: a reply is read clause by clause, since that is how far the words of an answer
// reach in Danish. "Søren er desværre syg, så han kommer ikke" says nothing about the writer;
// "da jeg er til møde i KL" gives a reason and decides nothing; "om Jens kan komme med" asks.
// A clause knows the word that opened it, and whether it is subordinate (a reason, a
// condition, a time, an embedded question): only main clauses decide.

type clause struct {
	text    string // as written, white space made single
	lower   string
	sent    int    // sentence number in the reply
	line    int    // logical line number (wrapped lines joined)
	lead    string // the word that opened the clause: "men", "så", "og", "da", "hvis", ...; "-" a dash, ":" a colon
	sub     bool   // subordinate: background to the answer, not the answer
	cond    bool   // states a condition ("Skulle Aalborg blive fyldt op", "Hvis der er plads")
	after   bool   // the main clause after a condition: what holds if it does
	asks    bool   // its sentence ends in a question mark
	whole   bool   // the clause is its line by itself (a list item, an inline "Nej")
	meeting string // the meeting of the quoted lines the text stands under (inline answers)
}

// listNumberRe matches the number of a numbered line ("1. Anne Holm", "2) Peter Juul").
var listNumberRe = regexp.MustCompile(`^\d{1,2}[.)]\s+`)

// closingStartRe finds a sentence that is the sender's closing and name, written on the line
// of the answer ("Jeg deltager i Aalborg. Mvh Birgitte Overgaard, Norddjurs Bibliotek").
var closingStartRe = regexp.MustCompile(`^(?i:med venlig hilsen|venlig hilsen|mvh\.?|vh\.?|kh\.?|hilsen|de bedste hilsner|bedste hilsner|mange hilsner|best regards|kind regards|regards)[ ,]*(\p{Lu}|$)`)

// subordinators open a clause that is background to the answer.
var subordinators = map[string]bool{
	"da": true, "fordi": true, "hvis": true, "når": true, "om": true, "hvorvidt": true, "inden": true,
	"før": true, "idet": true, "eftersom": true, "selvom": true, "selv om": true, "medmindre": true, "mens": true,
	"hvilket": true, "hvilken": true, "hvem": true, "hvornår": true, "hvordan": true, "hvor": true,
	"because": true, "if": true, "when": true, "whether": true, "since": true, "while": true, "unless": true,
}

// coordinators open a main clause after a comma.
var coordinators = map[string]bool{"men": true, "så": true, "og": true, "eller": true, "but": true, "so": true, "and": true}

// sentenceSubordinators open a sentence with a subordinate clause that ends at the first
// comma: "Som Mads har skrevet, deltager vi ikke".
var sentenceSubordinators = map[string]bool{"som": true, "as": true}

// conditionVerbs are the verbs that open a condition written verb first, without "hvis"
// ("Lykkes det, kommer jeg til Roskilde", "Går det, tager vi Vejle", "Bliver mødet flyttet,
// ...", "Får vi det godkendt, ..."), and conditionOpeners the words that open a sentence with a
// condition otherwise. They are the one list of condition words: the clause cut reads a
// condition with them, and conditionalAnswers (roles.go) a condition on taking part at all.
var (
	conditionVerbs   = wordSet("lykkes går passer bliver får holder flyttes falder ender viser kan når")
	conditionOpeners = wordSet("hvis skulle såfremt if should")
)

// conditionWordsAlt is the condition words as alternatives of a pattern, in a fixed order.
func conditionWordsAlt() string {
	var ws []string
	for _, set := range []map[string]bool{conditionOpeners, conditionVerbs} {
		ws = append(ws, slices.Sorted(maps.Keys(set))...)
	}
	return strings.Join(ws, "|")
}

// wordSet is the words of a space-separated list, as a set.
func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// verbFirstCondition says whether a sentence opens with a condition written verb first: one of
// conditionVerbs, then its subject, and a comma within the next few words; a question ends in
// a question mark and is none.
func verbFirstCondition(s string) bool {
	if strings.HasSuffix(strings.TrimSpace(s), "?") {
		return false
	}
	f := strings.Fields(strings.ToLower(s))
	if len(f) < 3 || !conditionVerbs[f[0]] {
		return false
	}
	switch strings.TrimRight(f[1], ",") {
	case "det", "vi", "jeg", "den", "mødet", "han", "hun", "de":
	default:
		return false
	}
	for _, w := range f[1:min(len(f), 5)] {
		if strings.HasSuffix(w, ",") {
			return true
		}
	}
	return false
}

// splitReply cuts the segments of a reply into clauses.
func splitReply(segs []segment) []clause {
	var out []clause
	sent, line := 0, 0
	for _, sg := range segs {
		for _, l := range logicalLines(sg.text) {
			l = standardSpelling(cutSignOff(dropQuoted(listNumberRe.ReplaceAllString(l, ""))))
			for _, s := range sentences(l) {
				if closingStartRe.MatchString(s) {
					break // "Mvh Birgitte Overgaard, Norddjurs Bibliotek": the signature
				}
				cls := sentenceClauses(s)
				for i := range cls {
					cls[i].sent, cls[i].line, cls[i].meeting = sent, line, sg.meeting
					cls[i].whole = len(cls) == 1 && strings.TrimSpace(s) == strings.TrimSpace(l)
				}
				out = append(out, cls...)
				sent++
			}
			line++
		}
	}
	return out
}

// informalSpellings are the short forms of a few verbs and "ikke" written as they are said,
// on a phone and in a hurry ("vejle ka vi ikk nå", "det bli'r mig", "vi ska ha"), with the word
// the rules read. None of them is another word of its own.
var informalSpellings = map[string]string{"ka": "kan", "ka'": "kan", "ikk": "ikke", "ik'": "ikke", "ikk'": "ikke",
	"bli'r": "bliver", "blir": "bliver", "ska": "skal", "ska'": "skal", "ha'": "have", "sku'": "skulle"}

// standardSpelling writes the informal spellings of a line in full; the rest of the line is
// left as it is.
func standardSpelling(l string) string {
	var b strings.Builder
	done := 0 // l[:done] is in b
	for i := 0; i < len(l); {
		j := i
		for j < len(l) && l[j] != ' ' {
			j++
		}
		if w := strings.TrimRight(l[i:j], ".,;:!?)"); len(w) >= 2 && len(w) <= 5 {
			if full, ok := informalSpellings[strings.ToLower(w)]; ok {
				b.WriteString(l[done:i])
				b.WriteString(full)
				done = i + len(w)
			}
		}
		for j < len(l) && l[j] == ' ' {
			j++
		}
		i = j
	}
	if done == 0 {
		return l
	}
	b.WriteString(l[done:])
	return b.String()
}

// signOffRe finds a first name signed at the end of the answer's own line: after a slash, a
// double slash or a dash, maybe with a closing ("Jeg deltager i Aalborg // Morten", "Kommer til
// Vejle – Sofie", "Jeg kommer til Roskilde – hilsen Søren"), after a closing alone, as a line
// run on without stops ends ("… så vi er der i god tid mvh Lene Thygesen"), or after thanks
// ("Ok, Aalborg for mig. Tak, Henrik").
var signOffRe = regexp.MustCompile(`(?:\s(?://?|–|—|-{1,2})\s*(?i:(?:med venlig hilsen|venlig hilsen|hilsen|mvh|vh|kh|bh)[ ,.]+)?|\s(?i:med venlig hilsen|venlig hilsen|hilsen|mvh|vh|kh)[ ,.]+|[.!]\s+(?i:(?:mange |tusind )?tak)[ ,]+)(\p{Lu}\p{Ll}+)(?:\s+\p{Lu}\p{Ll}+)?[.!]?\s*$`)

// cutSignOff cuts the writer's name signed at the end of a line: a signature names the writer,
// never someone else who comes.
func cutSignOff(l string) string {
	m := signOffRe.FindStringSubmatchIndex(l)
	if m == nil || m[0] == 0 || !knownFirstName(l[m[2]:m[3]]) {
		return l
	}
	return strings.TrimRight(l[:m[0]+1], " /–—-")
}

// logicalLines splits a text into lines, joining a line wrapped by the sender's client to the
// one before it: the next line goes on in lower case, or the line before is long and ends
// without a stop. Bullets and short lines (lists of names) stay lines.
func logicalLines(text string) []string {
	raw := strings.Split(text, "\n")
	var out []string
	var cur strings.Builder
	prevRaw := 0     // length of the last raw line added
	prevRow := false // the last raw line added was a table's row, its cells apart by tabs
	for _, l := range raw {
		t := strings.Join(strings.Fields(l), " ")
		if t == "" {
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		row := strings.Contains(strings.Trim(l, " \t"), "\t") // a row of a table is a line of its own
		if row {
			t = tableRow(l) // its cells as a list: "Pernille Dam, Pædagogisk konsulent"
		}
		if cur.Len() > 0 && !row && !prevRow && continues(cur.String(), prevRaw, t) {
			cur.WriteByte(' ')
			cur.WriteString(t)
			prevRaw = len(strings.TrimRight(l, " \t"))
			continue
		}
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
		cur.WriteString(t)
		prevRaw, prevRow = len(strings.TrimRight(l, " \t")), row
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// tableRow writes the cells of a table's row, apart by tabs, as the items of a list.
func tableRow(l string) string {
	var cells []string
	for _, c := range strings.Split(l, "\t") {
		if c = strings.Join(strings.Fields(c), " "); c != "" {
			cells = append(cells, c)
		}
	}
	return strings.Join(cells, ", ")
}

// continues says whether next continues prev (a wrapped line).
func continues(prev string, prevRaw int, next string) bool {
	last, _ := utf8.DecodeLastRuneInString(prev)
	if strings.ContainsRune(".!?:;", last) || bullet(next) || closingStartRe.MatchString(next) {
		return false // "mvh Inga" on the next line signs off, in whatever case
	}
	first, _ := utf8.DecodeRuneInString(next)
	if unicode.IsLower(first) {
		return true
	}
	return prevRaw >= 60 && !(itemShapeRe.MatchString(prev) && itemShapeRe.MatchString(next))
}

// itemShapeRe matches a line of a list of people: a name, then a comma ("Ali Hassan,
// systemansvarlig").
var itemShapeRe = regexp.MustCompile(`^\p{Lu}[\p{L}-]+(?:\s+\p{Lu}[\p{L}-]+){0,3},\s`)

// bullet says whether a line starts a list item.
func bullet(l string) bool {
	r, _ := utf8.DecodeRuneInString(l)
	return strings.ContainsRune("-–•·*", r)
}

// dropQuoted blanks what stands between guillemets: words quoted from elsewhere (the
// invitation's »Vi kommer to til Aalborg«), not the sender's own.
func dropQuoted(l string) string {
	for {
		i := strings.Index(l, "»")
		if i < 0 {
			return l
		}
		j := strings.Index(l[i:], "«")
		if j < 0 || j > 200 {
			return l
		}
		l = l[:i] + " " + l[i+j+len("«"):]
	}
}

// sentences splits a line at the marks that end a sentence: "!", "?", ";" and a full stop
// before a capital or a closing (not after a number or an abbreviation: "1. marts", "kl. 10").
func sentences(l string) []string {
	var out []string
	start := 0
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '!', '?', ';':
			out = append(out, l[start:i+1])
			start = i + 1
		case '.':
			// "... den 1. marts. mvh Jonas Lykke": a closing written in lower case starts a sentence too
			next := i+2 < len(l) && l[i+1] == ' ' && (startsUpper(l[i+2:]) || closingStartRe.MatchString(l[i+2:]) || lowerOpener(l[i+2:]))
			if next && !numberOrAbbrevBefore(l, i) && !(digitBefore(l, i) && monthNext(l[i+2:])) {
				out = append(out, l[start:i+1])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(l[start:]) != "" {
		out = append(out, l[start:])
	}
	var bounded []string
	for _, s := range out {
		bounded = append(bounded, chunks(strings.TrimSpace(s), maxSentence)...)
	}
	return bounded
}

// maxSentence bounds a sentence: a longer run of words without a stop is no sentence a person
// wrote, and every stage after this one may then look across a sentence at no more cost than
// a constant.
const maxSentence = 1000

// chunks cuts s into pieces of at most n bytes, at spaces where it can.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := strings.LastIndexByte(s[:n], ' ')
		if cut <= 0 {
			cut = n
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
		}
		out = append(out, s[:cut])
		s = strings.TrimSpace(s[cut:])
	}
	return append(out, s)
}

func digitBefore(l string, i int) bool { return i > 0 && l[i-1] >= '0' && l[i-1] <= '9' }

// monthNext says whether s starts with a month's name ("1. Marts" written with a capital).
func monthNext(s string) bool {
	w := strings.ToLower(nextWord(s))
	_, ok := monthNames[w]
	return ok
}

// lowerOpeners are the words that open a sentence written without capitals ("hej. ka være vi
// kommer til vejle, ka være ikke. der er lidt for travlt", "d. 28/2. mig og susanne"): the
// subject, or a word that only opens a sentence. A writer on a phone often writes none, and a
// full stop before one of these ends the sentence all the same. The line is spelt out first
// (standardSpelling): "ka" stands here as "kan".
var lowerOpeners = map[string]bool{"jeg": true, "vi": true, "han": true, "hun": true, "de": true, "det": true, "der": true,
	"man": true, "mig": true, "men": true, "så": true, "ja": true, "nej": true, "hej": true, "tak": true, "kommer": true,
	"vores": true, "min": true, "mit": true, "kan": true, "vil": true, "skal": true}

// lowerOpener says whether s opens with one of lowerOpeners written in lower case.
func lowerOpener(s string) bool {
	w := nextWord(s)
	return w != "" && !startsUpper(w) && (lowerOpeners[w] || questionOpeners[w])
}

func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// numberOrAbbrevBefore says whether the full stop at i closes a number or an abbreviation.
func numberOrAbbrevBefore(l string, i int) bool {
	if i > 0 && l[i-1] >= '0' && l[i-1] <= '9' {
		return false // "uge 10. Vores ...": a date's stop is followed by its month (monthNext)
	}
	j := i
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(l[:j])
		if !unicode.IsLetter(r) {
			break
		}
		j -= n
	}
	switch strings.ToLower(l[j:i]) {
	case "kl", "ca", "bl", "a", "f", "d", "nr", "tlf", "mr", "mrs", "dr", "st", "ang", "vedr", "evt", "inkl", "mht",
		"jf", "pga", "p", "v", "pva", "hhv", "mv", "osv", "dvs", "fx", "ift", "att", "sek", "skolebibl", "skolebib", "kons",
		"bibl", "pæd", "adm":
		return true
	}
	return false
}

// sentenceClauses cuts a sentence into clauses: before a coordinating or subordinating word
// after a comma, before "men", at a dash between spaces and at a colon.
func sentenceClauses(s string) []clause {
	k := &clauseCutter{s: s, asks: strings.HasSuffix(s, "?")}
	k.opens(0)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',':
			if k.firstComma {
				k.cut(i, i+1, ",", false)
				k.firstComma = false
			}
		case ':':
			if i+1 < len(s) && s[i+1] == ' ' {
				k.cut(i, i+1, ":", false)
				k.opens(i + 2)
			}
		case ' ':
			k.atSpace(i)
		}
	}
	k.add(s[k.start:], k.lead, k.sub)
	if k.asks && k.questionFrom > 0 {
		// "Vi kommer to til Vejle – er der mulighed for vegetarmad?": the question is the part
		// after the dash; what stands before it answers
		for i := 0; i < k.questionFrom && i < len(k.out); i++ {
			k.out[i].asks = false
		}
	}
	return k.out
}

// questionOpeners open a question written after a dash: a verb first or a question word.
var questionOpeners = map[string]bool{"er": true, "kan": true, "har": true, "må": true, "skal": true, "bliver": true,
	"findes": true, "hvad": true, "hvor": true, "hvornår": true, "hvem": true, "hvordan": true, "hvilke": true, "hvilken": true}

// clauseCutter is sentenceClauses' state: the clause being read (from start, opened by lead,
// subordinate or not) and what the clauses before it said.
type clauseCutter struct {
	s     string
	asks  bool // the sentence is a question
	out   []clause
	start int
	lead  string
	sub   bool
	// firstComma: the clause opened with a subordinating word, and ends at the next comma.
	firstComma bool
	// cond: the next clause is a condition's consequence; after: the clauses that follow it.
	cond, after bool
	// questionFrom: the first clause of a question written after a dash, 0 none.
	questionFrom int
}

// cut ends the clause at end and starts the next at next, opened by lead.
func (k *clauseCutter) cut(end, next int, lead string, sub bool) {
	k.add(k.s[k.start:end], k.lead, k.sub)
	k.start, k.lead, k.sub = next, lead, sub
}

// add appends a clause with what the clauses before it make of it.
func (k *clauseCutter) add(text, lead string, sub bool) {
	text = strings.TrimSpace(text)
	text = strings.TrimLeft(text, ",-–—: ")
	if text == "" {
		return
	}
	c := clause{text: text, lower: strings.ToLower(text), lead: lead, sub: sub, asks: k.asks}
	switch {
	case k.cond:
		c.cond, k.cond, k.after = true, false, true
	case lead == "men" || lead == "but":
		k.after = false
	case k.after:
		c.after = true
	}
	k.out = append(k.out, c)
}

// opens notes a clause that opens with a subordinating word ("Da februar er booket, ...",
// "Hvis jeg tager færgen, ..."): it ends at the first comma; "Som Mads har skrevet, ..." too.
func (k *clauseCutter) opens(at int) {
	w := strings.ToLower(nextWord(k.s[at:]))
	switch {
	case conditionOpeners[w], at == 0 && conditionVerbs[w] && verbFirstCondition(k.s):
		k.lead, k.sub, k.firstComma, k.cond = w, true, true, true
	case subordinators[w]:
		k.lead, k.sub, k.firstComma = w, true, true
	case sentenceSubordinators[w] && at == 0 && strings.Contains(k.s, ","):
		k.lead, k.sub, k.firstComma = w, true, true
	}
}

// atSpace cuts before the word after the space at i where it starts a new clause.
func (k *clauseCutter) atSpace(i int) {
	s := k.s
	w := nextWord(s[i+1:])
	lw := strings.ToLower(w)
	comma := i > 0 && s[i-1] == ','
	switch {
	case w == "-" || w == "–" || w == "—":
		k.cut(i, i+1+len(w), "-", false)
		if k.asks && k.questionFrom == 0 && questionOpeners[strings.ToLower(nextWord(strings.TrimLeft(s[k.start:], " ")))] {
			k.questionFrom = len(k.out)
		}
		if k.start+1 < len(s) {
			k.opens(k.start + 1)
		}
	case comma && subjectPronoun(lw) && i > k.start+12 && verbAfter(s[i+1+len(w):]):
		k.cut(i, i+1, ",", false) // ", jeg kommer ikke": two main clauses side by side
	case comma && (coordinators[lw] || lw == "at"):
		k.cut(i, i+1+len(w), lw, false)
		if k.start+1 < len(s) {
			k.opens(k.start + 1) // ", eller om det må blive Vejle": still asked, not said
		}
	case comma && subordinators[lw]:
		k.cut(i, i+1+len(w), lw, true)
	case lw == "men" || lw == "but":
		k.cut(i, i+1+len(w), lw, false)
	case lw == "fordi" || lw == "hvis" || lw == "because":
		k.cut(i, i+1+len(w), lw, true)
		k.cond = lw == "hvis"
	case lw == "så" && !comma && i > k.start+8 && soSubjectVerb(s[i+1+len(w):]):
		// "Kan ikke d 1/3 i Roskilde pga byrådsmøde så jeg tager til Vejle i stedet": the
		// consequence, a main clause of its own though the comma is left out
		k.cut(i, i+1+len(w), "så", false)
	case lw == "og" && !comma && i > k.start+8 && finiteVerbs[strings.ToLower(nextWord(strings.TrimLeft(s[i+1+len(w):], " ")))]:
		// "Vi kan alligevel ikke den 1. marts og tager derfor til Vejle": a second main clause
		// with the subject of the first; its "og" stays in it ("og bliver to").
		k.cut(i, i+1, "og", false)
	}
}

// soSubjectVerb says whether what follows "så" is a subject pronoun and a finite verb ("så
// jeg tager", "så vi kommer").
func soSubjectVerb(s string) bool {
	f := strings.Fields(strings.ToLower(s))
	return len(f) >= 2 && subjectPronoun(f[0]) && finiteVerbs[f[1]]
}

// finiteVerbs are the verbs that open a main clause after "og" with the subject left out.
var finiteVerbs = map[string]bool{"tager": true, "kommer": true, "deltager": true, "vælger": true, "skifter": true,
	"flytter": true, "melder": true, "bliver": true, "er": true, "har": true, "kan": true, "vil": true, "skal": true,
	"må": true, "sender": true, "svarer": true, "håber": true, "glæder": true, "ser": true, "regner": true, "satser": true}

// verbAfter says whether what follows a pronoun goes on as a clause, not as a list ("jeg og
// vores skolebibliotekskonsulent").
func verbAfter(s string) bool {
	w := strings.ToLower(nextWord(strings.TrimLeft(s, " ")))
	switch w {
	case "", "og", "eller", "samt", "selv":
		return false
	}
	return true
}

func subjectPronoun(w string) bool {
	switch w {
	case "jeg", "vi", "han", "hun":
		return true
	}
	return false
}

// nextWord returns the word at the start of s (letters, or a single dash).
func nextWord(s string) string {
	end := 0
	for end < len(s) {
		r, n := utf8.DecodeRuneInString(s[end:])
		if !unicode.IsLetter(r) {
			if end == 0 && (r == '-' || r == '–' || r == '—') && (end+n == len(s) || s[end+n] == ' ') {
				return s[:n]
			}
			break
		}
		end += n
	}
	return s[:end]
}
