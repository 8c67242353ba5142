package schedules

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestValidateCron(t *testing.T) {
	tests := []struct {
		spec    string
		wantErr string // "" = valid
	}{
		{"0 7 * * 1-5", ""},
		{"30 2 * * *", ""},
		{"*/15 9-17 * * mon-fri", ""},
		{"@daily", ""},
		{"  0 7 * * *  ", ""},
		{"", "empty"},
		// robfig/cron panics on this one (index out of range): it must be an error.
		{"CRON_TZ=Europe/Copenhagen", "time zone"},
		{"CRON_TZ=Europe/Copenhagen 0 7 * * *", "time zone"},
		{"TZ=UTC 0 7 * * *", "time zone"},
		{"@every 1h", "@every"},
		{"61 * * * *", "61"},
		{"0 7 * *", "expected exactly 5 fields"},
		{"0 0 7 * * *", "expected exactly 5 fields"},
		{"0 7 * * mon-fry", "fry"},
		{"@fortnightly", "unrecognized descriptor"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			err := ValidateCron(tt.spec)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidateCron(%q) = %v, want valid", tt.spec, err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("ValidateCron(%q) = nil, want an error about %q", tt.spec, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("ValidateCron(%q) = %v, want it to mention %q", tt.spec, err, tt.wantErr)
			case err != nil && !strings.Contains(err.Error(), tt.spec) && tt.spec != "":
				t.Errorf("ValidateCron(%q) = %v: the error should quote the expression", tt.spec, err)
			}
		})
	}
}

// Whatever the staff type into the config, validating it returns; it never panics.
func FuzzValidateCron(f *testing.F) {
	for _, s := range []string{"0 7 * * 1-5", "CRON_TZ=", "CRON_TZ=Europe/Copenhagen", "TZ=x", "@every 1h",
		"@every", "*/0 * * * *", "0-60 * * * *", "5-1 * * * *", "? ? ? ? ?", "@", "0 7 L * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		_ = ValidateCron(spec)
		if c, err := ParseCron(spec, time.UTC); err == nil {
			c.Next(time.Date(2012, 2, 6, 0, 0, 0, 0, time.UTC))
		}
	})
}

// On days without a clock change, the runs are robfig/cron's own: the rule changes only the
// two nights a year.
func TestCronAgreesWithRobfigOnOrdinaryDays(t *testing.T) {
	loc := copenhagen(t)
	specs := []string{"0 7 * * 1-5", "*/20 9-17 * * *", "0 0 1 * *", "30 2 * * *", "0 12 * * 0", "0 7 1,15 * 1", "@weekly", "15 3 31 * *"}
	transitions := map[string]bool{"2026-03-29": true, "2026-10-25": true}
	for _, spec := range specs {
		t.Run(spec, func(t *testing.T) {
			ours, err := ParseCron(spec, loc)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := cron.ParseStandard(spec)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			end := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
			collect := func(next func(time.Time) time.Time) []string {
				var out []string
				for at := next(start); !at.IsZero() && at.Before(end); at = next(at) {
					if d := at.In(loc).Format("2006-01-02"); !transitions[d] {
						out = append(out, at.In(loc).Format(time.RFC3339))
					}
				}
				return out
			}
			got := collect(func(t time.Time) time.Time { at, _ := ours.Next(t); return at })
			want := collect(func(t time.Time) time.Time { return theirs.Next(t.In(loc)) })
			if len(want) == 0 {
				t.Fatal("robfig/cron found no runs: the test compares nothing")
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("runs differ from robfig/cron's:\nours   %d %v\ntheirs %d %v", len(got), head(got), len(want), head(want))
			}
		})
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// The nights the clocks change: each wall-clock time the expression names runs once, a time
// in the skipped hour at 03:00 CEST (merged with others there), a time in the repeated hour
// at its first occurrence.
func TestCronOnDSTNights(t *testing.T) {
	loc := copenhagen(t)
	tests := []struct {
		spec, date string
		want       []string // the runs on that local date, as local times with zone
	}{
		{"30 2 * * *", "2026-03-29", []string{"03:00 CEST"}},
		{"30 2 * * *", "2026-10-25", []string{"02:30 CEST"}},
		{"*/30 2 * * *", "2026-03-29", []string{"03:00 CEST"}},
		{"0,30 2,3 * * *", "2026-03-29", []string{"03:00 CEST", "03:30 CEST"}},
		{"*/30 2 * * *", "2026-10-25", []string{"02:00 CEST", "02:30 CEST"}},
		{"0 * * * *", "2026-10-25", []string{"00:00 CEST", "01:00 CEST", "02:00 CEST", "03:00 CET", "04:00 CET"}},
		{"0 3 * * *", "2026-03-29", []string{"03:00 CEST"}},
		{"30 2 * * *", "2026-03-28", []string{"02:30 CET"}},
		{"30 2 * * *", "2026-03-30", []string{"02:30 CEST"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" on "+tt.date, func(t *testing.T) {
			c, err := ParseCron(tt.spec, loc)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := time.ParseInLocation("2006-01-02", tt.date, loc)
			var got []string
			for at, ok := c.Next(d.Add(-time.Nanosecond)); ok && at.In(loc).Format("2006-01-02") == tt.date; at, ok = c.Next(at) {
				got = append(got, at.In(loc).Format("15:04 MST"))
				if len(got) > len(tt.want)+5 && len(tt.want) < 10 {
					break
				}
			}
			if tt.spec == "0 * * * *" {
				got = got[:min(5, len(got))] // the first five hours of the day are the test
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("runs on %s = %v, want %v", tt.date, got, tt.want)
			}
		})
	}
}

func TestCronThatNeverRuns(t *testing.T) {
	c, err := ParseCron("0 0 30 2 *", copenhagen(t))
	if err != nil {
		t.Fatal(err)
	}
	if at, ok := c.Next(time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Errorf("30 February ran at %v", at)
	}
}
