package replies

import (
	"strings"
)

// The sender's own earlier answer, quoted below a new one. A reply that changes only part of
// an answer ("skriv os op som to i stedet for én") leaves the rest as it was: what the earlier
// answer says of the meeting still holds. It is read from the first quoted message when that
// message is the sender's own (its quote header or Outlook's "Fra:" names the sender's
// address), never from the invitation.

// maxEarlierLines bounds how much of a quoted message is read.
const maxEarlierLines = 60

// earlierAnswer returns the text of the sender's own earlier message quoted in m, "" when the
// first quoted message is not theirs.
func earlierAnswer(m *message) string {
	if m == nil || m.from == "" {
		return ""
	}
	lines, kinds := m.bodyLines()
	for i := 0; i < len(lines) && i < 400; i++ {
		l := strings.ToLower(lines[i])
		quoted := kinds[i] == kindQuote
		switch {
		case !quoted && (kinds[i] == kindHeader || wroteRe.MatchString(l) && strings.HasSuffix(strings.TrimSpace(l), ":")):
			if !strings.Contains(l, m.from) && !(kinds[i] == kindHeader && headerNamesSender(lines, i+1, m.from)) {
				return "" // the first quoted message is someone else's
			}
			return quotedBody(lines, kinds, i+1)
		case !quoted && fromFieldRe.MatchString(lines[i]):
			if !strings.Contains(l, m.from) {
				return ""
			}
			return quotedBody(lines, kinds, i+1)
		}
	}
	return ""
}

// headerNamesSender says whether the header block starting at i ("Fra: ... <addr>") is from
// the sender.
func headerNamesSender(lines []string, i int, from string) bool {
	for j := i; j < len(lines) && j < i+3; j++ {
		if fromFieldRe.MatchString(lines[j]) {
			return strings.Contains(strings.ToLower(lines[j]), from)
		}
	}
	return false
}

// quotedBody collects the text of a quoted message starting at line i: one level of ">"
// taken off, the header fields skipped, up to the message it quotes in turn.
func quotedBody(lines []string, kinds []lineKind, i int) string {
	var b strings.Builder
	n := 0
	for j := i; j < len(lines) && n < maxEarlierLines; j++ {
		l := lines[j]
		if kinds[j] == kindQuote {
			l = strings.TrimPrefix(strings.TrimLeft(l, " \t"), ">")
			l = strings.TrimPrefix(l, " ")
		}
		t := strings.TrimSpace(l)
		if isQuoteLine(t) || separatorRe.MatchString(t) || wroteRe.MatchString(strings.ToLower(t)) && strings.HasSuffix(t, ":") {
			break // the message it quotes in turn
		}
		if n == 0 && headerFieldRe.MatchString(t) {
			continue // "Sendt:", "Til:", "Emne:" of the header block
		}
		b.WriteString(l)
		b.WriteByte('\n')
		if t != "" {
			n++
		}
	}
	return strings.TrimSpace(cutSignatureText(b.String()))
}

// cutSignatureText cuts a closing and what follows it from a text.
func cutSignatureText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if i > 0 && (closingRe.MatchString(l) || closingLeadRe.MatchString(l)) {
			return strings.Join(lines[:i], "\n")
		}
	}
	return s
}
