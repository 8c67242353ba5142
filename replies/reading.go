package replies

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// The reading of a person's reply, in Danish first (Norwegian and Swedish share most of it)
// and English. The text read is the sender's own (own.go), cut into clauses (clauses.go); each
// clause is read for what it says about coming and about whom (stance.go), the meetings it
// names (references.go) and the people it counts (persons.go); this file weighs the clauses
// against each other and decides, or says why the words allow more than one reading.
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
	agreeRe     = wordsRe(`tilslutter (os|vi os|kommunen sig|sig)|hermed (underskrevet|underskrevne|tilslutning)|underskrevet (tilslutnings)?aftale|har (nu )?underskrevet (den |vores )?(tilslutningsaftale\p{L}*|aftale\p{L}*)|er (nu )?underskrevet (den |vores )?(tilslutningsaftale\p{L}*|aftale\p{L}*)|underskrevne (tilslutningsaftale|aftale)|tilslutningsaftalen? (er )?(nu )?underskrevet|aftalen (er )?(nu )?underskrevet|vedhæftet (den )?underskrevne|vedlagt (den )?underskrevne|returnerer (hermed )?(den )?(underskrevne )?(tilslutnings)?aftale\p{L}*|sender hermed (den )?(underskrevne )?(tilslutnings)?aftale\p{L}*|signed (the )?(accession )?agreement|agreement (is )?signed|hereby (join|sign|accept)|we join|vi går med|kommunen går med|vi er med i (projektet|udbuddet)|accepterer (hermed )?(tilslutnings)?aftalen`)
	agreeWordRe = wordsRe(`aftale\p{L}*|tilslutning\p{L}*|underskr\p{L}*|underskrift|kontrakt|agreement|signed|signature`)
	// roleRe finds a role among words.
	roleRe = regexp.MustCompile(`(?i)(\p{L}*(konsulent|chef|leder|bibliotekar|medarbejder|kollega|kollegaer|koordinator|direktør|formand|souschef|udvikler|specialist|rådgiver|repræsentant|colleague|consultant|librarian|manager|director|deputy|coordinator|representative|advisor|adviser)\p{L}*)`)
	// orgAfterRe and postcodeBeforeRe find a city named as an organisation or in an address
	// ("Vejle Kommune", "7100 Vejle"): that is where someone works, not where they go.
	orgAfterRe       = regexp.MustCompile(`(?i)^s?\s+(kommune|kommunes|regionskommune|amt)`)
	postcodeBeforeRe = regexp.MustCompile(`\d{4}\s*$`)
	phoneLikeRe      = regexp.MustCompile(`\+?\d{2}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}`)
)

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
	rd := newReader(c, m.date, a.Invitee)
	segs := ownSegments(c, intentText(text), m)
	tr := rd.read(segs)
	if tr.intent != IntentAgreement && pdf && agreeWordRe.MatchString(strings.ToLower(text+" "+r.Subject)) && tr.intent != IntentDecline {
		tr.intent, tr.confidence, tr.evidence = IntentAgreement, 0.85, firstMatchText(agreeWordRe, strings.ToLower(text+" "+r.Subject))
		tr.doubts = nil
	}
	ea := &earlier{m: m}
	if tr.intent == IntentAttend && tr.meeting == "" && len(tr.alts) == 0 {
		rd.meetingElsewhere(&tr, r, ea)
	}
	stated := rd.countStatedOrEarlier(&tr, ea)
	rd.gate(&tr, tr.crs, segmentsText(segs))
	a.Intent, a.Confidence, a.Question = tr.intent, tr.confidence, tr.question
	switch tr.intent {
	case IntentAttend:
		a.Meeting = tr.meeting
		a.Headcount, a.HeadcountStated = max(tr.headcount, 1), stated
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
	case IntentUnclear:
		if tr.evidence == "" {
			a.NeedsReview = true
			a.Why = campaign.Reason{Code: campaign.ReadNothing}
			break
		}
		a.NeedsReview = !tr.promise
		a.Why = campaign.Reason{Code: campaign.ReadUndecided, Quote: clip(tr.evidence), Flag: tr.promise, Alternatives: tr.alts}
	default:
		a.NeedsReview = true
		a.Why = campaign.Reason{Code: campaign.ReadNothing}
	}
	for _, n := range tr.notes {
		a.note(n)
	}
	if len(tr.doubts) > 0 {
		// The gate: a reading the words allow more than one way is not applied alone.
		a.NeedsReview, a.Held = true, true
		for _, d := range tr.doubts {
			a.note(d)
		}
	}
	if tr.question && tr.intent != IntentQuestion {
		a.NeedsReview = true
		a.note(campaign.Reason{Code: campaign.NoteAlsoAsks})
	}
}

