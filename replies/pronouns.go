package replies

import (
	"fmt"
	"strings"
)

// The writer and the pronouns among the people of a clause, and the words that describe a person
// already named rather than naming another: a role in parentheses ("jeg
// (skolebibliotekskonsulent)"), the writer's role and name again after "undertegnede", a role
// someone comes as ("som skolebibliotekskonsulent").

// pronounPerson reads the word at i when it is the writer or a pronoun: the person (an empty key
// for a word that names no one, "i" in Danish), the index of its last token, and whether the word
// was one of them.
func pronounPerson(toks []token, i int) (person, int, bool) {
	t := toks[i]
	switch t.lower {
	case "jeg", "undertegnede", "jag", "undertecknad", "i", "me", "myself":
		if t.lower == "i" && t.text != "I" || t.lower == "i" && !englishish(toks) {
			return person{}, i, true
		}
		return person{key: "self", self: true, tok: i}, selfApposition(toks, parenRoleAfter(toks, i)), true
	case "mig":
		return person{key: "self", self: true, tok: i}, parenRoleAfter(toks, i), true
	case "ene":
		if i > 0 && toks[i-1].lower == "den" {
			// "kun den ene kommer med": one of those just named, unnamed
			return person{key: fmt.Sprintf("ene#%d", i), tok: i}, i, true
		}
		return person{}, i, true
	case "han", "hun", "hende", "ham":
		return person{key: t.lower, pronoun: true, tok: i}, parenRoleAfter(toks, i), true
	}
	return person{}, i, false
}

// parenRoleAfter skips a role in parentheses right after the writer or a pronoun ("jeg
// (skolebibliotekskonsulent)", "Hun (bibliotekschefen) kommer"): the same person, described. It
// returns the index of the last token that belongs to the person at i.
func parenRoleAfter(toks []token, i int) int {
	if i+2 >= len(toks) || toks[i+1].text != "(" || !roleWordRe.MatchString(toks[i+2].lower) {
		return i
	}
	for k := i + 3; k < len(toks) && k <= i+6; k++ {
		if toks[k].text == ")" {
			return k
		}
	}
	return i
}

// selfApposition skips the writer's own role and name set after the writer at the end of a
// clause ("bibliotekschef Lene Kok og undertegnede, skolebibliotekskonsulent Pia Due"): the
// same person. It returns the index of the last token that belongs to the writer at i.
func selfApposition(toks []token, i int) int {
	if i+2 >= len(toks) || toks[i+1].text != "," || !roleWordRe.MatchString(toks[i+2].lower) {
		return i
	}
	k := i + 3
	for k < len(toks) && toks[k].name {
		k++
	}
	for j := k; j < len(toks); j++ {
		if strings.Trim(toks[j].text, ".!") != "" {
			return i // more follows: a list, not an apposition
		}
	}
	return len(toks) - 1
}

// capacityBefore says whether the role at i is what someone comes as, not another person:
// "som" right before it, or "som" and a possessive ("jeg tager med som skolebibliotekskonsulent",
// "som kommunens konsulent", "i egenskab af souschef").
func capacityBefore(toks []token, i int) bool {
	j := i - 1
	if j >= 0 && (possessiveWords[toks[j].lower] || toks[j].lower == "min" || toks[j].lower == "kommunens") {
		j--
	}
	if j >= 2 && toks[j].lower == "af" && toks[j-1].lower == "egenskab" && toks[j-2].lower == "i" {
		return true
	}
	return j >= 0 && toks[j].lower == "som" && (j == 0 || toks[j-1].text != ",") || predicateRole(toks, i)
}

// predicateRole says whether the role at i is said of someone named before it, after "er":
// "hun er vores skolebibliotekskonsulent", "Jens er ny skolebibliotekskonsulent hos os",
// "Birgitte som er vores skolebibliotekskonsulent". That
// tells what a person is, not one more; "det er vores konsulent, der kommer" names one.
func predicateRole(toks []token, i int) bool {
	j := i - 1
	for k := 0; k < 2 && j >= 0 && roleDets[toks[j].lower]; k++ {
		j-- // "vores", "ny", "vores nye"
	}
	if j < 1 || toks[j].lower != "er" && toks[j].lower != "var" {
		return false
	}
	s := toks[j-1]
	if (s.lower == "som" || s.lower == "der") && j >= 2 {
		// "Birgitte som er vores skolebibliotekskonsulent", "Ib Lund, der er leder af PUC": a
		// relative clause says what the one before it is
		s = toks[j-2]
		if s.text == "," && j >= 3 {
			s = toks[j-3]
		}
	}
	switch s.lower {
	case "hun", "han", "jeg", "she", "he":
		return true
	default:
		return s.name
	}
}
