package replies

import (
	"regexp"
	"strings"
)

// Scope: how far a clause's words reach, and what the clauses around it make of them. A pronoun
// that points back to another engagement makes the coming that engagement's ("…, og det skal
// jeg deltage i"); the organiser's words reported ("I skriver, at …") and a clause after a
// negated one ("det giver ikke mening, at hun tager med") say nothing comes; a clause after
// "og" shares the first one's subject; "jeg kan ikke" beside someone else coming is the writer's
// own; a relative clause of a person says that person's engagement; an order word takes its
// noun from the clause before ("… datoerne og den sidste passer os"); words that leave open only
// who comes leave a stated number as it is.

// takenUpRe finds "det" or "den" as what the writer takes part in or is at ("det skal jeg
// deltage i", "og skal deltage i det", "den må jeg være med til"): the thing named before.
var takenUpRe = regexp.MustCompile(`(?:^|\s)(?:det|den)\s+(?:\p{L}+\s+){0,3}(?:deltage\p{L}*\s+i|være\s+med\s+(?:til|på|i))\s*[.!]?\s*$|(?:deltage\p{L}*|være\s+med)\s+(?:i|til|på)\s+(?:det|den)\s*[.!]?\s*$`)

// engagementTakenUp takes a coming whose object points back to another engagement named in the
// clause before it for that engagement's, no answer: "Byrådet har indkaldt til ekstraordinært
// møde samme dag, og det skal jeg deltage i".
func engagementTakenUp(crs []clauseRead) {
	for i := 1; i < len(crs); i++ {
		cr, prev := &crs[i], crs[i-1]
		if cr.role == roleAttend && len(cr.ms) == 0 && (prev.sent == cr.sent || prev.sent == cr.sent-1) && prev.st.otherEvent && takenUpRe.MatchString(cr.lower) {
			cr.role, cr.st.attend, cr.st.otherEvent = roleNone, false, true
		}
	}
}

// writerOnlyDeclines turns "jeg kommer ikke" into the writer's own refusal when someone else of
// the party comes ("Jens kommer til Vejle, jeg kommer ikke", "Jeg er selv optaget og kan derfor
// ikke deltage, men Lolland bliver repræsenteret af vores skolebibliotekskonsulent"): "jeg" is
// the writer, not the party, and a meeting the writer cannot come to ("jeg kan ikke deltage i
// Aalborg") is the one the others may come to, not refused.
func writerOnlyDeclines(crs []clauseRead) {
	othersCome := false
	for _, cr := range crs {
		if cr.role == roleAttend && (cr.st.subject == subjThird || representedByRe.MatchString(cr.lower)) {
			othersCome = true
		}
	}
	if !othersCome {
		return
	}
	for i := range crs {
		if (crs[i].role == roleDecline || crs[i].role == roleRefuse && crs[i].st.decline) && strings.EqualFold(crs[i].st.subjectWords, "jeg") {
			crs[i].role = roleSelfOnly
		}
	}
}

// representedByRe finds the party represented by someone ("Lolland bliver repræsenteret af
// vores skolebibliotekskonsulent", "repræsenteres ved Hanne Ryg"): someone else comes.
var representedByRe = regexp.MustCompile(`(?:^|\s)repræsentere[st]\s+(?:af|ved)\s`)

// sharedSubject is the subject a clause opened by "og" shares with the clause before it, when
// it has none of its own and comes or declines ("Lars Friis er blevet syg og må melde fra",
// "Jeg er selv optaget den 1. marts og kan derfor ikke deltage"): the subject the clause before
// was read with, else the one it opens with. subjNone when the clause has its own.
func sharedSubject(prev, cr *clauseRead, self *selfNames) (subjKind, string) {
	if prev.sent != cr.sent || cr.lead != "og" || cr.st.subject != subjNone || !(cr.st.attend || cr.st.decline) || cr.sub {
		return subjNone, ""
	}
	if prev.st.subject != subjNone {
		return prev.st.subject, prev.st.subjectWords
	}
	toks := prev.toks
	for i := 0; i < len(toks) && i < 3; i++ {
		if k, w := subjectToken(toks, i, self); k != subjNone {
			return k, w
		}
		if !roleDets[toks[i].lower] {
			break // "Vores bibliotekschef Poul Dam har …": the subject opens the clause
		}
	}
	return subjNone, ""
}

