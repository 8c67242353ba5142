package desk

import (
	"testing"
	"time"
)

// How long an item has waited reads as Danish does: one hour is "1 time", not "1 timer".
func TestAge(t *testing.T) {
	f := formatter{lang: "da"}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Minute, "0 min."}, {59 * time.Minute, "59 min."}, {time.Hour, "1 time"}, {119 * time.Minute, "1 time"},
		{2 * time.Hour, "2 timer"}, {47 * time.Hour, "47 timer"}, {48 * time.Hour, "2 dage"},
	} {
		if got := f.age(c.d); got != c.want {
			t.Errorf("age(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
