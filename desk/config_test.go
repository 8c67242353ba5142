package desk

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// shown is what a page shows before any "Teknisk" part is opened: the HTML with the technical
// details, and the tags, taken out.
func shown(body string) string {
	body = regexp.MustCompile(`(?s)<details class="tech">.*?</details>`).ReplaceAllString(body, "")
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, " ")
}

// The configuration page is the coordinators': the schedule as dates and times in Danish,
// from the scheduler, not durations and a cron expression; the keys of the file only under
// "Teknisk"; and the address the desk really listens on, not the one in the file.
func TestConfigPageInWords(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	r := c.get("/config")
	if r.status != 200 {
		t.Fatalf("/config: %d", r.status)
	}
	page := shown(r.body)
	var missing []string
	for _, want := range []string{
		"Påmindelse til dem, der ikke har svaret",
		"tirsdag den 14. og tirsdag den 21. februar kl. 9.00",                   // nudge_unanswered: 14d and 7d before 28 Feb at 09:00
		"fredag den 9. og onsdag den 14. marts kl. 9.00",                        // nudge_agreement: 7d and 2d before 16 Mar
		"Aalborg: mandag den 27. februar kl. 8.00",                              // a reminder the day before the meeting
		"Roskilde: onsdag den 29. februar kl. 8.00",                             //
		"Aalborg: fredag den 24. februar kl. 8.00",                              // the participant list two days before, moved off Sunday
		"hverdage kl. 7.00 fra tirsdag den 7. februar til fredag den 16. marts", // the digest
		"Slutrapport", "mandag den 19. marts kl. 7.00",
		"højst én mail pr. 15 minutter",
		"tidszonen Europe/Copenhagen",
		"Lytter på", f.srv.Listener.Addr().String(),
	} {
		if !strings.Contains(page, want) {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the page does not say %q:\n%s", missing, page)
	}
	for _, dev := range []string{"h0m0s", "0 7 * * 1-5", "before", "first_meeting", "schedule.", "campaign.", "127.0.0.1:9180", "tokened"} {
		if strings.Contains(page, dev) {
			t.Errorf("the page shows %q outside its technical part", dev)
		}
	}
	// The operator still finds the file's keys and values, and the address the file names.
	for _, want := range []string{"<summary>Teknisk</summary>", "schedule.nudge_unanswered", "before: [14d, 7d], of: first_meeting, time: 09:00",
		"0 7 * * 1-5", f.srv.Listener.Addr().String() + " (i filen: 127.0.0.1:9180)"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the technical part lacks %q", want)
		}
	}
}

// The dates are the scheduler's, with its rules: a nudge that falls on a Sunday goes out on
// the Monday after it, and the page says so.
func TestConfigPageDatesAreTheSchedulers(t *testing.T) {
	f := newFixture(t)
	f.c.Schedule.NudgeUnanswered.Before = []time.Duration{16 * 24 * time.Hour} // Sunday 12 February
	c := f.signIn(t)
	page := shown(c.get("/config").body)
	if !strings.Contains(page, "mandag den 13. februar kl. 9.00") || strings.Contains(page, "søndag den 12. februar") {
		t.Errorf("a nudge on a Sunday: the page does not give the Monday the scheduler sends it on:\n%s", page)
	}
}

func TestTimesInWords(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ats := func(ss ...string) []time.Time {
		var out []time.Time
		for _, s := range ss {
			out = append(out, at(s))
		}
		return out
	}
	da, en := formatter{lang: "da"}, formatter{lang: "en"}
	tests := []struct {
		f    formatter
		ts   []time.Time
		want string
	}{
		{da, ats("2012-02-06 09:00"), "mandag den 6. februar kl. 9.00"},
		{da, ats("2012-02-14 09:00", "2012-02-21 09:00"), "tirsdag den 14. og tirsdag den 21. februar kl. 9.00"},
		{da, ats("2012-02-27 08:00", "2012-02-29 08:00", "2012-03-05 08:00"), "mandag den 27., onsdag den 29. februar og mandag den 5. marts kl. 8.00"},
		{da, ats("2012-03-14 09:00", "2012-03-16 14:30"), "onsdag den 14. marts kl. 9.00 og fredag den 16. marts kl. 14.30"},
		{da, ats("2012-12-28 09:00", "2013-01-04 09:00"), "fredag den 28. december 2012 og fredag den 4. januar 2013 kl. 9.00"},
		{en, ats("2012-02-14 09:00", "2012-02-21 09:00"), "Tuesday 14 and Tuesday 21 February at 09:00"},
	}
	for _, tc := range tests {
		if got := tc.f.times(tc.ts); got != tc.want {
			t.Errorf("%s times: %q, want %q", tc.f.lang, got, tc.want)
		}
	}
	days := func(from, to string, on func(time.Weekday) bool, clock string) []time.Time {
		var out []time.Time
		for d := at(from + " " + clock); !d.After(at(to + " " + clock)); d = d.AddDate(0, 0, 1) {
			if on(d.Weekday()) {
				out = append(out, d)
			}
		}
		return out
	}
	work := func(d time.Weekday) bool { return d != time.Saturday && d != time.Sunday }
	weekdays := days("2012-02-07", "2012-03-16", work, "07:00")
	gap := append(append([]time.Time{}, weekdays[:3]...), weekdays[4:]...)
	runs := []struct {
		f    formatter
		ts   []time.Time
		want string
	}{
		{da, weekdays, "hverdage kl. 7.00 fra tirsdag den 7. februar til fredag den 16. marts"},
		{en, weekdays, "weekdays at 07:00 from Tuesday 7 February to Friday 16 March"},
		{da, days("2012-02-07", "2012-03-16", func(time.Weekday) bool { return true }, "07:00"), "hver dag kl. 7.00 fra tirsdag den 7. februar til fredag den 16. marts"},
		{da, days("2012-02-06", "2012-03-16", func(d time.Weekday) bool { return d == time.Monday || d == time.Thursday }, "07:30"),
			"hver mandag og torsdag kl. 7.30 fra mandag den 6. februar til torsdag den 15. marts"},
		{da, gap, "28 gange fra tirsdag den 7. februar til fredag den 16. marts"}, // a day missing: no rule to name
		// Across the night the clocks go forward the digest keeps its time of day.
		{da, days("2012-03-19", "2012-03-30", work, "07:00"), "hverdage kl. 7.00 fra mandag den 19. marts til fredag den 30. marts"},
	}
	for _, tc := range runs {
		if got := tc.f.runs(tc.ts); got != tc.want {
			t.Errorf("%s runs: %q, want %q", tc.f.lang, got, tc.want)
		}
	}
}
