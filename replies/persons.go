package replies

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// Persons: who comes, counted from what the reply says. A number stated for the party ("vi
// bliver tre", "2 fra Rødovre", "altså to", "begge to") counts first; else the people named as
// coming: names, roles and pronouns in the clauses that come ("Claus Damgaard og jeg kommer",
// "jeg tager vores souschef med", "tilmelde hende og vores skolebibliotekskonsulent"), a list
// of participants one a line, less those named as not coming ("Søren er syg, så han kommer
// ikke"). A pronoun is the person last named; the writer counts when the writer comes.

// token is a word or a sign of a clause.
type token struct {
	text, lower string
	start       int  // byte offset in the clause text
	name        bool // a capitalised word that may be part of a person's name
}

// tokens splits a clause into words (letters and digits, with inner hyphens, stops and
// apostrophes: "IT-koordinator", "skolebibl.konsulent") and single signs.
func tokens(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += n
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i + n
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if unicode.IsLetter(r2) || unicode.IsDigit(r2) {
					j += n2
					continue
				}
				if (r2 == '-' || r2 == '.' || r2 == '\'') && j+n2 < len(s) {
					r3, _ := utf8.DecodeRuneInString(s[j+n2:])
					if unicode.IsLetter(r3) {
						j += n2
						continue
					}
				}
				break
			}
			w := s[i:j]
			out = append(out, token{text: w, lower: strings.ToLower(w), start: i, name: nameLike(w)})
			i = j
		default:
			out = append(out, token{text: s[i : i+n], lower: s[i : i+n], start: i})
			i += n
		}
	}
	unnameFronted(out)
	nameLowerBeside(out)
	return out
}

// wordsNotNames are first names that are also common words written in lower case ("per
// person", "bo i Vejle", "hans bil"): in lower case they are never taken for a name.
var wordsNotNames = map[string]bool{"per": true, "bo": true, "tom": true, "mark": true, "dan": true, "max": true,
	"line": true, "sten": true, "rene": true, "ane": true, "hans": true, "august": true, "mai": true, "maj": true,
	"kaj": true, "kai": true, "tim": true, "vera": true, "john": true}

// lowerFirstName says whether a word in lower case is a first name all the same.
func lowerFirstName(t token) bool {
	r, _ := utf8.DecodeRuneInString(t.text)
	return unicode.IsLower(r) && knownFirstName(t.lower) && !wordsNotNames[t.lower]
}

// nameLowerBeside takes a first name written in lower case, as on a phone, for a name where it
// stands joined to the writer ("mig og susanne fra skolebib.", "birthe og jeg", "mig + lars").
func nameLowerBeside(toks []token) {
	writer := func(i int) bool {
		return i >= 0 && i < len(toks) && (toks[i].lower == "mig" || toks[i].lower == "jeg" || toks[i].lower == "undertegnede")
	}
	join := func(i int) bool {
		return i >= 0 && i < len(toks) && (toks[i].lower == "og" || toks[i].text == "+" || toks[i].text == "&")
	}
	for i := range toks {
		if lowerFirstName(toks[i]) && (join(i-1) && writer(i-2) || join(i+1) && writer(i+2)) {
			toks[i].name = true
		}
	}
}

// unnameFronted takes the capital of a word that opens a sentence or a clause for what it is:
// a number ("En fra skolen", "To af os") or a verb written without its subject ("Tilmelder mig
// ...", "Møder op i Vejle", "Ankommer med toget"), not a person. A verb is told from a name by
// what follows it: a name goes on with its verb or "og", a verb with its object, an adverb or
// a preposition. A common first name stays a name.
func unnameFronted(toks []token) {
	for i := range toks {
		if !toks[i].name || i > 0 && !strings.Contains(":-–(\"", toks[i-1].text) {
			continue
		}
		switch {
		case numWords[toks[i].lower] > 0:
			toks[i].name = false
		case knownFirstName(toks[i].lower):
		case i+1 < len(toks) && frontedVerbNext[toks[i+1].lower]:
			toks[i].name = false
		}
	}
}

// frontedVerbNext are the words that follow a verb opening a sentence without its subject,
// and never a name there.
var frontedVerbNext = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`mig os dig jer sig hende ham dem gerne hermed herved venligst også lige desværre
		selv straks nu derfor dog altså jo nok bare op over ud ind hjem af frem tilbage til i på med for ved et en
		den det de vores min mit mine jeres alle ikke kun stadig fortsat alligevel meget godt fint me us up`) {
		m[w] = true
	}
	return m
}()

