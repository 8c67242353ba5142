package config

import (
	"testing"
	"time"
)

// A duration written by FormatDuration reads back as the same duration, in the file's own
// forms: the configuration page shows the schedule's offsets as the file has them.
func TestFormatDurationReadsBack(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{14 * 24 * time.Hour, "14d"}, {36 * time.Hour, "36h"}, {15 * time.Minute, "15m"},
		{90 * time.Second, "1m30s"}, {0, "0s"},
	} {
		got := FormatDuration(tc.d)
		if got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
		if back, err := parseDuration(got); err != nil || back != tc.d {
			t.Errorf("%q reads back as %v (%v), want %v", got, back, err, tc.d)
		}
	}
}
