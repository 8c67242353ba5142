package clock

import (
	"context"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2012, 2, 6, 8, 0, 0, 0, time.UTC)

// A test that hangs on a clock bug should fail, not time out the whole package.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestVirtualTimersFireInOrderAtTheirTime(t *testing.T) {
	v := NewVirtual(t0)
	// Created out of order; each must deliver its own due time, not the time Advance ends at.
	delays := []time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour, 5 * time.Hour}
	var timers []Timer
	for _, d := range delays {
		timers = append(timers, v.NewTimer(d))
	}
	stopped := timers[2].Stop()
	if !stopped {
		t.Fatalf("Stop of a pending timer reported it was not pending")
	}
	v.Advance(4 * time.Hour)
	if got := v.Now(); !got.Equal(t0.Add(4 * time.Hour)) {
		t.Fatalf("Now after Advance(4h) = %v, want %v", got, t0.Add(4*time.Hour))
	}
	for i, d := range delays {
		select {
		case got := <-timers[i].C():
			if i == 2 {
				t.Errorf("stopped timer %d fired at %v", i, got)
			} else if want := t0.Add(d); !got.Equal(want) {
				t.Errorf("timer %d (%v) delivered %v, want %v", i, d, got, want)
			}
		default:
			if i != 2 && d <= 4*time.Hour {
				t.Errorf("timer %d (%v) did not fire within Advance(4h)", i, d)
			}
		}
	}
	if timers[3].Reset(time.Minute) != true {
		t.Errorf("Reset of a pending timer reported it was not pending")
	}
	v.Advance(time.Minute)
	if got := <-timers[3].C(); !got.Equal(t0.Add(4*time.Hour + time.Minute)) {
		t.Errorf("reset timer delivered %v, want %v", got, t0.Add(4*time.Hour+time.Minute))
	}
}

func TestVirtualTimerWithNoDelayFiresAtOnce(t *testing.T) {
	v := NewVirtual(t0)
	select {
	case got := <-v.After(0):
		if !got.Equal(t0) {
			t.Errorf("After(0) delivered %v, want %v", got, t0)
		}
	default:
		t.Fatal("After(0) did not fire without the clock moving")
	}
}

// The simulation case: participants wait for due times; RunUntil jumps from one to the next,
// and each participant sees exactly its due time, in order, however long its work takes.
func TestRunUntilJumpsToEachDueTimeWhenIdle(t *testing.T) {
	ctx := testContext(t)
	v := NewVirtual(t0)
	var mu sync.Mutex
	var log []string
	record := func(who string) {
		mu.Lock()
		log = append(log, who+" "+v.Now().Format("15:04"))
		mu.Unlock()
	}
	sleeper := func(who string, every time.Duration, n int, work time.Duration) func(context.Context) {
		return func(ctx context.Context) {
			for i := 0; i < n; i++ {
				if err := Sleep(ctx, v, every); err != nil {
					return
				}
				time.Sleep(work) // real work takes real time; virtual time must not move meanwhile
				record(who)
			}
		}
	}
	a := v.Go(ctx, sleeper("a", 30*time.Minute, 3, 5*time.Millisecond))
	b := v.Go(ctx, sleeper("b", 45*time.Minute, 2, 0))
	start := time.Now()
	if err := v.RunUntil(ctx, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	<-a
	<-b
	// At 09:30 both are due: b asked first (at 08:45, a at 09:00), so b goes first.
	want := []string{"a 08:30", "b 08:45", "a 09:00", "b 09:30", "a 09:30"}
	if len(log) != len(want) {
		t.Fatalf("wake-ups %v, want %v", log, want)
	}
	for i := range want {
		if log[i] != want[i] {
			t.Fatalf("wake-ups %v, want %v", log, want)
		}
	}
	if got := v.Now(); !got.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("Now after RunUntil = %v, want the end %v", got, t0.Add(2*time.Hour))
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("two virtual hours took %v of real time", el)
	}
}

// A kick (Signal) wakes a waiting participant at the current virtual time, and one sent while
// nobody waits is kept for the next Wait, so a state change between two waits is not lost.
func TestSignalWakesWaiterAndIsKept(t *testing.T) {
	ctx := testContext(t)
	v := NewVirtual(t0)
	s := v.NewSignal()
	woke := make(chan time.Time, 10)
	done := v.Go(ctx, func(ctx context.Context) {
		for {
			if err := v.Wait(ctx, time.Time{}, s); err != nil {
				return
			}
			woke <- v.Now()
		}
	})
	v.Advance(time.Hour) // nothing due: the waiter must not wake
	select {
	case got := <-woke:
		t.Fatalf("waiter woke at %v without a signal", got)
	default:
	}
	s.Notify()
	s.Notify() // two kicks before the waiter runs are one wake-up
	v.Advance(0)
	if got := <-woke; !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("kicked waiter saw %v, want %v", got, t0.Add(time.Hour))
	}

	s2 := v.NewSignal()
	s2.Notify() // nobody waits yet
	if err := v.Wait(ctx, t0.Add(24*time.Hour), s2); err != nil {
		t.Fatalf("Wait with a pending signal: %v", err)
	}
	if got := v.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("a pending signal should return at once, clock moved to %v", got)
	}
	stop, stopCancel := context.WithCancel(ctx)
	stopCancel()
	if err := v.Wait(stop, time.Time{}, nil); err != context.Canceled {
		t.Errorf("Wait with a cancelled context = %v, want context.Canceled", err)
	}
	_ = done
}