// nameLike says whether a word may be part of a person's name: a capital, then small letters,
// and not one of the words that start sentences or name places, months and organisations.
func nameLike(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) || utf8.RuneCountInString(w) < 2 {
		return false
	}
	base := strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "s")
	if strings.ToUpper(w) == w || len(base) >= 2 && strings.ToUpper(base) == base {
		return false // "KL", "IT", "KOMBIT", "KL's", initials
	}
	lw := strings.ToLower(w)
	if notNames[lw] {
		return false
	}
	if i := strings.IndexByte(w, '-'); i > 0 && i+1 < len(w) && !unicode.IsUpper([]rune(w[i+1:])[0]) {
		return false // "Vejle-mødet", "IT-afdelingen": a compound, not "Anne-Marie"
	}
	for _, suf := range orgSuffixes {
		if strings.HasSuffix(lw, suf) && len(lw) > len(suf)+2 {
			return false // "Kulturforvaltningen", "Skoleafdelingen", "Hovedbiblioteket"
		}
	}
	return true
}

// orgSuffixes end the names of organisations and places, not of people.
var orgSuffixes = []string{"forvaltningen", "forvaltning", "afdelingen", "afdeling", "centret", "centeret", "center",
	"skolen", "skole", "biblioteket", "bibliotekerne", "biblioteker", "bibliotek", "kommune", "kommunes", "udvalget",
	"udvalg", "sekretariatet", "området", "huset", "gruppen", "netværket", "foreningen", "forening", "styrelsen",
	"ministeriet", "regionen", "gade", "vej", "plads", "torv", "allé"}

// notNames are capitalised words that are not names of people.
var notNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`vi jeg det der den de du i så men og eller tak hej kære til fra hermed her nu
		desværre derfor altså ja nej mvh hilsen venlig venlige med efter inden før hvis skulle når da som vores
		min mit mine også undskyld beklager rettelse bare god godt dag mange bedste endelig sig giv skriv kan
		vil er har bliver kommer tager deltager ses så sådan på om af for ved hvad hvem hvor hvordan hvornår
		hvilket hvilken hvorfor men dog lige igen alle ingen begge både enten hverken kun stadig fortsat
		fredag mandag tirsdag onsdag torsdag lørdag søndag januar februar marts april maj juni juli august
		september oktober november december kommune kommunes bibliotek biblioteker bibliotekerne biblioteket
		hovedbibliotek hovedbiblioteket centralbibliotek centralbiblioteket skoleforvaltningen
		forvaltningen børn unge pædagogisk center kultur fritid udvalget byrådet region danmarks
		biblioteksforening kombit sjælland jylland fyn nordjylland sønderjylland midtjylland bornholm
		lolland falster københavn mols-linien kulturstyrelsen dialogmødet dialogmøde dialogmøderne
		møde mødet møderne invitationen tilmelding tilmeldingen deltagere deltagerliste aftalen
		tilslutningsaftalen projektet foredragssalen salen vej plads gade dronning margrethes willy
		sørensens rendsburggade pva p.v.a. vedr re sv fw fwd emne sendt cc bcc ps p.s. ok okay
		håber glæder ser regner synes tror ved skal må bør lad send husk bemærk i'll we'll please
		dear hi hello thanks thank best kind regards we the our my and with from this that regn ring
		kontakt hertil dertil derudover desuden endvidere herefter derefter bagefter ellers heldigvis
		naturligvis selvfølgelig måske sandsynligvis formentlig jo til info obs nb hermed vedlagt
		vedhæftet aftalt planlagt stadigvæk fortsat january february march april may june july august
		october november december monday tuesday wednesday thursday friday saturday sunday
		navn fornavn efternavn titel stilling funktion afdeling mail e-mail telefon tlf mobil`) {
		m[w] = true
	}
	return m
}()

// selfNames knows the names of the invitee's municipality, of every other municipality, and
// the words that name a meeting's place, so that none is taken for a person.
type selfNames struct {
	c      *campaign.Campaign
	self   map[string]bool
	orgs   map[string]bool // built when first asked
	places map[string]bool
}

func newSelfNames(c *campaign.Campaign, invitee string) *selfNames {
	s := &selfNames{c: c, self: map[string]bool{}, places: map[string]bool{}}
	if inv, ok := c.Invitee(invitee); ok {
		for _, w := range strings.Fields(strings.ToLower(inv.Name)) {
			s.self[w] = true
		}
	}
	for _, mt := range c.Meetings {
		for _, n := range append([]string{mt.City, mt.Venue, mt.Room, mt.Street}, mt.Aliases...) {
			for _, w := range strings.Fields(strings.ToLower(n)) {
				s.places[w] = true
			}
		}
	}
	return s
}

