package replies

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Trimming works on lines. Each line gets a kind; the reply is the text before the first
// line that starts an earlier message (a quote header, an "original message" separator, a
// header block, a forward marker), a signature delimiter or a phone's signature. Quoted
// ("> ") lines are dropped wherever they are, so interleaved answers survive. When nothing is
// written before the quoted message, the reply is below it (bottom posting). Last, a
// closing with a name after it ("Med venlig hilsen\nBirgitte Holm\nTlf. ...") is cut.

type lineKind byte

const (
	kindText   lineKind = 't'
	kindEmpty  lineKind = 'e'
	kindQuote  lineKind = 'q' // "> quoted"
	kindHeader lineKind = 'h' // starts an earlier or forwarded message
	kindDelim  lineKind = 'd' // a rule or "-- ": what follows is a signature or a quote
	kindSig    lineKind = 's' // "Sent from my iPhone" and its kind
)

var (

	// separatorRe matches the lines clients write before an earlier or forwarded message.
	separatorRe = regexp.MustCompile(`(?i)^[ \t>]*[-_=*]*[ \t]*(original message|original-nachricht|oprindelig meddelelse|oprindelig besked|oprindelig e-?mail|opprinnelig melding|ursprungligt meddelande|ursprüngliche nachricht|ursprungliche nachricht|message d'origine|mensaje original|messaggio originale|mensagem original|oorspronkelijk bericht|originalnachricht|forwarded message|forwarded by|videresendt (meddelelse|besked|e-?mail)|videresendt melding|vidarebefordrat meddelande|weitergeleitete nachricht|message transféré|message transfere|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|begin forwarded message|start på videresendt (meddelelse|besked)|videresendt|original text|reply message|svar på meddelelse|wiadomość oryginalna|oryginalna wiadomość|исходное сообщение|пересылаемое сообщение|alkuperäinen viesti|eredeti üzenet)[ \t]*:?[ \t]*[-_=*]*[ \t]*:?[ \t]*$`)

	// delimRe matches a rule line: a run of the same punctuation.
	delimRe = regexp.MustCompile(`^[ \t]*(-{2,}|_{3,}|={3,}|~{3,}|\*{3,}|\+{3,}|-- ?)[ \t]*$`)

	// wroteRe matches the verbs of "On <date>, <name> wrote:" in the languages of the
	// mail Danish offices get.
	// It is matched against the lower-cased line.
	wroteRe = wordsRe(`wrote|writes|skrev|skriver|schrieb|schreef|a écrit|a ecrit|ha scritto|escribió|escribio|escreveu|napisał|napisala|napisała|kirjoitti|написал|написала|пишет|skrifaði|írta|napsal|έγραψε|yazdı|写道|寫道|het geskryf|a scris|rašė|rakstīja|kirjutas|je napisal|је написао|napísal`)

	// headerFieldRe matches the fields of a header block a client writes above a quoted
	// message (Outlook's Fra:/Sendt:/Til:/Emne:, and its peers), with Outlook's bold "*From:*".
	headerFieldRe = regexp.MustCompile(`(?i)^[ \t>]*\*?[ \t]*(from|fra|från|fran|von|de|da|van|od|frá|lähettäjä|от|feladó|kimden|remetente|afzender|expéditeur|mittente|sent|sendt|skickat|gesendet|envoyé|envoyé le|enviado|inviato|verzonden|wysłano|wysłane|lähetetty|отправлено|date|dato|datum|data|fecha|päivämäärä|дата|to|til|till|an|à|a|aan|do|para|per|vastaanottaja|кому|cc|kopi|kopia|kopie|copie|copie à|copia|kopio|копия|bcc|subject|emne|ämne|betreff|objet|oggetto|onderwerp|temat|asunto|assunto|aihe|тема|reply-to|svar til|antwort an|répondre à|importance|prioritet|priorität|message du|sujet|ämne|tárgy|konu|předmět|organisation|organization)[ \t]*\*?[ \t]*:`)
	fromFieldRe   = regexp.MustCompile(`(?i)^[ \t>]*\*?[ \t]*(from|fra|från|fran|von|de|da|van|od|frá|lähettäjä|от|feladó|kimden|remetente|afzender|expéditeur|mittente|message du)[ \t]*\*?[ \t]*:`)

	// phoneSigRe matches the lines phones and webmail append ("Sendt fra min iPhone").
	// It is matched against the lower-cased line.
	phoneSigRe = regexp.MustCompile(`^[ \t]*[(<]*[ \t]*(` +
		`sent from my [^,.;:!?()]{1,40}$|sent from my\s+(\S+\s+){0,3}?\S*(iphone|ipad|ipod|android|blackberry|mobile|phone|galaxy|samsung|htc|nokia|huawei|xperia|smartphone|tablet|device|cell|pixel|oneplus|motorola|windows|mac|sony|lg|verizon|wireless|ti-\d+|alcatel|xiaomi|fairphone)` +
		`|sent from (outlook|mail|yahoo mail|aol|windows mail|mailbox|gmail|my mobile|\[?mail\]?|samsung|android)` +
		`|sent (via|with|using) \S+` + `|sent by \S+` + `|sent from a (phone|mobile)` +
		`|sendt fra (min|mit|mail|outlook|samsung|yahoo)` + `|skickat från (min|mail|outlook|samsung|yahoo)` + `|sendt fra min` +
		`|hentet fra outlook|hent outlook|få outlook|skaffa outlook|hämta outlook|get outlook|obtenir outlook|outlook für|outlook pour` +
		`|von meinem \S+.*gesendet|von meinem (iphone|ipad|mobilgerät|smartphone|samsung|android)|gesendet von (meinem|outlook|mail|samsung|yahoo)|gesendet mit` +
		`|envoyé de mon|envoyé depuis mon|envoyé à partir de|envoyé avec|envoyé de (outlook|mail|yahoo)` +
		`|enviado desde mi|enviado do meu|enviado de meu|inviato da(l mio)? |verzonden (vanaf|met|van) |verstuurd vanaf|wysłane z (mojego|mojej)|lähetetty|отправлено с` +
		`|diese nachricht wurde von meinem|從我的|从我的|iphoneから送信|this message was sent from|this email was sent from my` +
		`)`)

	// closingRe matches the closings a signature starts with.
	closingRe = regexp.MustCompile(`(?i)^[ \t]*(med venlig(e)? hilsen?|med venlig hilsen|venlig(e)? hilsen?|venlig hilsen|de bedste hilsner|bedste hilsner?|mange hilsner|hilsen|hilsner|kærlig hilsen|kh|mvh|m\.v\.h\.?|vh|vh\.|mvh\.|med vänlig hälsning|med vänliga hälsningar|vänliga hälsningar|vänlig hälsning|hälsningar|mvh|med hilsen|vennlig hilsen|beste hilsen|mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße|beste grüße|liebe grüße|gruß|grüße|lg|mfg|cordialement|bien cordialement|bien à vous|salutations|best regards|kind regards|warm regards|regards|best wishes|best|cheers|thanks and regards|thank you and regards|many thanks|yours sincerely|sincerely|yours truly|yours|br|rgds|met vriendelijke groet(en)?|vriendelijke groet(en)?|groet(en)?|pozdrawiam|z poważaniem|z powazaniem|saludos|un saludo|cordiali saluti|distinti saluti|saluti|atenciosamente|abraços)[ \t]*[,.!:]?[ \t]*$`)
	// closingLeadRe matches a closing followed by a name on the same line ("Mvh Hanne").
	closingLeadRe = regexp.MustCompile(`(?i)^[ \t]*(med venlig hilsen|venlig hilsen|mvh|vh|kh|hilsen|best regards|kind regards|regards|cheers|med vänlig hälsning|vänliga hälsningar|mit freundlichen grüßen|viele grüße|cordialement|pozdrawiam)[ \t]*[,.!:]?[ \t]+\p{Lu}[\p{L}.'-]*([ \t]+\p{Lu}[\p{L}.'-]*){0,3}[ \t]*$`)
	// nameSignRe matches a sign-off by name alone: "/John", "-Abhishek Kona", "– Hanne".
	nameSignRe = regexp.MustCompile(`^[ \t]*(/|-|–|—|~)[ \t]*\p{Lu}[\p{L}.'-]*([ \t]+\p{Lu}[\p{L}.'-]*){0,3}[ \t]*$`)
	// contactRe matches the lines of a signature's contact block: phones, addresses, the web.
	contactRe = regexp.MustCompile(`(?i)(\b(tlf|tel|telefon|phone|mobil|mobile|mob|cell|fax|direkte|direct|dir)\b\.?[ \t:]*[+(\d]|\+?\d{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?\d{2}\b|\b\d{4}[ \t]+\p{Lu}\p{Ll}+|@|www\.|https?://|\b(kommune|municipality|bibliotek(erne|et)?|library|libraries|afdeling|department|centre|center|center for)\b)`)
)

