package replies

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// The gate on deciding alone. The reading above weighs clauses with many rules; a reply is
// applied without a person only when that reading is not contradicted by the plainest signs in
// the sender's own words, read here apart from it: a number of people it did not count, a line
// of a list of participants it did not count, a name it counted that is only the signature,
// words that say the matter is not decided yet beside an answer, and a refusal of coming
// beside a reading that found no answer. Any such sign holds the reading for a person, with
// what was read and the words that speak against it, so that accepting or correcting it is
// one action. These checks cost a needless look now and then; a wrong answer applied alone
// costs a wrong confirmation, calendar entry or count, and no one told.

// gate adds a doubt to a reading that would be applied alone when the reply's own words
// speak against it.
func (rd *reader) gate(tr *textReading, crs []clauseRead, own string) {
	if len(tr.doubts) > 0 || tr.question {
		return // held or reviewed already
	}
	var d campaign.Reason
	switch tr.intent {
	case IntentAttend:
		d = firstDoubt(
			func() campaign.Reason { return undecidedBeside(crs, false, countedFromNumber(tr), rd.self) },
			func() campaign.Reason { return uncountedNumber(crs, tr.headcount) },
			func() campaign.Reason { return uncountedList(own, tr.headcount) },
			func() campaign.Reason { return signatureCounted(own, tr) },
		)
	case IntentDecline:
		d = undecidedBeside(crs, true, false, rd.self)
	case IntentUnclear:
		d = refusalBeside(crs)
	}
	if d.Code != "" {
		tr.doubts = append(tr.doubts, d)
	}
}

func firstDoubt(checks ...func() campaign.Reason) campaign.Reason {
	for _, f := range checks {
		if d := f(); d.Code != "" {
			return d
		}
	}
	return campaign.Reason{}
}

// undecidedRe finds words that say the answer is not settled ("ved ikke endnu", "kan ikke
// love noget", "før det er afklaret", "afventer byrådet").
var undecidedRe = wordsRe(`ved (\p{L}+ )?ikke (endnu|helt|om|hvem|hvor)|(kan|tør|vil) (\p{L}+ )?ikke love|kan (\p{L}+ )?ikke (sige|svare) (\p{L}+ )?(endnu|noget|endeligt)|(er )?(endnu )?ikke (endnu |helt )?(besluttet|afklaret|på plads|endeligt)|endnu ikke (besluttet|afklaret|på plads|sikker|sikre)|(er|jeg|vi) ikke sikker på|(er|vi) ikke sikre på|afventer|afhænger af|afhængig af|afhængigt af|før( \p{L}+){1,6} (afklaret|besluttet|behandlet|vedtaget|godkendt|drøftet|på plads)|indtil da|først (når|efter)|må vi se|vi må se|vi får se|not sure|not decided|depends on`)

// withLead is a clause's words with the word that opened it ("før", "indtil"), which the
// clause cut leaves out of them.
func withLead(cr clauseRead) string {
	if cr.lead == "" || cr.lead == "-" || cr.lead == ":" {
		return cr.lower
	}
	return cr.lead + " " + cr.lower
}

// projectTalkRe finds words about the project, the agreement or the price: what is not
// settled there is not the answer about the meetings ("om vi går med, afhænger af prisen").
var projectTalkRe = wordsRe(`\p{L}*aftale\p{L}*|tilslutning\p{L}*|projekt\p{L}*|pris\p{L}*|system\p{L}*|udbud\p{L}*|økonomi\p{L}*|budget\p{L}*|bevilling\p{L}*|agreement|price|project`)

// undecidedBeside finds a clause of the sender's own that says the matter is not settled,
// beside a reading that decided it. Beside a decline, words in a sentence about the project
// or the agreement are about that ("Sagen om tilslutning skal først behandles i byrådet, og
// indtil da har jeg ikke mandat til at love noget"): a refusal of the meetings is undone only
// by words about the meetings. Beside a number stated, words that leave open only who comes
// ("Det bliver enten mig eller min kollega – det afhænger af, hvem af os der kan blive fri")
// leave the answer as it is.
func undecidedBeside(crs []clauseRead, decline, counted bool, self *selfNames) campaign.Reason {
	project := map[int]bool{}
	if decline {
		for _, cr := range crs {
			if projectTalkRe.MatchString(cr.lower) {
				project[cr.sent] = true
			}
		}
	}
	for i, cr := range crs {
		if cr.asks || cr.st.asks || cr.role == rolePast || project[cr.sent] {
			continue
		}
		if l := withLead(cr); undecidedRe.MatchString(l) && !projectTalkRe.MatchString(l) && !(counted && onlyWhoOpen(crs, i, self)) {
			return campaign.Reason{Code: campaign.NoteAnswersDiffer, Quote: clip(cr.text)}
		}
	}
	return campaign.Reason{}
}

