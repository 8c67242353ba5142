package replies

import (
	"regexp"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
)

// Roles: what each clause does in the answer, read from its own words and, where a clause
// has none of its own, from the clause it goes on from.

// role is what a clause does in the answer.
type role byte

const (
	roleNone     role = iota
	roleAttend        // the party comes, or someone of it does
	roleHedged        // leans or is open: not decided
	roleDecline       // the party declines the invitation
	roleRefuse        // a meeting refused or ruled out, not the invitation
	roleSelfOnly      // the writer does not come; others may
	roleOut           // someone else does not come
	rolePast          // an earlier plan or answer
)

// clauseRead is one clause as read.
type clauseRead struct {
	clause
	st      stance
	ms      []mention
	role    role
	count   int
	countAt string
	partial bool // count is one "N fra X" that others may join ("en fra skolen og jeg")
	alone   bool
	// maybeCount is the higher of two numbers the clause leaves open ("to eller tre", "2-3").
	maybeCount int
	header     bool // introduces a list of participants: the list names who comes
	few        bool // counts the party without a number ("vi kommer et par stykker")
	toks       []token
}

func (rd *reader) readClause(cl clause) clauseRead {
	cr := clauseRead{clause: cl, st: readStance(cl, rd.self)}
	cr.ms = rd.rc.meetingMentions(cl)
	if !cr.st.attend && (orgLine(cl.lower) || cl.whole && addressLineRe.MatchString(cl.text)) {
		cr.ms = nil // "Vejle Bibliotekerne", "Willy Sørensens Plads 1" on a line of their own: where the sender works
	}
	if !cr.st.busy && otherOccasion(rd.c, rd.rc, cl.lower) {
		// "Vores souschef deltager gerne i et senere møde i Vejle", "et møde i april i Vejle":
		// another occasion than these meetings, whatever place it names
		cr.ms, cr.st.attend = nil, false
	}
	if len(cr.ms) == 0 && cl.meeting != "" {
		cr.ms = []mention{{meeting: cl.meeting, kind: refInline, words: clip(cl.text)}}
	}
	if !cr.st.open && eitherMeeting(cr.lower, cr.ms) {
		cr.st.open = true // "det bliver 28/2 eller 6/3 for os": two meetings, neither chosen
	}
	cr.toks = tokens(cl.text)
	if cl.whole && len(cr.toks) > 0 && lowerFirstName(cr.toks[0]) && (len(cr.toks) == 1 || strings.Contains("(,–-", cr.toks[1].text)) {
		cr.toks[0].name = true // "- hanne (bibl.chef)": a line of a list, one name to a line
	}
	if mayCount(cr.toks) {
		var span [2]int
		cr.count, span, cr.partial = statedCount(cl.lower, cr.st.attend)
		// "og skoleafdelingen sender én": some of the party, beside the writer
		cr.partial = cr.partial || cr.count > 0 && unitSends(cl.lower, rd.self)
		if m := fromSelfRe.FindStringSubmatch(cl.lower); cr.partial && m != nil && rd.self.is(m[1]) {
			cr.partial = false // "tre fra Lyngby-Taarbæk" written from Lyngby-Taarbæk: the whole party
		}
		if cr.count > 0 {
			cr.countAt = quoteAround(cl.text, cl.lower, span)
		}
		cr.maybeCount = countRange(cl.lower)
	}
	cr.few = cr.count == 0 && cr.st.attend && fewRe.MatchString(cl.lower)
	cr.alone, _ = saysAlone(cl.lower)
	cr.role = rd.roleOf(&cr)
	return cr
}

// fromSelfRe finds the place a number of people come from ("med tre fra Lyngby-Taarbæk").
// A part of the municipality ("Én fra Kalundborg Bibliotekerne og så mig selv") is not.
var fromSelfRe = regexp.MustCompile(`\sfra\s+([\p{L}-]+)\s*(?:$|[,:.;!–-]|\s(?:til|i|på)\s)`)

// orBetweenRe is what stands between two meetings offered as alternatives: "eller".
var orBetweenRe = regexp.MustCompile(`^\s*,?\s*(?:eller|or)\s+(?:(?:til|i|på|den|d\.|om|mødet|møde)\s+)*$`)

// eitherMeeting says whether a clause names two meetings joined by "eller", neither refused:
// an open choice ("det bliver 28/2 eller 6/3 for os", "vi kommer til Aalborg eller Vejle"),
// whatever verb it has.
func eitherMeeting(l string, ms []mention) bool {
	for i := 1; i < len(ms); i++ {
		a, b := ms[i-1], ms[i]
		if a.neg || b.neg || a.meeting == "" || b.meeting == "" || a.meeting == b.meeting || a.pos+len(a.words) > b.pos {
			continue
		}
		if orBetweenRe.MatchString(l[a.pos+len(a.words) : b.pos]) {
			return true
		}
	}
	return false
}