// Trim returns the text the sender newly wrote in a plain-text body.
func Trim(body string) string {
	lines := strings.Split(normaliseBody(body), "\n")
	return trimLines(lines, classifyLines(lines))
}

// trimLines is Trim on a body already split and classified.
func trimLines(lines []string, kinds []lineKind) string {
	kept := selectReply(lines, kinds)
	kept = cutSignature(kept)
	return strings.TrimSpace(strings.Join(trimBlankEdges(kept), "\n"))
}

// isQuoteLine says whether a line is quoted: "> text", ">> text", "C> text" (initials);
// "| text" is left alone (tables and code use it).
func isQuoteLine(l string) bool {
	l = strings.TrimLeft(l, " \t")
	for i := 0; i < len(l) && i <= 3; i++ {
		c := l[i]
		switch {
		case c == '>':
			return true
		case i == 0 && c >= 'A' && c <= 'Z', i > 0 && (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'):
		default:
			return false
		}
	}
	return false
}

// phoneSigWords are the words a phone's or webmail's signature line begins with; the
// full pattern runs only on lines that begin so.
var phoneSigWords = []string{"sent", "sendt", "skickat", "hentet", "hent", "få", "skaffa", "hämta", "get", "obtenir",
	"outlook", "von", "gesendet", "envoyé", "enviado", "inviato", "verzonden", "verstuurd", "wysłane", "lähetetty",
	"отправлено", "diese", "從我的", "从我的", "iphone", "this"}

func phoneSigStart(l string) bool {
	l = strings.TrimLeft(l, " \t(<")
	if len(l) < 3 {
		return false
	}
	head := strings.ToLower(l[:min(len(l), 16)])
	for _, w := range phoneSigWords {
		if strings.HasPrefix(head, w) {
			return true
		}
	}
	return false
}

// ownText returns what the sender wrote, signature included (quotes and forwarded messages
// removed): where a colleague names the municipality they write for.
func ownText(lines []string, classified []lineKind) string {
	kinds := append([]lineKind(nil), classified...)
	for i, k := range kinds {
		if k == kindDelim || k == kindSig {
			kinds[i] = kindText
		}
	}
	return strings.Join(selectReply(lines, kinds), "\n")
}

// normaliseBody unifies line ends and drops the invisible characters trackers and editors
// leave (zero-width spaces, Gmail's U+1427 marker, byte order marks).
func normaliseBody(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\ufeff', '\u1427', '\u2060', '\u00ad':
			return -1
		case '\u00a0', '\u2007', '\u202f':
			return ' '
		}
		return r
	}, s)
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// classifyLines gives every line its kind. Quote headers wrapped over two or three lines are
// joined for the test and all their lines marked.
func classifyLines(lines []string) []lineKind {
	kinds := make([]lineKind, len(lines))
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case isBlank(l):
			kinds[i] = kindEmpty
		case len(l) < 120 && strings.ContainsAny(l, "-_=*:") && separatorRe.MatchString(l):
			kinds[i] = kindHeader
		case len(l) < 120 && strings.ContainsAny(l, "-_=~*+") && delimRe.MatchString(l):
			kinds[i] = kindDelim
		case isQuoteLine(l):
			kinds[i] = kindQuote
		case len(l) < 200 && phoneSigStart(l) && len(strings.Fields(l)) <= 14 && phoneSigRe.MatchString(strings.ToLower(l)):
			kinds[i] = kindSig
		default:
			n := quoteHeaderSpan(lines, i)
			if n == 0 {
				n = brokenAttributionSpan(lines, i)
			}
			if n > 0 {
				for j := i; j < i+n; j++ {
					kinds[j] = kindHeader
				}
				i += n - 1
				continue
			}
			if headerBlockAt(lines, i) {
				i = markHeaderBlock(lines, kinds, i) - 1
				continue
			}
			if i > 0 && kinds[i-1] == kindQuote && lazyContinuation(lines[i-1], l) {
				// A line right under a long quoted line, without an empty line between, is
				// the quote's own line that the sender's client wrapped without "> ".
				kinds[i] = kindQuote
				continue
			}
			kinds[i] = kindText
		}
	}
	return kinds
}

