package letters

import (
	"fmt"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// Reasons writes out reasons (campaign.Reason) in a language, from the catalogue
// templates/reasons.<lang>.txt: one template per reason code. It is safe for concurrent use.
type Reasons struct {
	c     *campaign.Campaign // for the names of meetings and invitees; may be nil
	langs map[string]*template.Template
}

// NewReasons parses the embedded catalogue for the campaign (nil writes meeting ids and
// invitee codes as they are). Letters holds the catalogue with the template folder's
// overrides (reasons.<lang>.txt).
func NewReasons(c *campaign.Campaign) (*Reasons, error) {
	src, err := templateSources("")
	if err != nil {
		return nil, err
	}
	return newReasons(c, src)
}

func newReasons(c *campaign.Campaign, src map[string]source) (*Reasons, error) {
	r := &Reasons{c: c, langs: map[string]*template.Template{}}
	for _, lang := range Languages() {
		s := src["reasons."+lang+".txt"]
		t, err := template.New(s.name).Option("missingkey=error").Funcs(r.funcs(lang)).Parse(s.text)
		if err != nil {
			return nil, fmt.Errorf("reasons: %w", err)
		}
		r.langs[lang] = t
	}
	return r, nil
}

// MustReasons is NewReasons for the embedded catalogue, which a test parses: it cannot fail
// at run time.
func MustReasons(c *campaign.Campaign) *Reasons {
	r, err := NewReasons(c)
	if err != nil {
		panic(err)
	}
	return r
}

// Text writes the reason out in lang (English when the catalogue lacks the language): its
// sentence, its notes after a semicolon, a full stop, then the reading's own reason when it
// has one. A code the catalogue does not know is written as the code and its parameters, so
// nothing is lost.
func (r *Reasons) Text(lang string, why campaign.Reason) string {
	t, ok := r.langs[lang]
	if !ok {
		t = r.langs["en"]
	}
	var b strings.Builder
	r.write(&b, t, why)
	return b.String()
}

func (r *Reasons) write(b *strings.Builder, t *template.Template, why campaign.Reason) {
	b.WriteString(capital(r.clause(t, why)))
	for _, n := range why.Notes {
		b.WriteString("; ")
		b.WriteString(r.clause(t, n))
	}
	if s := b.String(); !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		b.WriteString(".")
	}
	if why.Reading != nil {
		b.WriteString(" ")
		r.write(b, t, *why.Reading)
	}
}

// clause is the code's sentence without notes or stop.
func (r *Reasons) clause(t *template.Template, why campaign.Reason) string {
	var b strings.Builder
	if t.Lookup(string(why.Code)) == nil {
		return fmt.Sprintf("%s %+v", why.Code, why)
	}
	if err := t.ExecuteTemplate(&b, string(why.Code), why); err != nil {
		return fmt.Sprintf("%s %+v", why.Code, why)
	}
	return strings.TrimSpace(b.String())
}

// Action is what the staff are to do about an item of review, in lang, from the catalogue's
// "do_<code>" templates: the item's code's, else its reading's (an item that only says a
// reading needs a person: "do_read_question" is "Besvar spørgsmålet"), else "do_default".
func (r *Reasons) Action(lang string, why campaign.Reason) string {
	t, ok := r.langs[lang]
	if !ok {
		t = r.langs["en"]
	}
	codes := []campaign.ReasonCode{why.Code}
	if why.Reading != nil {
		codes = append(codes, why.Reading.Code)
	}
	for _, code := range append(codes, "default") {
		if t.Lookup("do_"+string(code)) == nil {
			continue
		}
		var b strings.Builder
		if err := t.ExecuteTemplate(&b, "do_"+string(code), why); err == nil {
			return capital(strings.TrimSpace(b.String()))
		}
	}
	return ""
}

// Has reports whether the catalogue of lang has a sentence for the code.
func (r *Reasons) Has(lang string, code campaign.ReasonCode) bool {
	t, ok := r.langs[lang]
	return ok && t.Lookup(string(code)) != nil
}

