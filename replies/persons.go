package replies

import (
	"fmt"
	"regexp"
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
		october november december monday tuesday wednesday thursday friday saturday sunday`) {
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
		if n := numberWord(t.lower); n > 1 && n < 10 && i+1 < len(toks) && !outOf(toks, i) {
			// "to kolleger", "tre medarbejdere", "to af mine medarbejdere": that many people, unnamed
			at := i + 1
			if at+2 < len(toks) && toks[at].lower == "af" && possessiveWords[toks[at+1].lower] {
				at += 2
			}
			if pluralRoleRe.MatchString(toks[at].lower) {
				for k := 0; k < n; k++ {
					out = append(out, person{key: fmt.Sprintf("%s#%d.%d", toks[at].lower, i, k), tok: i})
				}
				i = at
				continue
			}
		}
		if p, last, ok := pronounPerson(toks, i); ok {
			if p.key != "" {
				out = append(out, p)
			}
			i = last
			continue
		}
		if roleWordRe.MatchString(t.lower) && capacityBefore(toks, i) {
			continue // "jeg tager med som skolebibliotekskonsulent": what the subject comes as
		}
		if roleWordRe.MatchString(t.lower) {
			p := person{key: strings.TrimSuffix(t.lower, "en"), label: t.text, tok: i}
			j := i + 1
			if q := qualifierEnd(toks, j); q > j && q+1 < len(toks) && toks[q].text == "," && toks[q+1].name {
				j = q // "Vores områdechef for Kultur og Fritid, Poul Bønding"
			}
			if j+1 < len(toks) && (toks[j].text == "," || toks[j].text == "(" || toks[j].text == ".") && toks[j+1].name && !self.other(toks[j+1].lower) {
				j++ // apposition: "vores skolebibliotekskonsulent, Mette Nørgaard", "skolebib.kons. Henning", "konsulent (Hanne Lyng)"
			}
			if name, k := nameAt(toks, j, self); name != "" {
				p.key, p.label = nameKey(name), t.text+" "+name
				j = k
			} else {
				j = i + 1
			}
			out = append(out, p)
			i = j - 1
			continue
		}
		if t.name && !self.other(t.lower) && !self.is(t.lower) && !placeBefore(toks, i) {
			name, k := nameAt(toks, i, self)
			if name == "" {
				continue
			}
			p := person{key: nameKey(name), label: name, tok: i}
			// "Inge Bak (skolebibliotekskonsulent)", "Lene Riis, vores skolebibliotekskonsulent,"
			if k+1 < len(toks) && toks[k].text == "(" && roleWordRe.MatchString(toks[k+1].lower) {
				p.label = toks[k+1].text + " " + name
				for k < len(toks) && toks[k].text != ")" {
					k++
				}
				k++
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
	case "for", "på", "i", "ved", "hos", "af", "over":
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
// an organisation ("fra Brørup", "i Ringe", "hos Pædagogisk Center").
func placeBefore(toks []token, i int) bool {
	if i == 0 {
		return false
	}
	switch toks[i-1].lower {
	case "fra", "i", "på", "hos", "ved", "til", "mod", "from", "in", "at":
		return !(i >= 2 && toks[i-2].lower == "sammen") // "sammen med" names a person
	}
	return false
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

// Counts stated in words.
var (
	numWords = map[string]int{
		"en": 1, "én": 1, "een": 1, "et": 1, "one": 1, "to": 2, "två": 2, "two": 2, "tre": 3, "three": 3,
		"fire": 4, "fyra": 4, "four": 4, "fem": 5, "five": 5, "seks": 6, "sex": 6, "six": 6, "syv": 7, "sju": 7,
		"seven": 7, "otte": 8, "åtta": 8, "eight": 8, "ni": 9, "nine": 9, "ti": 10, "ten": 10,
	}
	numAlt   = `\d{1,2}|én|en|een|et|to|tre|fire|fem|seks|syv|otte|ni|ti|två|fyra|sex|sju|åtta|one|two|three|four|five|six|seven|eight|nine|ten`
	countAdv = `(?:stadigvæk|stadig|fortsat|altså|derfor|så|kun|bare|i alt|alligevel|nu|dermed|nok|som tidligere meldt|som meldt|som sagt|som aftalt|som planlagt|også|jo|desværre|heldigvis|gerne|fra [\p{L}-]+|enten|måske|nok|sandsynligvis|formentlig|only|just|still)`
	// countRes find a number of people stated for the party; group "n" is the number.
	countRes = []*regexp.Regexp{
		regexp.MustCompile(`(?:^|[^\p{L}])(?:vi|de|we|they|we'll|we're)\s+(?:er|bliver|kommer|deltager|tager afsted|tager af sted|tager derover|tager derop|møder op|will be|are|be|'ll be|will come|are coming)(?:\s+` + countAdv + `)*\s+(?:de\s+samme\s+|the\s+same\s+)?(?P<n>` + numAlt + `)(?:$|[^\p{L}\d])`),
		regexp.MustCompile(`(?:^|[^\p{L}\d])(?P<n>` + numAlt + `)\s+(?:personer|person|deltagere|deltager|pers\.?|prs\.?|pax|stk\.?|pladser|plads|people|persons|participants|attendees|seats)(?:$|[^\p{L}])`),
		regexp.MustCompile(`(?:^|[^\p{L}])(?:altså|i alt|dvs\.?|det vil sige|så vi er|så bliver vi|tilmeld\p{L}*|sender|(?:kommer|deltager|møder) der|(?:at|til at) (?:være|blive)|skriv os op som|skriv os på som|regne med|regn med|(?:kommer|komme)(?:\s+(?:gerne|meget gerne|også|så|derfor|altså|alligevel|heldigvis))+|kommer|komme|(?:kommer|deltager|stiller|komme|deltage) med|plads til|(?:hold|gruppe|delegation) på|so we are|in all|in total)\s+(?P<n>` + numAlt + `)(?:$|[^\p{L}\d])`),
		regexp.MustCompile(`(?:^|[^\p{L}\d])(?P<n>` + numAlt + `)\s+i alt(?:$|[^\p{L}])`),
		// "så vi kommer til Vejle med to": the number that ends the clause after "med"
		regexp.MustCompile(`(?:^|[^\p{L}])vi\s+(?:kommer|deltager|stiller|møder op)\s+(?:[\p{L}.-]+\s+){1,4}?med\s+(?P<n>` + numAlt + `)(?:\s+(?:personer|deltagere))?\s*[.!]?\s*$`),
		// "Vi deltager i mødet og bliver to": the subject of the clause before
		regexp.MustCompile(`(?:^|[^\p{L}])og\s+(?:er|bliver)(?:\s+` + countAdv + `)*\s+(?P<n>` + numAlt + `)(?:$|[^\p{L}\d])`),
		regexp.MustCompile(`(?:^|[^\p{L}])antal(?:\s+(?:deltagere|personer|pladser))?\s*:?\s*(?P<n>` + numAlt + `)(?:$|[^\p{L}\d])`),
		regexp.MustCompile(`(?:^|[^\p{L}])(?:os|of us|alle)\s+(?P<n>` + numAlt + `)(?:$|[^\p{L}])`),
		regexp.MustCompile(`(?:^|[^\p{L}\d])(?P<n>` + numAlt + `)\s+af\s+os(?:$|[^\p{L}])`),
		// "– stadig to", "fortsat tre", "Korrektion: kun to": a number restated as a clause of its own
		regexp.MustCompile(`^\s*(?:og\s+)?(?:stadig|stadigvæk|fortsat|altså|stadig kun|fortsat kun|kun|nu kun|bare|nu|still|only|now)\s+(?P<n>` + numAlt + `)(?:\s+(?:personer|deltagere|people))?\s*[.!]?\s*$`),
		regexp.MustCompile(`(?:^|[^\p{L}])(?:the|vi)\s+(?P<n>two|three|four|to|tre|fire)(?:\s+(?:of us|af os))?(?:$|[^\p{L}])`),
	}
	// fromGroupRe finds "N fra X": a number of people from a place or part of the house;
	// several in one clause add up ("to fra biblioteket og én fra skoleforvaltningen").
	fromGroupRe = regexp.MustCompile(`(?:^|[^\p{L}\d])(?P<n>` + numAlt + `)\s+fra\s+(?P<w>[\p{L}-]+)`)
	bothRe      = regexp.MustCompile(`(?:^|[^\p{L}])(?:begge to|begge|os begge|vi begge|both of us|both)(?:$|[^\p{L}])`)
	aloneRe2    = regexp.MustCompile(`(?:^|[^\p{L}])(?:alene|kun mig|bare mig|kun mig selv|kun jeg|det bliver kun mig|kun ham|kun hende|kun én|kun en|only me|just me|just myself|on my own|by myself)(?:$|[^\p{L}])`)
	withRe      = regexp.MustCompile(`(?:^|[^\p{L}])jeg\s+(?:kommer|deltager|tager)(?:\s+[\p{L}.]+){0,4}?\s+med\s+(` + numAlt + `)\s+(?:fra|kolleger|kollegaer|medarbejdere|andre|af)`)
	plusRe      = regexp.MustCompile(`(?:^|[^\p{L}])(?:vi|os)(?:\s+(?:kommer|bliver|er|deltager|tager|kører))?\s+(?P<n>to|tre|2|3)\s*(?:\+|plus)\s*(?P<w>[\p{L}\d-]+)`)
	// notCountAfterRe marks a number that is no count of people ("en mere end", "fire i bilen").
	notCountAfterRe = regexp.MustCompile(`^\s*(?:mere|flere|færre|mindre|end|i bilen|dage|timer|uger|minutter|møder|af de|af møderne|af dem|gange|år|more|fewer|days|hours|er for mange|i (?:ledergruppen|ledelsen|afdelingen|huset|teamet|gruppen|staben|personalegruppen|styregruppen|bestyrelsen)|på (?:biblioteket|hovedbiblioteket|kontoret)|ansatte|filialer|afdelinger|skoler|kommuner|institutioner)(?:$|[^\p{L}])`)
	// eachOfRe finds one from each of a number of groups ("én fra hver af vores tre afdelinger"):
	// that many people.
	eachOfRe         = regexp.MustCompile(`(?:^|\s)(?:én|en|1) fra hver af (?:vores |de |vore )?(?P<n>to|tre|fire|fem|seks|\d{1,2})(?:$|[^\p{L}\p{N}])`)
	notCountBeforeRe = regexp.MustCompile(`(?:i stedet for|istedet for|end|af|end de|op til|er til|instead of|than)\s*$`)
	// peopleNounAfterRe: a number followed by a word for people counts them whatever stands before.
	peopleNounAfterRe = regexp.MustCompile(`^\s+(?:personer|deltagere|people|participants)(?:$|[^\p{L}])`)
	// countNounNextRe: what may follow "en"/"et" when it counts people.
	countNounNextRe = regexp.MustCompile(`^\s*(?:$|[,.;:!)–-]|person|deltager|fra|til|i alt|mand)`)
)