var (
	// gmailDateLeadRe matches Gmail's attribution in ISO-date locales, whose address part
	// is often lost: "2016-03-03 17:21 GMT+01:00 Some One".
	gmailDateLeadRe = regexp.MustCompile(`^\d{4}-\d{1,2}-\d{1,2}[ \t]+\d{1,2}:\d{2}([ \t]+GMT[+-]\d{1,2}:?\d{2})?[ \t]+[^.!?]{1,80}$`)
	// onTimeLeadRe and wroteEndRe find an attribution that a client broke over several
	// lines, some of them empty or quoted: "On Thu, ... at 11:16 Some One", "<", "mailto:...",
	// "> wrote:".
	onTimeLeadRe = regexp.MustCompile(`(?i)^(on|am|le|den|op|el|il|em)\b.*\d{1,2}[:.]\d{2}[^.!?]*$`)
	wroteEndRe   = regexp.MustCompile(`(?i)^[ \t>]*(.*\s)?(wrote|skrev|schrieb|a écrit|ha scritto|escribió|schreef|escreveu)\s*:\s*$`)
)

// brokenAttributionSpan returns how many lines from i form an attribution broken over up to
// six lines (empty and quoted ones included), or 0.
func brokenAttributionSpan(lines []string, i int) int {
	if gmailDateLeadRe.MatchString(strings.TrimSpace(lines[i])) {
		return 1
	}
	if !onTimeLeadRe.MatchString(strings.TrimSpace(lines[i])) || wroteRe.MatchString(strings.ToLower(lines[i])) {
		return 0
	}
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		if len(lines[j]) > 80 {
			return 0
		}
		if wroteEndRe.MatchString(lines[j]) {
			return j - i + 1
		}
	}
	return 0
}

