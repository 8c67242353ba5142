package replies

import (
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Deciding: the clauses of a reply weighed against each other. An answer comes from main
// clauses that are not conditions, questions or earlier plans; a refusal that names a meeting
// refuses that meeting, one that names none (or all) declines; a lean ("formentlig Roskilde")
// or an open choice ("enten Aalborg eller Vejle") decides nothing unless a meeting is chosen
// firmly elsewhere. Whatever the words leave open is kept as a doubt, which holds the reading
// for a person with the alternatives named.

// textReading is what the words of a reply say.
type textReading struct {
	intent     Intent
	meeting    string
	alts       []string // the meetings still open (undecided) or that the words fit (a doubt)
	headcount  int      // 0 when the text states no number
	companions []string
	members    []string // who is counted as coming, by key
	outKeys    []string // who is named as not coming, by key
	question   bool
	changed    bool
	promise    bool // not decided, and says it will answer later
	sameCount  bool // counted from names in a reply that says the number stays
	evidence   string
	confidence float64
	doubts     []campaign.Reason // why the words allow more than one reading: hold
	notes      []campaign.Reason // what was read from which words
	crs        []clauseRead      // the clauses read, for the gate
}

// reader reads the text of one reply against the campaign.
type reader struct {
	c    *campaign.Campaign
	rc   refContext
	self *selfNames
}

func newReader(c *campaign.Campaign, sent time.Time, invitee string) *reader {
	return &reader{c: c, rc: newRefContext(c, sent, invitee), self: newSelfNames(c, invitee)}
}

// readText reads a bare text (a calendar answer's note, tests) without date or invitee.
func readText(c *campaign.Campaign, text string) textReading {
	return newReader(c, time.Time{}, "").read([]segment{{text: text}})
}

// read reads the segments of a reply.
func (rd *reader) read(segs []segment) textReading {
	crs, lists := rd.readClauses(segs)
	t := tallyOf(crs)
	ch := rd.chooseMeeting(crs)
	tr := textReading{intent: IntentUnclear, confidence: 0.3, promise: t.promise, question: t.firstAsk >= 0, crs: crs}
	if rd.decide(&tr, crs, t, ch) {
		rd.fillAttend(&tr, crs, lists, ch)
	}
	return tr
}

// readClauses cuts the reply into clauses and reads each, with what one clause gives the next;
// it gives the lists of participants too, whose headers it marks.
func (rd *reader) readClauses(segs []segment) ([]clauseRead, []plist) {
	cls := splitReply(segs)
	crs := make([]clauseRead, len(cls))
	for i, cl := range cls {
		crs[i] = rd.readClause(cl)
	}
	rd.elidedOrders(crs)
	rd.continueClauses(crs)
	engagementTakenUp(crs)
	reportedWords(crs)
	notAsserted(crs)
	noOthers(crs)
	rd.promisesLater(crs)
	conditionalAnswers(crs)
	declinedUntilDecided(crs)
	bothBranches(crs)
	wishedSent(crs)
	imperativeRequests(crs)
	projectWith(crs)
	tentativeAttends(crs, rd.self)
	writerOnlyDeclines(crs)
	lists := rd.participantLists(crs)
	for _, l := range lists {
		crs[l.header].header = true
		if crs[l.header].role == roleNone {
			crs[l.header].role = roleAttend // a list of participants for a meeting registers them
		}
	}
	return crs, lists
}

// clauseTally is the clauses of a reply by what they do.
type clauseTally struct {
	attend, hedged, decline, refuse, selfOnly, out []int
	promise                                        bool
	firstAsk                                       int // the first clause that asks, -1 none
}

func tallyOf(crs []clauseRead) clauseTally {
	t := clauseTally{firstAsk: -1}
	for i, cr := range crs {
		switch cr.role {
		case roleAttend:
			t.attend = append(t.attend, i)
		case roleHedged:
			t.hedged = append(t.hedged, i)
		case roleDecline:
			t.decline = append(t.decline, i)
		case roleRefuse:
			t.refuse = append(t.refuse, i)
		case roleSelfOnly:
			t.selfOnly = append(t.selfOnly, i)
		case roleOut:
			t.out = append(t.out, i)
		}
		t.promise = t.promise || cr.st.promise
		if (cr.asks || cr.st.asks) && t.firstAsk < 0 {
			t.firstAsk = i
		}
	}
	return t
}

// decide sets the intent from the clauses; it reports whether the reply attends, so that the
// meeting and the people are still to be filled in.
func (rd *reader) decide(tr *textReading, crs []clauseRead, t clauseTally, ch meetingChoice) bool {
	switch agreement := rd.agreement(crs); {
	case agreement != "" && len(t.attend) == 0 && len(t.decline) == 0:
		tr.intent, tr.confidence, tr.evidence = IntentAgreement, 0.9, agreement
	case len(t.attend) > 0 && t.promise && ch.id == "" && len(ch.alts) == 0 && len(t.decline) == 0:
		// "Vi kommer gerne. Jeg vender tilbage med, hvilket møde": coming, but where is to follow.
		tr.intent, tr.confidence, tr.evidence = IntentUnclear, 0.8, promiseClause(crs)
		if tr.question {
			// "1. Er det tre forskellige møder ...? ... vender jeg tilbage med en tilmelding": the
			// questions come first
			tr.intent, tr.evidence = IntentQuestion, crs[t.firstAsk].text
		}
	case len(t.attend) > 0 && (len(t.hedged) == 0 || ch.firm):
		tr.intent, tr.confidence = IntentAttend, 0.9
		tr.evidence = crs[t.attend[0]].text
		if ch.at >= 0 && crs[ch.at].role == roleAttend {
			tr.evidence = crs[ch.at].text
		}
		return weighYesAndNo(tr, crs, t)
	case (len(t.attend) > 0 || len(t.hedged) > 0) && !hedgeAside(crs, t):
		tr.intent, tr.confidence = IntentUnclear, 0.6
		tr.evidence, tr.alts = crs[firstOf(t.hedged, t.attend)].text, ch.open
		if t.promise {
			tr.confidence = 0.8 // surely not decided
		}
		if tr.question {
			tr.intent, tr.confidence, tr.evidence = IntentQuestion, 0.8, crs[t.firstAsk].text
		}
	case len(t.decline) > 0 || len(t.refuse) > 0 && refusedByWords(crs, t.refuse):
		tr.intent, tr.confidence = IntentDecline, 0.9
		tr.evidence = crs[firstOf(t.decline, t.refuse)].text
		if len(t.decline) == 0 && asksOtherMeeting(crs) {
			// "har ikke mulighed den 28. Kan vi komme til Roskilde i stedet?": one meeting
			// refused, another asked for.
			tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteAnswersDiffer, Quote: clip(crs[t.firstAsk].text)})
		} else if other := keptBeside(crs, t.refuse); len(t.decline) == 0 && other >= 0 {
			// "Vi har ikke mulighed for at tage til Vejle, så vi beholder vores pladser i
			// Roskilde": one meeting refused, another named beside it in words no rule read;
			// the refusal of one is no refusal of the other
			tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteAnswersDiffer, Quote: clip(crs[other].text)})
		} else if left := rd.leftOpen(crs, t.refuse); len(t.decline) == 0 && (refusesSome(crs, t.refuse) || len(left) > 0 && !withdraws(crs, t.refuse)) {
			// "Vi kommer ikke til Aalborg eller Vejle", "To ud af tre møder passer ikke", "Vejle
			// passer os ikke": some refused, the rest, not yet held, neither chosen nor refused;
			// whether that is a decline is for a person to read. A registration taken back ("Vi
			// trækker os fra mødet i Roskilde") declines.
			tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteAnswersDiffer, Alternatives: left, Quote: clip(tr.evidence)})
		}
	case len(t.selfOnly) > 0:
		tr.intent, tr.confidence, tr.evidence = IntentDecline, 0.6, crs[t.selfOnly[0]].text
		tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteSelfOnly, Quote: clip(tr.evidence)})
	case len(t.out) > 0 && countStated(crs) >= 0:
		// "Søren er syg, så han kommer ikke. Vi er altså kun to": one fewer, the answer stands.
		tr.intent, tr.confidence, tr.evidence = IntentAttend, 0.8, crs[countStated(crs)].text
		return true
	case len(t.out) > 0:
		tr.intent, tr.confidence, tr.evidence = IntentAttend, 0.6, crs[t.out[0]].text
		tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteCompanionOut, Quote: clip(tr.evidence)})
		return true
	case t.promise && !tr.question:
		tr.intent, tr.confidence, tr.evidence = IntentUnclear, 0.8, promiseClause(crs)
	case tr.question:
		tr.intent, tr.confidence, tr.evidence = IntentQuestion, 0.8, crs[t.firstAsk].text
	case ch.id != "" || len(ch.alts) > 0:
		// Only a meeting named ("Vejle, 2 personer"): an answer, with less certainty.
		tr.intent, tr.confidence, tr.evidence = IntentAttend, 0.75, crs[max(0, ch.at)].text
		if cr := crs[max(0, ch.at)]; ch.id != "" && !(cr.whole && len(cr.toks) <= 8) && len(cr.toks) > 4 && cr.lead != ":" && cr.lead != "-" && cr.count == 0 && !cr.alone && cr.role == roleNone {
			// "Hotellet i Vejle er bestilt": a meeting named in a sentence that says no one
			// comes is a suggestion, not an answer
			tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteMeetingInPassing, Meeting: ch.id, Ref: string(ch.by.kind), Quote: clip(ch.by.words)})
		}
		return true
	case countStated(crs) >= 0:
		// Only a number ("Vi bliver alligevel kun én"): a new headcount for the meeting chosen.
		tr.intent, tr.confidence, tr.evidence = IntentAttend, 0.6, crs[countStated(crs)].text
		return true
	}
	return false
}

