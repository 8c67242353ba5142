package replies

import "strings"

// Lists of participants: a line that introduces them ("Deltagere:", "Vi bliver tre:") and the
// people one a line after it, who are counted line by line and set against a number stated.

// plist is a list of participants: the clause that introduces it and its lines.
type plist struct {
	header int
	items  []int
}

// participantLists finds the lists of participants written one a line under a line that
// introduces them ("Deltagere fra Mariagerfjord Kommune:", "vi bliver tre:").
func (rd *reader) participantLists(crs []clauseRead) []plist {
	var out []plist
	for i := 0; i < len(crs); i++ {
		if !listHeader(crs, i) {
			continue
		}
		line := crs[i].line
		j := i + 1
		for j < len(crs) && crs[j].line == line {
			j++ // the rest of the header's line
		}
		if j < len(crs) && crs[j].line == line+1 && columnHeads(crs[j].lower) {
			line++ // "Navn Stilling Mail": a table's header row, no one
			for j++; j < len(crs) && crs[j].line == line; j++ {
			}
		}
		l := plist{header: i}
		for j < len(crs) && crs[j].line == line+1 && rd.listItem(crs, j) {
			l.items = append(l.items, j)
			line++
			for j++; j < len(crs) && crs[j].line == line; j++ {
			} // "Bente Krogh – bibliotekschef": the rest of the item's line
		}
		if len(l.items) > 0 {
			out = append(out, l)
			i = j - 1
		}
	}
	return out
}

// columnHeads says whether a line is the header row of a table pasted from a spreadsheet
// ("Navn Stilling Mail"): every word names a column.
func columnHeads(l string) bool {
	f := strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '\t' || r == ';' || r == '|' || r == ',' })
	for _, w := range f {
		switch strings.TrimRight(w, ".:") {
		case "navn", "fornavn", "efternavn", "stilling", "titel", "funktion", "mail", "e-mail", "email", "mailadresse",
			"telefon", "tlf", "mobil", "afdeling", "arbejdssted", "kommune", "møde":
		default:
			return false
		}
	}
	return len(f) >= 2
}

// collectLists adds the participants of every list (participantLists).
func collectLists(at *attendees, crs []clauseRead, lists []plist, self *selfNames) {
	for _, l := range lists {
		for _, j := range l.items {
			cr := crs[j]
			ps := personsIn(cr.toks, self)
			key, label := "self", ""
			if len(ps) > 0 && !ps[0].self {
				key, label = ps[0].key, ps[0].label
				if r := roleAfterComma(cr.toks, lastNameTok(cr.toks, ps[0].tok)); r > 0 && !strings.Contains(label, " ") {
					label = cr.toks[r].text + " " + label
				}
			}
			at.add(key, label, false)
			at.listItems++
			if len(ps) > 1 && joinedByOg(cr.toks, ps[1].tok) && (ps[1].self || !isRoleKey(ps[1].key) && sureName(ps[1].label)) {
				// "Hans Berg og undertegnede" on one line: both ("kultur- og bibliotekschef" is
				// one role)
				p := ps[1]
				if p.self {
					p.key, p.label = "self", ""
				}
				at.add(p.key, p.label, false)
				at.listItems++
			}
		}
		at.fromList = true
		at.listSource = crs[l.header].text
	}
}

// joinedByOg says whether the word before token i is "og": a second person on the line.
func joinedByOg(toks []token, i int) bool {
	return i > 0 && (toks[i-1].lower == "og" || toks[i-1].lower == "samt")
}

func lastNameTok(toks []token, i int) int {
	for i < len(toks) && toks[i].name {
		i++
	}
	return i
}

// listHeader says whether the clause at i introduces a list: it ends its line with a colon,
// or names the participants, on a line that speaks of coming or of participants.
func listHeader(crs []clauseRead, i int) bool {
	cr := crs[i]
	if i+1 < len(crs) && crs[i+1].line == cr.line {
		return false // not the last clause of its line
	}
	l := strings.TrimSpace(cr.lower)
	if strings.Contains(l, "deltagerliste") || strings.Contains(l, "deltagere fra") || strings.Contains(l, "navnene på deltagerne") ||
		strings.Contains(l, "listen over deltagere") || strings.HasPrefix(l, "deltagere") {
		return true
	}
	if !strings.HasSuffix(l, ":") {
		return false
	}
	for j := i; j >= 0 && crs[j].line == cr.line; j-- {
		lj := crs[j].lower
		if crs[j].role == roleAttend || crs[j].st.attend || crs[j].count > 0 || strings.Contains(lj, "deltager") ||
			strings.Contains(lj, "navne") || strings.Contains(lj, "fra os") {
			return true
		}
	}
	return false
}

// listItem says whether the clause at j starts a participant's line: short, opening with a
// name, a role or the writer, the line saying nothing about coming or not ("Ole Dam –
// souschef" is two clauses of one line).
func (rd *reader) listItem(crs []clauseRead, j int) bool {
	cr := crs[j]
	words := 0
	for k := j; k < len(crs) && crs[k].line == cr.line; k++ {
		if crs[k].st.decline || crs[k].st.attend || crs[k].asks {
			return false
		}
		words += len(strings.Fields(crs[k].text))
	}
	if (j > 0 && crs[j-1].line == cr.line) || len(cr.toks) == 0 || words > 10 {
		return false
	}
	ps := personsIn(cr.toks, rd.self)
	return len(ps) > 0 && ps[0].tok == 0 && !ps[0].pronoun
}