// lazyContinuation says whether line continues the quoted line prev: prev was long enough
// to have been wrapped, and line does not start a new sentence of its own.
func lazyContinuation(prev, line string) bool {
	content := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(prev), ">"))
	if len([]rune(content)) < 40 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(line))
	return unicode.IsLower(r) || !strings.ContainsAny(content[len(content)-1:], ".!?:")
}

// quoteHeaderSpan returns how many lines (1 to 3) starting at i form an attribution line
// ("On Tue, 14 Feb 2012 at 09:12, Name <addr> wrote:", "Den 14. feb. 2012 kl. 09.12 skrev
// Name <addr>:", "2012/2/14 Name <addr>"), or 0.
func quoteHeaderSpan(lines []string, i int) int {
	joined := ""
	for n := 1; n <= 3 && i+n <= len(lines); n++ {
		l := strings.TrimSpace(lines[i+n-1])
		if l == "" || (n > 1 && isQuoteLine(lines[i+n-1]) && l != ">:") {
			return 0
		}
		if joined != "" {
			joined += " "
		}
		joined += l
		if len(joined) > 400 {
			return 0
		}
		if !attribCandidate(strings.Trim(joined, "*_ \t")) {
			continue
		}
		if n > 1 && !attribStartRe.MatchString(strings.Trim(strings.TrimSpace(lines[i]), "*_ \t")) {
			// A wrapped attribution starts like one ("On ...", "Den ...", a date); a
			// paragraph that merely runs into the next line's header is not one.
			return 0
		}
		if isAttribution(joined) {
			return n
		}
	}
	return 0
}

var (
	bracketAddrRe = regexp.MustCompile(`(<[^<>\s]+@[^<>\s]+>|\([^()\s]+@[^()\s]+\))\s*:$`)
	attribAddrRe  = regexp.MustCompile(`(<[^<>\s]+@[^<>\s]+>|\[mailto:[^\]]+\]|\([^()\s]+@[^()\s]+\)|\S+@\S+\.\w+)`)
	// An attribution without a verb: "2013/7/20 Name <addr>", "30.09.2017, 18.30, "Name" <addr>:"
	attribDateAddrRe = regexp.MustCompile(`^\S*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*(<[^<>\s]+@[^<>\s]+>|\([^()\s]+@[^()\s]+\))\s*:?\s*$`)
	attribOnRe       = regexp.MustCompile(`(?i)^(on|den|am|le|il|el|em|op|w dniu|dnia|pe|ma|ti|ke|to|pá|la|in data|\d|\p{L}{2,4}\.?,? \d)`)
	// attribStartRe matches how the first line of a wrapped attribution begins: a word
	// that introduces a date, a weekday or a date itself.
	attribStartRe = regexp.MustCompile(`(?i)^(on|den|am|le|il|el|em|op|w dniu|dnia|in data|the|\d|\p{L}{1,5}\.?,?\s+\d|(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|måndag|tisdag|lördag|söndag|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b|\S.*<\S+@\S+>?\s*$|\S.*<\s*$|.*\(\s*$|.*<[^<>\s]+@[^<>\s]+>)`)
)

