package schedules

import (
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name, zone, wall string
		want             string // RFC 3339 in UTC
	}{
		{"ordinary winter day", "Europe/Copenhagen", "2012-02-28 10:00", "2012-02-28T09:00:00Z"},
		{"ordinary summer day", "Europe/Copenhagen", "2026-06-01 02:30", "2026-06-01T00:30:00Z"},
		{"spring gap 02:30 runs at 03:00 CEST", "Europe/Copenhagen", "2026-03-29 02:30", "2026-03-29T01:00:00Z"},
		{"spring gap 02:00 runs at 03:00 CEST", "Europe/Copenhagen", "2026-03-29 02:00", "2026-03-29T01:00:00Z"},
		{"03:00 on the spring night is itself", "Europe/Copenhagen", "2026-03-29 03:00", "2026-03-29T01:00:00Z"},
		{"01:59 on the spring night is CET", "Europe/Copenhagen", "2026-03-29 01:59", "2026-03-29T00:59:00Z"},
		{"autumn repeated 02:30 is the first, CEST", "Europe/Copenhagen", "2026-10-25 02:30", "2026-10-25T00:30:00Z"},
		{"autumn 02:00 is the first, CEST", "Europe/Copenhagen", "2026-10-25 02:00", "2026-10-25T00:00:00Z"},
		{"autumn 03:00 is CET", "Europe/Copenhagen", "2026-10-25 03:00", "2026-10-25T02:00:00Z"},
		{"New York spring gap", "America/New_York", "2026-03-08 02:30", "2026-03-08T07:00:00Z"},
		{"New York autumn repeat is EDT", "America/New_York", "2026-11-01 01:30", "2026-11-01T05:30:00Z"},
		{"São Paulo midnight gap (2018)", "America/Sao_Paulo", "2018-11-04 00:00", "2018-11-04T03:00:00Z"},
		{"Lord Howe half-hour gap", "Australia/Lord_Howe", "2026-10-04 02:15", "2026-10-03T15:30:00Z"},
		{"Samoa skipped a whole day (2011)", "Pacific/Apia", "2011-12-30 09:00", "2011-12-30T10:00:00Z"},
		{"UTC", "UTC", "2026-03-29 02:30", "2026-03-29T02:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			wall, err := time.Parse("2006-01-02 15:04", tt.wall)
			if err != nil {
				t.Fatal(err)
			}
			got := Resolve(loc, wall)
			if got.UTC().Format(time.RFC3339) != tt.want {
				t.Errorf("Resolve(%s, %s) = %s (%s), want %s", tt.zone, tt.wall,
					got.UTC().Format(time.RFC3339), got.Format("15:04 MST"), tt.want)
			}
			if got.Location() != loc {
				t.Errorf("result is in %v, want %v", got.Location(), loc)
			}
		})
	}
}

// Across two years of every quarter hour in Copenhagen, a wall time resolves to the instant that
// shows it (the first, where there are two), the resolved instants never go back as the wall
// time goes forward, and only the hour the clocks skip moves.
func TestResolveAgreesWithTheZoneAllYear(t *testing.T) {
	loc := copenhagen(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var prev time.Time
	moved := 0
	for w := start; w.Year() < 2027; w = w.Add(15 * time.Minute) {
		got := Resolve(loc, w)
		if got.Before(prev) {
			t.Fatalf("wall %s resolved to %s, before the previous %s", w.Format("2006-01-02 15:04"), got, prev)
		}
		prev = got
		if !sameWall(got, w) {
			moved++
			if got.Sub(Resolve(loc, w.Truncate(time.Hour))) != 0 || got.Format("15:04") != "03:00" {
				t.Errorf("wall %s resolved to %s: only a skipped 02:xx may move, to 03:00", w.Format("2006-01-02 15:04"), got)
			}
			continue
		}
		if earlier := got.Add(-time.Hour); sameWall(earlier.In(loc), w) {
			t.Errorf("wall %s resolved to the second of two instants %s", w.Format("2006-01-02 15:04"), got)
		}
	}
	if moved != 8 { // 02:00, 02:15, 02:30, 02:45 on each of two spring nights
		t.Errorf("%d wall times moved, want 8 (the skipped hour on two spring nights)", moved)
	}
}
