package demo

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/store"
)

// inboxWatch keeps the virtual clock held while an answer is on its way through the daemon.
// The watcher is not a participant of the clock (it waits on the IMAP server), so without the
// hold the clock could run on for days between an answer's submission and its reading. The
// watcher stores its position in the campaign inbox (the last UID it finished) only after the
// message was stored, applied, its letters queued and the sender woken, and the message moved
// away: once the position reaches an answer's UID, the daemon has done everything the answer
// causes that does not need time to pass, and the hold is released.
type inboxWatch struct {
	st      *store.Store
	mailbox string
	log     *slog.Logger
	// patience is how long (real time) a hold waits for the watcher before it is released
	// anyway, so that a message the daemon cannot finish slows the demo but does not hang it.
	patience time.Duration

	mu       sync.Mutex
	waiting  []inboxHold
	wake     chan struct{}
	timeouts int
}

type inboxHold struct {
	uid     uint32
	release func()
	since   time.Time
}

func newInboxWatch(st *store.Store, mailbox string, log *slog.Logger) *inboxWatch {
	return &inboxWatch{st: st, mailbox: mailbox, log: log, patience: 20 * time.Second, wake: make(chan struct{}, 1)}
}

// await releases the hold once the watcher has finished the message with this UID. The
// sandbox gives UIDs in order of delivery, so the inbox's delivery count is the UID of the
// message just delivered.
func (w *inboxWatch) await(uid int, release func()) {
	w.mu.Lock()
	w.waiting = append(w.waiting, inboxHold{uid: uint32(uid), release: release, since: time.Now()})
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// run polls the watcher's position while answers are waiting, until ctx ends; then it
// releases every hold.
func (w *inboxWatch) run(ctx context.Context) {
	defer w.releaseAll()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		w.mu.Lock()
		n := len(w.waiting)
		w.mu.Unlock()
		if n == 0 {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pos, err := w.st.MailboxPosition(ctx, w.mailbox)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("demo: read the watcher's position", "err", err)
		}
		w.releaseUpTo(pos.LastUID)
	}
}

func (w *inboxWatch) releaseUpTo(last uint32) {
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := w.waiting[:0]
	for _, h := range w.waiting {
		switch {
		case h.uid <= last:
			h.release()
		case time.Since(h.since) > w.patience:
			w.timeouts++
			w.log.Warn("demo: the daemon has not read an answer in time; letting the clock move on", "uid", h.uid, "position", last)
			h.release()
		default:
			kept = append(kept, h)
		}
	}
	w.waiting = kept
}

func (w *inboxWatch) releaseAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, h := range w.waiting {
		h.release()
	}
	w.waiting = nil
}

// late counts the holds released because the watcher took too long.
func (w *inboxWatch) late() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.timeouts
}
