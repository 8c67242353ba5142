package digest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// bounces lists every undeliverable invitee (permanent: nothing reaches them until the staff
// finds another address) and those whose mail came back with a temporary failure in the
// period, each with the server's words from the latest failed send or bounce.
func (b *builder) bounces(answers []store.Event) error {
	failed, err := b.tx.Events(store.EventFilter{Kind: "failed"})
	if err != nil {
		return err
	}
	latest := map[string]store.Event{}
	keep := func(e store.Event) {
		if cur, ok := latest[e.Invitee]; !ok || e.ID > cur.ID {
			latest[e.Invitee] = e
		}
	}
	for _, e := range failed {
		// A copy to a sender other than the registered address says nothing about it.
		inv, ok := b.c.Invitee(e.Invitee)
		if to := str(e.Detail, "to"); ok && (to == "" || strings.EqualFold(to, inv.Email)) {
			keep(e)
		}
	}
	for _, e := range answers {
		if str(e.Detail, "class") == string(replies.ClassBounce) {
			keep(e)
		}
	}
	list := newShortList(b.c, func(x letters.DigestBounce) string { return x.Invitee.Name })
	for _, row := range b.report.Rows {
		inv, ok := b.c.Invitee(row.Code)
		if !ok {
			continue
		}
		e, seen := latest[row.Code]
		undeliverable := campaign.Delivery(row.Delivery) == campaign.DeliveryUndeliverable
		if !undeliverable && (!seen || e.Kind != "answer" || e.At.Before(b.since) || e.At.After(b.now)) {
			continue
		}
		bo := letters.DigestBounce{Invitee: inv, Address: inv.Email, Permanent: undeliverable, At: inLoc(row.LastChange, b.loc)}
		if seen {
			f, err := b.failure(e)
			if err != nil {
				return err
			}
			if !undeliverable && f.permanent {
				continue // a permanent bounce the state machine has not applied: not "retrying"
			}
			bo.At, bo.Reason = e.At.In(b.loc), f.reason
			if f.address != "" {
				bo.Address = f.address
			}
		}
		list.add(bo)
	}
	b.data.Bounces, b.data.Totals.Bounces = list.list()
	return nil
}

// failureInfo is what a failed send or a bounce says.
type failureInfo struct {
	reason    string
	address   string
	permanent bool
}

// failure reads the reason of a "failed" event from its detail, and of a bounce from the
// stored message: the DSN's Diagnostic-Code (the receiving server's words) or its status.
func (b *builder) failure(e store.Event) (failureInfo, error) {
	if e.Kind != "answer" {
		f := failureInfo{address: str(e.Detail, "to"), permanent: true}
		for _, k := range []string{"error", "reason", "last_error", "message"} {
			if s := str(e.Detail, k); s != "" {
				f.reason = shorten(s)
				break
			}
		}
		return f, nil
	}
	id := inboundOf(e.Cause)
	if id == 0 {
		return failureInfo{}, nil
	}
	r, err := b.storedReading(id)
	if err != nil {
		return failureInfo{}, err
	}
	var f failureInfo
	if r.Bounce != nil {
		f.permanent = r.Bounce.Permanent
		if len(r.Bounce.Recipients) == 1 {
			f.address = strings.ToLower(r.Bounce.Recipients[0])
		}
		switch {
		case r.Bounce.Diagnostic != "":
			f.reason = shorten(r.Bounce.Diagnostic)
		case r.Bounce.Status != "":
			f.reason = "status " + r.Bounce.Status
		}
	}
	return f, nil
}

// storedReading is how a ledger message was read when it was applied (the stored reading,
// not the raw message: reports read no mail).
func (b *builder) storedReading(id int64) (replies.Reading, error) {
	var r replies.Reading
	in, err := b.tx.InboundMeta(id)
	if err != nil || in.Reading == "" {
		return r, err
	}
	if err := json.Unmarshal([]byte(in.Reading), &r); err != nil {
		return r, fmt.Errorf("inbound %d: stored reading: %w", id, err)
	}
	if r.MessageID == "" {
		r.MessageID = in.MessageID
	}
	return r, nil
}

// shorten makes a server's message one line of at most 160 characters.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 160 {
		return s
	}
	r := []rune(s)
	return string(r[:159]) + "…"
}

// away lists the out-of-office answers that still matter: a return date today or later, or
// an out-of-office without a date that is the last thing an invitee who has not answered sent.
func (b *builder) away(answers []store.Event) {
	lastClass := map[string]string{}
	for _, e := range answers {
		lastClass[e.Invitee] = str(e.Detail, "class")
	}
	now := b.now.In(b.loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, b.loc)
	list := newShortList(b.c, func(x letters.DigestAway) string { return x.Invitee.Name })
	for _, row := range b.report.Rows {
		inv, ok := b.c.Invitee(row.Code)
		if !ok {
			continue
		}
		if row.AwayUntil != "" {
			until, err := time.ParseInLocation("2006-01-02", row.AwayUntil, b.loc)
			if err == nil && !until.Before(today) {
				list.add(letters.DigestAway{Invitee: inv, Until: until})
			}
			continue
		}
		if lastClass[row.Code] == string(replies.ClassAutoReply) && campaign.Status(row.Status) == campaign.StatusInvited {
			list.add(letters.DigestAway{Invitee: inv})
		}
	}
	b.data.Away, b.data.Totals.Away = list.list()
}

// agreements lists the returned agreements, confirmed or not yet checked, each with when it
// came back: the latest reply read as an agreement, else the staff's confirmation, else the
// state's last change.
func (b *builder) agreements(answers, staff []store.Event) {
	returned := map[string]time.Time{}
	for _, e := range staff {
		returned[e.Invitee] = e.At
	}
	for _, e := range answers {
		if str(e.Detail, "intent") == "agreement" {
			returned[e.Invitee] = e.At
		}
	}
	for _, row := range b.report.Rows {
		a := campaign.AgreementStatus(row.Agreement)
		inv, ok := b.c.Invitee(row.Code)
		if !ok || (a != campaign.AgreementReturned && a != campaign.AgreementConfirmed) {
			continue
		}
		at, ok := returned[row.Code]
		if !ok {
			at = row.LastChange
		}
		b.data.Agreements = append(b.data.Agreements, letters.DigestAgreement{Invitee: inv,
			At: inLoc(at, b.loc), Confirmed: a == campaign.AgreementConfirmed})
	}
	campaign.SortByName(b.c.Language, b.data.Agreements, func(x letters.DigestAgreement) string { return x.Invitee.Name })
}