// funcs are the letters' functions of the language (count, people, isodate ...) and those
// only reasons use.
func (r *Reasons) funcs(lang string) template.FuncMap {
	da := lang == "da"
	var loc *time.Location
	if r.c != nil {
		loc = r.c.Location
	}
	fm := textFuncs(lang, loc)
	fm["capital"] = capital
	fm["city"] = r.city
	fm["where"] = func(id string) string {
		switch {
		case id == "" && da:
			return "uden at skrive hvilket møde"
		case id == "":
			return "without naming a meeting"
		case id == "*" && da:
			return "(flere møder nævnt)"
		case id == "*":
			return "(several meetings named)"
		case da:
			return "i mødet i " + r.city(id)
		}
		return "the meeting in " + r.city(id)
	}
	fm["invitee"] = func(code string) string {
		if r.c != nil {
			if inv, ok := r.c.Invitee(code); ok {
				if inv.FormalName != "" {
					return inv.FormalName
				}
				return inv.Name
			}
		}
		if da {
			return "inviteret " + code
		}
		return "invitee " + code
	}
	fm["quote"] = func(s string) string {
		if da {
			return "»" + s + "«"
		}
		return "“" + s + "”"
	}
	fm["addresses"] = func(a []string) string {
		switch {
		case len(a) > 0:
			return strings.Join(a, ", ")
		case da:
			return "modtageren"
		}
		return "the recipient"
	}
	fm["status"] = func(code string) string { return statusWords(lang, code) }
	fm["partstat"] = func(p string) string { return partStatWords(lang, p) }
	fm["letter"] = func(kind string, definite bool) string { return letterName(lang, kind, definite) }
	fm["bytes"] = func(n int) string { return bytesIn(lang, n) }
	fm["cities"] = func(ids []string) string { return r.cities(lang, ids, "or") }
	fm["others"] = func(ids []string) string { return r.cities(lang, ids, "and") }
	fm["ref"] = func(kind string) string { return refWords(lang, kind) }
	return fm
}

// city names a meeting by its city (its id when the campaign does not know it).
func (r *Reasons) city(id string) string {
	if r.c != nil {
		if m, ok := r.c.Meeting(id); ok {
			return m.City
		}
	}
	return id
}

// cities names meetings by city, joined as a choice ("Aalborg or Vejle") or a list
// ("Aalborg and Roskilde").
func (r *Reasons) cities(lang string, ids []string, join string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id
		if r.c != nil {
			if m, ok := r.c.Meeting(id); ok {
				names[i] = m.City
			}
		}
	}
	word := map[string][2]string{"or": {"eller", "or"}, "and": {"og", "and"}}[join]
	w := word[1]
	if lang == "da" {
		w = word[0]
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + w + " " + names[len(names)-1]
}

// refWords says in words how a reply named a meeting or counted its people (campaign.Reason's
// Ref), as the object of "read from" / "læst ud fra".
func refWords(lang, kind string) string {
	w, ok := map[string][2]string{
		"city":         {"bynavnet", "the city's name"},
		"weekday":      {"ugedagen", "the weekday"},
		"date":         {"datoen", "the date"},
		"relative_day": {"dagen regnet fra svarets dato", "the day counted from the reply's date"},
		"month":        {"måneden", "the month"},
		"week":         {"ugenummeret", "the week number"},
		"venue":        {"mødestedet", "the venue"},
		"room":         {"lokalet", "the room"},
		"street":       {"adressen", "the street"},
		"order":        {"mødernes rækkefølge", "the order of the meetings"},
		"region":       {"landsdelen", "the part of the country"},
		"host":         {"at mødet holdes hos afsenderen", "the meeting being held at the sender's own house"},
		"inline":       {"svarets plads under mødet i den citerede invitation", "the answer's place under the meeting in the quoted invitation"},
		"misspelt":     {"et bynavn med en stavefejl", "a misspelt city name"},
		"earlier":      {"afsenderens tidligere svar, som er citeret nedenfor", "the sender's earlier answer quoted below"},
		"number":       {"et tal", "a number"},
		"names":        {"navnene", "the names"},
		"list":         {"deltagerlisten", "the list of participants"},
	}[kind]
	if !ok {
		return kind
	}
	if lang == "da" {
		return w[0]
	}
	return w[1]
}

