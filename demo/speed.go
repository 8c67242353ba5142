package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/clock"
)

// Speed is how many virtual seconds pass per real second; 0 is as fast as the work allows.
type Speed float64

// ParseSpeed reads a speed: "max" (or "") for as fast as possible, a factor ("3600" or
// "3600x": an hour a second), or the virtual time per real second ("1d", "6h", "90m").
func ParseSpeed(s string) (Speed, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "max" {
		return 0, nil
	}
	if f, err := strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64); err == nil {
		if f <= 0 {
			return 0, fmt.Errorf("speed %q: must be more than 0", s)
		}
		return Speed(f), nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return 0, fmt.Errorf("speed %q: want max, a factor such as 3600, or virtual time per second such as 1d or 6h", s)
		}
		d = time.Duration(n * 24 * float64(time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("speed %q: want max, a factor such as 3600, or virtual time per second such as 1d or 6h", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("speed %q: must be more than 0", s)
	}
	return Speed(d.Seconds()), nil
}

func (s Speed) String() string {
	if s <= 0 {
		return "as fast as possible"
	}
	d := time.Duration(float64(s) * float64(time.Second))
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd of virtual time a second", d/(24*time.Hour))
	}
	return fmt.Sprintf("%s of virtual time a second", d)
}

// pacer moves the virtual clock, at full speed or in steps of a virtual hour with real
// sleeps between them.
type pacer struct {
	speed Speed
	// origin is the virtual time at real time began, for sleeping against drift.
	origin  time.Time
	started time.Time
}

func newPacer(s Speed, start time.Time) *pacer {
	return &pacer{speed: s, origin: start, started: time.Now()}
}

// runUntil moves the clock to until; it returns ErrInterrupted when ctx ends first.
func (p *pacer) runUntil(ctx context.Context, v *clock.Virtual, until time.Time) error {
	if p.speed <= 0 {
		if err := v.RunUntil(ctx, until); err != nil {
			return ErrInterrupted
		}
		return nil
	}
	for now := v.Now(); now.Before(until); now = v.Now() {
		step := now.Add(time.Hour)
		if step.After(until) {
			step = until
		}
		// The real time at which the clock may read step; sleeping against the start keeps
		// the slow work of one step from adding up into a drift.
		due := p.started.Add(time.Duration(float64(step.Sub(p.origin)) / float64(p.speed)))
		if wait := time.Until(due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ErrInterrupted
			case <-t.C:
			}
		}
		if err := v.RunUntil(ctx, step); err != nil {
			return ErrInterrupted
		}
	}
	return nil
}
