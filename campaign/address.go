package campaign

import (
	"fmt"
	"net/mail"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
)

// A change of address. The list names each invitee's address; when mail to it does not
// arrive (a bounce), the staff enter another on the desk (or with `rsvpd address`). The store
// keeps the new address with the invitee's state (State.Email) and the change in the event
// log; the campaign holds the changed addresses too, so that everything that looks an
// invitee up (the reader matching a reply by its sender, the letters, the desk) finds the
// address that holds now. The shell sets them (SetAddresses, MoveAddress) from the store.

// addressBook is the addresses changed since the list was read: replaced whole, never
// changed in place, so that readers on other goroutines need no lock.
type addressBook struct {
	byCode  map[string]string // invitee code -> the address that holds now
	byEmail map[string]int    // that address -> the invitee's position in Invitees
}

// movedAddresses holds the current book. Campaign keeps a pointer to it, so that a copy of
// a Campaign (a test's, or validation's) shares it rather than copying an atomic value.
type movedAddresses struct{ p atomic.Pointer[addressBook] }

func (c *Campaign) book() *addressBook {
	if c.moved == nil {
		return nil
	}
	return c.moved.p.Load()
}

// SetAddresses replaces the changed addresses: invitee code -> address (lower-case). Codes
// the campaign does not list are left out; an address equal to the listed one changes
// nothing.
func (c *Campaign) SetAddresses(changed map[string]string) {
	if c.moved == nil {
		return // not indexed: nothing looks invitees up
	}
	b := &addressBook{byCode: map[string]string{}, byEmail: map[string]int{}}
	for code, addr := range changed {
		i, ok := c.byCode[code]
		if !ok || addr == "" || addr == c.Invitees[i].Email {
			continue
		}
		b.byCode[code], b.byEmail[addr] = addr, i
	}
	c.moved.p.Store(b)
}

// MoveAddress records one invitee's new address (after the store has it).
func (c *Campaign) MoveAddress(code, addr string) {
	changed := map[string]string{}
	if b := c.book(); b != nil {
		for k, v := range b.byCode {
			changed[k] = v
		}
	}
	changed[code] = addr
	c.SetAddresses(changed)
}

// EmailAt is the address that holds now for the invitee at position n of Invitees.
func (c *Campaign) EmailAt(n int) string {
	inv := c.Invitees[n]
	if b := c.book(); b != nil {
		if a, ok := b.byCode[inv.Code]; ok {
			return a
		}
	}
	return inv.Email
}

// withAddress is the invitee at position i with the address that holds now.
func (c *Campaign) withAddress(i int) Invitee {
	inv := c.Invitees[i]
	if b := c.book(); b != nil {
		if a, ok := b.byCode[inv.Code]; ok {
			inv.Email = a
		}
	}
	return inv
}

// byAddress finds the invitee whose address is addr now: a changed address first; a listed
// one only while it has not been changed, since the old address no longer speaks for the
// invitee.
func (c *Campaign) byAddress(addr string) (int, bool) {
	b := c.book()
	if b != nil {
		if i, ok := b.byEmail[addr]; ok {
			return i, true
		}
	}
	i, ok := c.byEmail[addr]
	if !ok {
		return 0, false
	}
	if b != nil {
		if _, moved := b.byCode[c.Invitees[i].Code]; moved {
			return 0, false
		}
	}
	return i, true
}

// AddressProblem says why a typed address cannot be used.
type AddressProblem string

const (
	AddressEmpty    AddressProblem = "empty"     // nothing typed
	AddressSeveral  AddressProblem = "several"   // more than one address
	AddressInvalid  AddressProblem = "invalid"   // not an address at all
	AddressNoDomain AddressProblem = "no_domain" // no domain after the @, or one without a dot
	AddressTooLong  AddressProblem = "too_long"  // longer than SMTP carries
)

// AddressError is a typed address that cannot be used, and why. Error() says it in English
// (the command line); the desk says it in the campaign's language from Problem.
type AddressError struct {
	Problem AddressProblem
	Input   string
}

