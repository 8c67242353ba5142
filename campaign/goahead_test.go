package campaign

import "testing"

func TestNeeded(t *testing.T) {
	for _, tc := range []struct {
		name          string
		threshold     float64
		joined, total int64
		want          int64
	}{
		{"half of 98 is 49", 0.5, 0, 98, 49},
		{"48 of 98 need one more", 0.5, 48, 98, 1},
		{"49 of 98 reach half", 0.5, 49, 98, 0},
		{"more than enough", 0.5, 60, 98, 0},
		{"half of an odd population rounds up", 0.5, 0, 5580413, 2790207},
		{"0.6 of 5 is 3, not 4", 0.6, 0, 5, 3},
		{"no invitees need nothing", 0.5, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Needed(tc.threshold, tc.joined, tc.total); got != tc.want {
				t.Errorf("Needed(%v, %d, %d) = %d, want %d", tc.threshold, tc.joined, tc.total, got, tc.want)
			}
		})
	}
}

func TestGoAheadReached(t *testing.T) {
	c := &Campaign{GoAhead: 0.5}
	for _, tc := range []struct {
		name   string
		joined int
		pop    int64
		want   bool
	}{
		{"neither", 10, 1000, false},
		{"half the municipalities", 49, 1000, true},
		{"half the population", 3, 5000, true},
	} {
		if got := c.GoAheadReached(tc.joined, tc.pop, 98, 10000); got != tc.want {
			t.Errorf("%s: reached %v, want %v", tc.name, got, tc.want)
		}
	}
	if c.GoAheadReached(0, 0, 0, 0) {
		t.Error("a campaign without invitees reaches its threshold")
	}
}
