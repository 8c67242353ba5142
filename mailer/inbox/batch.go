package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rsvpd/rsvpd/store"
)

// chunk is the first messages of uids that one batch takes: at most BatchSize of them and,
// beyond the first, no more than BatchBytes together, so a batch's messages fit in memory.
func (s *session) chunk(uids []imap.UID, sizes map[imap.UID]int64) []imap.UID {
	o := s.w.o
	var total int64
	for i, uid := range uids {
		if i == o.BatchSize || (i > 0 && total+sizes[uid] > o.BatchBytes) {
			return uids[:i]
		}
		if sizes[uid] <= o.MaxSize {
			total += sizes[uid]
		}
	}
	return uids
}

// takeBatch finishes the messages of one batch, in UID order: it fetches them with one
// command, stores them in the ledger in one write, hands them to the handler together (which
// reads them in parallel and applies each in its own transaction, in this order), and moves
// or flags those finished with one command each. done[i] is false for a message that must be
// tried again later; err is returned only when the connection failed.
func (s *session) takeBatch(ctx context.Context, uids []imap.UID, sizes map[imap.UID]int64) (done []bool, err error) {
	w := s.w
	done = make([]bool, len(uids))
	if w.o.BatchSize <= 1 || len(uids) == 1 {
		for i, uid := range uids {
			if w.finished[uid] {
				done[i] = true
				continue
			}
			if done[i], err = s.take(ctx, uid, sizes[uid]); err != nil {
				return done, err
			}
		}
		return done, nil
	}
	now := time.Now()
	// Which messages the batch fetches, and which the ledger holds already (tried before).
	at := make(map[imap.UID]int, len(uids))
	ids := make([]int64, len(uids))
	var fetch []imap.UID
	for i, uid := range uids {
		at[uid] = i
		switch r := w.retries[uid]; {
		case w.finished[uid]:
			done[i] = true
		case !w.retryDue(uid, now):
		case r != nil && r.id != 0:
			ids[i] = r.id
		case sizes[uid] > w.o.MaxSize:
			if done[i], err = s.refuse(ctx, uid, sizes[uid]); err != nil {
				return done, err
			}
		default:
			fetch = append(fetch, uid)
		}
	}
	if err := s.fetchBatch(ctx, fetch, sizes, at, ids, done, now); err != nil {
		return done, err
	}
	finish, err := s.handOver(ctx, uids, ids, now)
	if err != nil || len(finish) == 0 {
		return done, err
	}
	return done, s.disposeBatch(finish, at, ids, done)
}

// handOver gives the handler the batch's messages that are in the ledger (ids[i] != 0), in
// UID order, and returns those it finished, to be moved: handleBatch passes over those the
// ledger holds as handled before.
func (s *session) handOver(ctx context.Context, uids []imap.UID, ids []int64, now time.Time) ([]imap.UID, error) {
	w := s.w
	var held []int
	var heldIDs []int64
	for i, id := range ids {
		if id != 0 {
			held, heldIDs = append(held, i), append(heldIDs, id)
		}
	}
	if len(held) == 0 {
		return nil, nil
	}
	failed := map[int]bool{}
	for k, herr := range w.handleBatch(ctx, heldIDs) {
		if herr != nil {
			i := held[k]
			failed[i] = true
			w.log.Error("handle message; it stays in the mailbox and is tried again", "uid", uids[i], "inbound", ids[i],
				"in", w.failed(uids[i], ids[i], now), "err", herr)
		}
	}
	if ctx.Err() != nil {
		// Stopping: no new IMAP command. The ledger has the messages as handled, so the
		// next start moves them without handling them again.
		return nil, ctx.Err()
	}
	var finish []imap.UID
	for _, i := range held {
		if !failed[i] {
			finish = append(finish, uids[i])
		}
	}
	return finish, nil
}

