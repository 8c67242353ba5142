package schedules

import (
	"fmt"
	"time"
)

// Letters to invitees go out on Danish working days: a letter that lands on a Saturday, a
// Sunday or a day off is read, if at all, under the pile that greets the reader on the next
// working day. The days off are the public holidays (helligdage) and the days on which
// Danish public offices, municipalities included, are closed by agreement or custom:
//
//   - nytårsdag (1 January), skærtorsdag, langfredag, påskedag, 2. påskedag, store bededag
//     (the fourth Friday after Easter, a public holiday until 2023: abolished from 2024),
//     Kristi himmelfartsdag, pinsedag, 2. pinsedag, juledag and 2. juledag (25 and 26
//     December);
//   - grundlovsdag (5 June), juleaftensdag (24 December) and nytårsaftensdag (31 December):
//     not public holidays by law, but days off (grundlovsdag often from noon) in most public
//     workplaces, municipalities included, so a letter sent then waits like one sent on a
//     holiday. They are included because moving a letter by a working day costs nothing,
//     while a letter that arrives at a closed office is easily lost.
//
// 1 May is not included: it is a day off only in some trades, and municipal offices are open.

// DayOff names the Danish public holiday or customary day off on the date (year, month and
// day as written), or "" when it is not one. Weekends are not named here; see WorkingDay.
func DayOff(year int, month time.Month, day int) string {
	switch {
	case month == time.January && day == 1:
		return "nytårsdag"
	case month == time.June && day == 5:
		return "grundlovsdag"
	case month == time.December && day == 24:
		return "juleaftensdag"
	case month == time.December && day == 25:
		return "juledag"
	case month == time.December && day == 26:
		return "2. juledag"
	case month == time.December && day == 31:
		return "nytårsaftensdag"
	}
	easter := easterSunday(year)
	d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	switch int(d.Sub(easter).Hours() / 24) {
	case -3:
		return "skærtorsdag"
	case -2:
		return "langfredag"
	case 0:
		return "påskedag"
	case 1:
		return "2. påskedag"
	case 26:
		if year <= 2023 {
			return "store bededag"
		}
	case 39:
		return "Kristi himmelfartsdag"
	case 49:
		return "pinsedag"
	case 50:
		return "2. pinsedag"
	}
	return ""
}

// easterSunday is the date of Easter Sunday in the Gregorian calendar (the anonymous
// Gregorian algorithm, Meeus/Jones/Butcher), as midnight UTC.
func easterSunday(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// WorkingDay reports whether t's date, as read in t's own location, is a working day, and if
// not, why not: "a Saturday", "langfredag". Pass a time in the campaign's location (or a
// wall-clock time, see naiveWall).
func WorkingDay(t time.Time) (bool, string) {
	switch t.Weekday() {
	case time.Saturday:
		return false, "a Saturday"
	case time.Sunday:
		return false, "a Sunday"
	}
	y, m, d := t.Date()
	if name := DayOff(y, m, d); name != "" {
		return false, name
	}
	return true, ""
}

// toWorkingDay moves the wall-clock time naive by whole days in direction dir (+1 forward,
// -1 back) until it falls on a working day, keeping its time of day; the reason says why the
// first day would not do ("2012-04-06 is langfredag"), "" when naive was on a working day.
func toWorkingDay(naive time.Time, dir int) (time.Time, string) {
	ok, why := WorkingDay(naive)
	if ok {
		return naive, ""
	}
	reason := fmt.Sprintf("%s is %s", naive.Format("2006-01-02"), why)
	for !ok {
		naive = naive.AddDate(0, 0, dir)
		ok, _ = WorkingDay(naive)
	}
	return naive, reason
}
