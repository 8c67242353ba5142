package desk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Searching the invitees forgives what people write differently from the list: case, spaces
// and hyphens ("Høje Taastrup" finds Høje-Taastrup), and the Danish letters written either way
// ("Århus" finds Aarhus, "Koebenhavn" finds København). The query and each invitee's names,
// code and addresses are folded to one form and compared; the query is cut to maxQuery bytes
// and folded once, each invitee's text once for the life of the desk, so a search costs one
// pass over that text.

// maxQuery is the longest query searched for, in bytes: longer than any name or address.
const maxQuery = 200

// fold writes s as searches compare it: in lower case, without spaces and dashes, with æ, ø
// and å (and ä, ö) as ae, oe and aa.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for _, r := range s {
		if r < utf8.RuneSelf { // most of a name or an address, and the cheap case
			switch {
			case 'A' <= r && r <= 'Z':
				b.WriteByte(byte(r) + 'a' - 'A')
			case r == ' ' || r == '-' || ('\t' <= r && r <= '\r'):
			default:
				b.WriteByte(byte(r))
			}
			continue
		}
		r = unicode.ToLower(r)
		switch {
		case unicode.IsSpace(r), unicode.Is(unicode.Pd, r):
		case r == 'æ' || r == 'ä':
			b.WriteString("ae")
		case r == 'ø' || r == 'ö':
			b.WriteString("oe")
		case r == 'å':
			b.WriteString("aa")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cutQuery cuts a query to maxQuery bytes, at the start of a character.
func cutQuery(q string) string {
	q = strings.TrimSpace(q)
	if len(q) <= maxQuery {
		return q
	}
	n := maxQuery
	for n > 0 && !utf8.RuneStart(q[n]) {
		n--
	}
	return q[:n]
}

// searchTexts are the invitees' folded texts, in the campaign's order: code, name, formal
// name, e-mail, contact and postal address, each field apart from the next so that a query
// does not match across two of them. Made on the first search.
func (s *Server) searchTexts() []string {
	s.searchOnce.Do(func() {
		s.search = make([]string, len(s.c.Invitees))
		for i, inv := range s.c.Invitees {
			s.search[i] = fold(strings.Join([]string{inv.Code, inv.Name, inv.FormalName, inv.Email, inv.Contact,
				inv.Address}, "\x00"))
		}
	})
	return s.search
}