// is says whether a lower-case word names the invitee's municipality ("Gladsaxe", "Gladsaxes").
func (s *selfNames) is(w string) bool {
	return s.self[w] || s.self[strings.TrimSuffix(w, "s")]
}

// meetingCity says whether a lower-case word is the city of a meeting, or another name of it.
func (s *selfNames) meetingCity(w string) bool {
	for _, mt := range s.c.Meetings {
		if strings.EqualFold(mt.City, w) || slices.ContainsFunc(mt.Aliases, func(a string) bool { return strings.EqualFold(a, w) }) {
			return true
		}
	}
	return false
}

// other says whether a lower-case word names another municipality or a meeting's place.
func (s *selfNames) other(w string) bool {
	if s.places[w] {
		return true
	}
	if s.orgs == nil {
		s.orgs = map[string]bool{}
		for _, inv := range s.c.Invitees {
			for _, f := range strings.Fields(strings.ToLower(inv.Name)) {
				s.orgs[f] = true
			}
		}
	}
	return s.orgs[w] || s.orgs[strings.TrimSuffix(w, "s")]
}

// person is someone a clause names.
type person struct {
	key     string // what identifies them: the first name, the role, "self"
	label   string // role and name as written, for the companions field
	self    bool   // the writer
	pronoun bool   // "han", "hun", "hende", "ham": the person last named
	tok     int    // index of the first token
}

var (
	roleWordRe = regexp.MustCompile(`^(?:\p{L}+\.)*(\p{L}*(kons|konsulent|konsulenten|chef|chefen|leder|lederen|bibliotekar|bibliotekaren|medarbejder|medarbejderen|kollega|kollegaen|kollegaer|kolleger|koordinator|koordinatoren|direktør|direktøren|formand|formanden|ansvarlig|ansvarlige|sekretær|sekretæren|udvikler|specialist|rådgiver|repræsentant|assistent|colleague|consultant|librarian|manager|director|deputy|coordinator|representative|advisor|adviser|assistant)|souschef\p{L}*|afløser\p{L}*|stedfortræder\p{L}*|it-\p{L}+)$`)
	// roleDetRe are the words a role may stand after in its phrase.
	roleDets = map[string]bool{"vores": true, "min": true, "mit": true, "mine": true, "kommunens": true, "bibliotekets": true,
		"en": true, "et": true, "nye": true, "ny": true, "pædagogisk": true, "administrativ": true, "my": true, "our": true, "a": true,
		"the": true, "new": true, "daglig": true, "faglig": true}
)

// personsIn lists the people a clause names, in order; appositions ("vores
// skolebibliotekskonsulent, Mette Nørgaard") and roles in brackets ("Inge Bak
// (skolebibliotekskonsulent)") are one person.
func personsIn(toks []token, self *selfNames) []person {
	var out []person
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if group, last := unnamedGroup(toks, i); len(group) > 0 {
			out = append(out, group...)
			i = last
			continue
		}
		if p, last, ok := pronounPerson(toks, i); ok {
			if p.key != "" {
				out = append(out, p)
			}
			i = last
			continue
		}
		if roleWordRe.MatchString(t.lower) && (capacityBefore(toks, i) || i > 0 && (toks[i-1].lower == "ingen" || toks[i-1].lower == "nogen")) {
			// "jeg tager med som skolebibliotekskonsulent": what the subject comes as; "vi har
			// ingen skolebibliotekskonsulent": no one
			continue
		}
		if roleWordRe.MatchString(t.lower) {
			p, next := roledPerson(toks, i, self)
			out = append(out, p)
			i = next - 1
			continue
		}
		if t.name && (calledBefore(toks, i) || placeBefore(toks, i)) {
			for i+1 < len(toks) && toks[i+1].name {
				i++ // "på Parkvejens Skole": a place's name of several words
			}
			continue // "min kollega, hun hedder Lise Krogh": the name of the one just named
		}
		if t.name && !self.other(t.lower) && !self.is(t.lower) {
			name, k := nameAt(toks, i, self)
			if name == "" {
				continue
			}
			p := person{key: nameKey(name), label: name, tok: i}
			// "Inge Bak (skolebibliotekskonsulent)", "Lene Riis, vores skolebibliotekskonsulent,"
			if after, ok := writerInBrackets(toks, k); ok {
				p, k = person{key: "self", self: true, tok: i}, after
			} else if k+1 < len(toks) && toks[k].text == "(" && roleWordRe.MatchString(toks[k+1].lower) {
				p.label = toks[k+1].text + " " + name
				k = closingBracket(toks, k) + 1
			} else if r := roleAfterComma(toks, k); r > 0 {
				p.label = toks[r].text + " " + name
				k = r + 1
			}
			out = append(out, p)
			i = k - 1
		}
	}
	return out
}

