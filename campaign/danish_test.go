package campaign

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Copenhagen on machines without a zone database
)

func TestDanishAndEnglishDates(t *testing.T) {
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		t               time.Time
		dateDa, shortDa string
		timeDa          string
		dateEn, shortEn string
		timeEn          string
	}{
		{"Aalborg meeting", time.Date(2012, 2, 28, 10, 0, 0, 0, cph),
			"tirsdag den 28. februar 2012", "28. februar 2012", "kl. 10.00",
			"Tuesday 28 February 2012", "28 February 2012", "10:00"},
		{"Roskilde meeting", time.Date(2012, 3, 1, 10, 0, 0, 0, cph),
			"torsdag den 1. marts 2012", "1. marts 2012", "kl. 10.00",
			"Thursday 1 March 2012", "1 March 2012", "10:00"},
		{"deadline", time.Date(2012, 3, 16, 0, 0, 0, 0, cph),
			"fredag den 16. marts 2012", "16. marts 2012", "kl. 0.00",
			"Friday 16 March 2012", "16 March 2012", "00:00"},
		{"morning, minutes padded", time.Date(2012, 5, 6, 9, 5, 0, 0, cph),
			"søndag den 6. maj 2012", "6. maj 2012", "kl. 9.05",
			"Sunday 6 May 2012", "6 May 2012", "09:05"},
		{"every other name", time.Date(2012, 12, 31, 23, 59, 0, 0, cph),
			"mandag den 31. december 2012", "31. december 2012", "kl. 23.59",
			"Monday 31 December 2012", "31 December 2012", "23:59"},
		{"lørdag, juli", time.Date(2012, 7, 14, 12, 30, 0, 0, cph),
			"lørdag den 14. juli 2012", "14. juli 2012", "kl. 12.30",
			"Saturday 14 July 2012", "14 July 2012", "12:30"},
		{"onsdag, januar", time.Date(2026, 1, 7, 8, 0, 0, 0, cph),
			"onsdag den 7. januar 2026", "7. januar 2026", "kl. 8.00",
			"Wednesday 7 January 2026", "7 January 2026", "08:00"},
		// The time is written in its own location: 23.30 UTC on the deadline is already the
		// next day in Copenhagen, which is what a Danish reader must see.
		{"UTC converted to Copenhagen", time.Date(2012, 3, 16, 23, 30, 0, 0, time.UTC).In(cph),
			"lørdag den 17. marts 2012", "17. marts 2012", "kl. 0.30",
			"Saturday 17 March 2012", "17 March 2012", "00:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(fn string, got, want string) {
				if got != want {
					t.Errorf("%s = %q, want %q", fn, got, want)
				}
			}
			check("FormatDateDa", FormatDateDa(tt.t), tt.dateDa)
			check("FormatDateShortDa", FormatDateShortDa(tt.t), tt.shortDa)
			check("FormatTimeDa", FormatTimeDa(tt.t), tt.timeDa)
			check("FormatDateEn", FormatDateEn(tt.t), tt.dateEn)
			check("FormatDateShortEn", FormatDateShortEn(tt.t), tt.shortEn)
			check("FormatTimeEn", FormatTimeEn(tt.t), tt.timeEn)
		})
	}
}

func TestMonths(t *testing.T) {
	for _, tt := range []struct {
		t      time.Time
		da, en string
	}{
		{time.Date(2012, 4, 1, 0, 0, 0, 0, time.UTC), "april 2012", "April 2012"},
		{time.Date(2014, 12, 31, 0, 0, 0, 0, time.UTC), "december 2014", "December 2014"},
	} {
		if got := FormatMonthDa(tt.t); got != tt.da {
			t.Errorf("FormatMonthDa(%s) = %q, want %q", tt.t, got, tt.da)
		}
		if got := FormatMonthEn(tt.t); got != tt.en {
			t.Errorf("FormatMonthEn(%s) = %q, want %q", tt.t, got, tt.en)
		}
	}
}
