package replies

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Numbers of people stated in words: "vi bliver tre", "2 personer", "et hold på to", "to fra
// os", "begge vores skolebibliotekskonsulenter", "to eller tre", "jeg kommer alene".

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
		regexp.MustCompile(`(?:^|[^\p{L}])(?:altså|i alt|dvs\.?|det vil sige|så vi er|så bliver vi|tilmeld\p{L}*|sender|(?:kommer|deltager|møder) der|(?:at|til at) (?:være|blive)|skriv os op som|skriv os på som|regne med|regn med|(?:kommer|komme)(?:\s+(?:gerne|meget gerne|også|så|derfor|altså|alligevel|heldigvis))+|kommer|komme|(?:kommer|deltager|stiller|komme|deltage) med|plads til|so we are|in all|in total)\s+(?P<n>` + numAlt + `)(?:$|[^\p{L}\d])`),
		regexp.MustCompile(`(?:^|[^\p{L}\d])(?P<n>` + numAlt + `)\s+i alt(?:$|[^\p{L}])`),
		// "stiller med et hold på to": read apart, since "med et" may take the words before it
		regexp.MustCompile(`(?:^|[^\p{L}])(?:hold|gruppe|delegation|følge)\s+på\s+(?P<n>` + numAlt + `)(?:$|[^\p{L}\d])`),
		// "så vi kommer til Vejle med to": the number that ends the clause after "med"
		regexp.MustCompile(`(?:^|[^\p{L}])vi\s+(?:kommer|deltager|stiller|møder op)\s+(?:[\p{L}.-]+\s+){1,4}?med\s+(?P<n>` + numAlt + `)(?:\s+(?:personer|deltagere))?\s*[.!]?\s*$`),
		// "Vi deltager i mødet og bliver to", "… og kommer stadig to": the subject of the clause before
		regexp.MustCompile(`(?:^|[^\p{L}])og\s+(?:er|bliver|kommer|deltager)(?:\s+` + countAdv + `)*\s+(?P<n>` + numAlt + `)(?:$|[^\p{L}\d])`),
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
	aloneRe2    = regexp.MustCompile(`(?:^|[^\p{L}])(?:alene|kun mig|bare mig|kun mig selv|kun jeg|det bliver kun mig|ingen andre end mig|ikke andre end mig|kun ham|kun hende|kun én|kun en|only me|just me|just myself|on my own|by myself)(?:$|[^\p{L}])`)
	withRe      = regexp.MustCompile(`(?:^|[^\p{L}])jeg\s+(?:kommer|deltager|tager)(?:\s+[\p{L}.]+){0,4}?\s+med\s+(` + numAlt + `)\s+(?:fra|kolleger|kollegaer|medarbejdere|andre|af)`)
	// bringsRe finds the writer bringing a number of people ("og har to med", "jeg tager én med").
	bringsRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:jeg|og)\s+(?:har|tager)(?:\s+(?:også|gerne|så|derfor))?\s+(` + numAlt + `)\s+med(?:$|[^\p{L}])`)
	plusRe   = regexp.MustCompile(`(?:^|[^\p{L}])(?:vi|os)(?:\s+(?:kommer|bliver|er|deltager|tager|kører))?\s+(?P<n>to|tre|2|3)\s*,?\s*(?:\+|plus)\s*(?P<w>[\p{L}\d-]+)`)
	// notCountAfterRe marks a number that is no count of people ("en mere end", "fire i bilen"),
	// the day of a date among them ("Vi kommer 1/3", "kommer 6. marts").
	notCountAfterRe = regexp.MustCompile(dayOfDateRe.String() + `|^\s*(?:mere|flere|færre|mindre|end|i bilen|dage|timer|uger|minutter|møder|af de|af møderne|af dem|gange|år|more|fewer|days|hours|er for mange|i (?:ledergruppen|ledelsen|afdelingen|huset|teamet|gruppen|staben|personalegruppen|styregruppen|bestyrelsen)|på (?:biblioteket|hovedbiblioteket|kontoret)|ansatte|filialer|afdelinger|skoler|kommuner|institutioner)(?:$|[^\p{L}])`)
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
	// "Jeg kommer til Vejle og har to med", "Jeg kommer til Vejle med to fra
	// skoleafdelingen": the writer and that many more
	for _, re := range []*regexp.Regexp{bringsRe, withRe} {
		if mm := re.FindStringSubmatchIndex(l); mm != nil {
			if k := numberWord(l[mm[2]:mm[3]]); k > 0 && k < 20 {
				n, words, partial = k+1, [2]int{mm[0], mm[1]}, false
			}
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

// unitSendsRe finds the word before "sender" and a number: its subject, unless the subject
// follows it.
var unitSendsRe = regexp.MustCompile(`(?:^|[^\p{L}])(\p{L}+)\s+sender\s+(?:også\s+)?(?:` + numAlt + `)(?:$|[^\p{L}\d])`)

// partySenders are the words before "sender" that make the party the subject ("vi sender to",
// "derfor sender vi to").
var partySenders = map[string]bool{"vi": true, "jeg": true, "derfor": true, "så": true, "og": true, "dermed": true,
	"altså": true, "nok": true, "gerne": true, "we": true, "i": true, "til": true, "kommune": true,
	"kommunen": true, "biblioteket": true, "bibliotekerne": true, "bibliotek": true}

// unitSends says whether a clause's number counts people a part of the house sends
// ("skoleafdelingen sender én", "Pædagogisk Center sender en"), not the party ("vi sender to",
// "Odder sender én fra folkebiblioteket og én fra skolesiden").
func unitSends(l string, self *selfNames) bool {
	if !strings.Contains(l, "sender ") {
		return false
	}
	m := unitSendsRe.FindStringSubmatch(l)
	return m != nil && !partySenders[m[1]] && !self.is(m[1]) && !self.other(m[1])
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
	m := strings.TrimRightFunc(l[loc[0]:loc[1]], func(r rune) bool { return !unicode.IsLetter(r) })
	if (strings.HasSuffix(m, " en") || strings.HasSuffix(m, " én")) && !countNounNext(l[loc[0]+len(m):]) {
		return false, "" // "så er det jo kun en kort gåtur": an article, no one counted
	}
	if only && (strings.HasPrefix(after, "og ") || strings.HasPrefix(after, "samt ") || strings.HasPrefix(after, "+")) {
		return false, "" // "det er kun mig og min souschef, der kommer": "kun" reaches the whole list
	}
	return true, strings.TrimSpace(l[loc[0]:loc[1]])
}

// fewRe finds a party counted without a number: "et par stykker", "nogle stykker", "et par
// af os", "et lille hold". Two at least; the number is not said.
var fewRe = wordsRe(`et par (stykker|styk|stk|af os|mand|personer|deltagere|kolleger|kollegaer|medarbejdere|folk)|nogle (stykker|få|af os)|et (lille )?hold(?: fra)?|en lille (flok|gruppe|delegation)|a few of us|a couple of us`)
