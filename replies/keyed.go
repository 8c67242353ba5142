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
	// exact marks keys that are a whole alternative of a pattern without word-edge tests:
	// finding such a key is a match, no need to run the regexp.
	exact []bool
}

// newKeyedRe compiles pattern; alts is the alternation of phrases inside it, from which
// the keys are taken (the literal text each alternative starts with).
func newKeyedRe(pattern, alts string) *keyedRe {
	k := &keyedRe{re: regexp.MustCompile(pattern)}
	bare := pattern == "("+alts+")"
	for _, alt := range splitAlternatives(alts) {
		key := literalPrefix(alt)
		if key == "" {
			return &keyedRe{re: k.re}
		}
		k.keys = append(k.keys, key)
		k.exact = append(k.exact, bare && key == alt)
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

// possible reports whether s may hold a match, and whether it surely does.
func (k *keyedRe) possible(s string) (maybe, sure bool) {
	if k.keys == nil {
		return true, false
	}
	for i, key := range k.keys {
		if strings.Contains(s, key) {
			if k.exact[i] {
				return true, true
			}
			maybe = true
		}
	}
	return maybe, false
}

// MatchString reports whether s contains a match.
func (k *keyedRe) MatchString(s string) bool {
	maybe, sure := k.possible(s)
	return sure || maybe && k.re.MatchString(s)
}

// FindStringIndex returns the location of the first match, or nil.
func (k *keyedRe) FindStringIndex(s string) []int {
	if maybe, _ := k.possible(s); !maybe {
		return nil
	}
	return k.re.FindStringIndex(s)
}