// hedgeAside says whether a reply that declines the meetings outright ("Odsherred deltager
// ikke i dialogmøderne", "Vi må derfor takke nej") leans only in words that do not speak of
// the meetings ("og tager stilling til aftalen herhjemme", "før vi binder os til en ny
// løsning"): those are about the agreement or the project, and the refusal stands.
func hedgeAside(crs []clauseRead, t clauseTally) bool {
	return len(t.attend) == 0 && len(t.decline) > 0 && anchored(crs, t.decline) && !anchored(crs, t.hedged)
}

// weighYesAndNo settles a reply that both comes and declines: the one about the meetings
// counts when the other is not ("vi springer dialogmøderne over" beside "Varde skal være
// med"); else the later one, held for a person. It reports whether the reply attends.
func weighYesAndNo(tr *textReading, crs []clauseRead, t clauseTally) bool {
	if len(t.decline) == 0 {
		return true
	}
	last, lastAttend := t.decline[len(t.decline)-1], t.attend[len(t.attend)-1]
	declAnchored, attAnchored := anchored(crs, append(t.decline, t.refuse...)), anchored(crs, t.attend)
	switch {
	case declAnchored && !attAnchored:
		tr.intent, tr.evidence = IntentDecline, crs[last].text
		return false
	case last > lastAttend && laterWord(crs, lastAttend, last) && refusesComing(crs[last].lower):
		// "Vi kommer til Vejle. PS: Vi må desværre melde afbud alligevel": the later word wins
		tr.intent, tr.evidence = IntentDecline, crs[last].text
		return false
	case attAnchored && !declAnchored:
	case last > lastAttend:
		tr.intent, tr.evidence = IntentDecline, crs[last].text
		tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteAnswersDiffer, Quote: clip(crs[lastAttend].text)})
		return false
	default:
		tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteAnswersDiffer, Quote: clip(crs[last].text)})
	}
	return true
}