// unnamedGroup reads a number of people of a role at i ("to kolleger", "tre medarbejdere", "to
// af mine medarbejdere", "begge vores skolebibliotekskonsulenter"): that many people, unnamed.
// It returns them and the last token read, none when there is no such group at i.
func unnamedGroup(toks []token, i int) ([]person, int) {
	t := toks[i]
	n := numberWord(t.lower)
	if !(n > 1 && n < 10 || t.lower == "begge") || i+1 >= len(toks) || outOf(toks, i) {
		return nil, i
	}
	n = max(n, 2)
	at := i + 1
	if at+2 < len(toks) && toks[at].lower == "af" && possessiveWords[toks[at+1].lower] {
		at += 2
	} else if at+1 < len(toks) && possessiveWords[toks[at].lower] {
		at++
	}
	if !pluralRoleRe.MatchString(toks[at].lower) {
		return nil, i
	}
	var out []person
	for k := 0; k < n; k++ {
		out = append(out, person{key: fmt.Sprintf("%s#%d.%d", toks[at].lower, i, k), tok: i})
	}
	return out, at
}

// roledPerson reads the person a role at i names, with the name after it when there is one
// ("vores skolebibliotekskonsulent, Mette Nørgaard", "skolebib.kons. Henning", "konsulent
// (Hanne Lyng)"); it returns where the person's words end.
func roledPerson(toks []token, i int, self *selfNames) (person, int) {
	t := toks[i]
	p := person{key: strings.TrimSuffix(t.lower, "en"), label: t.text, tok: i}
	j := i + 1
	if q := qualifierEnd(toks, j); q > j && q+1 < len(toks) && toks[q].text == "," && toks[q+1].name {
		j = q // "Vores områdechef for Kultur og Fritid, Poul Bønding"
	} else if f := firstNameIn(toks, j+2, q); f > 0 {
		j = f // "afdelingsleder for Digitale Services Camilla Thygesen": the name ends the qualifier
	}
	if j+1 < len(toks) && (toks[j].text == "," || toks[j].text == "(" || toks[j].text == ".") && toks[j+1].name && !self.other(toks[j+1].lower) {
		j++ // apposition
	}
	name, k := nameAt(toks, j, self)
	if name == "" {
		if after, ok := writerInBrackets(toks, i+1); ok {
			return person{key: "self", self: true, tok: i}, after // "bibliotekschefen (undertegnede)"
		}
		return p, i + 1
	}
	p.key, p.label = nameKey(name), t.text+" "+name
	if after, ok := writerInBrackets(toks, k); ok {
		return person{key: "self", self: true, tok: i}, after
	}
	return p, k
}

// firstNameIn finds a known first name, capitalised, in toks[from:to], 0 when none.
func firstNameIn(toks []token, from, to int) int {
	for k := from; k < to && k < len(toks); k++ {
		if toks[k].name && knownFirstName(toks[k].lower) {
			return k
		}
	}
	return 0
}

// writerInBrackets says whether the person named before token k is the writer, said in
// brackets ("biblioteksleder Jytte Kragh (undertegnede)"), and where the brackets end.
func writerInBrackets(toks []token, k int) (int, bool) {
	if k+1 < len(toks) && toks[k].text == "(" && (toks[k+1].lower == "undertegnede" || toks[k+1].lower == "mig") {
		return closingBracket(toks, k) + 1, true
	}
	return k, false
}

// closingBracket is the index of the ")" that closes the bracket at k, len(toks) none.
func closingBracket(toks []token, k int) int {
	for k < len(toks) && toks[k].text != ")" {
		k++
	}
	return k
}

// outOf says whether the number at i counts a whole the party is taken from ("ud af vores fem
// ledere er det kun os", "ud af 12 medarbejdere").
func outOf(toks []token, i int) bool {
	j := i - 1
	if j >= 0 && possessiveWords[toks[j].lower] {
		j--
	}
	return j >= 1 && toks[j].lower == "af" && toks[j-1].lower == "ud"
}

