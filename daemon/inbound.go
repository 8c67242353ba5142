package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// readBudget bounds the time one message is read in. Reading is linear in the message and
// bounded, so only a message far beyond any real reply comes near it; one that passes it is
// given up (and goes to review) rather than read again on every start.
const readBudget = 10 * time.Second

// maxReadAttempts is how often reading a message may be begun without an outcome (the daemon
// stopped or died while reading it) before the message goes to review instead.
const maxReadAttempts = 2

// HandleInbound reads the stored message with the ledger id and applies it. The message is
// read before the store's write transaction is opened (reading is pure), so a slow message
// never holds the store; then the state change, its event, its outbox rows and review items
// commit in one transaction, and a message already handled (or a second copy of one) changes
// nothing. Only a store error is returned: a message that cannot be read is recorded as
// failed and goes to review.
func (e *Engine) HandleInbound(ctx context.Context, id int64) error {
	in, err := e.st.BeginInbound(ctx, id)
	if err != nil {
		return err
	}
	return e.handleBegun(ctx, []store.Inbound{in})[0]
}

// HandleInbounds is HandleInbound for a batch of ledger rows, the messages one fetch brought:
// it begins them in one write, then handles them as handleBegun does. It returns an error per
// id (nil when the message is finished, also when it was finished before: the watcher hands
// over such rows without reading their status first, as the begin reads it).
func (e *Engine) HandleInbounds(ctx context.Context, ids []int64) []error {
	ins, err := e.st.BeginInbounds(ctx, ids)
	if err != nil {
		errs := make([]error, len(ids))
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	return e.handleBegun(ctx, ins)
}

// handleBegun reads begun ledger rows, then applies each in its own transaction in the order
// given, which is the order they arrived, so a later reply from an invitee is applied after an
// earlier one. A row that is not new was handled before a restart and is left alone. Rows read
// for the first time are read in parallel (reading is pure and needs no store), and their
// reading is recorded as ended before any is applied: a death while the outcomes are written
// is then not counted against them. A row whose reading was begun before and never ended is
// read alone, its attempt counted just before, so that a message that kills the reader is
// found out by itself and not with the others of its batch. It returns an error per row, and
// wakes the scheduler and the sender once for all of them.
func (e *Engine) handleBegun(ctx context.Context, ins []store.Inbound) []error {
	errs := make([]error, len(ins))
	if err := e.syncAddresses(ctx); err != nil {
		// The reader then ties replies by the addresses read before: a reply from an address
		// changed since is still tied by its token or thread.
		e.log.Warn("inbound: cannot read the changed addresses", "err", err)
	}
	msgs := e.readFresh(ctx, ins)
	for i, in := range ins {
		if in.Status == store.InboundNew && in.Attempts > 0 {
			msgs[i], errs[i] = e.readAgain(ctx, in)
		}
	}
	queuedAny, changed := false, false
	for i, m := range msgs {
		if m.in.ID == 0 || errs[i] != nil {
			continue
		}
		q, err := e.applyRead(ctx, m)
		errs[i] = err
		queuedAny = queuedAny || q
		changed = changed || err == nil
	}
	if queuedAny {
		e.kick()
	}
	if changed {
		e.onChange()
	}
	return errs
}

// readFresh reads in parallel the new rows whose reading was never begun before, and records
// their reading as ended; the others are left zero.
func (e *Engine) readFresh(ctx context.Context, ins []store.Inbound) []readMessage {
	msgs := make([]readMessage, len(ins))
	var read []int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, in := range ins {
		if in.Status != store.InboundNew || in.Attempts > 0 {
			continue // handled before a restart, or to be read alone
		}
		read = append(read, in.ID)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			msgs[i] = e.readInbound(in)
		}()
	}
	wg.Wait()
	if err := e.st.EndReading(ctx, read); err != nil {
		// The rows keep their count: a next start reads them alone, which costs time only.
		e.log.Warn("inbound: cannot record the reading as ended", "messages", len(read), "err", err)
	}
	return msgs
}

// readAgain reads alone a row whose reading was begun before and never ended: the attempt is
// counted first, and the reading recorded as ended after, unless it is given up.
func (e *Engine) readAgain(ctx context.Context, in store.Inbound) (readMessage, error) {
	if in.Attempts >= maxReadAttempts {
		return e.readInbound(in), nil // given up without reading
	}
	if err := e.st.ChargeReading(ctx, in.ID); err != nil {
		return readMessage{}, err
	}
	m := e.readInbound(in)
	if err := e.st.EndReading(ctx, []int64{in.ID}); err != nil {
		e.log.Warn("inbound: cannot record the reading as ended", "inbound", in.ID, "err", err)
	}
	return m, nil
}

