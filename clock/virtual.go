package clock

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Virtual is a clock that moves only when told to. Time moves with Advance, Set or RunUntil;
// each fires the waits and timers it passes, one at a time in order of their due time (and
// of their creation when due together), setting Now to that due time as it fires.
//
// Goroutines started with Go are participants: the virtual clock counts them as busy except
// while they are inside Wait. Before it fires the next wait or timer, Set waits until no
// participant is busy and no Hold is open, so a participant woken at 09:00 finishes its work at
// 09:00 before anything at 09:01 happens. That is what lets a simulation run a campaign's weeks
// as fast as the work allows, in a repeatable order. A participant must block only in Wait (a
// participant blocked elsewhere, e.g. on a timer's channel, keeps the clock from moving), and
// the clock must be driven from outside the participants.
type Virtual struct {
	mu      sync.Mutex
	idle    *sync.Cond // broadcast whenever running drops or the driver must look again
	now     time.Time
	seq     uint64
	waits   []*waiter
	timers  []*vtimer
	running int // participants not in Wait, plus open holds
}

// NewVirtual returns a virtual clock that reads start.
func NewVirtual(start time.Time) *Virtual {
	v := &Virtual{now: start}
	v.idle = sync.NewCond(&v.mu)
	return v
}

type participantKey struct{ v *Virtual }

type waiter struct {
	until   time.Time // zero: only a signal or the context wakes it
	seq     uint64
	sig     *vsignal
	part    bool
	woken   bool
	release chan struct{}
}

type vsignal struct {
	v       *Virtual
	pending bool
	waiter  *waiter
}

type vtimer struct {
	v    *Virtual
	when time.Time
	seq  uint64
	ch   chan time.Time
	live bool
}

// Now is the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// NewSignal returns a wake-up for Wait on this clock.
func (v *Virtual) NewSignal() Signal { return &vsignal{v: v} }

// Notify wakes the Wait that waits for s, or keeps the notification for the next one.
func (s *vsignal) Notify() {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	if s.waiter != nil {
		s.v.wake(s.waiter)
		return
	}
	s.pending = true
}

// Wait blocks until the virtual time reaches until, s is notified, or ctx ends.
func (v *Virtual) Wait(ctx context.Context, until time.Time, s Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var vs *vsignal
	if s != nil {
		var ok bool
		if vs, ok = s.(*vsignal); !ok || vs.v != v {
			panic("clock: Wait on a virtual clock with a signal from another clock")
		}
	}
	v.mu.Lock()
	if vs != nil && vs.pending {
		vs.pending = false
		v.mu.Unlock()
		return nil
	}
	if !until.IsZero() && !until.After(v.now) {
		v.mu.Unlock()
		return nil
	}
	v.seq++
	w := &waiter{until: until, seq: v.seq, sig: vs, part: isParticipant(ctx, v), release: make(chan struct{})}
	v.waits = append(v.waits, w)
	if vs != nil {
		vs.waiter = w
	}
	if w.part {
		v.running--
		v.idle.Broadcast()
	}
	v.mu.Unlock()

	select {
	case <-w.release:
		return nil
	case <-ctx.Done():
		v.mu.Lock()
		if !w.woken {
			v.wake(w) // counts it busy again: it is on its way out
		}
		v.mu.Unlock()
		return ctx.Err()
	}
}

// wake releases w; the caller holds v.mu. A woken participant is busy until it waits again.
func (v *Virtual) wake(w *waiter) {
	if w.woken {
		return
	}
	w.woken = true
	for i, x := range v.waits {
		if x == w {
			v.waits = append(v.waits[:i], v.waits[i+1:]...)
			break
		}
	}
	if w.sig != nil && w.sig.waiter == w {
		w.sig.waiter = nil
	}
	if w.part {
		v.running++
	}
	close(w.release)
}

func isParticipant(ctx context.Context, v *Virtual) bool {
	p, _ := ctx.Value(participantKey{v}).(bool)
	return p
}

// Go runs f in a new goroutine as a participant of v: the clock waits for it to be idle (in
// Wait, with the context f is given or one derived from it) before it moves on. The returned
// channel is closed when f has returned.
func (v *Virtual) Go(ctx context.Context, f func(ctx context.Context)) <-chan struct{} {
	done := make(chan struct{})
	v.mu.Lock()
	v.running++
	v.mu.Unlock()
	pctx := context.WithValue(ctx, participantKey{v}, true)
	go func() {
		defer close(done)
		defer func() {
			v.mu.Lock()
			v.running--
			v.idle.Broadcast()
			v.mu.Unlock()
		}()
		f(pctx)
	}()
	return done
}

