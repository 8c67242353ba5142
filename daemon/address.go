package daemon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// A change of address: mail to an invitee bounced, and the staff found another address. The
// new address goes into the invitee's state (store), the change into the event log (old and
// new, who), the letters that did not arrive go to the new address (campaign.Readdress), and
// the review items about the bounce are closed, all in one transaction.

// AddressChange is a staff member's change of an invitee's address.
type AddressChange struct {
	// Address is the new address as the person typed it (campaign.ParseAddress reads it).
	Address string
	// Was is the address the person saw when typing the new one; "" checks nothing. A change
	// someone else made meanwhile is not overwritten unseen.
	Was string
	// By is who changed it: a staff address signed in to the desk, or "shell".
	By string
}

// AddressChanged is what a change of address did.
type AddressChanged struct {
	Invitee  campaign.Invitee // with the address that holds now
	Old, New string
	// Seq numbers the invitee's changes of address, from 1; the letters sent again carry it
	// in their outbox keys, so that one change sends them once.
	Seq int
	// Resent are the letters queued to the new address; Resolved the review items closed.
	Resent   []letters.Kind
	Resolved []int64
	// Unchanged: the address was the new one already (the same change again), and nothing
	// was done.
	Unchanged bool
}

// ErrNoInvitee is returned for a change of address, or a decision on a review item, for a code
// the campaign does not list (an unknown sender's item names none).
var ErrNoInvitee = errors.New("no invitee has that code")

// ErrAddressBounces is returned for a "new" address that is the invitee's address now, to
// which mail does not arrive.
var ErrAddressBounces = errors.New("mail to that address does not arrive: give another")

// ErrOwnAddress is returned for the campaign's own address as an invitee's.
var ErrOwnAddress = errors.New("that is the campaign's own address")

// AddressTakenError is a new address that belongs to another invitee.
type AddressTakenError struct{ Address, Invitee string }

func (e *AddressTakenError) Error() string {
	return fmt.Sprintf("%s is the address of invitee %s", e.Address, e.Invitee)
}

// AddressMovedError is a change made from an address that is no longer the invitee's:
// someone changed it meanwhile.
type AddressMovedError struct{ Was, Now string }

func (e *AddressMovedError) Error() string {
	return fmt.Sprintf("the address was changed meanwhile from %s to %s: look again", e.Was, e.Now)
}

// ChangeAddress changes an invitee's address: see the top of this file. The same change
// again (a form sent twice, a command run twice) finds the address changed and does nothing;
// a change whose transaction did not commit (a crash, a store that was busy) did nothing, and
// made again it numbers itself as before, so its letters have the same keys.
func (e *Engine) ChangeAddress(ctx context.Context, code string, ch AddressChange) (AddressChanged, error) {
	addr, err := campaign.ParseAddress(ch.Address)
	if err != nil {
		return AddressChanged{}, fmt.Errorf("change the address of %s: %w", code, err)
	}
	if _, ok := e.c.Invitee(code); !ok {
		return AddressChanged{}, fmt.Errorf("change the address of %q: %w", code, ErrNoInvitee)
	}
	if addr == strings.ToLower(e.c.Organiser.Email) {
		return AddressChanged{}, fmt.Errorf("change the address of %s: %w", code, ErrOwnAddress)
	}
	var res AddressChanged
	err = e.st.Tx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = e.changeAddress(tx, code, addr, ch)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("change the address of %s: %w", code, err)
	}
	if res.Unchanged {
		return res, nil
	}
	if err := e.syncAddresses(ctx); err != nil {
		e.log.Warn("change of address: cannot read the addresses again; using the new one", "invitee", code, "err", err)
		e.c.MoveAddress(code, addr)
	}
	e.kick()
	e.onChange()
	return res, nil
}

// changeAddress is ChangeAddress's transaction.
func (e *Engine) changeAddress(tx *store.Tx, code, addr string, ch AddressChange) (AddressChanged, error) {
	inv, _ := e.c.Invitee(code)
	st, err := e.state(tx, code)
	if err != nil {
		return AddressChanged{}, err
	}
	inv = e.addressed(inv, st)
	res := AddressChanged{Invitee: inv, Old: inv.Email, New: addr}
	if addr == inv.Email {
		if st.Delivery == campaign.DeliveryUndeliverable {
			return res, ErrAddressBounces
		}
		res.Unchanged = true
		return res, nil
	}
	if ch.Was != "" && !strings.EqualFold(strings.TrimSpace(ch.Was), inv.Email) {
		return res, &AddressMovedError{Was: ch.Was, Now: inv.Email}
	}
	if other, err := e.ownerOf(tx, addr); err != nil {
		return res, err
	} else if other != "" && other != code {
		return res, &AddressTakenError{Address: addr, Invitee: other}
	}
	done, err := tx.Events(store.EventFilter{Invitee: code, Kind: "address"})
	if err != nil {
		return res, err
	}
	res.Seq = len(done) + 1
	now := e.clock.Now()
	after, effects := campaign.Readdress(e.c, st, addr, now)
	if err := tx.PutState(after); err != nil {
		return res, err
	}
	cause := fmt.Sprintf("staff:address/%s/%d", code, res.Seq)
	inv.Email = addr
	var keys []string
	for _, ef := range effects {
		q := resendLetter(ef, inv, res.Seq)
		if _, err := e.enqueue(tx, q, cause, now); err != nil {
			return res, err
		}
		res.Resent, keys = append(res.Resent, q.kind), append(keys, q.key)
	}
	if err := tx.Log(store.Event{At: now, Invitee: code, Kind: "address", Cause: cause, Detail: map[string]any{
		"from": res.Old, "to": addr, "by": ch.By, "seq": res.Seq, "resent": keys}}); err != nil {
		return res, err
	}
	res.Invitee = inv
	res.Resolved, err = e.resolveBounces(tx, code, addr, cause, ch.By, now)
	return res, err
}

