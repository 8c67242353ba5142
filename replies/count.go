package replies

import (
	"regexp"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
)

// peopleCount is how many come, and from which words.
type peopleCount struct {
	n          int // 0 when nothing is said
	companions []string
	members    []string          // who is counted as coming, by key
	outKeys    []string          // who is named as not coming, by key
	note       campaign.Reason   // where the number came from, when not from a number
	from       string            // "number", "alone", "names" or "list"; "" nothing said
	selfOnly   bool              // counted from the writer alone named as coming
	outs       []campaign.Reason // people named as not coming
	doubt      campaign.Reason
}

// attendees is the set of people named as coming, in the order named.
type attendees struct {
	keys       []string
	labels     map[string]string
	companion  map[string]bool // came along with someone ("tager X med", "sammen med X")
	removed    map[string]bool
	mentioned  []person // named in a list that says nothing of coming, in order
	lastNamed  string
	lastGroup  []string
	writerOut  bool
	fromList   bool
	listItems  int // the lines of the lists of participants
	listSource string
}

// maxAttendees bounds the people kept from one reply.
const maxAttendees = 60

func newAttendees() *attendees {
	return &attendees{labels: map[string]string{}, companion: map[string]bool{}, removed: map[string]bool{}}
}

func (a *attendees) add(key, label string, companion bool) {
	if key == "" {
		return
	}
	delete(a.removed, key)
	if _, ok := a.labels[key]; !ok {
		if len(a.keys) >= maxAttendees {
			return // far more than any invitation welcomes: a person looks anyway
		}
		a.keys = append(a.keys, key)
		a.labels[key] = label
		a.companion[key] = companion
		return
	}
	if label != "" && len(label) > len(a.labels[key]) {
		a.labels[key] = label
	}
	a.companion[key] = a.companion[key] && companion
}

// namedCount is how many people the reply names, to set against a number it states: the lines
// of its lists of participants, or else the people named besides the writer, which say
// something against the number only when they alone are more (the writer is left out because
// "vi" and the writer's own name may both count them).
func (a *attendees) namedCount() int {
	if a.fromList {
		return a.listItems
	}
	others := 0
	for _, k := range a.members() {
		if k != "self" {
			others++
		}
	}
	return others
}

func (a *attendees) remove(key string) { a.removed[key] = true }

// members lists who comes: the writer dropped when the writer does not come, a role named
// alone dropped when a named person of that role is there.
func (a *attendees) members() []string {
	var out []string
	for _, k := range a.keys {
		if a.removed[k] || k == "self" && a.writerOut {
			continue
		}
		if isRoleKey(k) && a.roleNamed(k) {
			continue
		}
		out = append(out, k)
	}
	return out
}

func isRoleKey(k string) bool { return roleWordRe.MatchString(k) }

func (a *attendees) roleNamed(role string) bool {
	for _, k := range a.keys {
		if k != role && !a.removed[k] && strings.Contains(strings.ToLower(a.labels[k]), role) && !isRoleKey(k) {
			return true
		}
	}
	return false
}

func hasOthers(ps []person) bool {
	for _, p := range ps {
		if !p.self && !p.pronoun {
			return true
		}
	}
	return false
}

// excludedBefore says whether the words before a person's token keep them out of those who
// come: the one written for ("på vegne af X", "svarer for X"), replaced ("i stedet for X"),
// left out ("uden X") or who asked ("har bedt mig").
func excludedBefore(toks []token, i int) bool {
	prev := func(k int) string {
		if i-k >= 0 {
			return toks[i-k].lower
		}
		return ""
	}
	// skip a determiner or a role before the person ("på vegne af bibliotekschef X")
	j := 1
	for j <= 3 && (roleDets[prev(j)] || roleWordRe.MatchString(prev(j)) || prev(j) == "kultur-") {
		j++
	}
	p1, p2 := prev(j), prev(j+1)
	switch {
	case p1 == "af" && (p2 == "vegne" || p2 == "på"), p1 == "p.v.a" || p1 == "pva" || p1 == "p.v.a.":
		return !comesAfter(toks, i) // "på vegne af Lise Bang, som kommer til Vejle sammen med mig": she comes
	case p1 == "for" && (p2 == "svarer" || p2 == "skriver"):
		return !comesAfter(toks, i)
	case p1 == "for" && (p2 == "stedet" || p2 == "istedet"):
		return true
	case p1 == "istedenfor" || p1 == "uden" || p1 == "afløser" || p1 == "erstatter":
		return true
	case toks[i].lower == "mig" && (p1 == "bedt" || p1 == "beder" || p1 == "bad" || p1 == "til" || p1 == "fra"):
		return true
	case p1 == "til" && p2 == "tillid":
		return true
	}
	return false
}

