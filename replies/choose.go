package replies

import (
	"regexp"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
)

// Choosing a meeting among those a reply names. Each mention votes for or against its meeting
// by the clause it stands in: an attending or choosing clause ("så det bliver Vejle", "Roskilde
// passer os bedst") chooses; a refusal ("Roskilde kan jeg ikke", "ligger for langt væk") and a
// comparison ("hellere Aalborg end Vejle", "i stedet for Vejle") rule out; an earlier plan
// ("havde egentlig tænkt os Vejle") is left; a condition or a question decides nothing. The
// last vote on a meeting counts. One meeting chosen is the answer; several chosen are one only
// after a change ("Rettelse", "i stedet", "alligevel"), and otherwise a doubt with both named.

// meetingChoice is the meeting a reply chose, or why none.
type meetingChoice struct {
	id      string
	firm    bool     // chosen by a clause that attends or chooses
	at      int      // the clause that chose it, -1 none
	by      mention  // the words that chose it
	alts    []string // the meetings the words fit when they fit several
	open    []string // the meetings named in clauses that lean or leave the choice open
	changed bool     // a change from one named meeting to another
	notes   []campaign.Reason
	doubts  []campaign.Reason
}

type voteKind byte

const (
	voteWeak voteKind = iota
	voteStrong
	voteNeg
)

type vote struct {
	kind   voteKind
	clause int
	m      mention
}

func (rd *reader) chooseMeeting(crs []clauseRead) meetingChoice {
	ch := meetingChoice{at: -1}
	b := ch.cast(crs)
	strong, weak, neg := b.byKind()
	ch.open = without(ch.open, neg)
	switch {
	case len(strong) == 1:
		ch.pick(strong[0], b.last[strong[0]], true)
	case len(strong) > 1 && b.change:
		latest := strong[0]
		for _, id := range strong {
			if b.last[id].clause >= b.last[latest].clause {
				latest = id // "Rettelse: ... ikke Aalborg, men Vejle": the one named last
			}
		}
		ch.pick(latest, b.last[latest], true)
		ch.changed = true
	case len(strong) > 1:
		ch.alts = strong
	case len(weak) == 1:
		ch.pick(weak[0], b.last[weak[0]], false)
	case len(weak) > 1:
		ch.alts = weak
	}
	ch.weighAddendum(crs)
	ch.weighAmbiguous(b, neg)
	ch.eliminate(rd.c, neg)
	ch.noteChoice(b, crs)
	ch.holdInPassing(crs)
	return ch
}

// thereRe finds a word that points back to a place named before ("dér", "derover", "dertil").
var thereRe = wordsRe(`dér|derhen|derover|derop|derned|dertil|derud`)

// partyWordRe finds the writer or the party among a clause's words; reachRe finds words of the
// way to a place ("kan vi nå", "ligger tættest på os").
var (
	partyWordRe = wordsRe(`vi|os|jeg|mig`)
	reachRe     = wordsRe(`nå|når|nået|ligger|tæt|tættest|nærmest|kortest|nemmest|afstand|køreafstand|rejsetid`)
)

// pointedBack says whether one of the two clauses after at says someone comes to the place at
// names by a word that points back to it, naming no meeting itself ("Roskilde kan vi nå med
// natfærgen, så Bornholm kommer dér"): the place is where they come, when the clause that names
// it speaks of the party's way there.
func pointedBack(crs []clauseRead, at int) bool {
	l := crs[at].lower
	if at+1 < len(crs) && crs[at+1].sent == crs[at].sent && crs[at+1].role == roleNone {
		l += " " + crs[at+1].lower // "Aalborg er det eneste af stederne, vi kan nå uden overnatning"
	}
	if !partyWordRe.MatchString(l) || !reachRe.MatchString(l) || crs[at].st.busy {
		return false // "Min søster bor i Vejle, så jeg tager derover": the place is not said of the way there
	}
	for j := at + 1; j < len(crs) && j <= at+2; j++ {
		if cr := crs[j]; cr.role == roleAttend && len(cr.ms) == 0 && !cr.asks && !cr.cond && !cr.st.busy && thereRe.MatchString(cr.lower) {
			return true
		}
	}
	return false
}