// otherOccasionRe finds a meeting or a time that is none of the campaign's.
var otherOccasionRe = wordsRe(`et senere|et andet møde|en anden gang|et nyt møde|et ekstra møde|et kommende møde|et lignende|næste gang|senere på året|til efteråret|til foråret|efter sommer\p{L}*|i januar|i april|i maj|i juni|i juli|i august|i september|i oktober|i november|i december`)

// otherOccasion says whether a clause speaks of another occasion than the campaign's
// meetings: a later, other or extra meeting, or a month none of them is held in.
func otherOccasion(c *campaign.Campaign, rc refContext, l string) bool {
	loc := otherOccasionRe.FindStringIndex(l)
	if loc == nil {
		return false
	}
	w := strings.Fields(strings.TrimLeft(l[loc[0]:loc[1]], " ,.;:"))
	if len(w) == 2 && w[0] == "i" {
		mo := monthNames[w[1]]
		for _, mt := range c.Meetings {
			if rc.startOf(mt).Month() == mo {
				return false
			}
		}
	}
	return true
}

// addressLineRe matches a line that is a postal address: a street and a number, maybe a
// postcode and town.
var addressLineRe = regexp.MustCompile(`^[\p{L} .'-]+\s\d{1,4}[a-zA-Z]?(?:,?\s+\d{4}\s+\p{L}.*)?\s*$`)

// allMeetingsRe finds a refusal of the meetings as a whole.
var allMeetingsRe = wordsRe(`møderne|dialogmøderne|nogen af|alle tre|de tre|dem alle|any of|all three|the meetings`)

// someMeetingsRe finds some of the meetings, not all ("to ud af tre møder", "to af datoerne",
// "de to første"): refused, they leave the others open.
var someMeetingsRe = wordsRe(`(to|2|et|ét|én|en) (ud )?af (de )?(tre|3) (møder|datoer|dialogmøder)|(to|2|et|ét|én|en) af (møderne|datoerne|dialogmøderne)|de to (andre|første|sidste|øvrige)( møder| datoer)?`)

// someMeetings says whether a refusal reaches some of the meetings only. One meeting after the
// refusal ("har ikke mulighed for at komme til et af møderne") is any of them: the invitation
// declined, not one meeting refused and two left open.
func someMeetings(l string, declAt int) bool {
	loc := someMeetingsRe.FindStringIndex(l)
	if loc == nil {
		return false
	}
	one := strings.TrimLeft(l[loc[0]:], " ,.;:")
	for _, w := range []string{"et ", "ét ", "én ", "en "} {
		if strings.HasPrefix(one, w) && loc[0] > declAt {
			return false
		}
	}
	return true
}

// roleOf decides what a clause does.
func (rd *reader) roleOf(cr *clauseRead) role {
	st, cl := cr.st, cr.clause
	switch {
	case st.past:
		return rolePast
	case cl.sub && cl.lead == "hvor" && st.attend && !cl.asks && !st.decline && st.subject == subjSelf:
		return roleAttend // "i dialogmødet i Roskilde, hvor jeg kommer sammen med Hanne Lund"
	case cl.sub || cl.cond || cl.asks:
		if cl.sub && (st.open || st.hedge) && (strings.Contains(cl.lower, "vi ") || strings.Contains(cl.lower, "jeg ")) && !cl.asks {
			return roleHedged // "inden vi melder os", "om vi deltager"
		}
		return roleNone
	case cl.after && st.option:
		return roleNone // "Skulle Aalborg blive fyldt op, kan vi også komme til Vejle"
	case st.promise:
		if st.decline && st.subject != subjThird && !st.selfOnly {
			return roleDecline
		}
		return roleNone
	}
	if withoutPerson(cr) {
		return roleOut // "Det bliver uden Jesper Dahl i morgen"
	}
	if st.decline && cueAtStart(cl.lower, st.declAt, "nej") {
		switch {
		case (st.selfOnly || comesAlong(cl.lower, st.declAt)) && st.subject != subjThird:
			return roleSelfOnly // "jeg kan ikke selv", "jeg kan ikke komme med": the writer alone
		case st.subject != subjThird && declinedFor(cr, rd.self):
			return roleOut // "melde afbud for vores skolebibliotekskonsulent"
		case st.subject == subjThird:
			return roleOut
		case st.subject == subjYou:
			return roleNone
		}
		if specificMeetings(rd.c, cr.ms) && !allMeetingsRe.MatchString(cl.lower) || someMeetings(cl.lower, st.declAt) {
			return roleRefuse
		}
		return roleDecline
	}
	if st.busy && len(cr.ms) > 0 && !(st.otherEvent && st.attend && strongMeetingWord(cl.lower)) && (!st.otherEvent || timeMention(cr.ms)) {
		// "Aalborg er for langt væk", "den 28. har jeg møde i kulturudvalget"; another engagement
		// rules out a day, not a place ("jeg er alligevel på Sjælland til netværksmøde")
		return roleRefuse
	}
	if st.hedge || st.open {
		return roleHedged
	}
	if st.otherEvent && st.attend && !strongMeetingWord(cl.lower) && len(cr.ms) == 0 {
		return roleNone // "Jeg deltager i KL's konference den dag": another engagement
	}
	if st.attend && cueAtStart(cl.lower, st.attendAt, "ja") && st.subject != subjYou && !st.agreementTalk {
		if bareCue(cl.lower, st.attendAt) && len(cr.ms) == 0 && cr.count == 0 && !cr.alone && len(personsIn(cr.toks, rd.self)) == 0 {
			return roleNone // "det bliver svært", "tager det roligt"
		}
		return roleAttend
	}
	if positiveMention(cr.ms) && (cr.count > 0 || takesMeeting(cl.lower) || choosesMeetingRe.MatchString(cl.lower) || sendsSomeone(cr, rd.self)) {
		return roleAttend // "Vi er 4 fra Næstved til Roskilde", "så vi tager Vejle", "sender Maria Schou til Vejle"
	}
	if cr.alone {
		return roleAttend
	}
	return roleNone
}