// fetchBatch fetches the bodies of the messages in one command and stores them in the ledger
// in one write, setting each one's ledger id (ids, by position at[uid]); a message gone from
// the mailbox is done. A command the server refuses is retried message by message.
func (s *session) fetchBatch(ctx context.Context, fetch []imap.UID, sizes map[imap.UID]int64, at map[imap.UID]int,
	ids []int64, done []bool, now time.Time) error {
	w := s.w
	if len(fetch) == 0 {
		return nil
	}
	var total int64
	for _, uid := range fetch {
		total += sizes[uid]
	}
	raws, err := s.fetchMany(fetch, total)
	var ie *imap.Error
	if errors.As(err, &ie) {
		w.log.Warn("fetching a batch refused by the server; fetching one by one", "messages", len(fetch), "err", err)
		for _, uid := range fetch {
			i := at[uid]
			if done[i], err = s.take(ctx, uid, sizes[uid]); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	var ins []store.Inbound
	var insAt []int
	for _, uid := range fetch {
		i := at[uid]
		raw, found := raws[uid]
		switch {
		case !found:
			w.log.Warn("message gone from the mailbox before it was read", "uid", uid)
			done[i] = true
		case int64(len(raw)) > w.o.MaxSize:
			if done[i], err = s.refuse(ctx, uid, int64(len(raw))); err != nil {
				return err
			}
		default:
			ins = append(ins, store.Inbound{Mailbox: w.o.Mailbox, UIDValidity: s.pos.UIDValidity,
				UID: uint32(uid), MessageID: messageID(raw), Raw: raw, ReceivedAt: w.clk.Now()})
			insAt = append(insAt, i)
		}
	}
	if len(ins) == 0 {
		return nil
	}
	stored, _, err := w.st.AddInbounds(ctx, ins)
	if err != nil {
		for _, in := range ins {
			w.log.Error("store message in the ledger; trying again", "uid", in.UID, "in", w.failed(imap.UID(in.UID), 0, now), "err", err)
		}
		return nil
	}
	for k, i := range insAt {
		ids[i] = stored[k]
	}
	w.log.Debug("stored messages", "messages", len(ins), "first_uid", ins[0].UID, "last_uid", ins[len(ins)-1].UID)
	return nil
}

// fetchMany reads the messages' bodies with one UID FETCH, each at most MaxSize bytes (plus
// one, to tell that there was more); a message gone from the mailbox is not in the map.
func (s *session) fetchMany(uids []imap.UID, total int64) (map[imap.UID][]byte, error) {
	limit := s.w.o.MaxSize
	out := make(map[imap.UID][]byte, len(uids))
	d := s.w.o.CommandTimeout + time.Duration(total/minRate)*time.Second
	err := s.cmd(fmt.Sprintf("fetch %d messages", len(uids)), d, func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		// Every fetch is drained (Close), or the client stops reading responses.
		defer cmd.Close()
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			// The UID may come before or after the body: keep both until the message ends.
			var uid imap.UID
			var raw []byte
			found := false
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					uid = it.UID
				case imapclient.FetchItemDataBodySection:
					if it.Literal == nil || found {
						continue
					}
					b, err := io.ReadAll(io.LimitReader(it.Literal, limit+1))
					if err != nil {
						return err
					}
					raw, found = b, true
				}
			}
			if uid != 0 && found {
				out[uid] = raw
			}
		}
		return cmd.Close()
	})
	return out, err
}

// disposeBatch moves or flags the finished messages with one command each; when the server
// refuses the batch, each message is disposed of alone, so one it refuses is retried alone.
func (s *session) disposeBatch(finish []imap.UID, at map[imap.UID]int, ids []int64, done []bool) error {
	w := s.w
	if len(finish) == 0 {
		return nil
	}
	err := s.dispose(imap.UIDSetNum(finish...), nil)
	var ie *imap.Error
	if errors.As(err, &ie) {
		w.log.Warn("moving a batch refused by the server; moving one by one", "messages", len(finish), "err", err)
		for _, uid := range finish {
			i := at[uid]
			if err := s.dispose(imap.UIDSetNum(uid), nil); err != nil {
				if done[i], err = s.failedCmd(w.log.With("uid", uid), uid, ids[i], "move or flag", err); err != nil {
					return err
				}
				continue
			}
			done[i] = true
			w.handled.Add(1)
		}
		return nil
	}
	if err != nil {
		return err
	}
	for _, uid := range finish {
		done[at[uid]] = true
	}
	w.handled.Add(int64(len(finish)))
	w.log.Info("messages handled", "messages", len(finish), "first_uid", finish[0], "last_uid", finish[len(finish)-1],
		"disposal", s.disposal)
	return nil
}