// readMessage is a ledger row and how it was read: a reading, or why there is none.
type readMessage struct {
	in     store.Inbound
	r      replies.Reading
	failed campaign.Reason
}

// readInbound reads a begun ledger row, outside any transaction.
func (e *Engine) readInbound(in store.Inbound) readMessage {
	m := readMessage{in: in}
	if in.Attempts >= maxReadAttempts {
		m.failed = campaign.Reason{Code: campaign.ReasonReadingFailed, Count: in.Attempts,
			Detail: "reading was begun and never ended"}
	} else if r, err := e.read(in.Raw); err != nil {
		m.failed = campaign.Reason{Code: campaign.ReasonReadingFailed, Count: in.Attempts + 1, Detail: err.Error()}
	} else {
		m.r = r
	}
	m.in.Raw = nil // read: the bytes are not needed any more
	return m
}

// applyRead applies a read message in one transaction, unless it was handled meanwhile; it
// reports whether messages were queued. A message whose applying panics is given up to
// review, as one whose reading never ends is: its reading was counted as ended, so without
// this a restart would meet it again, and again.
func (e *Engine) applyRead(ctx context.Context, m readMessage) (bool, error) {
	queued, failure, err := e.applyCaught(ctx, m)
	if failure == "" {
		return queued, err
	}
	e.log.Error("inbound: applying a message failed; it goes to review", "inbound", m.in.ID, "panic", failure)
	m.failed = campaign.Reason{Code: campaign.ReasonReadingFailed, Count: m.in.Attempts + 1, Detail: "applying its reading failed: " + failure}
	if queued, failure, err = e.applyCaught(ctx, m); failure != "" {
		return false, fmt.Errorf("handle inbound %d: %s", m.in.ID, failure)
	}
	return queued, err
}

// applyCaught is apply, with a panic in it returned as failure.
func (e *Engine) applyCaught(ctx context.Context, m readMessage) (queued bool, failure string, err error) {
	defer func() {
		if p := recover(); p != nil {
			failure = fmt.Sprint(p)
		}
	}()
	queued, err = e.apply(ctx, m)
	return queued, "", err
}