// timeMention says whether a meeting is named by a day or time.
func timeMention(ms []mention) bool {
	for _, m := range ms {
		switch m.kind {
		case refDate, refWeekday, refRelDay, refMonth, refWeek:
			return true
		}
	}
	return false
}

// strongMeetingWord says whether a clause speaks of the campaign's meetings by name
// ("dialogmødet", "jeres møde").
func strongMeetingWord(l string) bool {
	return strings.Contains(l, "dialogmøde") || strings.Contains(l, "jeres møde") || strings.Contains(l, "møderne")
}

// sendsSomeone says whether a clause sends someone other than the writer ("sender Maria
// Schou fra vores skoletjeneste til Vejle").
func sendsSomeone(cr *clauseRead, self *selfNames) bool {
	if !strings.Contains(cr.lower, "sender ") && !strings.HasPrefix(cr.lower, "send ") {
		return false
	}
	for _, p := range personsIn(cr.toks, self) {
		if !p.self {
			return true
		}
	}
	return false
}

// takesMeeting says whether a clause takes a meeting ("vi tager Roskilde"), not a matter up
// or a position on it ("tager byrådet stilling til i marts").
func takesMeeting(l string) bool {
	i := strings.Index(l, "tager ")
	if i < 0 && strings.HasPrefix(l, "tager") {
		i = 0
	}
	return i >= 0 && !takesUp(l[i:])
}

// choosesMeetingRe finds a choice landed on ("men er endt med Roskilde", "vi lander på
// Vejle"): with the meeting it names and no verb of coming, the clause answers.
var choosesMeetingRe = wordsRe(`ender (vi |jeg )?med|endt med|lander (vi |jeg )?på|landet på`)

// comesAlong says whether the refusal at offset at is of coming along ("kan ikke komme med").
func comesAlong(l string, at int) bool {
	rest := l[at:min(len(l), at+50)]
	return strings.Contains(rest, "komme med") || strings.Contains(rest, "deltage med") || strings.Contains(rest, "tage med")
}

// declinedFor says whether a refusal is made for someone else ("melde afbud for vores
// skolebibliotekskonsulent", "afmelde Jens").
func declinedFor(cr *clauseRead, self *selfNames) bool {
	rest := cr.lower[cr.st.declAt:]
	i := strings.Index(rest, " for ")
	if i < 0 || i > 30 || strings.HasSuffix(rest[:i], "stedet") {
		return false // "i stedet for hende": the one replaced
	}
	ps := personsIn(tokens(cr.text[min(len(cr.text), cr.st.declAt+i+5):]), self)
	return len(ps) > 0 && !ps[0].self && ps[0].tok <= 1 // "afbud for [vores] skolebibliotekskonsulent"
}