// laterWord says whether the clause at j takes back what the clause at i said: it changes
// ("alligevel", "i stedet") or stands in a word added after it ("P.S.", "Rettelse:").
func laterWord(crs []clauseRead, i, j int) bool {
	if crs[j].st.change {
		return true
	}
	for k := i + 1; k <= j; k++ {
		if addendumRe.MatchString(crs[k].lower) {
			return true
		}
	}
	return false
}

// comingRefusedRe finds a refusal of coming itself ("kan alligevel ikke komme", "melde
// afbud"), not of a part of the day ("kan ikke blive til frokost", "ikke nå frokosten").
var comingRefusedRe = wordsRe(`afbud|afmeld\p{L}*|melde\p{L}* (desværre |alligevel )?fra|meldt fra|takke\p{L}* nej|sige nej|springe\p{L}* [^.!?]{0,30}over|stå\p{L}* over|melde\p{L}* pas|aflys\p{L}*|ikke (\p{L}+ ){0,2}(komme|deltage|med)|(kommer|deltager) (\p{L}+ ){0,3}ikke|ikke mulighed for at (komme|deltage)|forhindre\p{L}*|blevet syg|ingen af os`)

// refusesComing says whether a refusal is of coming itself.
func refusesComing(l string) bool { return comingRefusedRe.MatchString(l) }