// holdInPassing holds a meeting known only from a day or a place named in a clause that neither
// comes nor chooses ("Vi kommer gerne to. Mødet den 1. marts ligger lige efter vores
// vinterferie", "Min kollega bor i Vejle"): real replies date and place other things too, so
// the words are a suggestion, not an answer. A line that is only the day or the city
// ("Tirsdag den 28. februar", "Vejle.") answers.
func (ch *meetingChoice) holdInPassing(crs []clauseRead) {
	if ch.id == "" || ch.firm || ch.at < 0 || !timeKind(ch.by.kind) && !cityInPassing(crs[ch.at], ch.by) {
		return
	}
	st := crs[ch.at].st
	if cr := crs[ch.at]; cr.whole && len(cr.toks) <= 8 || len(cr.toks) <= 4 || cr.lead == ":" || cr.lead == "-" || cr.role != roleNone ||
		st.attend || st.decline || st.prefer || cr.count > 0 {
		return
	}
	if pointedBack(crs, ch.at) {
		return // "Roskilde kan vi nå med natfærgen, så Bornholm kommer dér"
	}
	for i, cr := range crs {
		for _, m := range cr.ms {
			if m.meeting == ch.id && !m.neg && !timeKind(m.kind) && !cr.asks && !cr.cond && (timeKind(ch.by.kind) || i != ch.at) {
				return // named otherwise too ("mødet i Aalborg den 28. februar")
			}
		}
	}
	ch.doubts = append(ch.doubts, campaign.Reason{Code: campaign.NoteMeetingInPassing, Meeting: ch.id, Ref: string(ch.by.kind), Quote: ch.by.words})
}

// ballot is the votes a reply's mentions cast.
type ballot struct {
	last      map[string]vote // per meeting, the vote that counts
	order     []string        // meetings in the order first named
	ambiguous []vote          // mentions that fit several meetings
	change    bool            // a clause that chooses also changes an answer
}

// cast collects the votes of every mention; the meetings named in a clause that leans are
// kept as still open, a date that clashes with its weekday as a doubt.
func (ch *meetingChoice) cast(crs []clauseRead) ballot {
	b := ballot{last: map[string]vote{}}
	corrected := false // after "Rettelse:", "Opdatering:": a meeting chosen now changes the answer
	for i, cr := range crs {
		corrected = corrected || addendumRe.MatchString(cr.lower) && correctsRe.MatchString(cr.lower)
		if cr.role == roleHedged {
			for _, m := range cr.ms {
				if !m.neg {
					ch.open = appendIDs(ch.open, m)
				}
			}
			continue
		}
		if cr.cond || cr.asks || cr.sub && !placeClause(cr.lead) {
			continue
		}
		for _, m := range cr.ms {
			if timeKind(m.kind) && !aboutMeetings(cr) {
				continue // "Biblioteket er lukket for ombygning i februar": background, no choice
			}
			k := kindOfVote(cr, m)
			switch {
			case m.clash:
				code := campaign.NoteDateClash
				if m.late {
					code = campaign.NoteAfterMidnight
				}
				ch.doubts = append(ch.doubts, campaign.Reason{Code: code, Alternatives: m.alts, Quote: m.words})
				ch.alts = m.alts
			case m.meeting == "":
				if k != voteNeg {
					b.ambiguous = append(b.ambiguous, vote{kind: k, clause: i, m: m})
					break
				}
				for _, alt := range m.alts {
					// "på kursus i uge 9", "tirsdage kan vi ikke": every meeting the words fit is ruled out
					one := m
					one.meeting, one.alts = alt, nil
					b.record(vote{kind: voteNeg, clause: i, m: one})
				}
			default:
				b.record(vote{kind: k, clause: i, m: m})
				b.change = b.change || k == voteStrong && (cr.st.change || corrected)
			}
		}
	}
	return b
}

