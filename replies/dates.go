package replies

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A date as people write it in Danish, Norwegian, Swedish, German or English mail:
// "5. marts", "5 March", "March 5th", "5/3", "5.3.2012", "2012-03-05", "den 28.".

var monthNames = map[string]time.Month{
	"januar": 1, "january": 1, "janvier": 1, "januari": 1, "jan": 1,
	"februar": 2, "february": 2, "februari": 2, "feb": 2, "febr": 2,
	"marts": 3, "march": 3, "mars": 3, "märz": 3, "maerz": 3, "mar": 3, "mrt": 3,
	"april": 4, "apr": 4,
	"maj": 5, "may": 5, "mai": 5,
	"juni": 6, "june": 6, "jun": 6,
	"juli": 7, "july": 7, "jul": 7,
	"august": 8, "augusti": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9,
	"oktober": 10, "october": 10, "okt": 10, "oct": 10,
	"november": 11, "nov": 11,
	"december": 12, "desember": 12, "dezember": 12, "dec": 12, "des": 12, "dez": 12,
}

var weekdayNames = map[string]time.Weekday{
	"mandag": time.Monday, "tirsdag": time.Tuesday, "onsdag": time.Wednesday, "torsdag": time.Thursday,
	"fredag": time.Friday, "lørdag": time.Saturday, "søndag": time.Sunday,
	"måndag": time.Monday, "tisdag": time.Tuesday, "lördag": time.Saturday, "söndag": time.Sunday,
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday,
	"friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
	"montag": time.Monday, "dienstag": time.Tuesday, "mittwoch": time.Wednesday, "donnerstag": time.Thursday,
	"freitag": time.Friday,
	"man":     time.Monday, "tirs": time.Tuesday, "tir": time.Tuesday, "ons": time.Wednesday, "tors": time.Thursday,
	"tor": time.Thursday, "fre": time.Friday, "mon": time.Monday, "tue": time.Tuesday, "tues": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "fri": time.Friday,
}

const monthAlt = `januar[iy]?|janvier|jan|februar[iy]?|febr?|marts|march|mars|märz|maerz|mar|mrt|april|apr|maj|may|mai|juni|june|jun|juli|july|jul|august[i]?|aug|september|sept?|oktober|october|okt|oct|november|nov|december|desember|dezember|dec|des|dez`