// resendLetter is the outbox row of a letter sent again to a new address: keyed by the
// letter's own key with the change's number after it ("invitation/540/address/1"), so that
// the change sends it once, and a later change, to yet another address, once more.
func resendLetter(ef campaign.Effect, inv campaign.Invitee, seq int) queued {
	q := queued{kind: letters.Kind(ef.Kind), code: inv.Code, recipient: inv.Email}
	switch ef.Kind {
	case campaign.EffectConfirm:
		q.key = key(ef.Kind, inv.Code, ef.Meeting, ef.Sequence, "address", seq)
		q.params = Params{Meeting: ef.Meeting, Headcount: ef.Headcount, Sequence: ef.Sequence}
	default:
		q.key = key(ef.Kind, inv.Code, "address", seq)
	}
	return q
}

// ownerOf is the invitee whose address addr is now ("" for none): one whose changed address
// it is (the store), or whose listed address it is and who has not changed it since.
func (e *Engine) ownerOf(tx *store.Tx, addr string) (string, error) {
	code, err := tx.InviteeWithAddress(addr)
	if err == nil || !isNotFound(err) {
		return code, err
	}
	inv, ok := e.c.InviteeByEmail(addr)
	if !ok {
		return "", nil
	}
	st, err := e.state(tx, inv.Code)
	if err != nil {
		return "", err
	}
	if st.Email != "" && st.Email != addr {
		return "", nil // moved away since this process read the addresses
	}
	return inv.Code, nil
}

// resolveBounces closes the invitee's open review items about mail that did not arrive at
// an address other than addr: the change of address answers them.
func (e *Engine) resolveBounces(tx *store.Tx, code, addr, cause, by string, now time.Time) ([]int64, error) {
	open, err := tx.OpenReviewsOf(code)
	if err != nil {
		return nil, err
	}
	var closed []int64
	for _, rv := range open {
		if !BounceItem(rv) || slices.Contains(bouncedAddresses(rv), addr) {
			continue
		}
		if err := resolveReview(tx, rv.ID, code, "new address: "+addr, cause, by, now); err != nil {
			return nil, err
		}
		closed = append(closed, rv.ID)
	}
	return closed, nil
}

// BounceItem says whether a review item is about mail that does not reach its invitee: a
// bounce that came back, or a letter the server refused. The desk offers a new address for it.
func BounceItem(rv store.Review) bool {
	return rv.Invitee != "" && (rv.Why.Code == campaign.ReasonBounced || rv.Why.Code == campaign.ReasonUndeliverable)
}

// bouncedAddresses are the addresses a bounce item is about.
func bouncedAddresses(rv store.Review) []string {
	out := slices.Clone(rv.Why.Addresses)
	if rv.Why.Address != "" {
		out = append(out, rv.Why.Address)
	}
	for i := range out {
		out[i] = strings.ToLower(out[i])
	}
	return out
}

// addressed is the invitee with the address the store holds for it: the changed one, or
// the list's. Letters take their recipient from it in the transaction that queues them, so
// that a change made by another process on the same store (`rsvpd address` while the daemon
// runs) is followed before this process has read the addresses again.
func (e *Engine) addressed(inv campaign.Invitee, st campaign.State) campaign.Invitee {
	if st.Email != "" {
		inv.Email = st.Email
	} else if n, ok := e.c.IndexOf(inv.Code); ok {
		inv.Email = e.c.Invitees[n].Email
	}
	return inv
}

// oldAddressBounce says whether a bounce reading is about an address the invitee had before
// a change of address, and not the one that holds now: a letter sent before the change that
// comes back after it. It says nothing about the new address.
func (e *Engine) oldAddressBounce(tx *store.Tx, inv campaign.Invitee, st campaign.State, r replies.Reading) (string, bool, error) {
	if r.Class != replies.ClassBounce || r.Bounce == nil || st.Email == "" || len(r.Bounce.Recipients) == 0 {
		return "", false, nil
	}
	failed := make([]string, len(r.Bounce.Recipients))
	for i, a := range r.Bounce.Recipients {
		failed[i] = strings.ToLower(a)
	}
	if slices.Contains(failed, inv.Email) {
		return "", false, nil
	}
	changes, err := tx.Events(store.EventFilter{Invitee: inv.Code, Kind: "address"})
	if err != nil {
		return "", false, err
	}
	for _, ev := range changes {
		if old, _ := ev.Detail["from"].(string); slices.Contains(failed, old) {
			return old, true, nil
		}
	}
	return "", false, nil
}

// syncAddresses gives the campaign the changed addresses from the store when they changed
// since it last read them (by this process or another on the same store).
func (e *Engine) syncAddresses(ctx context.Context) error {
	e.addrMu.Lock()
	defer e.addrMu.Unlock()
	var changed map[string]string
	var version int64
	err := e.st.View(ctx, func(tx *store.Tx) error {
		var err error
		if version, err = tx.AddressVersion(); err != nil || (e.addrRead && version == e.addrVersion) {
			return err
		}
		changed, err = tx.ChangedAddresses()
		return err
	})
	if err != nil {
		return fmt.Errorf("read the changed addresses: %w", err)
	}
	if changed != nil {
		e.c.SetAddresses(changed)
		e.addrVersion, e.addrRead = version, true
	}
	return nil
}