// attribVerbs are the last words an attribution can end with besides a colon.
var attribVerbs = map[string]bool{"wrote": true, "skrev": true, "schrieb": true, "écrit": true, "escribió": true,
	"escreveu": true, "scritto": true, "kirjoitti": true, "napisał": true, "napisał(a)": true, "----": true}

// attribCandidate is a cheap test that rules out most lines before the patterns run: an
// attribution ends with a colon or a verb, or names an address.
func attribCandidate(s string) bool {
	if attribEnds(s) {
		return true
	}
	// The verbless "2013/7/20 Name <addr>" starts with its date.
	return len(s) > 0 && s[0] >= '0' && s[0] <= '9' && strings.IndexByte(s, '@') >= 0
}

// attribEnds says whether s ends the way an attribution does: a colon or a verb.
func attribEnds(s string) bool {
	if strings.HasSuffix(s, ":") || strings.HasSuffix(s, ":>") || strings.HasSuffix(s, "----") {
		return true
	}
	last := s
	if i := strings.LastIndexAny(s, " \t"); i >= 0 {
		last = s[i+1:]
	}
	return attribVerbs[strings.ToLower(last)]
}

// isAttribution says whether a (joined) line is a quote header.
func isAttribution(s string) bool {
	s = strings.Trim(s, "*_ \t")
	if len(s) < 8 || !attribCandidate(s) {
		return false
	}
	hasDigit := strings.ContainsAny(s, "0123456789")
	hasAddr := strings.IndexByte(s, '@') >= 0 && attribAddrRe.MatchString(s)
	end := attribEnds(s)
	hasVerb := end && wroteRe.MatchString(strings.ToLower(s))
	switch {
	case hasVerb && end && (hasDigit || hasAddr):
		// "On Mon, ... wrote:", "Den 14. feb. 2012 kl. 09.12 skrev Peter <p@x.dk>:"
		return len(s) < 300
	case hasVerb && end && attribOnRe.MatchString(s) && len(strings.Fields(s)) <= 12:
		// "Some One wrote:" after "On this day" style
		return strings.HasSuffix(strings.TrimSpace(s), ":")
	case hasDigit && hasAddr && strings.HasSuffix(s, ":") && len(s) < 250 && (attribOnRe.MatchString(s) || bracketAddrRe.MatchString(s)):
		// Verbless attribution: "ср, 30 апр. 2025 г. в 15:19, John Doe <doe@example.com>:"
		return true
	case s[0] >= '0' && s[0] <= '9' && hasAddr && len(s) < 200 && attribDateAddrRe.MatchString(s):
		return true
	}
	return false
}

// headerBlockAt says whether line i starts a header block: a From-like field followed
// within a few lines by at least one more header field.
func headerBlockAt(lines []string, i int) bool {
	if c := strings.IndexByte(lines[i], ':'); c < 1 || c > 40 {
		return false // a header field names itself in the first few characters
	}
	if !fromFieldRe.MatchString(lines[i]) {
		// Some clients start with the date ("Sent:", "Date:") or put the subject first.
		if !headerFieldRe.MatchString(lines[i]) {
			return false
		}
		fields := 0
		for j := i; j < len(lines) && j < i+6; j++ {
			if headerFieldRe.MatchString(lines[j]) {
				fields++
			} else if isBlank(lines[j]) && j > i {
				break
			}
		}
		return fields >= 3 && anyFrom(lines[i:min(len(lines), i+6)])
	}
	fields := 1
	for j := i + 1; j < len(lines) && j < i+7; j++ {
		if headerFieldRe.MatchString(lines[j]) {
			fields++
			if fields >= 2 {
				return true
			}
		} else if isBlank(lines[j]) && fields < 2 && j > i+2 {
			break
		}
	}
	return false
}