func TestWaitEndsWithContext(t *testing.T) {
	v := NewVirtual(t0)
	ctx, cancel := context.WithCancel(testContext(t))
	errc := make(chan error, 1)
	done := v.Go(ctx, func(ctx context.Context) {
		errc <- v.Wait(ctx, t0.Add(time.Hour), nil)
	})
	v.Advance(30 * time.Minute) // waits for the participant to be in Wait
	cancel()
	<-done
	if err := <-errc; err != context.Canceled {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
	// The cancelled wait must be gone: advancing past its time does not block or fire it.
	v.Advance(time.Hour)
}

func TestHoldKeepsTimeStill(t *testing.T) {
	ctx := testContext(t)
	v := NewVirtual(t0)
	release := v.Hold()
	timer := v.NewTimer(time.Minute)
	moved := make(chan struct{})
	go func() {
		_ = v.RunUntil(ctx, t0.Add(time.Hour))
		close(moved)
	}()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-moved:
		t.Fatal("RunUntil moved time while a Hold was open")
	case <-timer.C():
		t.Fatal("a timer fired while a Hold was open")
	default:
	}
	release()
	release() // twice is harmless
	<-moved
	if got := <-timer.C(); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("timer delivered %v, want %v", got, t0.Add(time.Minute))
	}
}

func TestRunUntilGivesUpWithContext(t *testing.T) {
	v := NewVirtual(t0)
	release := v.Hold()
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := v.RunUntil(ctx, t0.Add(time.Hour)); err != context.DeadlineExceeded {
		t.Errorf("RunUntil with a stuck participant = %v, want context.DeadlineExceeded", err)
	}
	if got := v.Now(); !got.Equal(t0) {
		t.Errorf("clock moved to %v while busy", got)
	}
}

func TestRunUntilFromParticipantIsRefused(t *testing.T) {
	ctx := testContext(t)
	v := NewVirtual(t0)
	errc := make(chan error, 1)
	<-v.Go(ctx, func(ctx context.Context) { errc <- v.RunUntil(ctx, t0.Add(time.Hour)) })
	if err := <-errc; err == nil {
		t.Error("RunUntil from a participant should be refused (it would wait for itself)")
	}
}

func TestSetBackwardsFiresNothing(t *testing.T) {
	v := NewVirtual(t0)
	timer := v.NewTimer(time.Minute)
	v.Set(t0.Add(-time.Hour))
	if got := v.Now(); !got.Equal(t0.Add(-time.Hour)) {
		t.Errorf("Now = %v, want %v", got, t0.Add(-time.Hour))
	}
	select {
	case <-timer.C():
		t.Error("timer fired when the clock went back")
	default:
	}
	v.Advance(61 * time.Minute)
	select {
	case <-timer.C():
	default:
		t.Error("timer did not fire when the clock reached it again")
	}
}

// Many participants kicking each other and sleeping, under -race: the clock must end at the
// end time with every participant's work done and no data race.
func TestManyParticipantsUnderRace(t *testing.T) {
	ctx, cancel := context.WithCancel(testContext(t))
	v := NewVirtual(t0)
	const n = 20
	sigs := make([]Signal, n)
	for i := range sigs {
		sigs[i] = v.NewSignal()
	}
	var mu sync.Mutex
	wakes := 0
	var dones []<-chan struct{}
	for i := 0; i < n; i++ {
		dones = append(dones, v.Go(ctx, func(ctx context.Context) {
			for {
				if err := v.Wait(ctx, v.Now().Add(time.Duration(i+1)*time.Minute), sigs[i]); err != nil {
					return
				}
				mu.Lock()
				wakes++
				mu.Unlock()
				if i%2 == 0 { // a ring of kicks would never be idle, as with real time
					sigs[i+1].Notify()
				}
			}
		}))
	}
	if err := v.RunUntil(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	cancel()
	for _, d := range dones {
		<-d
	}
	if wakes < 60 { // participant 0 alone wakes 60 times by its timer
		t.Errorf("only %d wake-ups in a virtual hour", wakes)
	}
	if got := v.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("Now = %v, want %v", got, t0.Add(time.Hour))
	}
}