// noOneComesRe finds a refusal of coming that the clause reading may not know ("ingen fra
// Fanø kan komme"), beside comingRefusedRe.
var noOneComesRe = wordsRe(`ingen( \p{L}+){0,3} (kan|kommer|komme|deltager|deltage|når|har mulighed)|ingen af os`)

// otherBranchRe opens what holds if a condition fails ("i modsat fald må vi melde fra").
var otherBranchRe = wordsRe(`i modsat fald|ellers|i så fald|i givet fald|hvis ikke|otherwise`)

// refusalBeside finds, in a reply read as undecided, a clause that refuses coming outright:
// then it may be a decline with a word about something else to follow.
func refusalBeside(crs []clauseRead) campaign.Reason {
	for _, cr := range crs {
		if cr.asks || cr.st.asks || cr.cond || cr.sub || cr.role == rolePast || cr.role == roleOut || cr.st.promise || otherBranchRe.MatchString(cr.lower) {
			continue // "hun når ikke at komme med til møderne": someone else, not the party
		}
		if noOneComesRe.MatchString(cr.lower) || refusesComing(cr.lower) && !undecidedRe.MatchString(cr.lower) {
			return campaign.Reason{Code: campaign.NoteAnswersDiffer, Quote: clip(cr.text)}
		}
	}
	return campaign.Reason{}
}

// peopleNumberRe finds a number said of the party: after "vi er", "bliver vi", "stadig",
// "i alt" ("vi bliver tre", "stadig to", "vi kommer nok 2") or before "personer", and followed
// by nothing that makes it count something else ("vi er fem i ledergruppen", "fire skoler").
var peopleNumberRe = regexp.MustCompile(nb + `(?:(?:vi|de)(?: \p{L}+){0,2} (?:er|bliver|være|kommer|deltager|tager afsted|tager af sted)|(?:er|bliver|kommer|deltager) vi|stadig|i alt|ialt|samlet|altså|vi|os)((?: (?:gerne|nok|så|altså|kun|bare|blot|formentlig|sandsynligvis|sikkert|også|hele|allerede|igen|nu|stadig|desværre|alligevel|faktisk|egentlig|ikke|alle|begge)){0,2}) (to|tre|fire|fem|seks|syv|otte|begge|[2-8])(?:$|[.,;:!)](?:\s|$)|[!?)–-]| (?:til|fra|personer|pers|deltagere|mand|stk|i alt|ialt|og|men|der|som|med|herfra|afsted|af sted|people|persons)` + ne + `)|` +
	nb + `(to|tre|fire|fem|seks|syv|otte|[2-8]) (?:personer|pers|deltagere|mand|people|persons)` + ne)

// dayOfDateRe finds what makes a number the day of a date: a month or a month's number after it.
var dayOfDateRe = regexp.MustCompile(`^(?:[/.]\d|\.?\s*(?:` + monthAlt + `)(?:$|[^\p{L}]))`)

// submatches gives the text of each group of a match by its indexes, "" for a group unmatched.
func submatches(s string, mi []int) []string {
	out := make([]string, len(mi)/2)
	for g := range out {
		if mi[2*g] >= 0 {
			out[g] = s[mi[2*g]:mi[2*g+1]]
		}
	}
	return out
}

// reportedRe finds a clause about what was written or planned before ("Vi meldte os med to
// personer"): its number is not the one now.
var reportedRe = wordsRe(`meldte|tilmeldte|skrev|sagde|havde|var|planlagde|regnede med`)

// uncountedNumber finds a number of people in the sender's words that is not the number read.
func uncountedNumber(crs []clauseRead, n int) campaign.Reason {
	n = max(n, 1)
	var corrected []bool // computed at the first number that differs
	for i, cr := range crs {
		if cr.asks || cr.st.asks || cr.role == rolePast || cr.role == roleOut || cr.cond || cr.st.past || reportedRe.MatchString(cr.lower) {
			continue
		}
		for _, mi := range peopleNumberRe.FindAllStringSubmatchIndex(cr.lower, -1) {
			m := submatches(cr.lower, mi)
			if strings.Contains(m[1], "ikke") {
				continue // "vi kan ikke begge komme"
			}
			if dayOfDateRe.MatchString(cr.lower[max(mi[5], mi[7]):]) {
				continue // "vi kommer 6. marts", "Vi kommer 1/3": a date
			}
			k := numberWord(m[2] + m[3])
			if m[2] == "begge" {
				k = 2
			}
			if k == n {
				continue
			}
			if corrected == nil {
				corrected = correctedLater(crs)
			}
			if !corrected[i] {
				return campaign.Reason{Code: campaign.NoteCountsDiffer, People: n, Count: k, Quote: clip(cr.text)}
			}
		}
	}
	return campaign.Reason{}
}

