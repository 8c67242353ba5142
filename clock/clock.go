// Package clock is the one source of time in rsvpd. Everything that reads the time or waits
// for it takes a Clock, so that the same code runs on the real clock in the daemon and on a
// virtual clock in tests, in `rsvpd simulate` and in the demo, where weeks of a campaign pass
// in a fraction of a second.
//
// A long-lived loop waits with Wait: until a due time, until a Signal (a "kick": new work),
// or until its context ends. On the virtual clock such a loop can be registered as a
// participant (Virtual.Go); the virtual clock then knows when every participant is waiting,
// and RunUntil moves time forward to the next due time only then.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and waits for it.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// Wait blocks until the clock reads until or later, s is notified, or ctx ends (then
	// it returns ctx.Err()). A zero until waits for s or ctx only; a nil s waits for the
	// time or ctx only. s must come from this clock's NewSignal.
	Wait(ctx context.Context, until time.Time, s Signal) error
	// NewSignal returns a wake-up for Wait.
	NewSignal() Signal
	// NewTimer returns a timer that delivers the clock's time on its channel once d has
	// passed. On a virtual clock a goroutine blocked on a timer's channel counts as busy:
	// participants wait with Wait, timers are for code that is not a participant.
	NewTimer(d time.Duration) Timer
	// After is NewTimer(d).C().
	After(d time.Duration) <-chan time.Time
}

// Signal wakes a Wait. A notification sent while nobody waits is kept (one, not a count), so
// that a kick between two waits is not lost.
type Signal interface {
	Notify()
}

// Timer is a one-shot timer, like time.Timer.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it was still pending.
	Stop() bool
	// Reset makes the timer fire d from now; it reports whether it was still pending.
	Reset(d time.Duration) bool
}

// Sleep waits for d on c, or until ctx ends.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	return c.Wait(ctx, c.Now().Add(d), nil)
}

// Real returns the system clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewSignal() Signal { return &realSignal{ch: make(chan struct{}, 1)} }

func (realClock) Wait(ctx context.Context, until time.Time, s Signal) error {
	var wake <-chan struct{}
	if s != nil {
		rs, ok := s.(*realSignal)
		if !ok {
			panic("clock: Wait on the real clock with a signal from another clock")
		}
		wake = rs.ch
	}
	var due <-chan time.Time
	if !until.IsZero() {
		d := time.Until(until)
		if d <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(d)
		defer t.Stop()
		due = t.C
	}
	select {
	case <-due:
		return nil
	case <-wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

type realSignal struct{ ch chan struct{} }

func (s *realSignal) Notify() {
	select {
	case s.ch <- struct{}{}:
	default: // one pending notification is enough: the waiter looks at everything anyway
	}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time        { return t.t.C }
func (t realTimer) Stop() bool                 { return t.t.Stop() }
func (t realTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }
