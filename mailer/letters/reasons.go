package letters

import (
	"regexp"
	"strconv"
	"strings"
)

// Review reasons are stored in English: they are written where the decision is made
// (campaign.Apply, the daemon, the reader), go to logs and to `rsvpd review`, and stay stable
// for replay. The staff's letters speak the campaign's language, so a Danish letter shows a
// reason through ReasonIn, which translates the phrases rsvpd writes and leaves alone what
// others wrote: the words quoted from a reply (shown in »…«), addresses, codes and a server's
// error text.

// ReasonIn returns a review reason in lang ("da" or "en").
func ReasonIn(lang, reason string) string {
	if lang != "da" || reason == "" {
		return reason
	}
	// Quoted words from a message are kept as they are: out of the rules' way first.
	var quoted []string
	s := goQuoted.ReplaceAllStringFunc(reason, func(q string) string {
		if u, err := strconv.Unquote(q); err == nil {
			q = u
		} else {
			q = strings.Trim(q, `"`)
		}
		quoted = append(quoted, q)
		return "\x00" + strconv.Itoa(len(quoted)-1) + "\x00"
	})
	for _, r := range reasonRulesDa {
		if r.fn != nil {
			s = r.re.ReplaceAllStringFunc(s, func(m string) string { return r.fn(r.re.FindStringSubmatch(m)) })
		} else {
			s = r.re.ReplaceAllString(s, r.to)
		}
	}
	return placeholder.ReplaceAllStringFunc(s, func(p string) string {
		i, _ := strconv.Atoi(strings.Trim(p, "\x00"))
		return "»" + quoted[i] + "«"
	})
}

var (
	goQuoted    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	placeholder = regexp.MustCompile("\x00[0-9]+\x00")
)

type reasonRule struct {
	re *regexp.Regexp
	to string                // the replacement ($1 ...), or
	fn func([]string) string // one built from the submatches
}

func rule(pattern, to string) reasonRule {
	return reasonRule{re: regexp.MustCompile(pattern), to: to}
}

func ruleFn(pattern string, fn func([]string) string) reasonRule {
	return reasonRule{re: regexp.MustCompile(pattern), fn: fn}
}

// letterNameDa names a letter kind in Danish, indefinite and definite.
var letterNameDa = map[string][2]string{
	string(KindInvitation):      {"invitation", "invitationen"},
	string(KindConfirmation):    {"bekræftelse", "bekræftelsen"},
	string(KindChange):          {"bekræftelse af en ændring", "bekræftelsen af ændringen"},
	string(KindDeclineAck):      {"kvittering for afbud", "kvitteringen for afbuddet"},
	string(KindCancelAck):       {"kvittering for afmelding", "kvitteringen for afmeldingen"},
	string(KindReminder):        {"påmindelse", "påmindelsen"},
	string(KindAgreement):       {"tilslutningsaftale", "tilslutningsaftalen"},
	string(KindNudgeUnanswered): {"rykker for svar", "rykkeren for svar"},
	string(KindNudgeAgreement):  {"rykker for aftalen", "rykkeren for aftalen"},
	string(KindStaffReview):     {"besked til sekretariatet", "beskeden til sekretariatet"},
	string(KindDigest):          {"dagsoversigt", "dagsoversigten"},
}

func letterDa(kind string, definite bool) string {
	n, ok := letterNameDa[kind]
	if !ok {
		return kind
	}
	if definite {
		return n[1]
	}
	return n[0]
}

func peopleDa(n string) string {
	if n == "1" {
		return "1 person"
	}
	return n + " personer"
}

// q matches a quoted part (its placeholder); place a city or meeting.
const (
	q     = "(\x00[0-9]+\x00)"
	place = `([^,;:()]+?)`
)