// apply applies a read message in one transaction, unless it was handled meanwhile.
func (e *Engine) apply(ctx context.Context, m readMessage) (bool, error) {
	id, r := m.in.ID, m.r
	var queuedAny, counted bool
	err := e.st.Tx(ctx, func(tx *store.Tx) error {
		// The status was read when the row was begun, but in another transaction, and the
		// message was read since outside any: another caller of HandleInbound(s) on the
		// store (a second rsvpd on the same file, which nothing prevents) may have finished
		// it meanwhile. Read again here, where the outcome is written, so it is applied once.
		if status, err := tx.InboundStatusOf(id); err != nil || status != store.InboundNew {
			return err
		}
		now := e.clock.Now()
		if !m.failed.IsZero() {
			e.log.Warn("inbound: giving up reading a message", "inbound", id, "attempts", m.failed.Count, "reason", m.failed.Detail)
			if err := e.addReview(tx, id, "", m.failed, fmt.Sprintf("inbound:%d", id), now); err != nil {
				return err
			}
			return tx.FinishInbound(id, store.InboundFailed, "", m.failed.Detail, now)
		}
		if e.beforeApply != nil {
			e.beforeApply(m.in)
		}
		var err error
		queuedAny, counted, err = e.applyInbound(tx, m.in, r, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("handle inbound %d: %w", id, err)
	}
	if counted && e.onRead != nil {
		intent := ""
		if r.Answer != nil {
			intent = string(r.Answer.Intent)
		}
		e.onRead(string(r.Class), intent)
	}
	return queuedAny, nil
}

// read reads a message within readBudget. Reading cannot be stopped from outside; a reading
// past the budget is left to end on its own (it is bounded) and its result dropped.
func (e *Engine) read(raw []byte) (replies.Reading, error) {
	done := make(chan replies.Reading, 1)
	go func() { done <- replies.Read(raw, e.readOptions()) }()
	t := time.NewTimer(readBudget) // real time: reading takes real time on any clock
	defer t.Stop()
	select {
	case r := <-done:
		return r, nil
	case <-t.C:
		return replies.Reading{}, fmt.Errorf("reading took longer than %s", readBudget)
	}
}

// readOptions are what the reader knows of the campaign.
func (e *Engine) readOptions() replies.Options {
	return replies.Options{Campaign: e.c, Signer: e.signer, Reasons: e.currentLetters().Reasons(),
		AuthServID: e.cfg.Mail.IMAP.AuthServID}
}

// applyInbound records a message's reading in the transaction: a copy or our own mail changes
// nothing; an unreadable message, an unknown sender or a held reading goes to review; else
// the reading is applied to its invitee. It reports whether messages were queued, and whether
// the message counts as a reply read (not a copy, not our own).
func (e *Engine) applyInbound(tx *store.Tx, in store.Inbound, r replies.Reading, now time.Time) (queued, counted bool, err error) {
	id := in.ID
	reading, _ := json.Marshal(r)
	cause := fmt.Sprintf("inbound:%d", id)
	msgID := r.MessageID
	if msgID == "" {
		msgID = in.MessageID
	}
	if in.MessageID == "" && msgID != "" {
		if err := tx.NoteMessageID(id, msgID); err != nil {
			return false, false, err
		}
	}
	if dup, err := tx.MessageIDApplied(msgID, id); err != nil || dup {
		if err != nil {
			return false, false, err
		}
		return false, false, tx.FinishInbound(id, store.InboundDuplicate, string(reading), "", now)
	}
	if r.From == e.c.Organiser.Email {
		return false, false, tx.FinishInbound(id, store.InboundIgnored, string(reading), "our own address", now)
	}
	if r.Class == replies.ClassInvalid {
		why := campaign.Reason{Code: campaign.ReasonMessageUnread, Detail: r.Error}
		if err := e.addReview(tx, id, "", why, cause, now); err != nil {
			return false, true, err
		}
		return false, true, tx.FinishInbound(id, store.InboundFailed, string(reading), r.Error, now)
	}
	if r.Answer != nil && r.Answer.Held {
		if err := e.hold(tx, id, r, cause, now); err != nil {
			return false, true, err
		}
		return false, true, tx.FinishInbound(id, store.InboundHeld, string(reading), "", now)
	}
	codes := e.matchInvitees(r)
	if len(codes) == 0 {
		if r.Class == replies.ClassHuman || r.Class == replies.ClassCalendar {
			why := campaign.Reason{Code: campaign.ReasonUnknownSender, Address: r.From}
			if err := e.addReview(tx, id, "", why, cause, now); err != nil {
				return false, true, err
			}
		}
		if err := tx.Log(store.Event{At: now, Kind: "unmatched", Cause: cause,
			Detail: map[string]any{"from": r.From, "class": string(r.Class)}}); err != nil {
			return false, true, err
		}
		return false, true, tx.FinishInbound(id, store.InboundApplied, string(reading), "", now)
	}
	queuedAny := false
	for _, code := range codes {
		q, err := e.applyReading(tx, id, code, r, now)
		if err != nil {
			return false, true, err
		}
		queuedAny = queuedAny || q
	}
	return queuedAny, true, tx.FinishInbound(id, store.InboundApplied, string(reading), "", now)
}

// hold puts a reading the daemon must not apply alone in review, changing nothing: the item
// carries the answer it suggests, which a person accepts in one action (Resolve with Accept)
// or corrects.
func (e *Engine) hold(tx *store.Tx, id int64, r replies.Reading, cause string, now time.Time) error {
	code := r.Answer.Invitee
	rv := store.Review{Inbound: id, CreatedAt: now,
		Why: campaign.Reason{Code: campaign.ReasonHeld}.Because(r.Answer.Why)}
	switch {
	case code == "": // a sender nobody knows, with no token or thread: nothing to suggest
		rv.Why = campaign.Reason{Code: campaign.ReasonUnknownSender, Address: r.From}.Because(r.Answer.Why)
	case r.Answer.ByText:
		rv.Why = campaign.Reason{Code: campaign.ReasonSenderNamesOne, Address: r.From, Invitee: code}.Because(r.Answer.Why)
	}
	if inv, ok := e.c.Invitee(code); ok {
		a := e.toAnswer(inv, r)
		a.NeedsReview = false // accepting it is the review
		rv.Invitee, rv.Suggestion = code, &a
	}
	if err := e.openReview(tx, rv, cause); err != nil {
		return err
	}
	return tx.Log(store.Event{At: now, Invitee: rv.Invitee, Kind: "held", Cause: cause,
		Detail: map[string]any{"from": r.From, "class": string(r.Class), "reason": rv.Why}})
}

// matchInvitees names the invitees a message is about: the one the reading matched by token,
// thread or sender, or for a bounce that matched none, every failed recipient who is an
// invitee. A municipality found only in the text is not a match: that reading is held.
func (e *Engine) matchInvitees(r replies.Reading) []string {
	if r.Answer != nil && r.Answer.Invitee != "" && !r.Answer.ByText {
		return []string{r.Answer.Invitee}
	}
	var codes []string
	if r.Bounce != nil {
		for _, addr := range r.Bounce.Recipients {
			if inv, ok := e.c.InviteeByEmail(strings.ToLower(addr)); ok {
				codes = append(codes, inv.Code)
			}
		}
	}
	return codes
}

// applyReading applies a matched reading to one invitee; it reports whether messages were queued.
func (e *Engine) applyReading(tx *store.Tx, id int64, code string, r replies.Reading, now time.Time) (bool, error) {
	inv, ok := e.c.Invitee(code)
	if !ok {
		return false, e.addReview(tx, id, "", campaign.Reason{Code: campaign.ReasonInviteeGone, Invitee: code}, fmt.Sprintf("inbound:%d", id), now)
	}
	before, err := e.state(tx, code)
	if err != nil {
		return false, err
	}
	inv = e.addressed(inv, before)
	cause := fmt.Sprintf("inbound:%d", id)
	if old, ok, err := e.oldAddressBounce(tx, inv, before, r); err != nil || ok {
		if err != nil {
			return false, err
		}
		// A letter sent to the address before the change came back: the new one is not in
		// question, and the staff have dealt with the old one.
		return false, tx.Log(store.Event{At: now, Invitee: code, Kind: "old_address_bounce", Cause: cause,
			Detail: map[string]any{"address": old, "from": r.From}})
	}
	a := e.toAnswer(inv, r)
	after, effects := campaign.Apply(e.c, before, a, now)
	if err := e.putState(tx, before, after, cause, now, map[string]any{
		"class": a.Class, "intent": a.Intent, "meeting": a.Meeting, "headcount": a.Headcount,
		"partstat": a.PartStat, "from": r.From, "match": matchOf(r),
	}); err != nil {
		return false, err
	}
	ac := answerContext{cause: cause, inbound: id, sender: r.From, messageID: r.MessageID, refs: append(r.References, r.MessageID),
		root: threadRoot(r)}
	if err := e.applyEffects(tx, inv, before, after, effects, ac, now); err != nil {
		return false, err
	}
	return len(effects) > 0, nil
}

func matchOf(r replies.Reading) string {
	if r.Answer == nil {
		return ""
	}
	return string(r.Answer.Match)
}

// state reads an invitee's state, a new one when the store has none yet.
func (e *Engine) state(tx *store.Tx, code string) (campaign.State, error) {
	st, err := tx.State(code)
	if err != nil {
		if isNotFound(err) {
			return campaign.NewState(code), nil
		}
		return st, err
	}
	return st, nil
}

// putState writes a changed state and logs the change with its cause.
func (e *Engine) putState(tx *store.Tx, before, after campaign.State, cause string, now time.Time, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["before"] = string(before.Status)
	detail["after"] = string(after.Status)
	if after.Meeting != "" {
		detail["registered"] = after.Meeting
		detail["people"] = after.Headcount
	}
	if err := tx.Log(store.Event{At: now, Invitee: after.Code, Kind: "answer", Cause: cause, Detail: detail}); err != nil {
		return err
	}
	if after.Same(before) {
		return nil // nothing changed
	}
	return tx.PutState(after)
}

// toAnswer turns a reading into what the state machine needs, finding the meeting a calendar
// answer is about from its UID.
func (e *Engine) toAnswer(inv campaign.Invitee, r replies.Reading) campaign.Answer {
	a := campaign.Answer{Class: string(r.Class)}
	if r.Answer != nil {
		a.Intent, a.Meeting, a.Headcount = string(r.Answer.Intent), r.Answer.Meeting, r.Answer.Headcount
		if r.Class == replies.ClassHuman && !r.Answer.HeadcountStated {
			a.Headcount = 0 // not stated: the state machine keeps what is registered, or counts one
		}
		a.Companions, a.NeedsReview, a.Why = r.Answer.Companions, r.Answer.NeedsReview, r.Answer.Why
		if r.Class == replies.ClassHuman {
			a.PDF, a.Asks = r.Answer.PDF, r.Answer.Question
		}
	}
	if r.Calendar != nil {
		a.PartStat, a.CalMethod = strings.ToUpper(r.Calendar.PartStat), strings.ToUpper(r.Calendar.Method)
		for _, m := range e.c.Meetings {
			if strings.EqualFold(r.Calendar.UID, calendar.UID(inv.Code, m.ID, e.organiserDomain())) {
				a.CalMeeting = m.ID
			}
		}
	}
	if r.Bounce != nil {
		a.Permanent = r.Bounce.Permanent
	}
	if r.AutoReply != nil {
		a.AwayUntil = r.AutoReply.Until
	}
	return a
}