// continueClauses gives a clause without a verb of its own the part of the clause it goes on
// from: "Vi kommer to til Vejle: jeg og vores skolebibliotekskonsulent" names who comes; "Vi
// kommer ikke til Aalborg, men til Roskilde" chooses Roskilde.
func (rd *reader) continueClauses(crs []clauseRead) {
	for i := 1; i < len(crs); i++ {
		cr, prev := &crs[i], &crs[i-1]
		if k, w := sharedSubject(prev, cr, rd.self); k != subjNone {
			// "Lars Friis er blevet syg og må melde fra": the second verb has the first one's subject
			cr.st.subject, cr.st.subjectWords = k, w
			cr.role = rd.roleOf(cr)
		}
		if prev.sent == cr.sent && cr.lead == "at" && prev.role == rolePast {
			cr.role = rolePast // "Jeg skrev i sidste uge, at vi ikke deltager"
			continue
		}
		if prev.sent == cr.sent && prev.lead == "om" && prev.sub && affirmRe.MatchString(cr.lower) && prev.st.attend {
			// "Birgitte har spurgt, om jeg vil med til Roskilde, og det vil jeg gerne"
			prev.role, prev.sub = roleAttend, false
			continue
		}
		if prev.sent == cr.sent && (cr.lead == "-" || cr.lead == ":") && prev.role == roleNone && len(prev.ms) > 0 &&
			!prev.st.attend && !prev.st.decline && len(cr.ms) == 0 && (cr.st.attend || cr.st.decline || cr.st.busy || cr.st.prefer) {
			// "Aalborg 28/2 – kan ikke": the meeting named before the dash is what the words after it are about
			cr.ms, prev.ms = prev.ms, nil
			cr.role = rd.roleOf(cr)
		}
		if prev.sent != cr.sent || cr.role != roleNone || cr.st.attend || cr.st.decline || cr.asks {
			continue
		}
		switch {
		case (cr.lead == ":" || cr.lead == "-") && (prev.role == roleAttend || fieldName(prev.lower) || meetingHead(prev)) && len(personsIn(cr.toks, rd.self)) > 0 && !ownVerb(cr, rd.self):
			// "Vi kommer to til Vejle: jeg og X", "Deltagere: Ole Bak, Lis Holm", "Aalborg:
			// undertegnede + skolebibliotekskonsulent"
			cr.role = roleAttend
		case (cr.lead == "men" || cr.lead == "but") && refusedBefore(crs, i) && positiveMention(cr.ms):
			cr.role = roleAttend
		case prev.role == roleAttend && sameDoingRe.MatchString(cr.lower) && len(personsIn(cr.toks, rd.self)) > 0:
			cr.role = roleAttend // "Jeg kommer til Roskilde, og det gør Pia Holst også"
		case prev.role == roleAttend && cr.lead == "og" && objectJoined(prev, cr, rd.self):
			cr.role = roleAttend // "sender vi lederen af PUC, Jonna Kjær, og en skolebibliotekar, Anders Friis"
		}
	}
}

var (
	// answerLaterRe finds an answer, a message or a confirmation given or got ("Du får et
	// endeligt svar", "Jeg sender jer en mail", "giver besked", "bekræfter", "kan først svare",
	// "jeg skriver"), which with a time to come is a promise to answer later.
	answerLaterRe = wordsRe(`tage stilling|tager stilling|får (jeg |vi |i |du )?(et )?(endeligt |endelig )?(ja eller (et )?nej)|melder (mig|os)|får (jeg |vi |i |du )?(et |en )?(endeligt |endelig |hurtigt |nærmere )?(svar|besked|melding|tilbagemelding|bekræftelse|afklaring)|sender (jer |dig |i )?(et |en |vores |mit |min )?(endeligt |endelig |nærmere )?(svar|besked|melding|tilbagemelding|bekræftelse|tilmelding|mail)|giver? (jer |dig |i )?(et |en )?(endeligt |endelig |nærmere )?(svar|besked|melding|tilbagemelding|lyd)|bekræfter (det |vores deltagelse |min deltagelse |endeligt |endelig )?(senest|først|senere|inden|når|så snart|i løbet af|i næste uge|i morgen|i overmorgen|snarest|på (mandag|tirsdag|onsdag|torsdag|fredag))|melder (endeligt |endelig )?(ind|tilbage)|svarer|svare|skriver( igen| til jer| til dig)?|skrive( igen| til jer| til dig)?|hører (\p{L}+ )?fra (mig|os)|høre (\p{L}+ )?fra (mig|os)|lader (jer |dig )?høre fra (os|mig)|tilmelding følger|tilmeldingen følger|svar følger|svaret følger|besked følger|bekræftelse følger|tilbagemelding følger|kommer (med )?(et |en )?(endeligt |endelig )?(svar|besked|tilbagemelding)`)
	// laterRe finds a time to come ("senest den 21.", "så snart", "i løbet af næste uge").
	laterRe = wordsRe(`følger|derefter|bagefter|efterfølgende|senest|når|så snart|snart|inden|i løbet af|næste uge|senere|snarest|hurtigst|i morgen|i overmorgen|om (en|et par|få) (uge|uger|dage)|på (mandag|tirsdag|onsdag|torsdag|fredag)`)
)