// anchored says whether any of the clauses is about the meetings: it names one, the meetings
// as such, or who and how many come.
func anchored(crs []clauseRead, idx []int) bool {
	for _, i := range idx {
		cr := crs[i]
		if len(cr.ms) > 0 || mentionsMeetingWord(cr.lower) || cr.count > 0 || cr.alone {
			return true
		}
	}
	return false
}

// countStated returns the first clause that states a number of people, -1 none.
func countStated(crs []clauseRead) int {
	for i, cr := range crs {
		if (cr.count > 0 || cr.alone) && cr.role != roleHedged && cr.role != rolePast && !cr.sub && !cr.cond {
			return i
		}
	}
	return -1
}

func firstOf(a, b []int) int {
	switch {
	case len(a) == 0:
		return b[0]
	case len(b) == 0:
		return a[0]
	}
	return min(a[0], b[0])
}

// asksOtherMeeting says whether a question names a meeting the reply does not refuse.
func asksOtherMeeting(crs []clauseRead) bool {
	refused := map[string]bool{}
	for _, cr := range crs {
		if cr.role == roleRefuse {
			for _, m := range cr.ms {
				refused[m.meeting] = true
			}
		}
	}
	for _, cr := range crs {
		if !cr.asks {
			continue
		}
		for _, m := range cr.ms {
			if m.meeting != "" && !refused[m.meeting] {
				return true
			}
		}
	}
	return false
}

// leftOpen lists the meetings that the refusing clauses leave unnamed, when they name some; a
// meeting already held when the reply was written is left to no one.
func (rd *reader) leftOpen(crs []clauseRead, refuse []int) []string {
	named := map[string]bool{}
	for _, i := range refuse {
		for _, m := range crs[i].ms {
			named[m.meeting] = m.meeting != ""
			for _, a := range m.alts {
				named[a] = true
			}
		}
	}
	var left []string
	for _, mt := range rd.c.Meetings {
		if !named[mt.ID] && rd.rc.notPast(mt) {
			left = append(left, mt.ID)
		}
	}
	if len(left) == len(rd.c.Meetings) {
		return nil
	}
	return left
}

// withdrawRe finds a registration taken back: a word of withdrawing, or "alligevel".
var withdrawRe = wordsRe(`afbud|afmeld\p{L}*|framelde\p{L}*|melde\p{L}* (\p{L}+ )?fra|meldt fra|trække\p{L}*|trækker|annuller\p{L}*|springe\p{L}* [^.!?]{0,30}over|aflys\p{L}*|alligevel`)

// withdraws says whether a refusal of some meetings takes back a registration ("Vi trækker os fra
// mødet i Roskilde", "Vi kommer ikke på torsdag alligevel"): the reply declines. A meeting that
// only does not suit ("Vejle passer os ikke", "Vi kan ikke komme til Aalborg") leaves the
// others open.
func withdraws(crs []clauseRead, refuse []int) bool {
	for _, i := range refuse {
		if withdrawRe.MatchString(crs[i].lower) {
			return true
		}
	}
	return false
}