func (e *AddressError) Error() string {
	switch e.Problem {
	case AddressEmpty:
		return "no address given"
	case AddressSeveral:
		return fmt.Sprintf("%q holds more than one address: give one", e.Input)
	case AddressNoDomain:
		return fmt.Sprintf("%q has no domain: an address is name@domain.tld", e.Input)
	case AddressTooLong:
		return fmt.Sprintf("the address is %d bytes long; an e-mail address has at most %d", len(e.Input), maxAddressLen)
	}
	return fmt.Sprintf("%q is not an e-mail address (name@domain.tld)", e.Input)
}

// maxAddressLen is the longest address SMTP carries (RFC 5321: a path of 256 with its brackets).
const maxAddressLen = 254

// ParseAddress reads an address a person typed or pasted: one mailbox, with a domain that
// has a dot ("bibliotek@sonderborg.dk"). A name around it, as a mail program copies it
// ("Hanne Due <hd@sonderborg.dk>"), is dropped. The result is lower-case, as the list's
// addresses are.
func ParseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := func(p AddressProblem) (string, error) { return "", &AddressError{Problem: p, Input: s} }
	switch {
	case s == "":
		return bad(AddressEmpty)
	case len(s) > maxAddressLen:
		return bad(AddressTooLong)
	case strings.ContainsFunc(s, unicode.IsControl):
		return bad(AddressInvalid)
	}
	if list, err := mail.ParseAddressList(s); err == nil && len(list) > 1 {
		return bad(AddressSeveral)
	}
	if strings.Count(s, "@") > 1 && (strings.ContainsAny(s, ",; ") || !strings.Contains(s, "<")) {
		return bad(AddressSeveral)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		if !strings.Contains(s, "@") {
			return bad(AddressNoDomain)
		}
		return bad(AddressInvalid)
	}
	addr := strings.ToLower(a.Address)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || !validDomain(addr[at+1:]) {
		return bad(AddressNoDomain)
	}
	return addr, nil
}

// validDomain: labels of letters, digits and hyphens (not at either end), at least two.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

// Readdress is a change of the invitee's address to addr, at now: the new state (the
// address, and mail that reaches it again) and the letters to send to the new address. Only
// mail that did not arrive is sent again (the state says so: Delivery), and only what is
// still of use, by the campaign's rules for when each letter goes:
//
//   - the invitation, to one it went to (the invitation job has run: the state is invited,
//     or unclear) who has not answered yes or no, until the deadline has run out;
//   - instead, to one registered for a meeting not yet held, the confirmation of that
//     registration with its calendar entry (the invitee's calendar has none);
//   - the agreement letter, once the agreement letters have gone out, until the deadline
//     has run out, while the agreement has not come back: to every invitee, as the
//     scheduled letter goes (a letter that was skipped while mail bounced is sent now, and
//     the state then says it was sent, so that the job, if it has yet to run, sends none).
//
// Each effect is one letter: EffectInvitation, EffectConfirm or EffectAgreementLetter. The
// shell keys them per change of address, so that a change sends them once.
func Readdress(c *Campaign, st State, addr string, now time.Time) (State, []Effect) {
	next := st
	next.Email = addr
	if st.Delivery != DeliveryUndeliverable {
		return next, nil
	}
	next.Delivery = DeliveryOK
	if !now.Before(c.DeadlineEnd()) {
		return next, nil // the campaign is over: nothing to ask for any more
	}
	var eff []Effect
	s := c.Schedule
	switch {
	case st.Status == StatusAttending:
		if m, ok := c.Meeting(st.Meeting); ok && now.Before(m.Start) {
			eff = append(eff, Effect{Kind: EffectConfirm, Meeting: st.Meeting, Headcount: st.Headcount, Sequence: st.Sequence})
		}
	case st.Status == StatusInvited || st.Status == StatusUnclear:
		eff = append(eff, Effect{Kind: EffectInvitation})
	}
	if !s.Agreement.IsZero() && !now.Before(s.Agreement) &&
		(st.Agreement == AgreementNone || st.Agreement == AgreementSent) {
		eff = append(eff, Effect{Kind: EffectAgreementLetter})
		next.Agreement = AgreementSent
	}
	if !next.Same(st) {
		next.UpdatedAt = now
	}
	return next, eff
}