// promisesLater marks the clauses that promise an answer in other words than the usual ones:
// an answer given or got, with a time to come in the clause or in the clause of time that
// follows it ("Jeg sender jer en mail, så snart min kalender er afklaret", "I får et svar, når
// ledergruppen har mødtes"). Such a reply has not decided and needs no one.
func (rd *reader) promisesLater(crs []clauseRead) {
	for i := range crs {
		cr := &crs[i]
		if cr.st.promise || cr.asks || cr.cond || cr.sub || !answerLaterRe.MatchString(cr.lower) {
			continue
		}
		later := laterRe.MatchString(cr.lower)
		if next := i + 1; !later && next < len(crs) && crs[next].sent == cr.sent {
			switch crs[next].lead {
			case "når", "så", "inden", "før", "efter", "when":
				later = laterRe.MatchString(crs[next].lower) || crs[next].lead != "så"
			}
		}
		if later {
			cr.st.promise = true
			cr.role = rd.roleOf(cr)
		}
	}
}

// leanRe finds coming counted on but not promised ("regner med at kunne komme", "forventer at
// deltage", "håber at kunne"): a lean, which a promise to confirm later leaves open.
var leanRe = wordsRe(`regner (jeg |vi |han |hun )?(egentlig |umiddelbart |også )?med at|forventer (jeg |vi |han |hun )?(umiddelbart |egentlig |også )?at|håber (jeg |vi )?(at|på at)|satser (jeg |vi )?på at|expect to|hope to`)

// tentativeAttends: a reply that promises to come back ("men bekræfter senere") has not decided
// when its coming is only counted on ("Regner med at kunne komme til Aalborg"), the aim of what
// the writer tries ("Jeg prøver at få flyttet et møde, så jeg kan komme til Vejle") or waits on a
// condition opening its sentence: those clauses lean, they do not answer.
func tentativeAttends(crs []clauseRead, self *selfNames) {
	promise := false
	for i, cr := range crs {
		// "Jeg giver besked, hvis det ændrer sig" promises nothing unless the answer changes
		onlyIf := i+1 < len(crs) && (crs[i+1].cond || crs[i+1].lead == "hvis") && crs[i+1].sent == cr.sent
		promise = promise || cr.st.promise && !onlyIf
	}
	condBefore := false // a condition opens the sentence before the clause at i
	for i := range crs {
		cr := &crs[i]
		if prev := crs[max(i-1, 0)]; i > 0 {
			condBefore = prev.sent == cr.sent && (condBefore || prev.cond || prev.lead == "hvis" || prev.lead == "såfremt")
		}
		if cr.role != roleAttend {
			continue
		}
		if !promise {
			if unsettledAfter(crs, i, self) && reservationRe.MatchString(crs[i+1].lower) {
				cr.role = roleHedged // "Jeg har sat kryds ved Vejle, men det er med forbehold"
			}
		} else if i > 0 && cr.lead == "så" && crs[i-1].role == roleHedged && crs[i-1].sent == cr.sent ||
			leanRe.MatchString(cr.lower) || unsettledAfter(crs, i, self) || condBefore {
			cr.role = roleHedged
		}
	}
}

// decisionCondRe finds a condition on whether the municipality takes part at all: "Hvis vi
// deltager", "Skulle vi deltage", "Bliver svaret ja", "Hvis udvalget giver grønt lys", "Får vi
// det godkendt", "hvis kommunen tilslutter sig"; provisoRe one set on the whole answer ("Under
// forudsætning af at budgettet holder", "Forudsat at", "Med forbehold for").
var (
	decisionCondRe = regexp.MustCompile(`^(?:og |men |så )?(?:` + conditionWordsAlt() + `)\s` + decisionWords)
	decisionRe     = regexp.MustCompile(`^` + decisionWords) // after "hvis" cut off as the clause's lead
	decisionWords  = `[^,.;:!?]{0,80}?(?:(?:vi|jeg|kommunen|biblioteket) (?:\p{L}+ ){0,2}(?:deltage\p{L}*|går med|er med|kommer)|(?:vi|jeg) (?:kan|får|når) (?:få fri|fri|tid|nå det|nå|komme|deltage|det)|ja|grønt lys|godkend\p{L}*|beslut\p{L}*|vedtag\p{L}*|bevilg\p{L}*|svaret|positiv\p{L}*|igennem|tilslut\p{L}*|med i (?:projektet|udbuddet|samarbejdet))(?:$|[^\p{L}])`
	// verbFirstCondRe finds a condition written verb first with no more to it ("Kommer vi,
	// bliver det til Roskilde", "Deltager jeg, …").
	verbFirstCondRe = regexp.MustCompile(`^(?:kommer|deltager|tager) (?:vi|jeg)(?: \p{L}+)?(?:,\s*(?:bliver|er|vil|kan|skal|så|tager|kommer)\s|[\s,]*$)`)
	provisoRe       = regexp.MustCompile(`^(?:og |men )?(?:under forudsætning af|forudsat|på betingelse af|med forbehold for|med det forbehold)(?:$|[^\p{L}])`)
)

