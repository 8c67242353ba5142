package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/rsvpd/rsvpd/store"
)

// The wait before writing an outcome again to a store that could not take it: the first,
// doubling up to the last.
const (
	storeRetryFirst = time.Second
	storeRetryMax   = 30 * time.Second
)

// sentWrite is what marking a row sent writes: the row, and OnSent in the same transaction.
func (s *Sender) sentWrite(row store.Outgoing, now time.Time) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		if err := tx.MarkSent(row.ID, now); err != nil {
			return err
		}
		if s.o.OnSent != nil {
			return s.o.OnSent(tx, row)
		}
		return nil
	}
}

// recordSent marks the row sent and waits until it is committed (with the outcomes of other
// connections waiting at that moment).
func (s *Sender) recordSent(row store.Outgoing) result {
	return s.sentResult(row, s.clock.Now(), s.awaitSent(s.queueSent(row, s.sentWrite(row, s.clock.Now()))))
}

// sentResult turns the commit of a sent outcome into the row's result. When its consequences
// (OnSent) could not be written for a reason that is not the store's, the row is marked sent
// alone: the server has the message.
func (s *Sender) sentResult(row store.Outgoing, now time.Time, err error) result {
	if err != nil && s.o.OnSent != nil && !store.Unavailable(err) {
		s.log.Error("outbox: recording a sent message with its consequences failed; marking it sent alone",
			"key", row.Key, "err", err)
		s.writeMu.Lock()
		err = s.persist(row, "sent", func(tx *store.Tx) error { return tx.MarkSent(row.ID, now) })
		s.writeMu.Unlock()
	}
	if err != nil {
		return result{fatal: fmt.Errorf("send outbox: record %s sent: %w", row.Key, err)}
	}
	return result{outcome: outcomeSent}
}

// grouped is a sent message's outcome waiting to be committed.
type grouped struct {
	row   store.Outgoing
	write func(tx *store.Tx) error
	done  chan error
}

// queueSent hands in a sent message's outcome for the next commit, without waiting for it.
func (s *Sender) queueSent(row store.Outgoing, write func(tx *store.Tx) error) *grouped {
	g := &grouped{row: row, write: write, done: make(chan error, 1)}
	s.groupMu.Lock()
	s.group = append(s.group, g)
	s.groupMu.Unlock()
	return g
}

// awaitSent returns once g is committed. Outcomes are committed when a connection needs one:
// the first to need its own commits every outcome handed in by then, for itself and the
// others, and goes on while more come in. A connection hands in the outcome of a message the
// server took and goes on with the next one up to its end of data, where it needs the
// outcome committed (worker.deliver): so a commit carries the outcomes of several connections
// (a commit writes every page it touched to the WAL: at 100,000 invitations, one commit per
// message was most of the disk written), and a crash still resends at most the message in
// flight on each connection. When the group's transaction is refused for a reason that is
// not the store's (one outcome's consequences cannot be written), each is written alone.
func (s *Sender) awaitSent(g *grouped) error {
	s.groupMu.Lock()
	if s.committing {
		s.groupMu.Unlock()
		return <-g.done // the committing connection takes g too before it stops
	}
	s.committing = true
	s.groupMu.Unlock()
	for {
		s.groupMu.Lock()
		batch := s.group
		s.group = nil
		if len(batch) == 0 {
			s.committing = false
			s.groupMu.Unlock()
			return <-g.done
		}
		s.groupMu.Unlock()
		s.writeMu.Lock()
		err := s.persist(batch[0].row, "sent", func(tx *store.Tx) error {
			for _, g := range batch {
				if err := g.write(tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && len(batch) > 1 && !store.Unavailable(err) {
			for _, g := range batch {
				g.done <- s.persist(g.row, "sent", g.write)
			}
		} else {
			for _, g := range batch {
				g.done <- err
			}
		}
		s.writeMu.Unlock()
	}
}

// recordFailed marks the row failed for good, with OnFailed in the same transaction.
func (s *Sender) recordFailed(row store.Outgoing, reason string) result {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.persist(row, "failed", func(tx *store.Tx) error {
		if err := tx.Fail(row.ID, reason); err != nil {
			return err
		}
		if s.o.OnFailed != nil {
			return s.o.OnFailed(tx, row, reason)
		}
		return nil
	})
	if err != nil && s.o.OnFailed != nil && !store.Unavailable(err) {
		s.log.Error("outbox: recording a failed message with its consequences failed; marking it failed alone",
			"key", row.Key, "err", err)
		err = s.persist(row, "failed", func(tx *store.Tx) error { return tx.Fail(row.ID, reason) })
	}
	if err != nil {
		return result{fatal: fmt.Errorf("send outbox: record %s failed: %w", row.Key, err)}
	}
	return result{outcome: outcomeFailed, reason: reason}
}

// persist writes a message's outcome. The server has the message, or has refused it: an
// outcome that is lost would send it again on the next start. So while the store cannot be
// written for now (another process holds its lock, its disk is full) the worker keeps the
// outcome and tries again, after 1 s doubling to 30 s, with one error in the log each time;
// the other workers wait at writeMu meanwhile, so nothing more is sent. It returns the error
// at once when it can never pass, and after the attempt that fails once the sender has been
// told to stop (the operator stops a daemon whose store is gone; the message may then go
// again on the next start).
func (s *Sender) persist(row store.Outgoing, what string, write func(tx *store.Tx) error) error {
	wait := storeRetryFirst
	for failures := 0; ; failures++ {
		// Background: the server has the message, so the outcome is recorded even while
		// shutting down.
		err := s.st.Tx(context.Background(), write)
		if err == nil {
			if failures > 0 {
				s.log.Info("outbox: the store can be written again; outcome recorded", "key", row.Key,
					"outcome", what, "failed attempts", failures)
			}
			return nil
		}
		if !store.Unavailable(err) {
			return err
		}
		select {
		case <-s.stop:
			return err
		default:
		}
		s.log.Error("outbox: cannot record a message's outcome; holding it and trying again", "key", row.Key,
			"outcome", what, "in", wait, "err", err)
		t := time.NewTimer(wait) // real time: the store's trouble is in the real world
		select {
		case <-t.C:
		case <-s.stop:
			t.Stop()
		}
		wait = min(2*wait, storeRetryMax)
	}
}

// recordDeferred stores the next attempt after a temporary failure, or fails the row when it
// has been retried for RetryFor.
func (s *Sender) recordDeferred(row store.Outgoing, reason string) result {
	now := s.clock.Now()
	var next time.Time
	if !row.CreatedAt.IsZero() {
		deadline := row.CreatedAt.Add(s.o.RetryFor)
		if !now.Before(deadline) {
			return s.recordFailed(row, fmt.Sprintf("gave up after %d attempts in %s: %s",
				row.Attempts+1, now.Sub(row.CreatedAt).Round(time.Second), reason))
		}
		// The last attempt falls on the deadline rather than past it.
		next = now.Add(s.backoff.Wait(row.Attempts + 1))
		if next.After(deadline) {
			next = deadline
		}
	} else {
		next = now.Add(s.backoff.Wait(row.Attempts + 1))
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.persist(row, "deferred", func(tx *store.Tx) error {
		return tx.Retry(row.ID, next, reason)
	})
	if err != nil {
		return result{fatal: fmt.Errorf("send outbox: record %s deferred: %w", row.Key, err)}
	}
	return result{outcome: outcomeDeferred, reason: reason, next: next}
}
