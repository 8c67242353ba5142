package replies

import (
	"regexp"
	"slices"
	"strings"
)

// Meetings named by their place in time: "det første af de tre møder", "den sidste tirsdag".

// orderRe finds a meeting named by its order among the meetings.
var orderRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:det|den|de)\s+(?:(to|tre)\s+)?(allerførste|første|midterste|mellemste|sidste|seneste|tidligste|andet|anden|tredje)(?:\s+(?:af\s+(?:de\s+|jeres\s+|disse\s+|dine\s+)?(?:tre\s+|to\s+)?(?:møder(?:ne)?|dialogmøder(?:ne)?|datoer(?:ne)?|dem)|møde(?:t)?|dialogmøde(?:t)?|dato))`)

// ordered finds a meeting named by its place in time ("det første af de tre møder").
func (rc refContext) ordered(lower string, add func(mention, int)) {
	if !strings.Contains(lower, "møde") && !strings.Contains(lower, "dato") && !strings.Contains(lower, " af ") {
		return
	}
	loc := orderRe.FindStringSubmatchIndex(lower)
	if loc == nil {
		rc.numbered(lower, add)
		return
	}
	byTime := rc.byTime()
	n := len(byTime)
	if n == 0 {
		return
	}
	word := lower[loc[4]:loc[5]]
	plural := loc[2] >= 0
	var idx []int
	switch word {
	case "allerførste", "første", "tidligste":
		idx = []int{0}
		if plural {
			idx = []int{0, 1}
		}
	case "sidste", "seneste":
		idx = []int{n - 1}
		if plural {
			idx = []int{n - 2, n - 1}
		}
	case "midterste", "mellemste":
		if n%2 == 1 {
			idx = []int{n / 2}
		}
	case "andet", "anden":
		idx = []int{1}
	case "tredje":
		idx = []int{2}
	}
	for _, i := range idx {
		if i >= 0 && i < n {
			add(mention{meeting: byTime[i], pos: loc[4], kind: refOrder, words: lower[max(0, loc[0]):loc[1]]}, loc[1])
		}
	}
}

// ordinalBeforeRe finds an order set before a weekday ("den sidste tirsdag", "den første af de
// to tirsdage"); "sidste tirsdag" without "den" is the one gone by.
var ordinalBeforeRe = regexp.MustCompile(`(?:^|[^\p{L}])den\s+(første|sidste|seneste|tidligste|anden)(?:\s+af\s+de\s+(?:to|tre))?\s+$`)

// nthOf picks from meetings on the same weekday the one an order word names, by time.
func (rc refContext) nthOf(ids []string, word string) []string {
	sorted := slices.Clone(ids)
	slices.SortFunc(sorted, func(a, b string) int {
		return rc.startOf(rc.c.Meetings[rc.index(a)]).Compare(rc.startOf(rc.c.Meetings[rc.index(b)]))
	})
	switch word {
	case "første", "tidligste":
		return sorted[:1]
	case "anden":
		return sorted[1:2]
	}
	return sorted[len(sorted)-1:]
}

// index is the position of meeting id in the campaign.
func (rc refContext) index(id string) int {
	for i, mt := range rc.c.Meetings {
		if mt.ID == id {
			return i
		}
	}
	return 0
}

// numberedRe finds a meeting named by its number ("møde nummer tre", "møde nr. 2"): the
// invitation lists the meetings in the order they are held.
var numberedRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:dialog)?møde(?:t)?\s+(?:nummer|nr\.?)\s*(et|én|en|1|to|2|tre|3)(?:$|[^\p{L}\p{N}])`)

// numbered finds a meeting named by its number among the meetings in time.
func (rc refContext) numbered(lower string, add func(mention, int)) {
	loc := numberedRe.FindStringSubmatchIndex(lower)
	if loc == nil {
		return
	}
	byTime := rc.byTime()
	n := numberWord(lower[loc[2]:loc[3]])
	if n < 1 || n > len(byTime) {
		return
	}
	start := strings.Index(lower[loc[0]:], "m") + loc[0]
	add(mention{meeting: byTime[n-1], pos: start, kind: refOrder, words: lower[start:loc[3]]}, loc[3])
}

var (
	// elidedOrderRe finds an order word whose noun is left out, the meetings or dates named just
	// before ("Vi har kigget på datoerne og den sidste passer os klart bedst", "… de tre møder.
	// Det første kan vi"): what follows it is a verb or the end, not a noun of its own ("den
	// sidste uge").
	elidedOrderRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:den|det)\s+(allerførste|første|midterste|mellemste|sidste|seneste|tidligste)(?:\s*$|\s*[,.;:!?–-]|\s+(?:passer|er|bliver|kan|vil|må|skal|ligger|tager|vælger|foretrækker|går|kommer|melder)(?:$|[^\p{L}]))`)
	// orderNounRe finds the meetings or their dates named as a row, which an order word may take
	// its noun from.
	orderNounRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:(?:dialog)?møderne|datoerne|dagene|mulighederne|de\s+(?:tre|to)\s+(?:møder|datoer|dage|muligheder|tirsdage))(?:$|[^\p{L}])`)
)

// elidedOrder finds a meeting named by an order word whose noun, the meetings or their dates, is
// named before it: in the clause (before) or just before it. It returns the mention.
func (rc refContext) elidedOrder(lower, before string) (mention, bool) {
	loc := elidedOrderRe.FindStringSubmatchIndex(lower)
	if loc == nil || !orderNounRe.MatchString(lower[:loc[2]]) && !orderNounRe.MatchString(before) {
		return mention{}, false
	}
	byTime := rc.byTime()
	n := len(byTime)
	i := -1
	switch lower[loc[2]:loc[3]] {
	case "allerførste", "første", "tidligste":
		i = 0
	case "sidste", "seneste":
		i = n - 1
	case "midterste", "mellemste":
		if n%2 == 1 {
			i = n / 2
		}
	}
	if i < 0 || i >= n {
		return mention{}, false
	}
	start := loc[2] - len("den ")
	return mention{meeting: byTime[i], pos: max(0, start), kind: refOrder, words: strings.TrimSpace(lower[max(0, start):loc[3]])}, true
}