// ownProvisoRe finds a proviso on the writer's own calendar or budget ("Med forbehold for
// budgetforhandlingerne kommer jeg til Vejle", "med forbehold for sygdom"): what any sign-up
// runs the risk of, not a condition on whether the municipality takes part; the answer stands.
var ownProvisoRe = regexp.MustCompile(`^(?:og |men )?med (?:et |det )?forbehold for (?:\p{L}+ ){0,2}?(?:budget\p{L}*|kalender\p{L}*|sygdom|ændringer|uforudsete|travlhed|arbejdspres|\p{L}*møde\p{L}*)(?:$|[^\p{L}])`)

// conditionalAnswers: the answer of a sentence with a condition on whether the municipality
// takes part ("Bliver svaret ja, vil vi foretrække Roskilde", "Hvis vi deltager, bliver det i
// Vejle", "Vi deltager kun, hvis kommunen tilslutter sig – og så bliver det Aalborg") or with a
// proviso on the whole answer ("Under forudsætning af at budgettet holder, kommer jeg til
// Roskilde") says what will be if it falls one way; it decides nothing, it leans. A condition
// opened by a verb ("Bliver svaret ja") can only open the sentence.
func conditionalAnswers(crs []clauseRead) {
	for i := range crs {
		first := i == 0 || crs[i-1].sent != crs[i].sent
		// "Vi deltager kun, hvis kommunen tilslutter sig": the condition right after the coming,
		// not one on a relative clause ("…, som skal stå for konverteringen, hvis vi tilslutter os")
		opened := (crs[i].lead == "hvis" || crs[i].lead == "såfremt") && !first && crs[i-1].role == roleAttend && crs[i-1].st.attend && !strings.Contains(crs[i-1].lower, " som ")
		l := crs[i].lower
		more := i+1 < len(crs) && crs[i+1].sent == crs[i].sent
		verbFirst := verbFirstCondRe.MatchString(l) && (more || strings.Contains(l, ","))
		decision := first && (decisionCondRe.MatchString(l) || verbFirst) || opened && decisionRe.MatchString(l)
		if !decision && !(first && provisoRe.MatchString(l) && !ownProvisoRe.MatchString(l)) {
			continue
		}
		for j := range crs {
			if crs[j].sent == crs[i].sent && crs[j].role == roleAttend {
				crs[j].role = roleHedged
			}
		}
	}
}

// declinedUntilDecided: "Jeg vil ikke melde mig til et møde, før byrådet har besluttet sig"
// refuses to answer yet, it does not decline: the refusal lasts until the municipality decides.
func declinedUntilDecided(crs []clauseRead) {
	for i := 1; i < len(crs); i++ {
		until := crs[i].lead == "før" || crs[i].lead == "inden"
		if until && crs[i-1].sent == crs[i].sent && crs[i-1].role == roleDecline && decisionRe.MatchString(crs[i].lower) {
			crs[i-1].role = roleHedged
		}
	}
}

// otherwiseRe opens the other branch of a condition ("i modsat fald må vi melde fra",
// "ellers melder vi fra").
var otherwiseRe = regexp.MustCompile(`^(?:og |men )?(?:i modsat fald|ellers|hvis ikke)(?:$|[^\p{L}])`)

// bothBranches: "Såfremt mødet flyttes, kommer vi; i modsat fald må vi melde fra" says what
// happens either way and decides neither: the coming and the refusal both lean.
func bothBranches(crs []clauseRead) {
	for i := range crs {
		if !otherwiseRe.MatchString(crs[i].lower) {
			continue
		}
		for j := i - 1; j >= max(0, i-3); j-- {
			if !crs[j].cond && crs[j].lead != "hvis" && crs[j].lead != "såfremt" {
				continue
			}
			for k := j; k <= i; k++ {
				if crs[k].role == roleAttend || crs[k].role == roleDecline {
					crs[k].role = roleHedged
				}
			}
			break
		}
	}
}

// withUsRe finds "vi er (stadig) med" ending its clause: in the project or at the meetings,
// as the sentence around it says.
var withUsRe = regexp.MustCompile(`(?:^|\s)(?:er|være|bliver)\s+(?:\p{L}+\s+)?med[\s.,;:!–-]*$`)

