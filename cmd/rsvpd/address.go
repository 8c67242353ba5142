package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
)

const addressSummary = `Change an invitee's e-mail address: mail to the old one does not arrive (a bounce), or the
invitee has another. The change is logged with the old address, and when mail to the old one
bounced, what did not arrive goes to the new one (the invitation, or the confirmation of a
registration, and the agreement letter once it is due; nothing after the deadline); the review
items about the bounce are closed. The same as "Ny adresse" on the desk.

exit status: 0 changed, or the address was that already; 1 the store failed; 2 usage, or an
address that cannot be taken (not one address with a domain, another invitee's, the campaign's
own, the one that bounces, or changed meanwhile when --was is given)`

func runAddress(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("address", "CODE NEW-ADDRESS --config FILE [--was OLD-ADDRESS]", addressSummary, stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	was := fs.String("was", "", "change only if the invitee's address is this `address` now")
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	pos = append(pos, fs.Args()...)
	if len(pos) != 2 {
		fmt.Fprintln(stderr, "rsvpd address: give the invitee's code and the new address (rsvpd address -h)")
		return 2
	}
	e, cfg, exit := openEngine(ctx, *cfgPath, stderr)
	if e == nil {
		return exit
	}
	defer e.Close()
	res, err := e.ChangeAddress(ctx, pos[0], daemon.AddressChange{Address: pos[1], Was: *was, By: "shell"})
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return addressExit(err)
	}
	inv, _ := cfg.Campaign.Invitee(pos[0])
	if res.Unchanged {
		fmt.Fprintf(stdout, "the address of %s %s is %s already; nothing changed\n", inv.Code, inv.Name, res.New)
		return 0
	}
	fmt.Fprintf(stdout, "the address of %s %s is now %s (was %s; change %d)\n", inv.Code, inv.Name, res.New, res.Old, res.Seq)
	if len(res.Resent) == 0 {
		fmt.Fprintln(stdout, "nothing to send again")
	} else {
		kinds := make([]string, len(res.Resent))
		for i, k := range res.Resent {
			kinds[i] = string(k)
		}
		fmt.Fprintf(stdout, "sent again to the new address: %s\n", strings.Join(kinds, ", "))
	}
	for _, id := range res.Resolved {
		fmt.Fprintf(stdout, "review %d closed\n", id)
	}
	return 0
}

// addressExit is the exit status of a change of address that failed: 2 for what the operator
// gave, 1 for the store.
func addressExit(err error) int {
	var bad *campaign.AddressError
	var taken *daemon.AddressTakenError
	var moved *daemon.AddressMovedError
	switch {
	case errors.As(err, &bad), errors.As(err, &taken), errors.As(err, &moved), errors.Is(err, daemon.ErrNoInvitee),
		errors.Is(err, daemon.ErrAddressBounces), errors.Is(err, daemon.ErrOwnAddress):
		return 2
	}
	return 1
}