// keptBeside returns a main clause that names, neither refused nor asked about, a meeting the
// refusing clauses do not refuse; -1 none.
func keptBeside(crs []clauseRead, refuse []int) int {
	refused := map[string]bool{}
	for _, i := range refuse {
		for _, m := range crs[i].ms {
			refused[m.meeting] = true
		}
	}
	for i, cr := range crs {
		if cr.role == roleRefuse || cr.role == rolePast || cr.asks || cr.cond || cr.sub || cr.st.busy {
			continue
		}
		for _, m := range cr.ms {
			if !m.neg && m.meeting != "" && !refused[m.meeting] {
				return i
			}
		}
	}
	return -1
}

// refusesSome says whether a refusal counts some of the meetings without naming them ("to ud
// af tre møder").
func refusesSome(crs []clauseRead, refuse []int) bool {
	for _, i := range refuse {
		if someMeetingsRe.MatchString(crs[i].lower) {
			return true
		}
	}
	return false
}

// refusedByWords says whether a refusal was said with a word of declining ("melde fra til
// Roskilde"), not only by a day being taken, which alone decides nothing.
func refusedByWords(crs []clauseRead, refuse []int) bool {
	for _, i := range refuse {
		if crs[i].st.decline {
			return true
		}
	}
	return false
}

func promiseClause(crs []clauseRead) string {
	for _, cr := range crs {
		if cr.st.promise {
			return cr.text
		}
	}
	return ""
}

// agreement returns the words that return or accept the agreement in a clause that states
// it (not in a condition or a question), "" when none does.
func (rd *reader) agreement(crs []clauseRead) string {
	for _, cr := range crs {
		if cr.sub || cr.cond || cr.asks || cr.st.asks {
			continue
		}
		if w := firstMatchText(agreeRe, cr.lower); w != "" {
			return w
		}
	}
	return ""
}

// fillAttend completes an attending reading: meeting, people, notes and doubts.
func (rd *reader) fillAttend(tr *textReading, crs []clauseRead, lists []plist, ch meetingChoice) {
	tr.meeting, tr.changed = ch.id, ch.changed
	if ch.id == "" {
		tr.alts = ch.alts
		tr.confidence = 0.6
		if len(ch.alts) > 0 {
			tr.confidence = 0.5
		}
	}
	tr.notes = append(tr.notes, ch.notes...)
	tr.doubts = append(tr.doubts, ch.doubts...)
	pc := rd.countPeople(crs, lists)
	same := saysSameCount(crs)
	switch {
	case pc.from == "names" && pc.n >= 2 && same:
		// "I stedet kommer souschef Bo Thomsen sammen med Jane Borg, så antallet er uændret": the
		// people named are the number that stays; the earlier answer, when quoted, is checked
		tr.sameCount = true
	case pc.from != "number" && pc.from != "alone" && (same || pc.selfOnly && len(pc.outs) == 0 && changesAnswer(crs)):
		// "Jeg skifter til Roskilde", "Antallet er uændret": the writer moves the answer, the
		// number of people stays what it was
		pc.n, pc.note = 0, campaign.Reason{}
	}
	tr.headcount, tr.companions, tr.members, tr.outKeys = pc.n, pc.companions, pc.members, pc.outKeys
	if pc.note.Code != "" {
		tr.notes = append(tr.notes, pc.note)
	}
	tr.notes = append(tr.notes, pc.outs...)
	if pc.doubt.Code != "" {
		tr.doubts = append(tr.doubts, pc.doubt)
	}
}

// sameCountRe finds a number of people said to be unchanged without the number.
var sameCountRe = wordsRe(`samme antal|det samme antal|antallet er (det samme|uændret|stadig det samme)|uændret antal|lige så mange (som|deltagere)|de samme (personer|deltagere|som før|som sidst|som tidligere|som meldt)|vi er de samme|same number|the same people`)

// saysSameCount says whether a clause that is not a question says the number stays.
func saysSameCount(crs []clauseRead) bool {
	for _, cr := range crs {
		if !cr.asks && !cr.cond && sameCountRe.MatchString(cr.lower) {
			return true
		}
	}
	return false
}

// changesAnswer says whether a clause that comes changes an earlier answer ("skifter til",
// "i stedet", "flyttes").
func changesAnswer(crs []clauseRead) bool {
	for _, cr := range crs {
		if cr.role == roleAttend && cr.st.change {
			return true
		}
	}
	return false
}