// projectWith: "vi er stadig med" in a sentence about the project ("Det har intet med projektet
// at gøre – vi er stadig med – men ...") says the municipality stays in the project, not that
// anyone comes to a meeting.
func projectWith(crs []clauseRead) {
	for i := range crs {
		cr := &crs[i]
		if cr.role != roleAttend || len(cr.ms) > 0 || cr.count > 0 || !withUsRe.MatchString(cr.lower) {
			continue
		}
		for _, o := range crs {
			if o.sent == cr.sent && agreementObjRe.MatchString(o.lower) && !mentionsMeetingWord(o.lower) {
				cr.role, cr.st.agreementTalk = roleNone, true
				break
			}
		}
	}
}

var (
	hopeRe       = regexp.MustCompile(`(?:^|\s)håber\W*$`)
	hopedOfYouRe = regexp.MustCompile(`^(?:at )?(?:i|du) (?:vil|kan|gider) (?:\p{L}+ )?(?:sende|maile|give|ringe|skrive|reservere|bekræfte|oplyse)`)
	hopedInRe    = regexp.MustCompile(`(?:^|\s)håber,? (?:at )?(?:i|du) (?:vil|kan|gider) (?:\p{L}+ )?(?:sende|maile|give|ringe|skrive|reservere|bekræfte|oplyse)`)
	wishRe       = wordsRe(`(ser|vil|ville) (\p{L}+ ){0,2}gerne|ønsker (\p{L}+ )?(gerne|også)?`)
	sentRe       = wordsRe(`tilsendt|sendt|fremsendt|mailet|sendes|tilsendes|udsendt`)
)

// wishedSent: a wish whose object is a clause of its own ("Vi ser gerne, at præsentationen
// bliver sendt ud efterfølgende", "og håber, I vil sende materialet ud") asks the organiser to
// send something, as "Send gerne præsentationen" does; the agreement, which every municipality
// is sent, excepted.
func wishedSent(crs []clauseRead) {
	for i := range crs {
		cr := &crs[i]
		if strings.Contains(cr.lower, "aftale") {
			continue
		}
		if hopedInRe.MatchString(cr.lower) {
			cr.st.asks = true // "og håber, I vil sende materialet ud på forhånd"
		}
		if i == 0 || crs[i-1].sent != cr.sent {
			continue
		}
		prev := crs[i-1]
		if cr.lead == "at" && wishRe.MatchString(prev.lower) && sentRe.MatchString(cr.lower) || hopeRe.MatchString(prev.lower) && hopedOfYouRe.MatchString(cr.lower) {
			cr.st.asks = true
		}
	}
}

// imperativeRe finds a sentence that opens with a verb in the imperative softened as Danish
// softens a request ("Send gerne …", "Ring venligst …", "Giv lige besked …", "Bekræft endelig
// …"); pronounWords are the first words that show it is no imperative ("Vi kommer gerne").
var (
	imperativeRe = regexp.MustCompile(`^(?:og |så )?(\p{L}+) (?:gerne|venligst|endelig|lige) `)
	pronounWords = map[string]bool{"jeg": true, "vi": true, "du": true, "i": true, "han": true, "hun": true, "de": true, "det": true,
		"der": true, "man": true, "den": true, "vores": true, "min": true, "mit": true, "mine": true, "hils": true, "tak": true}
)

// footerRe finds the words of a footer a mail system adds ("Overvej venligst miljøet, før du
// udskriver denne e-mail", "… modtaget ved en fejl, så slet den venligst"): no request.
var footerRe = wordsRe(`miljø\p{L}*|udskriv\p{L}*|print\p{L}*|e-mail\p{L}*|denne mail|fortrolig\p{L}*|ved en fejl`)

// imperativeRequests: a sentence that opens with a softened imperative and neither comes nor
// names a meeting asks the organiser to do something ("Giv lige besked, når programmet ligger
// klar", "Bekræft venligst modtagelsen"), as "Send gerne præsentationen" does (the agreement,
// which every municipality is sent, excepted); "Tilmeld gerne mig til Vejle" comes, and "Hils
// gerne Hanne" greets.
func imperativeRequests(crs []clauseRead) {
	for i := range crs {
		cr := &crs[i]
		if i > 0 && crs[i-1].sent == cr.sent || cr.st.attend || cr.st.decline || len(cr.ms) > 0 || strings.Contains(cr.lower, "aftale") || footerRe.MatchString(cr.lower) {
			continue
		}
		if m := imperativeRe.FindStringSubmatch(cr.lower); m != nil && !pronounWords[m[1]] && !strings.HasSuffix(m[1], "er") {
			cr.st.asks = true
		}
	}
}

// reservationRe finds a reservation on the whole answer ("men det er med forbehold"), which takes
// it back as not settled even with no promise to come back.
var reservationRe = wordsRe(`med forbehold|med et forbehold|med det forbehold`)