// markHeaderBlock marks the header block starting at i (its fields and the lines a long
// field wrapped onto) and returns the index after it.
func markHeaderBlock(lines []string, kinds []lineKind, i int) int {
	kinds[i] = kindHeader
	j := i + 1
	for j < len(lines) && !isBlank(lines[j]) {
		if headerFieldRe.MatchString(lines[j]) {
			kinds[j] = kindHeader
			j++
			continue
		}
		// A wrapped value: only when another field follows within two lines.
		next := -1
		for k := j + 1; k < len(lines) && k <= j+2; k++ {
			if isBlank(lines[k]) {
				break
			}
			if headerFieldRe.MatchString(lines[k]) {
				next = k
				break
			}
		}
		if next < 0 {
			break
		}
		for ; j < next; j++ {
			kinds[j] = kindHeader
		}
	}
	return j
}

func anyFrom(lines []string) bool {
	for _, l := range lines {
		if fromFieldRe.MatchString(l) {
			return true
		}
	}
	return false
}

// selectReply picks the lines the sender wrote.
func selectReply(lines []string, kinds []lineKind) []string {
	var out []string
	seenText := false
	for i := 0; i < len(lines); i++ {
		switch kinds[i] {
		case kindText:
			seenText = true
			out = append(out, lines[i])
		case kindEmpty:
			out = append(out, "")
		case kindQuote:
			// dropped; an empty line keeps paragraphs apart
			if len(out) > 0 && out[len(out)-1] != "" {
				out = append(out, "")
			}
		case kindDelim, kindSig:
			if seenText {
				ps := addendumAfter(lines, kinds, i)
				if len(ps) > 0 && len(out) > 0 && out[len(out)-1] != "" {
					out = append(out, "")
				}
				return append(out, ps...)
			}
		case kindHeader:
			if !seenText {
				// Nothing written above the earlier message: the answer is below it.
				return bottomReply(lines, kinds, i)
			}
			if next := interleavedAfter(kinds, i); next > 0 {
				if len(out) > 0 && out[len(out)-1] != "" {
					out = append(out, "")
				}
				i = next - 1
				continue
			}
			return out
		}
	}
	return out
}

// interleavedAfter reports, for a quote header at i, where the sender's own text continues
// when the header introduces only "> " quoted lines followed by more new text (an answer
// written between the quotes); 0 when the rest is the quoted message.
func interleavedAfter(kinds []lineKind, i int) int {
	j := i
	for j < len(kinds) && kinds[j] == kindHeader {
		j++
	}
	quotes := 0
	for j < len(kinds) && (kinds[j] == kindQuote || kinds[j] == kindEmpty) {
		if kinds[j] == kindQuote {
			quotes++
		}
		j++
	}
	if quotes == 0 || j >= len(kinds) || kinds[j] != kindText {
		return 0
	}
	return j
}

// forwardRe tells a forward marker from a reply's "original message" separator: under a
// forward marker the forwarded text is what the sender sends on.
var forwardRe = regexp.MustCompile(`(?i)(forward|videresendt|vidarebefordra|weitergeleitet|transféré|transfere|reenviado|inoltrato|doorgestuurd|пересыла)`)

// bottomReply reads a reply written below the quoted message: after the header at i and the
// quoted lines that follow it, the first run of unquoted text. Under an "original message"
// separator, or a header block set off by a rule (Outlook's reply with nothing written
// above), the unquoted text is the earlier message itself: nothing is the reply.
func bottomReply(lines []string, kinds []lineKind, i int) []string {
	if (separatorRe.MatchString(lines[i]) && !forwardRe.MatchString(lines[i])) || ruleAbove(lines, kinds, i) {
		return bottomQuoted(lines, kinds, i)
	}
	j := i
	for j < len(kinds) && kinds[j] == kindHeader {
		j++
	}
	// Without "> " quoting (a header block with plain text under it) the text below is all
	// there is to read: a forward, or a client that writes its own header first.
	for j < len(kinds) && (kinds[j] == kindQuote || kinds[j] == kindEmpty || kinds[j] == kindHeader) {
		j++
	}
	return selectReply(lines[j:], kinds[j:])
}

// ruleAbove says whether the nearest non-empty line above i is a rule ("_____").
func ruleAbove(lines []string, kinds []lineKind, i int) bool {
	for j := i - 1; j >= 0; j-- {
		if kinds[j] != kindEmpty {
			return kinds[j] == kindDelim
		}
	}
	return false
}