// correctedLater says for each clause whether a later clause takes back its number of people
// ("Vi kommer tre. Rettelse: kun to", "Bo kan alligevel ikke"): one that counts and changes
// the answer, or one that counts at or after a word added later ("P.S.", "Rettelse:"), as
// laterWord reads them. One pass from the end, so that a long reply costs its length.
func correctedLater(crs []clauseRead) []bool {
	out := make([]bool, len(crs))
	changeAfter, countAfter, addendumAfter := false, false, false
	for i := len(crs) - 1; i >= 0; i-- {
		out[i] = changeAfter || addendumAfter
		cr := crs[i]
		counts := cr.count > 0 || cr.alone || cr.role == roleOut
		countAfter = countAfter || counts
		changeAfter = changeAfter || counts && cr.st.change
		addendumAfter = addendumAfter || countAfter && addendumRe.MatchString(cr.lower)
	}
	return out
}

// listLineRe is a line that may name one participant: a bullet, a number or a table row.
var listLineRe = regexp.MustCompile(`^\s*(?:[-•*·–]\s+|\d{1,2}[.)]\s+|[^\t]+\t)`)

// personLineRe is a line that names a person: a role, a mail address or two capitalised words.
var personLineRe = regexp.MustCompile(`(?i:konsulent|chef|leder|bibliotekar|koordinator|direktør|medarbejder|ansvarlig|arkitekt|undertegnede)|@|\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+`)

// headerRowRe is the header row of a table of participants ("Navn  Stilling  Mail").
var headerRowRe = regexp.MustCompile(`(?i)^\W*(navn|name)\W+(stilling|titel|title|mail|e-mail|funktion|rolle|role)`)

// uncountedList finds a list of participants, one a line, of another length than the number
// read: lines with a bullet, a number or a tab, or plain short lines under a line that ends in
// a colon ("Fra os kommer:"), each naming a person.
func uncountedList(own string, n int) campaign.Reason {
	run, best, quote, headed := 0, 0, "", false
	for _, line := range strings.Split(own, "\n") {
		plain := headed && len(line) <= 80 && !strings.HasSuffix(strings.TrimSpace(line), ".")
		if (listLineRe.MatchString(line) || plain) && personLineRe.MatchString(line) && !headerRowRe.MatchString(line) {
			run++
			if run > best {
				best, quote = run, line
			}
			continue
		}
		run = 0
		headed = strings.HasSuffix(strings.TrimSpace(line), ":") || headed && strings.TrimSpace(line) == "" || headed && headerRowRe.MatchString(line)
	}
	if best >= 2 && best != max(n, 1) {
		return campaign.Reason{Code: campaign.NoteCountsDiffer, People: max(n, 1), Count: best, Quote: clip(quote)}
	}
	return campaign.Reason{}
}

// signatureCounted finds a companion counted only from where the writer signs: the last line of
// the reply starts with the name, or has it after a sign-off mark ("Jeg tager den 6/3 /Sofie"),
// no sentence going on from it, and the name stands nowhere else. That is the writer, not one
// more.
func signatureCounted(own string, tr *textReading) campaign.Reason {
	if tr.headcount < 2 || len(tr.companions) == 0 || countedFromNumber(tr) {
		return campaign.Reason{}
	}
	own = strings.TrimSpace(own)
	last := own[strings.LastIndexByte(own, '\n')+1:]
	if listLineRe.MatchString(last) || roleRe.MatchString(last) {
		return campaign.Reason{} // a line of a list of participants
	}
	for _, c := range tr.companions {
		if c == "" || strings.Count(own, c) != 1 {
			continue
		}
		i := strings.Index(last, c)
		if i < 0 {
			continue
		}
		if r, _ := utf8.DecodeLastRuneInString(strings.TrimSpace(last[:i])); (i == 0 || strings.ContainsRune("/-–", r)) && !sentenceLine(last[i:]) {
			return campaign.Reason{Code: campaign.NoteNameUnsure, People: tr.headcount, Quote: c}
		}
	}
	return campaign.Reason{}
}

// sentenceLine says whether the words from a name to the end of its line are a sentence, not
// where the writer signs: five words or more, ended by a stop ("Birgitte og jeg kommer til mødet
// på Rendsburggade.", "… til Vejle – Rikke Lind fra skolebiblioteket kommer med.").
func sentenceLine(l string) bool {
	l = strings.TrimSpace(l)
	return len(strings.Fields(l)) >= 5 && strings.HasSuffix(l, ".")
}

// countedFromNumber says whether the people were counted from a number the reply states.
func countedFromNumber(tr *textReading) bool {
	for _, n := range tr.notes {
		if n.Code == campaign.NotePeopleFrom && n.Ref == "number" {
			return true
		}
	}
	return false
}

// segmentsText is the sender's own text, its segments one after another.
func segmentsText(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.text)
		b.WriteString("\n")
	}
	return b.String()
}