// comesAfter says whether the person at i is the subject of a relative clause of coming
// right after the name ("Lise Bang, som kommer til Vejle", "Ib Lund, der deltager").
func comesAfter(toks []token, i int) bool {
	k := i + 1
	for k < len(toks) && toks[k].name {
		k++
	}
	if k+2 >= len(toks) || toks[k].text != "," || toks[k+1].lower != "som" && toks[k+1].lower != "der" {
		return false
	}
	switch toks[k+2].lower {
	case "kommer", "deltager", "tager", "også":
		return true
	}
	return false
}

func (rd *reader) countPeople(crs []clauseRead, lists []plist) peopleCount {
	at := newAttendees()
	sc := rd.scanCounts(crs)
	lastAdd := -1 // the last clause that named someone more as coming
	for i := range crs {
		before := len(at.keys)
		rd.collectPersons(at, &crs[i])
		if addedOthers(at, before) {
			lastAdd = i
		}
	}
	collectLists(at, crs, lists, rd.self)
	n, companions := at.count()
	pc := peopleCount{companions: companions, members: at.members()}
	for k := range at.removed {
		pc.outKeys = append(pc.outKeys, k)
	}
	switch {
	case sc.explicitAt >= 0 && sc.explicitAt >= sc.aloneAt:
		rd.countFromNumber(&pc, crs, sc, at, n, lastAdd)
	case sc.aloneAt >= 0 && lastAdd > sc.aloneAt && n > 1:
		// "Jeg kommer alene til Vejle. P.S. Min konsulent vil alligevel gerne med": the later
		// word counts; without a word that changes, which holds is for a person to read
		pc.n, pc.from = n, "names"
		if !laterWord(crs, sc.aloneAt, lastAdd) {
			pc.doubt = campaign.Reason{Code: campaign.NoteCountsDiffer, People: n, Count: 1, Quote: clip(crs[lastAdd].text)}
		}
	case sc.aloneAt >= 0:
		pc.n, pc.from = 1, "alone"
	case n > 0:
		pc.n, pc.from = n, "names"
		pc.selfOnly = n == 1 && len(at.members()) == 1 && at.members()[0] == "self"
		ref, quote := "names", strings.Join(pc.companions, ", ")
		if at.fromList {
			ref, quote = "list", at.listSource
		}
		if n > 1 && quote != "" {
			pc.note = campaign.Reason{Code: campaign.NotePeopleFrom, People: n, Ref: ref, Quote: clip(quote)}
		}
		if w := at.unsureName(); w != "" {
			// a count that rests on a word that may not be a person ("jeg og Kvist", "Udlån")
			pc.doubt = campaign.Reason{Code: campaign.NoteNameUnsure, People: n, Quote: w}
		}
	}
	if w := at.unplaced(); w != "" && pc.from != "number" && pc.from != "alone" && pc.doubt.Code == "" {
		// someone named whom the reading neither counted nor left out: the count may miss them
		pc.doubt = campaign.Reason{Code: campaign.NotePersonUnplaced, People: max(pc.n, 1), Quote: w}
	}
	if len(pc.companions) > max(pc.n-1, 0) {
		pc.companions = pc.companions[:max(pc.n-1, 0)]
	}
	if sc.fewWords != "" && pc.from != "number" && pc.n < 2 {
		// "Vi kommer et par stykker til Roskilde", no one named: two at least, maybe more; how
		// many is for a person to ask. Named after it ("et par stykker: jeg selv og Jens Bak"),
		// the names count.
		pc.n, pc.from = 2, "number"
		pc.doubt = campaign.Reason{Code: campaign.NoteCountsDiffer, People: 2, Count: 3, Quote: clip(sc.fewWords)}
	}
	maybe := sc.maybe
	if maybe == -1 {
		maybe = max(pc.n, 1) + 1
	}
	if maybe > 0 && maybe != max(pc.n, 1) && pc.doubt.Code == "" {
		pc.doubt = campaign.Reason{Code: campaign.NoteCountsDiffer, People: max(pc.n, 1), Count: maybe, Quote: clip(sc.maybeWords)}
	}
	pc.outs = outNotes(crs)
	return pc
}