// elidedOrders reads the meetings named by an order word whose noun was named before it ("Vi har
// kigget på datoerne og den sidste passer os klart bedst"), in the clause or the one before, in
// the clauses that name no meeting otherwise.
func (rd *reader) elidedOrders(crs []clauseRead) {
	for i := range crs {
		cr := &crs[i]
		if len(cr.ms) > 0 || !orderWordIn(cr.lower) {
			continue
		}
		before := ""
		if i > 0 && crs[i-1].sent >= cr.sent-1 {
			before = crs[i-1].lower
		}
		if m, ok := rd.rc.elidedOrder(cr.lower, before); ok {
			cr.ms = []mention{m}
			cr.role = rd.roleOf(cr)
		}
	}
}

// orderWordIn says whether a clause holds a word of order an elided noun may stand after.
func orderWordIn(l string) bool {
	for _, w := range []string{"første", "sidste", "midterste", "mellemste", "seneste", "tidligste"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// personRelativeRe finds a relative clause said of a person (", som er på kursus hele ugen"
// after "skolebibliotekskonsulenten", "Jens, der har ferie"): group 1 is the word it is said of.
var personRelativeRe = regexp.MustCompile(`(\p{L}+),\s+(?:som|der)\s`)

// outsideRelative says whether re matches a clause outside a relative clause said of a person:
// what "skolebibliotekskonsulenten, som er på kursus i København hele ugen" says is that
// person's engagement, not a day taken for the party. A relative clause said of a place
// ("Aalborg, som ligger midt i vores vinterferie") still speaks of the meeting.
func outsideRelative(re *keyedRe, l string) bool {
	if !re.MatchString(l) {
		return false
	}
	if !strings.Contains(l, ", som ") && !strings.Contains(l, ", der ") {
		return true
	}
	loc := re.FindStringIndex(l)
	for _, m := range personRelativeRe.FindAllStringSubmatchIndex(l[:loc[0]], -1) {
		w := l[m[2]:m[3]]
		if roleWordRe.MatchString(w) || knownFirstName(w) && !wordsNotNames[w] || w == "hun" || w == "han" || w == "hende" || w == "ham" {
			return false
		}
	}
	return true
}

// hearingRe finds "høre" said of listening to something ("skolesiden skal høre det her", "skal
// høre oplægget"), not of asking someone, which leaves the answer open ("jeg skal lige høre min
// souschef").
var hearingRe = regexp.MustCompile(`(?:^|\s)skal\s+(?:\p{L}+\s+)?høre\s+(?:det\s+her|dette|oplæg\p{L}*|præsentation\p{L}*|om\s+systemet|mere\s+om)(?:$|[^\p{L}])`)

// hearingBlanked is a clause with the words of listening blanked, for the words of an open answer
// to be read in what is left.
func hearingBlanked(l string) string {
	if !strings.Contains(l, "høre") {
		return l
	}
	if loc := hearingRe.FindStringIndex(l); loc != nil {
		return blank(l, loc)
	}
	return l
}

// objectJoined says whether a clause opened by "og" is only more people joined to those a
// sending or bringing clause before it names ("til Vejle sender vi lederen af Pædagogisk
// Center, Jonna Kjær, og en skolebibliotekar fra en af vores folkeskoler, Anders Friis"): no
// verb of its own, so that they are sent too. "og Pia Holst er også klar" has one.
func objectJoined(prev, cr *clauseRead, self *selfNames) bool {
	if !prev.st.registrar && !prev.st.companion && !sendsSomeone(prev, self) || len(personsIn(cr.toks, self)) == 0 {
		return false
	}
	for _, t := range cr.toks {
		if finiteVerbs[t.lower] || t.lower == "går" || t.lower == "får" || t.lower == "bor" {
			return false
		}
	}
	return true
}

// yourWordsRe finds the organiser's words reported ("I skriver", "du skrev", "I skriver i
// påmindelsen", "der står i invitationen", "jeres mail siger"): the clause opened by "at" after
// it is what the organiser said, not the reply's answer.
var yourWordsRe = regexp.MustCompile(`(?:^|\s)(?:(?:i|du|kombit|invitationen|jeres\s+(?:mail|invitation|brev))\s+(?:\p{L}+\s+)?(?:skriver|skrev|har\s+skrevet|nævner|nævnte|siger|sagde|oplyser|oplyste|meddeler|meddelte)|står\s+(?:der\s+)?i\s+(?:invitationen|mailen|jeres\s+mail))(?:\s+(?:i|på)(?:\s+\p{L}+){1,2})?\s*,?\s*$`)

// reportedWords takes the clause after the organiser's words reported ("I skriver, at den kommer
// inden møderne") for what the organiser said: it neither comes nor declines.
func reportedWords(crs []clauseRead) {
	for i := 1; i < len(crs); i++ {
		cr, prev := &crs[i], crs[i-1]
		if cr.lead == "at" && prev.sent == cr.sent && yourWordsRe.MatchString(prev.lower) && (cr.role == roleAttend || cr.role == roleDecline || cr.role == roleRefuse) {
			cr.role = roleNone
		}
	}
}

// ownVerb says whether a clause after a colon or a dash goes on from the first person it names
// with a verb of its own ("– vores skolebibliotekskonsulent går på pension til sommer"): a
// sentence about that person, not a list of who comes ("– Anne Holm og jeg").
func ownVerb(cr *clauseRead, self *selfNames) bool {
	ps := personsIn(cr.toks, self)
	if len(ps) == 0 {
		return false
	}
	k := ps[0].tok + 1
	for k < len(cr.toks) && (cr.toks[k].name || roleWordRe.MatchString(cr.toks[k].lower)) {
		k++
	}
	if k >= len(cr.toks) {
		return false
	}
	switch w := cr.toks[k].lower; w {
	case "går", "får", "bor", "gør", "står", "holder", "starter", "stopper", "slutter":
		return true
	default:
		return finiteVerbs[w]
	}
}

// notAsserted takes a clause opened by "at" after a negated clause of its sentence ("det giver
// ikke mening, at hun tager med", "Jeg kan ikke love, at vi kommer") for what is not said to
// happen: it does not come.
func notAsserted(crs []clauseRead) {
	for i := 1; i < len(crs); i++ {
		cr, prev := &crs[i], crs[i-1]
		if cr.lead == "at" && prev.sent == cr.sent && cr.role == roleAttend && negatedClause(prev.lower) {
			cr.role = roleNone
		}
	}
}

// negatedClause says whether a clause holds "ikke" that negates it, not one that restricts the
// word after it ("ikke kun", "ikke alene").
func negatedClause(l string) bool {
	words := strings.Fields(l)
	for i, w := range words {
		if strings.Trim(w, ",.;:!?") == "ikke" && (i+1 == len(words) || !restrictedByIkke(strings.Trim(words[i+1], ",.;:!?"))) {
			return true
		}
	}
	return false
}

// onlyWhoOpen says whether the clause at i leaves open only who comes: it or a clause beside it
// in its sentence asks "hvem" or names people as alternatives ("det afhænger af, hvem af os der
// kan blive fri", "hvem det bliver, ved jeg ikke endnu", "Om det bliver mig eller min souschef,
// afhænger af et byrådsmøde"), and its sentence names no meeting and asks nothing else of
// whether or where ("om vi kommer", "hvilket", "hvor"). Only the clauses of its sentence are
// read, a bounded number (maxSentence).
func onlyWhoOpen(crs []clauseRead, i int, self *selfNames) bool {
	first, last := i, i
	for first > 0 && crs[first-1].sent == crs[i].sent {
		first--
	}
	for last+1 < len(crs) && crs[last+1].sent == crs[i].sent {
		last++
	}
	who := false
	for j := first; j <= last; j++ {
		cr := crs[j]
		either := eitherPerson(cr.toks, personsIn(cr.toks, self))
		if len(cr.ms) > 0 || cr.lead == "om" && !either || strings.Contains(cr.lower, "hvilke") || strings.Contains(cr.lower, "hvor ") {
			return false
		}
		who = who || j >= i-1 && j <= i+1 && (cr.lead == "hvem" || strings.Contains(cr.lower, "hvem") || either)
	}
	return who
}

// eitherPerson says whether the people a clause names are alternatives, one of them to come
// ("Det bliver enten mig eller min kollega Bo Tranberg"): "eller" between the first two, no
// "og". That is one person whoever it is, not someone more.
func eitherPerson(toks []token, ps []person) bool {
	if len(ps) < 2 {
		return false
	}
	or := false
	for _, t := range toks[ps[0].tok:ps[1].tok] {
		switch t.lower {
		case "eller":
			or = true
		case "og", "samt", "+", "&":
			return false
		}
	}
	return or
}

// noOthersRe finds "no one else" ("der deltager ingen andre fra os", "ikke nogen andre").
var noOthersRe = regexp.MustCompile(`(?:^|\s)(?:ingen|ikke\s+nogen)\s+andre(?:$|[^\p{L}])`)

// noOthers reads "no one else" by what the reply says of the others: beside someone of the party
// who comes ("… men jeg kommer selv. Der deltager ingen andre fra os") it says only they come, no
// refusal; beside no one who comes ("Poul Dam … kan ikke komme. Der deltager ingen andre fra os")
// no one does.
func noOthers(crs []clauseRead) {
	comes := false
	for _, cr := range crs {
		comes = comes || cr.role == roleAttend
	}
	if !comes {
		return
	}
	for i := range crs {
		if crs[i].role == roleDecline && noOthersRe.MatchString(crs[i].lower) {
			crs[i].role = roleNone
		}
	}
}