// unsettledAfter says whether the clause after an attending one takes it back as not settled
// ("Vi går efter Roskilde, men det er ikke helt på plads endnu"): an open clause opened by
// "men" that names no one and no meeting, so that it speaks of the whole answer, not of who
// comes along.
func unsettledAfter(crs []clauseRead, i int, self *selfNames) bool {
	if i+1 >= len(crs) {
		return false
	}
	next := crs[i+1]
	return next.lead == "men" && next.st.open && len(next.ms) == 0 && !next.asks && len(personsIn(next.toks, self)) == 0 &&
		!whoComesRe.MatchString(next.lower) && (i+2 >= len(crs) || crs[i+2].sent != next.sent || !crs[i+2].sub)
}

// whoComesRe finds words about who or how many come, which an open clause may leave open
// while the answer stands ("men det er ikke afklaret, hvem der tager med").
var whoComesRe = wordsRe(`hvem|hvor mange|antal\p{L}*|konsulent\p{L}*|kolleg\p{L}*|ledsager\p{L}*|deltager\p{L}*`)

// sameDoingRe finds a clause that says someone does the same as the clause before it ("og
// det gør Pia Holst også", "det samme gør X", "X ligeså").
var sameDoingRe = wordsRe(`det gør|det samme gør|gør det samme|ligeså|ligeledes|and so does|so does`)

// meetingHead says whether a clause is only a meeting named, as the head of who goes there
// ("Aalborg", "Til Roskilde", "Vejle 6/3").
func meetingHead(cr *clauseRead) bool {
	return positiveMention(cr.ms) && len(cr.toks) <= 4 && !cr.st.decline && !cr.asks
}

// refusedBefore says whether a clause of the same sentence before i refuses: "Vi kommer ikke
// til Aalborg alligevel – mødet på AAU er aflyst – men til Roskilde i stedet".
func refusedBefore(crs []clauseRead, i int) bool {
	for j := i - 1; j >= 0 && crs[j].sent == crs[i].sent; j-- {
		if crs[j].role == roleRefuse || crs[j].role == roleDecline {
			return true
		}
	}
	return false
}

// affirmRe finds an answer to a question just reported ("og det vil jeg gerne").
var affirmRe = regexp.MustCompile(`^(?:og\s+)?det\s+(?:vil|kan|gør)\s+(?:jeg|vi)\s+(?:gerne|godt|meget gerne)`)

// fieldName says whether a clause is the name of a field in a form-like answer, followed by
// a colon and who comes ("Deltagere: ...").
func fieldName(l string) bool {
	switch strings.TrimSpace(l) {
	case "deltagere", "deltager", "deltagerne", "navne", "navn", "tilmeldte", "tilmelding", "participants":
		return true
	}
	return false
}

func positiveMention(ms []mention) bool {
	for _, m := range ms {
		if !m.neg {
			return true
		}
	}
	return false
}

// cueAtStart says whether a cue found at offset at is usable: the bare words "ja" and "nej"
// answer only at the start of their clause.
func cueAtStart(l string, at int, bare string) bool {
	rest := l[at:]
	if !strings.HasPrefix(rest, bare) || len(rest) > len(bare) && isLetterByte(rest[len(bare)]) {
		return true
	}
	return strings.TrimSpace(l[:at]) == ""
}

func isLetterByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= 0x80 }

// bareCue says whether the attend cue at offset at is one that needs an object to mean coming
// ("det bliver", "tager det").
func bareCue(l string, at int) bool {
	rest := l[at:]
	return strings.HasPrefix(rest, "det bliver") || strings.HasPrefix(rest, "bliver det") || strings.HasPrefix(rest, "tager det") ||
		strings.HasPrefix(rest, "tager den") || strings.HasPrefix(rest, "tager et") || strings.HasPrefix(rest, "valgt") ||
		strings.HasPrefix(rest, "vælger") || strings.HasPrefix(rest, "passer") || strings.HasPrefix(rest, "foretrækker")
}

// withoutPerson says whether a clause names someone as left out ("uden Jesper Dahl").
func withoutPerson(cr *clauseRead) bool {
	for i, t := range cr.toks {
		if t.lower != "uden" {
			continue
		}
		j := i + 1
		for j < len(cr.toks) && roleDets[cr.toks[j].lower] {
			j++
		}
		if j < len(cr.toks) && (cr.toks[j].name || roleWordRe.MatchString(cr.toks[j].lower)) {
			return true
		}
	}
	return false
}

// specificMeetings says whether mentions name some meetings but not all of them.
func specificMeetings(c *campaign.Campaign, ms []mention) bool {
	seen := map[string]bool{}
	for _, m := range ms {
		if m.meeting != "" {
			seen[m.meeting] = true
		}
		for _, a := range m.alts {
			seen[a] = true
		}
	}
	return len(seen) > 0 && len(seen) < len(c.Meetings)
}