// countFromNumber counts from a number stated for the party, set against the people named: n
// counted from names, lastAdd the last clause that added someone.
func (rd *reader) countFromNumber(pc *peopleCount, crs []clauseRead, sc countScan, at *attendees, n, lastAdd int) {
	pc.n, pc.from = sc.explicit, "number"
	if sc.partial {
		pc.n += rd.joined(crs, sc.explicitAt)
	}
	pc.note = campaign.Reason{Code: campaign.NotePeopleFrom, People: pc.n, Ref: "number", Quote: clip(sc.explicitWords)}
	swap := lastAdd > sc.explicitAt && swapRe.MatchString(crs[lastAdd].lower)
	if lastAdd > sc.explicitAt && laterWord(crs, sc.explicitAt, lastAdd) && n != pc.n && !swap {
		// "Vi kommer to til Vejle. PS: Lis Bak tager alligevel med": whether she is one
		// of the two is for a person to read
		pc.doubt = campaign.Reason{Code: campaign.NoteCountsDiffer, People: max(n, pc.n+1), Count: pc.n, Quote: clip(crs[lastAdd].text)}
		pc.n = max(n, pc.n+1)
	} else if named := max(at.namedCount(), rd.enumerated(crs, sc.explicitAt)); !sc.partial && (named > pc.n || at.fromList && named != pc.n) {
		// "Vi er 2: Lars Bech, Hanne Due og Sofie Krag", "Vi bliver fire:" over three
		// names: the number and the people named disagree; the larger is suggested
		pc.doubt = campaign.Reason{Code: campaign.NoteCountsDiffer, People: max(named, pc.n), Count: min(named, pc.n), Quote: clip(sc.explicitWords)}
		pc.n = max(named, pc.n)
	} else if n > pc.n && !aboutComing(crs[sc.explicitAt]) {
		// "Vi er to ledere på biblioteket. Til Aalborg kommer Ida Holm, Per Lund og jeg": a
		// number said in a clause that is not about who comes may count something else
		pc.doubt = campaign.Reason{Code: campaign.NoteCountsDiffer, People: n, Count: pc.n, Quote: clip(sc.explicitWords)}
		pc.n = n
	}
}