// Hold marks the clock busy until release is called, for work that is not a participant but
// must finish before time moves on (a message being delivered to an embedded server).
func (v *Virtual) Hold() (release func()) {
	v.mu.Lock()
	v.running++
	v.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			v.mu.Lock()
			v.running--
			v.idle.Broadcast()
			v.mu.Unlock()
		})
	}
}

// Advance moves the clock forward by d; see Set.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	t := v.now.Add(d)
	v.mu.Unlock()
	v.Set(t)
}

// Set moves the clock to t, firing every wait and timer due on the way in order, each after the
// participants are idle, and returns once they are idle at t. A t before Now moves the clock
// back (a stepped system clock) and fires nothing.
func (v *Virtual) Set(t time.Time) {
	_ = v.RunUntil(context.Background(), t)
}

// RunUntil is Set that gives up when ctx ends. It is the simulation's engine: with the
// campaign's loops as participants, it jumps from one due time to the next as soon as
// everything is idle, until end. It returns ctx.Err() if ctx ended first.
func (v *Virtual) RunUntil(ctx context.Context, end time.Time) error {
	if isParticipant(ctx, v) {
		return fmt.Errorf("clock: RunUntil called by a participant: it would wait for itself")
	}
	stop := context.AfterFunc(ctx, func() {
		v.mu.Lock()
		v.idle.Broadcast()
		v.mu.Unlock()
	})
	defer stop()

	v.mu.Lock()
	defer v.mu.Unlock()
	for {
		for v.running > 0 && ctx.Err() == nil {
			v.idle.Wait()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		w, tm, when := v.nextEvent()
		if when.IsZero() || when.After(end) {
			break
		}
		if when.After(v.now) {
			v.now = when
		}
		if w != nil {
			v.wake(w)
		} else {
			v.fire(tm)
		}
	}
	v.now = end
	return nil
}

// nextEvent is the earliest pending wait or timer; the caller holds v.mu.
func (v *Virtual) nextEvent() (*waiter, *vtimer, time.Time) {
	var (
		bw   *waiter
		bt   *vtimer
		when time.Time
		seq  uint64
	)
	earlier := func(t time.Time, s uint64) bool {
		return when.IsZero() || t.Before(when) || (t.Equal(when) && s < seq)
	}
	for _, w := range v.waits {
		if !w.until.IsZero() && earlier(w.until, w.seq) {
			bw, bt, when, seq = w, nil, w.until, w.seq
		}
	}
	for _, t := range v.timers {
		if earlier(t.when, t.seq) {
			bw, bt, when, seq = nil, t, t.when, t.seq
		}
	}
	return bw, bt, when
}

// NewTimer returns a timer that fires when the virtual time reaches Now()+d.
func (v *Virtual) NewTimer(d time.Duration) Timer {
	t := &vtimer{v: v, ch: make(chan time.Time, 1)}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.arm(t, d)
	return t
}

// After is NewTimer(d).C().
func (v *Virtual) After(d time.Duration) <-chan time.Time { return v.NewTimer(d).C() }

// arm schedules t at now+d, firing it at once when d <= 0; the caller holds v.mu.
func (v *Virtual) arm(t *vtimer, d time.Duration) {
	v.seq++
	t.when, t.seq, t.live = v.now.Add(d), v.seq, true
	if d <= 0 {
		v.fire(t)
		return
	}
	v.timers = append(v.timers, t)
}

// fire delivers t's time and forgets it; the caller holds v.mu.
func (v *Virtual) fire(t *vtimer) {
	v.unlink(t)
	t.live = false
	select {
	case t.ch <- v.now:
	default: // like time.Timer: an unread value is not replaced
	}
}

func (v *Virtual) unlink(t *vtimer) {
	for i, x := range v.timers {
		if x == t {
			v.timers = append(v.timers[:i], v.timers[i+1:]...)
			return
		}
	}
}

func (t *vtimer) C() <-chan time.Time { return t.ch }

func (t *vtimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	was := t.live
	t.v.unlink(t)
	t.live = false
	t.drain()
	return was
}

// drain drops a fired but unread value, as time.Timer does since Go 1.23, so that a stopped or
// reset timer never delivers a stale time.
func (t *vtimer) drain() {
	select {
	case <-t.ch:
	default:
	}
}

func (t *vtimer) Reset(d time.Duration) bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	was := t.live
	t.v.unlink(t)
	t.drain()
	t.v.arm(t, d)
	return was
}