// timeKind says whether a meeting is named by a day or a time: words that also date anything
// else the reply speaks of.
func timeKind(k refKind) bool {
	switch k {
	case refDate, refWeekday, refRelDay, refMonth, refWeek:
		return true
	}
	return false
}

// aboutMeetings says whether a clause speaks of the meetings or of coming, so that a day it
// names may be a meeting's: it comes, declines, chooses, rules out or counts, names a meeting
// as such ("mødet den 1. marts"), or is a short line of its own ("Tirsdag den 28. februar").
// "Vi flytter ind i det nye bibliotek den 1. marts" is about something else.
func aboutMeetings(cr clauseRead) bool {
	st := cr.st
	return st.attend || st.decline || st.prefer || st.busy || st.option || st.hedge || st.open || cr.count > 0 || cr.alone ||
		cr.role != roleNone || meetingWordRe.MatchString(cr.lower) || cr.whole && len(cr.toks) <= 8 ||
		cr.lead == "-" || cr.lead == ":" || cr.meeting != ""
}

// kindOfVote is how a mention votes, by the clause it stands in.
func kindOfVote(cr clauseRead, m mention) voteKind {
	switch {
	case cr.sub || cr.after, cr.role == roleOut, cr.role == roleSelfOnly:
		// "når I holder mødet her hos os", "Anders deltager ikke i mødet i Aalborg": the
		// meeting in question, whoever comes
		return voteWeak
	case m.neg, cr.role == roleRefuse, cr.role == roleDecline, cr.role == rolePast:
		return voteNeg
	case cr.st.option:
		return voteWeak // "Vi kunne både tage til Aalborg og Vejle": possible, not chosen
	case cr.role == roleAttend, cr.st.prefer:
		return voteStrong
	}
	return voteWeak
}

// record keeps a vote as the one that counts for its meeting, unless it only names the
// meeting again in passing.
func (b *ballot) record(v vote) {
	prev, seen := b.last[v.m.meeting]
	if !seen {
		b.order = append(b.order, v.m.meeting)
	}
	if seen && v.kind == voteWeak && prev.kind != voteWeak {
		return
	}
	b.last[v.m.meeting] = v
}

// byKind sorts the meetings by the vote that counts for each.
func (b ballot) byKind() (strong, weak, neg []string) {
	for _, id := range b.order {
		switch b.last[id].kind {
		case voteStrong:
			strong = append(strong, id)
		case voteWeak:
			weak = append(weak, id)
		case voteNeg:
			neg = append(neg, id)
		}
	}
	return strong, weak, neg
}

// weighAmbiguous weighs the mentions that fit several meetings ("tirsdag", "i Jylland"):
// one that fits the chosen meeting confirms it; one that fits a single meeting not ruled out
// chooses it; else the meetings it fits are a doubt.
func (ch *meetingChoice) weighAmbiguous(b ballot, neg []string) {
	for _, v := range b.ambiguous {
		alts := without(v.m.alts, neg)
		switch {
		case ch.id != "" && contains(alts, ch.id):
		case ch.id == "" && len(ch.alts) == 0 && len(alts) == 1:
			ch.pick(alts[0], v, v.kind == voteStrong)
			if len(v.m.alts) > 1 {
				// "om tirsdagen" and "et andet møde den 28.": the one left of those the words fit
				ch.doubts = append(ch.doubts, campaign.Reason{Code: campaign.NoteByElimination, Meeting: alts[0], Alternatives: without(v.m.alts, alts)})
			}
		case ch.id == "" && len(ch.alts) == 0 && len(alts) > 1:
			ch.alts, ch.at = alts, v.clause
			ch.doubts = append(ch.doubts, campaign.Reason{Code: campaign.NoteFitsSeveral, Alternatives: alts, Ref: string(v.m.kind), Quote: v.m.words})
		case ch.id != "" && !contains(alts, ch.id) && len(alts) > 0 && v.kind >= b.last[ch.id].kind:
			ch.alts = appendUnique(alts, ch.id)
			ch.doubts = append(ch.doubts, campaign.Reason{Code: campaign.NoteFitsSeveral, Alternatives: ch.alts, Ref: string(v.m.kind), Quote: v.m.words})
		}
	}
	if ch.id == "" && len(ch.alts) > 1 && !hasCode(ch.doubts, campaign.NoteFitsSeveral) && !hasCode(ch.doubts, campaign.NoteDateClash) {
		ch.doubts = append(ch.doubts, campaign.Reason{Code: campaign.NoteFitsSeveral, Alternatives: ch.alts})
	}
}

// eliminate suggests the one meeting not ruled out when all others are, as a doubt: the reply
// never named it.
func (ch *meetingChoice) eliminate(c *campaign.Campaign, neg []string) {
	if ch.id != "" || len(ch.alts) > 0 || len(neg) == 0 || len(neg) != len(c.Meetings)-1 {
		return
	}
	for _, mt := range c.Meetings {
		if !contains(neg, mt.ID) {
			ch.id = mt.ID
			ch.doubts = append(ch.doubts, campaign.Reason{Code: campaign.NoteByElimination, Meeting: mt.ID, Alternatives: neg})
		}
	}
}

// noteChoice notes the meetings named besides the one chosen, and the words that chose it.
func (ch *meetingChoice) noteChoice(b ballot, crs []clauseRead) {
	if ch.id == "" {
		return
	}
	var others []string
	for _, id := range b.order {
		if id != ch.id {
			others = append(others, id)
		}
	}
	if len(others) > 0 && ch.at >= 0 {
		ch.notes = append(ch.notes, campaign.Reason{Code: campaign.NoteChoseAmong, Meeting: ch.id, Alternatives: others, Quote: clip(crs[ch.at].text)})
	}
	ch.changed = ch.changed && len(others) > 0
}

// placeClause says whether a subordinate clause opened by lead may name the meeting in
// question ("når I holder mødet her hos os"), as a reason or a condition may not.
func placeClause(lead string) bool {
	switch lead {
	case "når", "hvor", "inden", "før", "when":
		return true
	}
	return false
}

// pick chooses a meeting and notes the words it was read from when they are not its city.
func (ch *meetingChoice) pick(id string, v vote, firm bool) {
	ch.id, ch.firm, ch.at, ch.by = id, firm, v.clause, v.m
	if v.m.kind != refCity && v.m.kind != "" {
		ch.notes = append(ch.notes, campaign.Reason{Code: campaign.NoteMeetingFrom, Meeting: id, Ref: string(v.m.kind), Quote: clip(v.m.words)})
	}
}

func appendIDs(ids []string, m mention) []string {
	if m.meeting != "" {
		return appendUnique(ids, m.meeting)
	}
	for _, a := range m.alts {
		ids = appendUnique(ids, a)
	}
	return ids
}