// meetingElsewhere finds the meeting of an answer that names none in its text: in the subject
// the sender wrote ("Tilmelding Vejle"), else in the sender's own earlier answer quoted below a
// change of part of it ("skriv os op som to i stedet for én"), whose meeting still holds.
func (rd *reader) meetingElsewhere(tr *textReading, r *Reading, ea *earlier) {
	subject := standardSpelling(stripReplyPrefix(r.Subject)) // spelt out as the text is (splitReply)
	sub := rd.readClause(clause{text: subject, lower: strings.ToLower(subject)})
	if ch := rd.chooseMeeting([]clauseRead{sub}); ch.id != "" {
		tr.meeting, tr.confidence = ch.id, 0.8
		return
	}
	if er, ok := ea.read(rd); ok && er.meeting != "" {
		tr.meeting, tr.confidence = er.meeting, 0.85
		tr.notes = append(tr.notes, campaign.Reason{Code: campaign.NoteMeetingFrom, Meeting: er.meeting, Ref: "earlier", Quote: clip(er.evidence)})
		return
	}
	if m, ok := plannedMeeting(tr.crs); ok {
		tr.meeting, tr.confidence = m.meeting, 0.8
		tr.notes = append(tr.notes, campaign.Reason{Code: campaign.NoteMeetingFrom, Meeting: m.meeting, Ref: string(m.kind), Quote: m.words})
	}
}

// plannedMeeting finds the meeting of a plan the reply says it had, when only who comes
// changes: "Vi havde regnet med at komme to til Vejle, men vores skolebibliotekskonsulent er
// desværre forhindret. Så det bliver undertegnede alene" still goes to Vejle. The reply names
// no other meeting, and the party refuses none ("men vi kan ikke den dag"), nor asks for
// another ("et af de andre møder").
func plannedMeeting(crs []clauseRead) (mention, bool) {
	var plan mention
	for _, cr := range crs {
		refuses := cr.role == roleDecline || cr.role == roleRefuse || cr.role == roleSelfOnly || cr.st.busy && cr.role != roleOut
		if refuses || otherMeetingRe.MatchString(cr.lower) {
			return mention{}, false
		}
		for _, m := range cr.ms {
			switch {
			case m.meeting == "" || plan.meeting != "" && m.meeting != plan.meeting:
				return mention{}, false
			case cr.role == rolePast && plan.meeting == "":
				plan = m
			}
		}
	}
	return plan, plan.meeting != ""
}

// otherMeetingRe finds words that ask for another meeting than one named ("et af de andre").
var otherMeetingRe = wordsRe(`et andet møde|de andre møder|et af de andre|et af de to andre|et af de øvrige|en anden dato|en anden dag`)

// countStatedOrEarlier reports whether the number of people is stated, in the text or in the
// sender's earlier answer quoted below; a number named as unchanged ("så antallet er
// uændret") that differs from that earlier answer is a doubt.
func (rd *reader) countStatedOrEarlier(tr *textReading, ea *earlier) bool {
	stated := tr.headcount > 0
	if tr.intent == IntentAttend && !stated {
		stated = rd.countElsewhere(tr, ea)
	}
	if er, ok := ea.read(rd); tr.sameCount && ok && er.headcount != tr.headcount {
		tr.doubts = append(tr.doubts, campaign.Reason{Code: campaign.NoteCountsDiffer, People: tr.headcount, Count: max(er.headcount, 1), Quote: clip(er.evidence)})
	}
	return stated
}

// countElsewhere finds the number of people of an answer that states none ("Jeg skifter til
// Roskilde", "Antallet er uændret") in the sender's own earlier answer quoted below, whose
// number still holds; it reports whether the number is now stated. Someone of that answer
// named as not coming any more ("Poul Erik må melde fra alligevel") makes it that many fewer,
// which is stated: the registered number goes down.
func (rd *reader) countElsewhere(tr *textReading, ea *earlier) bool {
	er, ok := ea.read(rd)
	if !ok || er.headcount <= 1 {
		return false
	}
	note := campaign.Reason{Code: campaign.NotePeopleFrom, People: er.headcount, Ref: "earlier", Quote: clip(er.evidence)}
	if !hasCode(tr.notes, campaign.NoteCompanionOut) && !hasCode(tr.doubts, campaign.NoteCompanionOut) {
		tr.headcount, tr.notes = er.headcount, append(tr.notes, note)
		return false
	}
	gone := 0
	for _, k := range tr.outKeys {
		if contains(er.members, k) {
			gone++
		}
	}
	if gone == 0 || len(tr.members) > 0 || er.headcount-gone < 1 {
		return false // someone else, or someone new: the words decide
	}
	tr.headcount, tr.confidence = er.headcount-gone, 0.8
	note.People = tr.headcount
	tr.notes = append(tr.notes, note)
	var doubts []campaign.Reason
	for _, d := range tr.doubts {
		if d.Code != campaign.NoteCompanionOut {
			doubts = append(doubts, d)
		}
	}
	tr.doubts = doubts
	return true
}

// earlier is the sender's own earlier answer quoted in a message, read once when asked for.
type earlier struct {
	m    *message
	done bool
	tr   textReading
	ok   bool
}

// read returns the earlier answer's reading when it attends without a doubt.
func (e *earlier) read(rd *reader) (textReading, bool) {
	if !e.done {
		e.done = true
		if prev := earlierAnswer(e.m); prev != "" {
			e.tr = rd.read(ownSegments(rd.c, prev, nil))
			e.ok = e.tr.intent == IntentAttend && len(e.tr.doubts) == 0
		}
	}
	return e.tr, e.ok
}

func attendReason(tr textReading, n int) campaign.Reason {
	r := campaign.Reason{Code: campaign.ReadAttends, Meeting: tr.meeting, People: n, Quote: clip(tr.evidence)}
	if tr.meeting == "" && len(tr.alts) > 0 {
		r.Meeting = "*"
		r.Alternatives = tr.alts
	}
	if tr.changed && tr.meeting != "" {
		r.Code = campaign.ReadChanges
	}
	return r
}