// capital starts a sentence with a capital letter, unless it starts with a mail address,
// which is written as it is ("sekretariat@example.test er ikke inviteret").
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	if first, _, _ := strings.Cut(s, " "); strings.Contains(first, "@") {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// statusWords says in words what an enhanced mail status code (RFC 3463) means, "" for a code
// without a plain meaning.
func statusWords(lang, code string) string {
	_, subject, ok := strings.Cut(code, ".")
	if !ok {
		return ""
	}
	words := map[string][2]string{
		"1.1":  {"ukendt modtager", "unknown recipient"},
		"1.2":  {"ukendt domæne", "unknown domain"},
		"1.10": {"modtageren har ingen mail", "the recipient takes no mail"},
		"2.1":  {"postkassen er lukket", "the mailbox is disabled"},
		"2.2":  {"postkassen er fuld", "the mailbox is full"},
		"4.4":  {"modtagerens server kan ikke findes", "the recipient's server cannot be found"},
		"7.1":  {"afvist af modtagerens server", "refused by the recipient's server"},
	}[subject]
	if lang == "da" {
		return words[0]
	}
	return words[1]
}

func partStatWords(lang, p string) string {
	w, ok := map[string][2]string{
		"ACCEPTED":     {"ja", "accepts"},
		"DECLINED":     {"nej", "declines"},
		"TENTATIVE":    {"måske", "is tentative"},
		"NEEDS-ACTION": {"ubesvaret", "is unanswered"},
		"DELEGATED":    {"uddelegeret", "is delegated"},
	}[strings.ToUpper(p)]
	if !ok {
		return p
	}
	if lang == "da" {
		return "»" + w[0] + "«"
	}
	return w[1]
}

// letterName names a kind of letter, indefinite or definite.
func letterName(lang, kind string, definite bool) string {
	n, ok := map[string][4]string{
		"invitation":       {"invitation", "invitationen", "invitation", "the invitation"},
		"confirmation":     {"bekræftelse", "bekræftelsen", "confirmation", "the confirmation"},
		"change":           {"bekræftelse af en ændring", "bekræftelsen af ændringen", "confirmation of a change", "the confirmation of the change"},
		"calendar_cancel":  {"aflysning af en kalenderaftale", "aflysningen af kalenderaftalen", "calendar cancellation", "the calendar cancellation"},
		"decline_ack":      {"kvittering for afbud", "kvitteringen for afbuddet", "acknowledgement of a decline", "the acknowledgement of the decline"},
		"cancel_ack":       {"kvittering for afmelding", "kvitteringen for afmeldingen", "acknowledgement of a cancellation", "the acknowledgement of the cancellation"},
		"reminder":         {"påmindelse", "påmindelsen", "reminder", "the reminder"},
		"agreement":        {"tilslutningsaftale", "tilslutningsaftalen", "agreement letter", "the agreement letter"},
		"nudge_unanswered": {"rykker for svar", "rykkeren for svar", "reminder to answer", "the reminder to answer"},
		"nudge_agreement":  {"rykker for aftalen", "rykkeren for aftalen", "reminder of the agreement", "the reminder of the agreement"},
		"staff_review":     {"besked til sekretariatet", "beskeden til sekretariatet", "staff notification", "the staff notification"},
		"digest":           {"dagsoversigt", "dagsoversigten", "digest", "the digest"},
		"final_report":     {"slutrapport", "slutrapporten", "final report", "the final report"},
		"participant_list": {"deltagerliste", "deltagerlisten", "participant list", "the participant list"},
		"staff_signin":     {"besked om login", "beskeden om login", "sign-in notice", "the sign-in notice"},
		"staff_answer":     {"svar fra sekretariatet", "svaret fra sekretariatet", "answer from the staff", "the answer from the staff"},
		"desk_signin":      {"link til at logge ind", "linket til at logge ind", "sign-in link", "the sign-in link"},

		// Receipts and answers that need no person.
		"question_ack":         {"kvittering for spørgsmål", "kvitteringen for spørgsmålet", "acknowledgement of a question", "the acknowledgement of the question"},
		"agreement_receipt":    {"kvittering for tilslutningsaftale", "kvitteringen for tilslutningsaftalen", "receipt for the agreement", "the receipt for the agreement"},
		"agreement_pdf_needed": {"anmodning om aftalen som PDF", "anmodningen om aftalen som PDF", "request for the agreement as a PDF", "the request for the agreement as a PDF"},
		"agreement_confirmed":  {"bekræftelse af tilslutning", "bekræftelsen af tilslutningen", "confirmation of the accession", "the confirmation of the accession"},
	}[kind]
	if !ok {
		return kind
	}
	i := 0
	if lang != "da" {
		i = 2
	}
	if definite {
		i++
	}
	return n[i]
}

func bytesIn(lang string, n int) string {
	mb := float64(n) / (1 << 20)
	s := fmt.Sprintf("%.1f MB", mb)
	if lang == "da" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
