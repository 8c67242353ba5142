package clock

import (
	"context"
	"testing"
	"time"
)

func TestRealWait(t *testing.T) {
	c := Real()
	ctx := context.Background()

	t.Run("until", func(t *testing.T) {
		start := c.Now()
		if err := c.Wait(ctx, start.Add(20*time.Millisecond), nil); err != nil {
			t.Fatal(err)
		}
		if el := c.Now().Sub(start); el < 20*time.Millisecond {
			t.Errorf("Wait returned after %v, before its time", el)
		}
	})
	t.Run("past time returns at once", func(t *testing.T) {
		start := time.Now()
		if err := c.Wait(ctx, c.Now().Add(-time.Hour), nil); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el > 100*time.Millisecond {
			t.Errorf("Wait for a past time took %v", el)
		}
	})
	t.Run("signal, also when sent before the wait", func(t *testing.T) {
		s := c.NewSignal()
		s.Notify()
		s.Notify()
		start := time.Now()
		if err := c.Wait(ctx, c.Now().Add(time.Hour), s); err != nil {
			t.Fatal(err)
		}
		go func() { time.Sleep(10 * time.Millisecond); s.Notify() }()
		if err := c.Wait(ctx, time.Time{}, s); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("signalled waits took %v", el)
		}
	})
	t.Run("context", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		if err := c.Wait(cctx, time.Time{}, nil); err != context.DeadlineExceeded {
			t.Errorf("Wait = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("timer", func(t *testing.T) {
		tm := c.NewTimer(time.Millisecond)
		select {
		case <-tm.C():
		case <-time.After(5 * time.Second):
			t.Fatal("real timer did not fire")
		}
		if tm.Stop() {
			t.Error("Stop of a fired timer reported it pending")
		}
	})
}

func TestSleepOnVirtualClock(t *testing.T) {
	v := NewVirtual(t0)
	done := make(chan error, 1)
	go func() { done <- Sleep(context.Background(), v, time.Hour) }()
	// Not a participant, so the clock does not know when it waits: move it once the sleeper
	// is registered.
	for {
		v.mu.Lock()
		n := len(v.waits)
		v.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	v.Advance(time.Hour)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
