package replies

import (
	"regexp"
	"strconv"
	"strings"
)

// Meetings named by a span of time rather than a day: a month ("mødet i februar"), a part of a
// month ("sidst på måneden", "først i marts"), a week number ("i uge 10"); and two such words
// written together ("tirsdag i uge 9", "tirsdagsmødet i marts"), which name the meetings that
// fit both.

// daMonthWords are the months in Danish, the one table the patterns of this file are made of.
var daMonthWords = []string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"}

// daMonthAlt is daMonthWords as alternatives of a pattern.
var daMonthAlt = strings.Join(daMonthWords, "|")

var (
	// monthRefRe finds a meeting named by its month ("mødet i februar", "først i marts",
	// "martsmødet").
	monthRefRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:(?:sidst|først|midt|primo|ultimo)\s+)?i\s+(` + daMonthAlt + `)(?:$|[^\p{L}])|(?:^|[^\p{L}])(` + daMonthAlt + `)-?mødet`)
	// weekRefRe finds a meeting named by its week number ("i uge 10").
	weekRefRe = regexp.MustCompile(`(?:^|[^\p{L}])uge\s+(\d{1,2})(?:$|[^\d])`)
)

// monthsAndWeeks finds the meetings named by their month or week number.
func (rc refContext) monthsAndWeeks(lower string, add func(mention, int)) {
	if !strings.Contains(lower, "uge") && !mentionsMonth(lower) && !strings.Contains(lower, "måned") {
		return
	}
	rc.partOfMonth(lower, add)
	if loc := monthRefRe.FindStringSubmatchIndex(lower); loc != nil {
		g := 2
		if loc[2] < 0 {
			g = 4
		}
		mo := monthNames[lower[loc[g]:loc[g+1]]]
		var ids []string
		for _, mt := range rc.c.Meetings {
			if rc.startOf(mt).Month() == mo && rc.notPast(mt) {
				ids = append(ids, mt.ID)
			}
		}
		rc.addSome(ids, mention{pos: loc[g], kind: refMonth, words: lower[loc[0]:loc[1]]}, loc[1], add)
	}
	if loc := weekRefRe.FindStringSubmatchIndex(lower); loc != nil {
		week, _ := strconv.Atoi(lower[loc[2]:loc[3]])
		var ids []string
		for _, mt := range rc.c.Meetings {
			if _, w := rc.startOf(mt).ISOWeek(); w == week && rc.notPast(mt) {
				ids = append(ids, mt.ID)
			}
		}
		rc.addSome(ids, mention{pos: loc[0], kind: refWeek, words: strings.TrimSpace(lower[loc[0]:loc[3]])}, loc[3], add)
	}
}

func mentionsMonth(l string) bool {
	for _, m := range daMonthWords {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

// partMonthRe finds a part of a month ("sidst på måneden", "i slutningen af februar", "først i
// marts", "primo marts", "i starten af næste måned").
var partMonthRe = regexp.MustCompile(`(?:^|[^\p{L}])(sidst|først|midt|i slutningen|i starten|i begyndelsen|i midten|primo|ultimo)\s+(?:(?:på|i|af)\s+)?(måneden|næste måned|` + daMonthAlt + `)(?:$|[^\p{L}])`)

// partOfMonth finds the meetings in a part of a month: its first ten days, the middle or from
// the 20th on. "måneden" is the month of writing, "næste måned" the one after.
func (rc refContext) partOfMonth(lower string, add func(mention, int)) {
	loc := partMonthRe.FindStringSubmatchIndex(lower)
	if loc == nil {
		return
	}
	part, which := lower[loc[2]:loc[3]], lower[loc[4]:loc[5]]
	mo, ok := monthNames[which]
	if !ok {
		if rc.sent.IsZero() {
			return
		}
		mo = rc.sent.Month()
		if which == "næste måned" {
			mo = mo%12 + 1
		}
	}
	lo, hi := 1, 10
	switch part {
	case "midt", "i midten":
		lo, hi = 11, 20
	case "sidst", "i slutningen", "ultimo":
		lo, hi = 20, 31
	}
	var ids []string
	for _, mt := range rc.c.Meetings {
		if t := rc.startOf(mt); t.Month() == mo && t.Day() >= lo && t.Day() <= hi && rc.notPast(mt) {
			ids = append(ids, mt.ID)
		}
	}
	rc.addSome(ids, mention{pos: loc[2], kind: refMonth, words: lower[loc[2]:loc[5]]}, loc[5], add)
}

// narrowed joins two references that each fit several meetings and stand together in one
// phrase ("tirsdag i uge 9", "tirsdagsmødet i marts"): the meetings that fit both.
func narrowed(ms []mention, lower string) []mention {
	for i := 1; i < len(ms); i++ {
		a, b := ms[i-1], ms[i]
		end := a.pos + len(a.words)
		if a.meeting != "" || b.meeting != "" || len(a.alts) < 2 || len(b.alts) < 2 || a.clash || b.clash || a.neg != b.neg ||
			end > b.pos || b.pos-end > 4 || strings.Trim(lower[end:b.pos], " i") != "" {
			continue
		}
		var both []string
		for _, id := range a.alts {
			if contains(b.alts, id) {
				both = append(both, id)
			}
		}
		if len(both) == 0 || len(both) == len(a.alts) && len(both) == len(b.alts) {
			continue
		}
		a.words = strings.TrimSpace(a.words) + " " + strings.TrimSpace(b.words) // "tirsdagen i marts"
		a.alts = both
		if len(both) == 1 {
			a.meeting, a.alts = both[0], nil
		}
		ms[i-1] = a
		ms = append(ms[:i], ms[i+1:]...)
		i--
	}
	return ms
}
