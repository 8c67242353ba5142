package replies

import (
	"regexp"
	"strings"
)

// keyedRe is a regexp of many alternative phrases with a cheap pre-test: it can only match
// where one of the phrases' literal beginnings occurs, and strings.Contains finds those much
// faster than the regexp engine scans a text for a pattern without a literal prefix.
type keyedRe struct {
	re   *regexp.Regexp
	keys []string // nil: no pre-test possible, always run the regexp
}

// newKeyedRe compiles pattern; alts is the alternation of phrases inside it, from which
// the keys are taken (the literal text each alternative starts with).
func newKeyedRe(pattern, alts string) *keyedRe {
	k := &keyedRe{re: regexp.MustCompile(pattern)}
	for _, alt := range splitAlternatives(alts) {
		key := literalPrefix(alt)
		if key == "" {
			return &keyedRe{re: k.re}
		}
		k.keys = append(k.keys, key)
	}
	return k
}

// splitAlternatives splits a regexp alternation at its top-level bars.
func splitAlternatives(alts string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(alts); i++ {
		switch alts[i] {
		case '\\':
			i++
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, alts[start:i])
				start = i + 1
			}
		}
	}
	return append(out, alts[start:])
}

// literalPrefix is the text an alternative starts with before any regexp syntax; a
// character followed by ?, * or { is optional and ends the prefix before it.
func literalPrefix(alt string) string {
	end := len(alt)
	for i := 0; i < len(alt); i++ {
		if strings.IndexByte(`\()[]{}|.?*+^$`, alt[i]) >= 0 {
			end = i
			break
		}
	}
	if end < len(alt) && end > 0 && strings.IndexByte(`?*{`, alt[end]) >= 0 {
		end-- // "pers\.?" keeps "pers"; "ab?" keeps "a"
	}
	return alt[:end]
}

func (k *keyedRe) possible(s string) bool {
	if k.keys == nil {
		return true
	}
	for _, key := range k.keys {
		if strings.Contains(s, key) {
			return true
		}
	}
	return false
}

// MatchString reports whether s contains a match.
func (k *keyedRe) MatchString(s string) bool { return k.possible(s) && k.re.MatchString(s) }

// FindStringIndex returns the location of the first match, or nil.
func (k *keyedRe) FindStringIndex(s string) []int {
	if !k.possible(s) {
		return nil
	}
	return k.re.FindStringIndex(s)
}
