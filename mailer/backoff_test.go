package mailer

import (
	"fmt"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := Backoff{Base: time.Second, Max: time.Minute}
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {4, 8 * time.Second},
		{11, time.Minute}, {1000, time.Minute},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			if got := b.Ceiling(tc.n); got != tc.want {
				t.Errorf("ceiling of attempt %d: %s, want %s", tc.n, got, tc.want)
			}
			for range 100 {
				if d := b.Wait(tc.n); d < 0 || d > tc.want {
					t.Fatalf("Wait(%d) = %s, outside [0, %s]", tc.n, d, tc.want)
				}
			}
			full := b
			full.Rand = func() float64 { return 1 }
			if d := full.Wait(tc.n); d != tc.want {
				t.Errorf("Wait(%d) with the jitter at its top: %s, want the ceiling %s", tc.n, d, tc.want)
			}
		})
	}
	// Waits spread over the range instead of bunching at its top.
	var low int
	for range 1000 {
		if b.Wait(4) < 4*time.Second {
			low++
		}
	}
	if low < 300 || low > 700 {
		t.Errorf("%d of 1000 waits under half the ceiling, want about half", low)
	}
}