// bottomQuoted handles an earlier message that starts the body: only text after "> "
// quoted lines (a bottom-posted answer) is the sender's; else there is none.
func bottomQuoted(lines []string, kinds []lineKind, i int) []string {
	for j := i + 1; j < len(kinds); j++ {
		if kinds[j] == kindQuote {
			for j < len(kinds) && (kinds[j] == kindQuote || kinds[j] == kindEmpty) {
				j++
			}
			return selectReply(lines[j:], kinds[j:])
		}
	}
	return nil
}

// cutSignature removes the signature from the end of the reply: a closing followed by a name
// (and maybe a title, phone and address lines), a sign-off by name ("/John"), or a trailing
// contact block.
func cutSignature(lines []string) []string {
	lines = trimBlankEdges(lines)
	if len(lines) == 0 {
		return lines
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if closingRe.MatchString(l) && i > 0 {
			rest, ps := splitAddendum(lines[i+1:])
			if rest = trimBlankEdges(rest); len(rest) > 0 && signatureTail(rest) {
				return append(trimBlankEdges(lines[:i:i]), ps...)
			}
			continue
		}
		if closingLeadRe.MatchString(l) && i > 0 {
			rest, ps := splitAddendum(lines[i+1:])
			if rest = trimBlankEdges(rest); signatureTail(rest) {
				return append(trimBlankEdges(lines[:i:i]), ps...)
			}
		}
	}
	last := len(lines) - 1
	if nameSignRe.MatchString(lines[last]) && last > 0 {
		return lines[:last]
	}
	return lines
}

// addendumLineRe matches a line that adds to the answer after the signature: "P.S.", "PS:",
// "NB:", "Rettelse:", "Korrektion:".
var addendumLineRe = regexp.MustCompile(`(?i)^[ \t]*(?:p\.[ \t]?s\.?|pps\b|ps\b[.:]?|n\.?b\.?[ \t]*[:!.]|rettelse[ \t]*:|korrektion[ \t]*:)`)

// maxSignatureScan bounds the lines after a signature looked through for a P.S.
const maxSignatureScan = 20

// splitAddendum splits the lines after a closing into the signature and a P.S. written below
// it, which is the sender's own word on the answer ("P.S. Rettelse: det skal være Roskilde").
func splitAddendum(lines []string) (sig, ps []string) {
	for j := 0; j < len(lines) && j < maxSignatureScan; j++ {
		if addendumLineRe.MatchString(lines[j]) {
			return lines[:j], append([]string{""}, lines[j:]...)
		}
	}
	return lines, nil
}

// addendumAfter returns a P.S. written below a signature delimiter ("-- ") or a client's
// signature line, before the quoted message: the paragraph that opens with it.
func addendumAfter(lines []string, kinds []lineKind, i int) []string {
	for j := i + 1; j < len(lines) && j <= i+maxSignatureScan; j++ {
		if kinds[j] == kindQuote || kinds[j] == kindHeader {
			return nil
		}
		if !addendumLineRe.MatchString(lines[j]) {
			continue
		}
		var out []string
		for k := j; k < len(lines) && (kinds[k] == kindText || kinds[k] == kindDelim || kinds[k] == kindSig) && !isBlank(lines[k]); k++ {
			out = append(out, lines[k])
		}
		return out
	}
	return nil
}

// signatureTail says whether the lines after a closing look like a signature: a few short
// lines (name, title, organisation, phone, address), not more prose.
func signatureTail(rest []string) bool {
	if len(rest) == 0 {
		return true
	}
	if len(rest) > 12 {
		return false
	}
	long := 0
	for _, l := range rest {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if len([]rune(t)) > 60 && !contactRe.MatchString(t) {
			long++
		}
		if strings.HasSuffix(t, "?") {
			return false
		}
	}
	if long > 0 {
		return false
	}
	// The first line after the closing is a name: it starts with a capital letter (or is an
	// initial or a short handle).
	first := strings.TrimSpace(rest[0])
	r, _ := utf8.DecodeRuneInString(first)
	return unicode.IsUpper(r) || unicode.IsLetter(r) && len(strings.Fields(first)) <= 3
}

// trimBlankEdges drops empty lines at both ends.
func trimBlankEdges(lines []string) []string {
	for len(lines) > 0 && isBlank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && isBlank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	return lines
}