var (
	// "5. marts 2012", "5 March", "5th of March", "den 5.marts"
	dayMonthRe = regexp.MustCompile(`(?i)\b(\d{1,2})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(` + monthAlt + `)\b\.?(?:,?\s+(\d{4}))?`)
	// "March 5", "March 5th, 2012"
	monthDayRe = regexp.MustCompile(`(?i)\b(` + monthAlt + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?`)
	// "2012-03-05"
	isoDateRe = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	// "5/3", "5/3-2012", "05.03.2012", "5.3.12", "5-3-2012"
	numDateRe = regexp.MustCompile(`(?i)(^|[^\d.:,/])(\d{1,2})([/.\-])(\d{1,2})(?:[/.\-](\d{4}|\d{2}))?([^\d:/]|$)`)
	// "første marts", "den sjette", "d. otteogtyvende februar": the day as an ordinal word.
	ordinalDayRe = regexp.MustCompile(`(?i)(?:\b(den|d\.)\s+)?\b(` + ordinalAlt + `)\b(?:\s+(` + monthAlt + `)\b)?`)
	// "den 28." with no month: the day of a month the context gives.
	bareDayRe = regexp.MustCompile(`(?i)\b(?:den|d\.|the)\s+(\d{1,2})(?:\.|st|nd|rd|th)(?:\s|$|[,;!?)])`)
)

// ordinalDays are the days of a month written as ordinal words.
var ordinalDays = func() map[string]int {
	m := map[string]int{}
	for i, w := range strings.Fields(ordinalWords) {
		m[w] = i + 1
	}
	m["andet"] = 2
	return m
}()

const ordinalWords = `første anden tredje fjerde femte sjette syvende ottende niende tiende ellevte tolvte
	trettende fjortende femtende sekstende syttende attende nittende tyvende enogtyvende toogtyvende
	treogtyvende fireogtyvende femogtyvende seksogtyvende syvogtyvende otteogtyvende niogtyvende
	tredivte enogtredivte`

// ordinalAlt is the ordinal words as alternatives, the longer before the shorter that ends them.
var ordinalAlt = func() string {
	ws := append(strings.Fields(ordinalWords), "andet")
	sort.Slice(ws, func(i, j int) bool { return len(ws[i]) > len(ws[j]) })
	return strings.Join(ws, "|")
}()

// ordinalWordIn says whether a lower-case text may hold a day written as an ordinal word: each
// is or ends in one of these.
func ordinalWordIn(lower string) bool {
	for _, w := range []string{"første", "anden", "andet", "tredje", "fjerde", "femte", "sjette", "yvende", "tende", "tiende", "niende", "ellevte", "tolvte", "tredivte"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// foundDate is a date found in a text.
type foundDate struct {
	start, end int // byte offsets in the text
	month      time.Month
	day        int
	year       int // 0 when not written
}

// findDates returns the dates written in text, in order of position. Each pattern runs once
// over the text; a date overlapping one an earlier pattern found is left out. The earlier
// dates are kept sorted between patterns and looked up by binary search, so that a text of
// many dates costs n log n, not n².
func findDates(text string) []foundDate {
	var out []foundDate
	var earlier []foundDate // out as it was before the current pattern, sorted, disjoint
	nextPattern := func() {
		sortDates(out)
		earlier = out[:len(out):len(out)]
	}
	taken := func(s, e int) bool {
		// The first earlier date that ends after s is the only one that can overlap.
		i := sort.Search(len(earlier), func(i int) bool { return earlier[i].end > s })
		return i < len(earlier) && earlier[i].start < e
	}
	add := func(s, e int, mo time.Month, day, year int) {
		if mo < 1 || mo > 12 || day < 1 || day > 31 || taken(s, e) {
			return
		}
		out = append(out, foundDate{start: s, end: e, month: mo, day: day, year: year})
	}
	for _, mm := range isoDateRe.FindAllStringSubmatchIndex(text, -1) {
		y, _ := strconv.Atoi(text[mm[2]:mm[3]])
		mo, _ := strconv.Atoi(text[mm[4]:mm[5]])
		d, _ := strconv.Atoi(text[mm[6]:mm[7]])
		add(mm[0], mm[1], time.Month(mo), d, y)
	}
	nextPattern()
	for _, mm := range dayMonthRe.FindAllStringSubmatchIndex(text, -1) {
		d, _ := strconv.Atoi(text[mm[2]:mm[3]])
		mo := monthNames[strings.ToLower(text[mm[4]:mm[5]])]
		y := 0
		if mm[6] >= 0 {
			y, _ = strconv.Atoi(text[mm[6]:mm[7]])
		}
		add(mm[0], mm[1], mo, d, y)
	}
	nextPattern()
	for _, mm := range monthDayRe.FindAllStringSubmatchIndex(text, -1) {
		mo := monthNames[strings.ToLower(text[mm[2]:mm[3]])]
		d, _ := strconv.Atoi(text[mm[4]:mm[5]])
		y := 0
		if mm[6] >= 0 {
			y, _ = strconv.Atoi(text[mm[6]:mm[7]])
		}
		add(mm[0], mm[1], mo, d, y)
	}
	nextPattern()
	numericDates(text, add)
	nextPattern()
	addDay := func(s, e, d int) {
		if !taken(s, e) && d >= 1 && d <= 31 {
			out = append(out, foundDate{start: s, end: e, day: d})
		}
	}
	ordinalDates(text, add, addDay)
	nextPattern()
	for _, mm := range bareDayRe.FindAllStringSubmatchIndex(text, -1) {
		d, _ := strconv.Atoi(text[mm[2]:mm[3]])
		addDay(mm[0], mm[1], d)
	}
	sortDates(out)
	return out
}

// numericDates finds the dates written in numbers ("5/3", "05.03.2012", "den 5.3"); "kl. 10.30"
// and "10-12" are times and spans, not dates.
func numericDates(text string, add func(s, e int, mo time.Month, day, year int)) {
	for _, mm := range numDateRe.FindAllStringSubmatchIndex(text, -1) {
		sep := text[mm[6]:mm[7]]
		hasYear := mm[10] >= 0
		before := strings.ToLower(text[max(0, mm[4]-4):mm[4]])
		// "kl. 10.30" and "10-12" are times and spans, not dates; "5.3" needs a year, "den"
		// or "d." before it.
		dated := strings.HasSuffix(before, "den ") || strings.HasSuffix(before, "d. ") || strings.HasSuffix(before, " d.")
		if strings.Contains(before, "kl") || (sep != "/" && !hasYear && !dated) {
			continue
		}
		d, _ := strconv.Atoi(text[mm[4]:mm[5]])
		mo, _ := strconv.Atoi(text[mm[8]:mm[9]])
		y := 0
		if hasYear {
			y, _ = strconv.Atoi(text[mm[10]:mm[11]])
			if y < 100 {
				y += 2000
			}
		}
		end := mm[9]
		if hasYear {
			end = mm[11]
		}
		add(mm[4], end, time.Month(mo), d, y)
	}
}

// ordinalDates finds the days written as ordinal words: with a month, a date ("første marts");
// after "den" alone, a day of a month the context gives, only from the fourth on, since "den
// første", "den anden" and "den tredje" may be the meetings in their order.
func ordinalDates(text string, add func(s, e int, mo time.Month, day, year int), addDay func(s, e, day int)) {
	for _, mm := range ordinalDayRe.FindAllStringSubmatchIndex(text, -1) {
		d := ordinalDays[strings.ToLower(text[mm[4]:mm[5]])]
		switch {
		case mm[6] >= 0:
			add(mm[0], mm[1], monthNames[strings.ToLower(text[mm[6]:mm[7]])], d, 0)
		case mm[2] >= 0 && d >= 4:
			addDay(mm[0], mm[1], d)
		}
	}
}

func sortDates(ds []foundDate) {
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].start < ds[j].start })
}

// resolve gives a found date a full date: the year written, else the one that puts the date
// after ref, allowing a week back (a return date or a meeting lies ahead of the message;
// "last Tuesday" is as far back as a reply looks). A
// date without month takes ref's month, or the next month when that day has passed.
func (d foundDate) resolve(ref time.Time) time.Time {
	if ref.IsZero() {
		ref = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	loc := ref.Location()
	if d.month == 0 {
		t := time.Date(ref.Year(), ref.Month(), d.day, 0, 0, 0, 0, loc)
		if t.Before(ref.AddDate(0, 0, -1)) {
			t = time.Date(ref.Year(), ref.Month()+1, d.day, 0, 0, 0, 0, loc)
		}
		return t
	}
	if d.year != 0 {
		return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, loc)
	}
	t := time.Date(ref.Year(), d.month, d.day, 0, 0, 0, 0, loc)
	if t.Before(ref.AddDate(0, 0, -7)) {
		t = t.AddDate(1, 0, 0)
	}
	return t
}

// returnRe finds the words that introduce a return date in an out-of-office text.
var returnRe = regexp.MustCompile(`(?i)(tilbage|retur|igen\b|back|return|until|t\.?o\.?m\.?|til og med|indtil|tillbaka|till och med|fram till|zurück|wieder|\bbis\b|jusqu|de retour|på kontoret|in the office|i office)`)

// returnDate finds the return date an out-of-office text states, as YYYY-MM-DD; "" when none.
// The first date after a word like "tilbage", "back" or "until" wins; else the last date of the
// text (an absence is usually stated "from ... to ...").
func returnDate(text string, ref time.Time) string {
	dates := findDates(text)
	if len(dates) == 0 {
		return ""
	}
	for _, d := range dates {
		if returnRe.MatchString(text[max(0, d.start-60):d.start]) {
			return d.resolve(ref).Format("2006-01-02")
		}
	}
	return dates[len(dates)-1].resolve(ref).Format("2006-01-02")
}