// reasonRulesDa are applied in order; longer phrases come before the shorter ones they hold.
var reasonRulesDa = []reasonRule{
	// The daemon.
	rule(`^(\S+) wrote without a token or thread and from an address rsvpd does not know; the text names (\S+): check who they are before applying`,
		"$1 skrev uden token eller tråd og fra en adresse, rsvpd ikke kender; teksten nævner $2: tjek, hvem afsenderen er, før svaret bruges"),
	rule(`^(\S+) is not an invitee, and the message carries no token or thread of ours: nothing was changed`,
		"$1 er ikke inviteret, og beskeden har hverken vores token eller tråd: intet er ændret"),
	rule(`matched to invitee (\S+), which the campaign no longer lists`, "knyttet til inviteret $1, som ikke længere er med i kampagnen"),
	ruleFn(`^the (\w+) to (\S+) could not be delivered: `, func(m []string) string {
		return upperFirst(letterDa(m[1], true)) + " til " + m[2] + " kunne ikke leveres: "
	}),
	ruleFn(`no (\w+) sent: (\S+) already had (\d+) automatic answers today`, func(m []string) string {
		return "ingen " + letterDa(m[1], false) + " sendt: " + m[2] + " har allerede fået " + m[3] + " automatiske svar i dag"
	}),
	rule(`the message could not be read: `, "beskeden kunne ikke læses: "),

	// The state machine (campaign.Apply).
	rule(`the reading needs a person to check it`, "læsningen skal tjekkes af en person"),
	rule(`mail to the invitee bounced permanently: find another address`, "mail til den inviterede afvises permanent: find en anden adresse"),
	rule(`a calendar (\w+), not an answer to our invitation`, "en kalender-$1, ikke et svar på vores invitation"),
	rule(`a calendar answer to an entry that names none of the meetings`, "et kalendersvar på en aftale, der ikke nævner nogen af møderne"),
	rule(`a tentative calendar answer for (\S+): ask whether they come`, "et foreløbigt kalendersvar for $1: spørg, om de kommer"),
	rule(`a calendar answer `+q+` that rsvpd does not act on`, "et kalendersvar $1, som rsvpd ikke handler på"),
	rule(`wants to come but names no meeting`, "vil gerne komme, men nævner intet møde"),
	rule("the agreement came back: check it and confirm with `([^`]+)`", "aftalen er kommet retur: tjek den, og bekræft med `$1`"),
	rule(`^asks a question without answering: `, "stiller et spørgsmål uden at svare: "),
	rule(`^asks a question: Asks a question without answering: `, "stiller et spørgsmål uden at svare: "), // before 2026-11
	rule(`asks a question`, "stiller et spørgsmål"),
	rule(`the answer could not be read`, "svaret kunne ikke læses"),
	rule(`names a meeting rsvpd does not know \(`+q+`\)`, "nævner et møde, rsvpd ikke kender ($1)"),
	rule(`wants to come to `+place+`, which has already taken place`, "vil gerne komme til $1, som allerede er holdt"),
	rule(`wants to change from `+place+`, which has already taken place`, "vil skifte fra $1, som allerede er holdt"),
	rule(`cancels `+place+`, which has already taken place`, "melder fra til $1, som allerede er holdt"),
	rule(`registered (\d+) people for `+place+`; the invitation welcomes (\d+)`, "tilmeldt $1 personer til $2; invitationen er til $3"),

	// The reader (replies).
	rule(`The message could not be read`, "Beskeden kunne ikke læses"),
	rule(`A delivery failure report\.`, "En rapport om en fejlet levering."),
	rule(`A permanent delivery failure for `, "En permanent leveringsfejl for "),
	rule(`A temporary delivery failure for `, "En midlertidig leveringsfejl for "),
	rule(`An automatic reply, not an answer\.`, "Et automatisk svar, ikke et svar på invitationen."),
	rule(`An automatic reply; the sender is back (\S+)\.`, "Et automatisk svar; afsenderen er tilbage $1."),
	rule(`A calendar message without content\.`, "En kalenderbesked uden indhold."),
	rule(`A calendar (\w+), not an answer to the invitation\.`, "En kalender-$1, ikke et svar på invitationen."),
	rule(`The calendar answer accepts`, "Kalendersvaret siger ja"),
	rule(`The calendar answer declines`, "Kalendersvaret siger nej"),
	ruleFn(`The calendar answer is ([\w-]+),`, func(m []string) string {
		word := map[string]string{"tentative": "måske", "needs-action": "ubesvaret", "delegated": "uddelegeret"}[m[1]]
		if word == "" {
			word = m[1]
		}
		return "Kalendersvaret er »" + word + "«"
	}),
	rule(` \(read from the subject, no calendar data\)`, " (læst ud fra emnefeltet, uden kalenderdata)"),
	rule(` for the meeting in `+place+`\.`, " for mødet i $1."),
	rule(` the meeting in `+place+`\.`, " til mødet i $1."),
	rule(`; the meeting is not identified\.`, "; mødet kan ikke bestemmes."),
	rule(`No text, but a PDF is attached: read as the returned agreement\.`, "Ingen tekst, men en vedhæftet PDF: læst som den returnerede aftale."),
	rule(`The reply has no text of its own\.`, "Svaret har ingen tekst ud over det citerede."),
	ruleFn(`(Attends|Changes to) \(([^()]+?), (\d+) (?:person|people)\): `, func(m []string) string {
		verb := "Kommer"
		if m[1] == "Changes to" {
			verb = "Skifter til"
		}
		where := m[2]
		switch where {
		case "no meeting named":
			where = "intet møde nævnt"
		case "more than one meeting named":
			where = "flere møder nævnt"
		}
		return verb + " (" + where + ", " + peopleDa(m[3]) + "): "
	}),
	rule(`Declines: `, "Melder afbud: "),
	rule(`Returns or accepts the agreement: `, "Returnerer eller accepterer aftalen: "),
	rule(` \(PDF attached\)`, " (PDF vedhæftet)"),
	rule(`Asks a question without answering: `, "Spørger uden at svare: "),
	rule(`No answer found in the text\.`, "Intet svar fundet i teksten."),
	// Its notes.
	rule(`the sender is not a known invitee`, "afsenderen er ikke en kendt inviteret"),
	rule(`the invitee was found only by the municipality or mail domain named in the message`,
		"den inviterede er kun fundet ud fra kommunen eller maildomænet i beskeden"),
	rule(`the sender is registered for invitee (\S+)`, "afsenderen er registreret for inviteret $1"),
	rule(`the note asks a question`, "noten stiller et spørgsmål"),
	rule(`(\d+) people is more than the (\d+) welcome without review`, "$1 personer er flere end de $2, der kan komme uden gennemsyn"),
	rule(`it also asks a question`, "der stilles også et spørgsmål"),
}

func upperFirst(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}