// quoteAround returns the words of text around a span found in its lower-case form, widened to
// whole words.
func quoteAround(text, lower string, span [2]int) string {
	src := text
	if len(text) != len(lower) {
		src = lower // lower-casing changed the length: the offsets fit only the lower-case text
	}
	a, b := min(span[0], len(src)), min(span[1], len(src))
	for a > 0 && !utf8.RuneStart(src[a]) {
		a--
	}
	for a > 0 {
		r, n := utf8.DecodeLastRuneInString(src[:a])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		a -= n
	}
	for b < len(src) && !utf8.RuneStart(src[b]) {
		b++
	}
	for b < len(src) {
		r, n := utf8.DecodeRuneInString(src[b:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		b += n
	}
	return strings.TrimSpace(src[a:b])
}

// mayCount says whether a clause has a number or a word that counts people at all, so that the
// patterns need not run on the others.
func mayCount(toks []token) bool {
	for _, t := range toks {
		if numWords[t.lower] > 0 || t.lower == "begge" || t.lower == "both" || t.lower == "antal" {
			return true
		}
		if c := t.lower[0]; c >= '0' && c <= '9' && len(t.lower) <= 2 {
			return true
		}
	}
	return false
}

// statedCount finds the number of people a clause states for the party, 0 when none; coming
// says the clause speaks of coming, where "begge" counts ("vi kommer begge to", not "vi er
// begge på kursus").
//
// partial says that the number counts only some of the party: one "N fra X" ("en fra
// skolen"), which others may join ("en fra skolen og jeg").
func statedCount(l string, coming bool) (n int, words [2]int, partial bool) {
	best := -1
	try := func(v string, start, end int) {
		if notCountAfterRe.MatchString(l[end:]) || notCountBeforeRe.MatchString(l[:start]) && !peopleNounAfterRe.MatchString(l[end:]) {
			return // "end to", "en af møderne"; but "tilmelding af to deltagere" counts
		}
		if (v == "en" || v == "et" || v == "een") && !countNounNext(l[end:]) {
			return // "vi bliver nok et kvarters tid forsinket": an article
		}
		if k := numberWord(v); k > 0 && k < 50 && start >= best {
			n, words, best = k, [2]int{max(0, start-20), min(len(l), end+12)}, start
		}
	}
	for _, re := range countRes {
		for _, mm := range re.FindAllStringSubmatchIndex(l, 4) {
			ni := 2 * re.SubexpIndex("n")
			try(l[mm[ni]:mm[ni+1]], mm[ni], mm[ni+1])
		}
	}
	if m := eachOfRe.FindStringSubmatchIndex(l); m != nil && m[1] > best {
		n, words, best = numberWord(l[m[2]:m[3]]), [2]int{m[0], m[1]}, m[2]
	}
	if groups := fromGroupRe.FindAllStringSubmatchIndex(l, 4); len(groups) > 1 {
		sum, seen := 0, map[string]bool{}
		for _, g := range groups {
			k, w := numberWord(l[g[2]:g[3]]), l[g[4]:g[5]]
			if seen[w] || k == 0 || notCountBeforeRe.MatchString(l[:g[2]]) {
				sum = 0
				break
			}
			seen[w] = true
			sum += k
		}
		if sum > n {
			n, words = sum, [2]int{groups[0][2], groups[len(groups)-1][5]}
		}
	} else if len(groups) == 1 && n == 0 {
		g := groups[0]
		try(l[g[2]:g[3]], g[2], g[3])
		partial = n > 0 && !partyWord(l[g[4]:g[5]])
	}
	if mm := withRe.FindStringSubmatchIndex(l); mm != nil {
		// "Jeg kommer til Vejle med to fra skoleafdelingen": the writer and two more
		if k := numberWord(l[mm[2]:mm[3]]); k > 0 && k < 20 {
			n, words, partial = k+1, [2]int{mm[0], mm[1]}, false
		}
	}
	if mm := plusRe.FindStringSubmatchIndex(l); mm != nil {
		k := numberWord(l[mm[2]:mm[3]])
		more := max(numberWord(l[mm[4]:mm[5]]), 1) // "Vi kommer to plus én", "vi to + konsulenten"
		n, words, partial = k+more, [2]int{mm[0], mm[5]}, false
	}
	if n == 0 && coming {
		if k, loc := bothOthers(l); k > 0 {
			return k, [2]int{max(0, loc[0]-20), min(len(l), loc[1]+12)}, false
		}
		if loc := bothRe.FindStringIndex(l); loc != nil {
			n, words = 2, [2]int{max(0, loc[0]-20), min(len(l), loc[1]+12)}
		}
	}
	return n, words, partial
}

// bothOthersRe finds "begge" before people of a role ("begge vores skolebibliotekskonsulenter",
// "begge mine kolleger"): two people, not the party.
var bothOthersRe = regexp.MustCompile(`(?:^|[^\p{L}])begge\s+(?:(?:vores|vore|mine|de|disse|to)\s+)?(?:\p{L}*(?:konsulent|chef|leder|bibliotekar|medarbejder|kolleg|koordinator|direktør|souschef|rådgiver|repræsentant)\p{L}*)(?:$|[^\p{L}])`)

// alongRe finds people taken along ("tager ... med", "kommer med", "sammen med"): the writer comes too.
var alongRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:tager|tage|har)\s+(?:[\p{L}-]+\s+){1,5}?med(?:$|[^\p{L}])|(?:^|[^\p{L}])(?:sammen med|med mig|ledsaget af|følgeskab af)(?:$|[^\p{L}])|(?:^|[^\p{L}])(?:jeg|vi)\s+(?:kommer|deltager)\s+(?:[\p{L}-]+\s+){0,5}?med\s+begge`)

// bothOthers counts "begge" before people of a role: two, and the writer with them when they
// are taken along ("Jeg tager begge vores skolebibliotekskonsulenter med" is three); 0 when the
// clause has no such words.
func bothOthers(l string) (int, []int) {
	loc := bothOthersRe.FindStringIndex(l)
	if loc == nil {
		return 0, nil
	}
	if alongRe.MatchString(l) {
		return 3, loc
	}
	return 2, loc
}

// partyWord says whether "N fra <w>" names the whole party ("to fra os", "tre fra huset").
func partyWord(w string) bool {
	switch w {
	case "os", "us":
		return true
	}
	return false
}

func countNounNext(s string) bool { return countNounNextRe.MatchString(s) }

// rangeRe finds two numbers of people left open: "2-3 personer", "to eller tre".
var rangeRe = regexp.MustCompile(`(?:^|[^\p{L}\d.:/])(` + numAlt + `)\s*(?:-|–|eller|til)\s*(` + numAlt + `)(?:\s+(?:personer|deltagere|people|fra|til|i|på)|\s*$|\s*[,.–-])`)

// countRange returns the higher of two numbers of people a clause leaves open, 0 when none.
func countRange(l string) int {
	if !strings.Contains(l, "eller") && !strings.ContainsAny(l, "-–") && !strings.Contains(l, "til") {
		return 0
	}
	mm := rangeRe.FindStringSubmatch(l)
	if mm == nil {
		return 0
	}
	a, b := numberWord(mm[1]), numberWord(mm[2])
	if a == 0 || b == 0 || b <= a || b > 20 || (mm[1] == "en" || mm[1] == "et") {
		return 0
	}
	if !strings.Contains(l, "vi ") && !strings.Contains(l, "personer") && !strings.Contains(l, "deltagere") {
		return 0
	}
	return b
}

// saysAlone says whether a clause states that one person comes ("jeg kommer alene", "det
// bliver kun mig"), not negated ("jeg kommer ikke alene") nor the first of a list ("kun mig og
// min souschef").
func saysAlone(l string) (bool, string) {
	loc := aloneRe2.FindStringIndex(l)
	if loc == nil {
		return false, ""
	}
	before := l[max(0, loc[0]-8):loc[0]]
	if strings.Contains(before, "ikke") {
		return false, ""
	}
	after, only := strings.TrimLeft(l[loc[1]-1:], " ,"), !strings.Contains(l[loc[0]:loc[1]], "alene")
	if only && (strings.HasPrefix(after, "og ") || strings.HasPrefix(after, "samt ") || strings.HasPrefix(after, "+")) {
		return false, "" // "det er kun mig og min souschef, der kommer": "kun" reaches the whole list
	}
	return true, strings.TrimSpace(l[loc[0]:loc[1]])
}