// swapRe finds one person put in another's place ("I stedet for Lone Vind kommer Hanne Juul"):
// the number stated before stays.
var swapRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:i stedet for|istedet for|istedenfor|afløser|erstatter)\s`)

// aboutComing says whether a clause says who comes: it comes, names a meeting or heads a list.
func aboutComing(cr clauseRead) bool {
	return cr.role == roleAttend || cr.st.attend || len(cr.ms) > 0 || cr.header
}

// enumerated counts the people named right after a stated number, in its clause or after its
// colon ("Vi kommer 2 til Vejle: Anne Holm, Bo Lind og jeg"), the writer too when named
// there; it says something against the number only when it is more.
func (rd *reader) enumerated(crs []clauseRead, at int) int {
	keys := map[string]bool{}
	for j := at; j < len(crs) && j <= at+1; j++ {
		if j > at && (crs[j].lead != ":" || crs[j].sent != crs[at].sent && crs[j].line != crs[at].line) {
			break
		}
		for _, p := range personsIn(crs[j].toks, rd.self) {
			if !p.pronoun && (p.self || !isRoleKey(p.key) && sureName(p.label)) {
				keys[p.key] = true // a role may be the apposition of a name ("leder fra PUC, Ib Lund")
			}
		}
	}
	return len(keys)
}

// addedOthers says whether someone besides the writer was added as coming after the first
// before keys.
func addedOthers(at *attendees, before int) bool {
	for _, k := range at.keys[before:] {
		if k != "self" && !at.removed[k] {
			return true
		}
	}
	return false
}

// countScan is what the clauses state of how many come.
type countScan struct {
	explicit, explicitAt int // the last number stated firmly, and its clause (-1 none)
	explicitWords        string
	partial              bool // the number is one "N fra X" that others may join
	aloneAt              int  // the last clause that says one comes alone, -1 none
	maybe                int  // a number left open; -1: someone more may come
	maybeWords           string
	fewWords             string // a clause that counts the party without a number
}

func (rd *reader) scanCounts(crs []clauseRead) countScan {
	sc := countScan{explicitAt: -1, aloneAt: -1}
	for i, cr := range crs {
		firm := cr.role != roleHedged && cr.role != roleOut && !cr.sub && !cr.cond
		if cr.count > 0 && firm && !(cr.partial && sc.explicitAt >= 0 && !sc.partial) {
			sc.explicit, sc.explicitAt, sc.explicitWords, sc.partial = cr.count, i, cr.countAt, cr.partial
		}
		if cr.alone && firm && cr.role != rolePast {
			sc.aloneAt = i
		}
		if cr.few && firm {
			sc.fewWords = cr.text
		}
		switch {
		case cr.maybeCount > 0:
			sc.maybe, sc.maybeWords = cr.maybeCount, cr.text // "to eller tre", "2-3 personer"
		case cr.count > 0 && !firm && cr.role != roleOut && !cr.asks:
			sc.maybe, sc.maybeWords = cr.count, cr.text // "vi bliver måske tre", "hvis der er plads til tre"
		case (cr.role == roleHedged || cr.cond) && othersMaybe(cr.toks, personsIn(cr.toks, rd.self)):
			sc.maybe, sc.maybeWords = -1, cr.text // "og måske også min kollega"
		case sc.maybe == 0 && cr.lead == "hvis" && i > 0 && crs[i-1].count > 1 && hasOthers(personsIn(cr.toks, rd.self)):
			sc.maybe, sc.maybeWords = crs[i-1].count-1, cr.text // "vi er 2 fra Billund, hvis konsulenten kan"
		}
	}
	return sc
}

// othersMaybe says whether a clause that leans or sets a condition names someone besides the
// writer who may come too ("og måske også min kollega"), not people of whom one comes ("enten mig
// eller min kollega").
func othersMaybe(toks []token, ps []person) bool { return hasOthers(ps) && !eitherPerson(toks, ps) }

// joined counts the people named beside a number that counts only some of the party: after
// "og" in its clause ("en fra skolen og jeg", "én fra biblioteket og så mig selv") and in the
// coming clauses of its sentence after it ("en fra skoleafdelingen kommer med, og jeg kommer
// også").
func (rd *reader) joined(crs []clauseRead, at int) int {
	keys := map[string]bool{}
	cr := crs[at]
	og := -1
	for i, t := range cr.toks {
		if (t.lower == "og" || t.lower == "samt") && i > 0 && og < 0 && fraBefore(cr.toks, i) {
			og = i
		}
	}
	for _, p := range personsIn(cr.toks, rd.self) {
		// "tre fra Udlån og Digitale Tjenester": a department is no one more
		if og >= 0 && p.tok > og && !p.pronoun && (p.self || isRoleKey(p.key) || sureName(p.label)) {
			keys[p.key] = true
		}
	}
	first := at + 1
	if cr.lead == "og" || alsoRe.MatchString(cr.lower) {
		// "Jeg kommer selv, og skoleafdelingen sender én", "Jeg kommer til Aalborg. En fra
		// skoleafdelingen deltager også": joined to, or added to, who comes before it
		first = at
		for first > 0 && at-first < 4 && (crs[first-1].sent == cr.sent || crs[first-1].sent == cr.sent-1) {
			first--
		}
	}
	for j := first; j < len(crs) && (j < at || crs[j].sent == cr.sent); j++ {
		if j == at || crs[j].role != roleAttend {
			continue
		}
		if j < at && strings.EqualFold(crs[j].st.subjectWords, "vi") {
			// "Vi kommer til Aalborg. En fra skoleafdelingen deltager også": "vi" holds the
			// writer at least, and the one from the school comes besides
			keys["self"] = true
		}
		for _, p := range personsIn(crs[j].toks, rd.self) {
			if !p.pronoun && !strings.Contains(p.key, "#") {
				keys[p.key] = true
			}
		}
	}
	return len(keys)
}

// alsoRe finds "også": what the clause counts comes besides someone said before.
var alsoRe = regexp.MustCompile(`(?:^|[^\p{L}])også(?:$|[^\p{L}])`)

// fraBefore says whether "fra" stands before token i.
func fraBefore(toks []token, i int) bool {
	for _, t := range toks[:i] {
		if t.lower == "fra" {
			return true
		}
	}
	return false
}

// count is how many the named people make, and the extra ones by name: when only people who
// come along are named, someone they come with counts too; when the writer is not among them,
// the first named is the one who comes, not extra.
func (a *attendees) count() (int, []string) {
	members := a.members()
	principals, hasSelf := 0, false
	companions := []string{}
	for _, k := range members {
		if !a.companion[k] {
			principals++
		}
		hasSelf = hasSelf || k == "self"
		if k != "self" && a.labels[k] != "" {
			companions = append(companions, a.labels[k])
		}
	}
	n := len(members)
	if n > 0 && principals == 0 && !a.writerOut {
		n++ // "X kommer med": someone X comes along with
	}
	if !hasSelf && principals > 0 && len(companions) > 0 {
		companions = companions[1:]
	}
	return n, companions
}

// outNotes notes the people named as not coming, once a sentence.
func outNotes(crs []clauseRead) []campaign.Reason {
	var out []campaign.Reason
	lastSent := -1
	for i, cr := range crs {
		if cr.role != roleOut && cr.role != roleSelfOnly || cr.sent == lastSent {
			continue // one note for "Søren er syg, så han kommer ikke"
		}
		lastSent = cr.sent
		out = append(out, campaign.Reason{Code: campaign.NoteCompanionOut, Quote: clip(crs[i].text)})
	}
	return out
}

// collectPersons adds the people a clause names as coming, and takes away those it names as
// not coming.
func (rd *reader) collectPersons(at *attendees, cr *clauseRead) {
	ps := personsIn(cr.toks, rd.self)
	resolved, named := at.resolve(ps)
	plural := pluralSubject(cr)
	switch {
	case cr.role == roleAttend && !cr.header: // a list's header: the list names who comes
		at.addComing(cr, ps, resolved)
		if plural {
			for _, k := range at.lastGroup {
				at.add(k, "", false)
			}
		}
	case cr.role == roleNone && writerAndOthers(cr, ps):
		// "vi kommer d. 28/2. mig og susanne fra skolebib.", "så vi tager Vejle. Mig og
		// skolebibliotekskonsulent Lis Bundgaard.": a sentence without a verb that names the
		// writer and others is who comes
		at.addComing(cr, ps, resolved)
	case cr.role == roleOut:
		at.removeOut(cr, ps, resolved)
		if plural {
			for _, k := range at.lastGroup {
				at.remove(k)
			}
		}
	case cr.role == roleSelfOnly:
		at.writerOut = true
	case cr.role == roleNone && !cr.asks && !cr.cond && !cr.sub && !cr.st.decline &&
		(cr.lead == ":" || cr.lead == "-" || cr.lead == "og" || cr.lead == "," || peopleOnly(cr, len(ps))):
		// "Aalborg: undertegnede + X", "Vi er klar – Anne og Bo", "og Pia Holst er også klar":
		// people listed after a colon or a dash or joined to the clause before, whom no rule placed
		for _, p := range ps {
			if !p.self && !p.pronoun && !excludedBefore(cr.toks, p.tok) && !inAside(cr.toks, p.tok) && len(at.mentioned) < maxAttendees {
				at.mentioned = append(at.mentioned, p) // named, neither coming nor not
			}
		}
	}
	if len(named) >= 2 {
		at.lastGroup = named // "de" is these, next
	}
}

// resolve gives each person named its key: a pronoun is the person last named ("Bibliotekschefen
// har bedt mig tilmelde ham": he is the one named). It returns the keys and the people named
// by name.
func (a *attendees) resolve(ps []person) (resolved, named []string) {
	resolved = make([]string, len(ps))
	for i, p := range ps {
		switch {
		case p.pronoun && (p.key == "de" || p.key == "dem"):
		case p.pronoun:
			resolved[i] = a.lastNamed
			if resolved[i] == "" {
				resolved[i] = p.key
			}
		default:
			resolved[i] = p.key
			if !p.self && !strings.Contains(p.key, "#") {
				a.lastNamed = p.key
			}
			if !p.self && !isRoleKey(p.key) {
				named = append(named, p.key)
			}
		}
	}
	return resolved, named
}

// addComing adds the people a coming clause names, but not those it names as written for,
// replaced or asking, the writer who registers others, or those in an aside.
func (a *attendees) addComing(cr *clauseRead, ps []person, resolved []string) {
	for i, p := range ps {
		if excludedBefore(cr.toks, p.tok) || inAside(cr.toks, p.tok) { // "(Jytte Pallesen har meldt os til)"
			continue
		}
		if p.self && cr.st.registrar && cr.toks[p.tok].lower == "jeg" {
			continue
		}
		// Those named after "sammen med", "tager ... med" come along; those before are who
		// they come with.
		companion := cr.st.companion && !p.self && (cr.toks[p.tok].start > cr.st.companionAt || cr.st.alongBefore)
		label := p.label
		if p.pronoun {
			label = a.labels[resolved[i]]
		}
		a.add(resolved[i], label, companion)
	}
}

// removeOut takes away who a clause names as not coming: its subject before the refusal, else
// the one refused for ("afbud for vores skolebibliotekskonsulent"), and anyone "uden".
func (a *attendees) removeOut(cr *clauseRead, ps []person, resolved []string) {
	out := -1
	for i, p := range ps {
		if !cr.st.decline || cr.toks[p.tok].start < cr.st.declAt {
			out = i
			break
		}
	}
	if out < 0 && len(ps) > 0 {
		out = 0
	}
	if out >= 0 {
		a.remove(resolved[out])
	}
	for i, t := range cr.toks {
		if t.lower != "uden" {
			continue
		}
		for j, p := range ps {
			if p.tok > i {
				a.remove(resolved[j])
				break
			}
		}
	}
}

// inAside says whether token i stands in brackets that hold a clause of their own.
func inAside(toks []token, i int) bool {
	open := -1
	for j := i - 1; j >= 0; j-- {
		if toks[j].text == ")" {
			return false
		}
		if toks[j].text == "(" {
			open = j
			break
		}
	}
	if open < 0 {
		return false
	}
	for j := open + 1; j < len(toks) && toks[j].text != ")"; j++ {
		switch toks[j].lower {
		case "har", "er", "skal", "kan", "vil", "blev", "bliver", "meldte":
			return true
		}
	}
	return false
}

// pluralSubject says whether a clause's verb is about "de" (the people last named together).
func pluralSubject(cr *clauseRead) bool {
	for _, t := range cr.toks {
		if t.lower == "de" || t.lower == "dem" {
			return true
		}
	}
	return false
}

// unsureName returns the first person counted whose name may be no person's: one or more
// capitalised words of which neither the first is a common first name nor the last a
// surname, and with no role beside them ("Kvist", "Digitale Tjenester"); "" when every
// person counted is the writer, a role, someone unnamed or a name that is surely one.
func (a *attendees) unsureName() string {
	for _, k := range a.members() {
		label := a.labels[k]
		if k == "self" || isRoleKey(k) || strings.Contains(k, "#") || label == "" {
			continue
		}
		if !sureName(label) {
			return label
		}
	}
	return ""
}

// sureName says whether the words naming a person surely are a person's: a common first name
// first, a surname last, or a role among them.
func sureName(label string) bool {
	words := strings.Fields(label)
	if len(words) == 0 {
		return false
	}
	sure := knownFirstName(words[0]) || surnameLike(words[len(words)-1])
	for _, w := range words {
		sure = sure || roleWordRe.MatchString(strings.ToLower(w))
	}
	return sure
}

// unplaced returns someone named in the reply who is neither counted nor named as not coming,
// "" when there is no one.
func (a *attendees) unplaced() string {
	for _, p := range a.mentioned {
		if _, counted := a.labels[p.key]; !counted && !a.removed[p.key] && !strings.Contains(p.key, "#") {
			return clip(p.label)
		}
	}
	return ""
}

// peopleOnly says whether a clause is nothing but two or more people ("Anne Holm og Bo Lind."),
// a list written as a sentence of its own.
func peopleOnly(cr *clauseRead, persons int) bool {
	if persons < 2 {
		return false
	}
	for _, t := range cr.toks {
		switch {
		case t.name, roleDets[t.lower], roleWordRe.MatchString(t.lower), t.lower == "jeg", t.lower == "mig", t.lower == "undertegnede":
		case t.lower == "og" || t.lower == "samt" || len(t.lower) == 1 && strings.Contains(",.+&()-", t.lower) || t.lower == "–":
		default:
			return false
		}
	}
	return true
}

// writerAndOthers says whether a sentence is only a party named, the writer first ("mig og
// susanne fra skolebib.", "Undertegnede + skolebib.kons."): no cue of coming or not, no
// question or condition, and someone besides the writer. After a colon or a dash ("Vi er to:
// mig og ...") the people are set against the number before them instead (count.go).
func writerAndOthers(cr *clauseRead, ps []person) bool {
	t := cr.toks
	if len(t) < 3 || len(ps) < 2 || cr.lead != "" || cr.asks || cr.cond || cr.sub || cr.st.decline || cr.st.attend || cr.st.past || cr.st.hedge {
		return false
	}
	w := t[0].lower
	return (w == "mig" || w == "jeg" || w == "undertegnede") && (t[1].lower == "og" || t[1].lower == "samt" || t[1].text == "+" || t[1].text == "&")
}
