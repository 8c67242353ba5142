package letters

import (
	"fmt"
	htmltemplate "html/template"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// textFuncs are the template functions of one language. Dates and times are converted to the
// campaign's zone first, so a meeting at 10.00 in Copenhagen is never written as 09.00.
func textFuncs(lang string, loc *time.Location) texttemplate.FuncMap {
	in := func(t time.Time) time.Time {
		if loc != nil {
			return t.In(loc)
		}
		return t
	}
	// A zero time is "not known" (an out-of-office without a return date): it prints nothing.
	zeroSafe := func(f func(time.Time) string) func(time.Time) string {
		return func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return f(in(t))
		}
	}
	fm := texttemplate.FuncMap{
		"lcfirst": lcfirst,
		"inc":     func(i int) int { return i + 1 },
		"first":   firstOf,
		"more":    moreOf,
		"total":   totalOf,
	}
	// Every count a letter writes in digits goes through group: "12.345" in Danish, "12,345"
	// in English.
	group := campaign.FormatNumber
	if lang == "en" {
		group = groupEn
	}
	fm["number"] = func(n any) (string, error) {
		v, err := toInt64(n)
		return group(v), err
	}
	// tally is the count in a list's heading: every entry the list stands for (totalOf),
	// in the campaign's numbers, so that no heading prints 12345 beside "… and 12,245 more".
	fm["tally"] = func(list any, total int) (string, error) {
		n, err := totalOf(list, total)
		return group(int64(n)), err
	}
	if lang == "en" {
		englishFuncs(fm, in, zeroSafe)
		return fm
	}
	danishFuncs(fm, in, zeroSafe)
	return fm
}

// englishFuncs fills fm with the English ways of writing dates, times, numbers and counts.
func englishFuncs(fm texttemplate.FuncMap, in func(time.Time) time.Time, zeroSafe func(func(time.Time) string) func(time.Time) string) {
	fm["date"] = zeroSafe(campaign.FormatDateEn)
	fm["shortdate"] = zeroSafe(campaign.FormatDateShortEn)
	fm["month"] = zeroSafe(campaign.FormatMonthEn)
	fm["clock"] = zeroSafe(campaign.FormatTimeEn)
	fm["timespan"] = func(a, b time.Time) string {
		return campaign.FormatTimeEn(in(a)) + "–" + campaign.FormatTimeEn(in(b))
	}
	fm["isodate"] = isoDate(campaign.FormatDateShortEn)
	fm["kroner"] = campaign.FormatKronerEn
	fm["percent"] = func(f float64) string { return formatPercent(f, ".", "%") }
	fm["share"] = func(f float64) string {
		if f == 0.5 {
			return "half"
		}
		return formatPercent(f, ".", "%")
	}
	fm["count"] = countEn
	fm["people"] = func(n int) string {
		if n == 1 {
			return "one person"
		}
		return countEn(n) + " people"
	}
}

// danishFuncs fills fm with the Danish ways of writing dates, times, numbers and counts.
func danishFuncs(fm texttemplate.FuncMap, in func(time.Time) time.Time, zeroSafe func(func(time.Time) string) func(time.Time) string) {
	fm["date"] = zeroSafe(campaign.FormatDateDa)
	fm["shortdate"] = zeroSafe(campaign.FormatDateShortDa)
	fm["month"] = zeroSafe(campaign.FormatMonthDa)
	fm["clock"] = zeroSafe(campaign.FormatTimeDa)
	// "kl. 10.00–12.00": Danish writes the span with one "kl." and an en dash.
	fm["timespan"] = func(a, b time.Time) string {
		a, b = in(a), in(b)
		return fmt.Sprintf("kl. %d.%02d–%d.%02d", a.Hour(), a.Minute(), b.Hour(), b.Minute())
	}
	fm["isodate"] = isoDate(campaign.FormatDateShortDa)
	fm["kroner"] = campaign.FormatKroner
	fm["percent"] = func(f float64) string { return formatPercent(f, ",", " %") }
	fm["share"] = func(f float64) string {
		if f == 0.5 {
			return "halvdelen"
		}
		return formatPercent(f, ",", " %")
	}
	fm["count"] = countDa
	fm["people"] = func(n int) string {
		if n == 1 {
			return "én person"
		}
		return countDa(n) + " personer"
	}
}

// htmlFuncs are textFuncs plus cid, which makes a Content-ID usable in <img src>: html/template
// would otherwise replace the cid: scheme it does not know with "#ZgotmplZ".
func htmlFuncs(lang string, loc *time.Location) htmltemplate.FuncMap {
	fm := htmltemplate.FuncMap(textFuncs(lang, loc))
	fm["cid"] = func(id string) htmltemplate.URL {
		return htmltemplate.URL("cid:" + url.PathEscape(strings.Trim(id, "<>")))
	}
	return fm
}

// ListLimit is the most entries a letter lists of one list (the digest's declines, those
// without an answer ...): with 100,000 invitees a list of names is a book no one reads. The
// letter says how many more there are; the attached status CSV has them all.
const ListLimit = 100

// firstOf is the first ListLimit elements of a slice (the slice itself when it is shorter).
func firstOf(list any) (any, error) {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice {
		return nil, fmt.Errorf("first: %T is not a list", list)
	}
	if v.Len() <= ListLimit {
		return list, nil
	}
	return v.Slice(0, ListLimit).Interface(), nil
}

// moreOf is how many entries of a list of total (at least its length) firstOf leaves out.
func moreOf(list any, total int) (int, error) {
	n, err := totalOf(list, total)
	return max(0, n-ListLimit), err
}

// totalOf is how many entries a list stands for: total, when the maker of the data kept only
// the first entries of a longer list (DigestData.Totals), else the list's length.
func totalOf(list any, total int) (int, error) {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice {
		return 0, fmt.Errorf("total: %T is not a list", list)
	}
	return max(v.Len(), total), nil
}

// lcfirst lower-cases the first letter of a title used inside a sentence ("Dialogmøde om ..."
// becomes "dialogmøde om ..."), but leaves acronyms and names alone ("KOMBIT-møde").
func lcfirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsUpper(r) {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// countDa writes small numbers in words as Danish prose does ("to personer"), larger ones in
// digits.
func countDa(n int) string {
	words := [...]string{"nul", "én", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni",
		"ti", "elleve", "tolv"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return campaign.FormatNumber(int64(n))
}

func countEn(n int) string {
	words := [...]string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight",
		"nine", "ten", "eleven", "twelve"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return groupEn(int64(n))
}

// groupEn writes a whole number with English thousands separators: "549,050".
func groupEn(n int64) string { return strings.ReplaceAll(campaign.FormatNumber(n), ".", ",") }

// formatPercent writes a share (0..1) as a percentage: whole when it is whole ("50 %"), else
// with one decimal ("23,5 %").
func formatPercent(f float64, dec, unit string) string {
	p := f * 100
	if p == math.Trunc(p) {
		return strconv.FormatFloat(p, 'f', 0, 64) + unit
	}
	return strings.Replace(strconv.FormatFloat(p, 'f', 1, 64), ".", dec, 1) + unit
}

// isoDate formats a date kept as "2006-01-02" text (the population date of the price model);
// anything else is shown as it is written.
func isoDate(format func(time.Time) string) func(string) string {
	return func(s string) string {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return s
		}
		return format(t)
	}
}

// toInt64 lets number take the int and int64 fields templates hold.
func toInt64(n any) (int64, error) {
	switch v := n.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	}
	return 0, fmt.Errorf("number: %T is not a whole number", n)
}