// qualifierEnd skips what qualifies a role ("for Kultur og Fritid", "på Hovedbiblioteket") and
// returns where it ends; j when there is none.
func qualifierEnd(toks []token, j int) int {
	if j >= len(toks) {
		return j
	}
	switch toks[j].lower {
	case "for", "på", "i", "ved", "hos", "af", "over", "fra":
	default:
		return j
	}
	k := j + 1
	for k < len(toks) && k <= j+5 && toks[k].text != "," && !pronounOrVerb(toks[k].lower) {
		k++
	}
	return k
}

func pronounOrVerb(w string) bool {
	switch w {
	case "jeg", "vi", "han", "hun", "de", "er", "kommer", "deltager", "har", "kan", "vil", "skal":
		return true
	}
	return false
}

// pluralRoleRe matches the plural of a role ("kolleger", "medarbejdere").
var pluralRoleRe = regexp.MustCompile(`^\p{L}*(kolleger|kollegaer|medarbejdere|konsulenter|ledere|chefer|bibliotekarer|repræsentanter|colleagues)$`)

// numberWord reads a number written in figures or words, 0 when w is none.
func numberWord(w string) int {
	if n, err := strconv.Atoi(w); err == nil {
		return n
	}
	return numWords[w]
}

// placeBefore says whether the capitalised word at i follows a word that makes it a place or
// an organisation ("fra Brørup", "i Ringe", "hos Pædagogisk Center", "kører sammen fra Aars",
// "over Hou"). Represented "ved" someone names a person ("repræsenteret ved Birthe Holm").
func placeBefore(toks []token, i int) bool {
	if i == 0 {
		return false
	}
	switch toks[i-1].lower {
	case "ved":
		return i < 2 || !strings.HasPrefix(toks[i-2].lower, "repræsentere")
	case "fra", "i", "på", "hos", "til", "mod", "over", "via", "gennem", "from", "in":
		return true
	case "at":
		// Danish "at" opens a clause whose subject it may be ("han har bedt mig svare, at
		// Inger tager med"); only English "at" places. The words near it tell the language,
		// so that a clause of many names costs its length.
		return englishish(toks[max(0, i-8):min(len(toks), i+8)])
	}
	return false
}

// calledBefore says whether the name at i is what someone just named is called ("hun hedder
// Lise Krogh", "en kollega ved navn Bo Sand"), or the rest of such a name: no one more.
func calledBefore(toks []token, i int) bool {
	for i > 0 && toks[i-1].name {
		i--
	}
	return i > 0 && (toks[i-1].lower == "hedder" || toks[i-1].lower == "hed" || toks[i-1].lower == "navn" && i > 1 && toks[i-2].lower == "ved")
}

// englishish says whether a clause reads as English (for the pronoun "I").
func englishish(toks []token) bool {
	for _, t := range toks {
		switch t.lower {
		case "will", "attend", "the", "and", "with", "we", "am", "can't", "cannot":
			return true
		}
	}
	return false
}

// roleAfterComma finds an apposition after a name: ", [det] role" followed by a comma, the end
// or a verb: the role of the same person. It returns the role's token index, 0 if none.
func roleAfterComma(toks []token, k int) int {
	if k >= len(toks) || toks[k].text != "," {
		return 0
	}
	j := k + 1
	if j+1 < len(toks) && (toks[j].lower == "som" || toks[j].lower == "der") && toks[j+1].lower == "er" {
		j += 2 // "Lars Ebbesen, som er pædagogisk konsulent": who he is
	}
	for j < len(toks) && roleDets[toks[j].lower] {
		j++
	}
	if j >= len(toks) || !roleWordRe.MatchString(toks[j].lower) {
		return 0
	}
	if j+1 < len(toks) && toks[j+1].name {
		return 0 // "Poul Erik, skolebibliotekskonsulent Rikke Albæk": another person
	}
	if j+1 == len(toks) || toks[j+1].text == "," || toks[j+1].text == ")" || !toks[j+1].name && toks[j+1].lower != "og" {
		return j
	}
	return 0
}

// nameAt reads a name of one to three capitalised words at token i, and where it ends.
func nameAt(toks []token, i int, self *selfNames) (string, int) {
	var parts []string
	j := i
	for j < len(toks) && len(parts) < 3 && toks[j].name && !self.other(toks[j].lower) {
		parts = append(parts, toks[j].text)
		j++
	}
	if len(parts) == 0 {
		return "", i
	}
	return strings.Join(parts, " "), j
}

func nameKey(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// possessiveWords may stand between "N af" and the people counted ("to af mine medarbejdere").
var possessiveWords = map[string]bool{"mine": true, "vores": true, "vore": true, "de": true, "hans": true, "hendes": true, "our": true, "my": true}