func without(ids, drop []string) []string {
	var out []string
	for _, id := range ids {
		if !contains(drop, id) {
			out = append(out, id)
		}
	}
	return out
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func hasCode(rs []campaign.Reason, code campaign.ReasonCode) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

var (
	// addendumRe finds what opens a later word on the answer: "P.S.", "PS:", "NB", "Rettelse",
	// "Korrektion", "Tilføjelse", "Eller rettere:", "nej vent".
	addendumRe = regexp.MustCompile(`^\s*(?:p\.\s?s\.?|ps\.?|pps\.?|n\.\s?b\.?|nb\.?|rettelse|korrektion|opdatering|ændring|obs|tilføjelse|husk|addendum|eller rettere|rettere sagt|nej,? vent|nej,? undskyld|undskyld,? jeg mener)(?:\s*[:.!,-]|\s|$)`)
	// correctsRe finds words that correct what was written ("jeg mente selvfølgelig Aalborg",
	// "det skal være Roskilde", "det er Vejle, vi kommer til").
	correctsRe = wordsRe(`mente|mener (jeg|vi)|skal (selvfølgelig |naturligvis |altså |jo )?være|skulle (selvfølgelig |naturligvis |altså |jo )?(have været|være)|det er (selvfølgelig |naturligvis |altså |jo )?|det bliver|i stedet|istedet|rettelse|korrektion|opdatering|ændring|rettere|nej,? vent|nej,? undskyld`)
)

// weighAddendum reads a meeting named in a word added after the answer ("P.S. Det skal være
// Roskilde", "NB: Roskilde!", "Rettelse: jeg mente Aalborg"): the later word wins when it
// corrects, chooses or comes; when it only names another meeting, or leans to it, which one
// holds is for a person to read, with the later suggested.
func (ch *meetingChoice) weighAddendum(crs []clauseRead) {
	if ch.id == "" || ch.at < 0 {
		return
	}
	start := -1
	for i, cr := range crs {
		if i > ch.at && addendumRe.MatchString(cr.lower) {
			start = i
			break
		}
	}
	if start < 0 {
		return
	}
	corrects := correctsRe.MatchString(crs[start].lower) // "Rettelse:", "Eller rettere:" correct what follows
	for j := start; j < len(crs); j++ {
		cr := crs[j]
		corrects = corrects || cr.st.change || correctsRe.MatchString(cr.lower) // "PS. Nej, undskyld – Roskilde!"
		if cr.asks || cr.cond || cr.sub || cr.after || cr.st.option || cr.role == rolePast || cr.role == roleRefuse || cr.role == roleDecline {
			continue // "P.S. Hvis Aalborg bliver fyldt, kan jeg også komme til Vejle": a fallback
		}
		if !corrects && cr.role == roleNone && !cr.st.attend && !cr.st.prefer && !cr.st.change && !cr.st.hedge && len(cr.toks) > 3 {
			continue // "PS: Hilsen til Roskilde-holdet": a city in passing, no word on the answer
		}
		for _, m := range cr.ms {
			if m.meeting == "" || m.meeting == ch.id || m.neg {
				continue
			}
			old := ch.id
			ch.pick(m.meeting, vote{kind: voteStrong, clause: j, m: m}, true)
			if cr.role != roleHedged && (corrects || cr.role == roleAttend || cr.st.change || cr.st.prefer || correctsRe.MatchString(cr.lower)) {
				ch.changed = true // "P.S. Det skal være Roskilde"
				return            // what follows is the reason ("– Vejle er den 6., og der er vi på studietur")
			}
			ch.alts = []string{old, m.meeting}
			ch.doubts = append(ch.doubts, campaign.Reason{Code: campaign.NoteFitsSeveral, Alternatives: ch.alts, Ref: string(m.kind), Quote: clip(cr.text)})
			return
		}
	}
}

// cityInPassing says whether a city is named in a clause about something else ("Min kollega bor
// i Vejle", "Jeg har tidligere været på biblioteket i Roskilde"): not a word for the meetings,
// no choice or comparison beside it, and not where someone goes ("til Vejle").
func cityInPassing(cr clauseRead, m mention) bool {
	before := strings.TrimRight(cr.lower[:min(m.pos, len(cr.lower))], " ")
	if strings.HasSuffix(before, " til") || before == "til" {
		return false // "Glæder mig til Vejle": where the writer goes
	}
	return m.kind == refCity && !meetingWordRe.MatchString(cr.lower) && !cr.st.prefer && !cr.st.option && !cr.st.change &&
		!strings.Contains(cr.lower, "frem for") && !strings.Contains(cr.lower, "fremfor")
}
