package campaign

import (
	"fmt"
	"time"
)

// Dates and times as letters write them. The functions format t in its own location: convert
// with t.In(c.Location) first, so a meeting at 10.00 in Copenhagen is not written as 09.00.
// They are written by hand rather than with golang.org/x/text because Danish letters want
// lower-case names, "den" and a dot after the day, which no CLDR pattern gives in one piece.

// WeekdayDa and MonthDa name a weekday and a month in lower case, as running text does
// ("tirsdag", "februar"); they are functions, not package variables, so no caller can change
// a name.
func WeekdayDa(d time.Weekday) string {
	return [...]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}[d]
}

// MonthDa names a month (see WeekdayDa).
func MonthDa(m time.Month) string {
	return [...]string{"januar", "februar", "marts", "april", "maj", "juni", "juli",
		"august", "september", "oktober", "november", "december"}[m-1]
}

// FormatDateDa writes a date with its weekday the Danish way: "tirsdag den 28. februar 2012".
func FormatDateDa(t time.Time) string {
	return WeekdayDa(t.Weekday()) + " den " + FormatDateShortDa(t)
}

// FormatDateShortDa writes a date without its weekday: "28. februar 2012".
func FormatDateShortDa(t time.Time) string {
	return fmt.Sprintf("%d. %s %d", t.Day(), MonthDa(t.Month()), t.Year())
}

// FormatMonthDa writes a month of a year: "april 2012".
func FormatMonthDa(t time.Time) string {
	return fmt.Sprintf("%s %d", MonthDa(t.Month()), t.Year())
}

// FormatTimeDa writes a clock time the Danish way, with a dot and no leading zero in the
// hour, as running text does: "kl. 10.00", "kl. 9.30".
func FormatTimeDa(t time.Time) string {
	return fmt.Sprintf("kl. %d.%02d", t.Hour(), t.Minute())
}

// FormatDateEn writes a date with its weekday in British English: "Tuesday 28 February 2012".
func FormatDateEn(t time.Time) string {
	return t.Weekday().String() + " " + FormatDateShortEn(t)
}

// FormatDateShortEn writes a date without its weekday: "28 February 2012".
func FormatDateShortEn(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), t.Month(), t.Year())
}

// FormatMonthEn writes a month of a year: "April 2012".
func FormatMonthEn(t time.Time) string {
	return fmt.Sprintf("%s %d", t.Month(), t.Year())
}

// FormatTimeEn writes a clock time on the 24-hour clock: "10:00".
func FormatTimeEn(t time.Time) string {
	return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
}
