package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/store"
)

// TestAddress runs `rsvpd address` on the example campaign's store after Sønderborg's
// invitation bounced: `rsvpd review` points to it; it changes the address and closes the
// bounce item, says so, and the same again changes nothing; what cannot be taken is refused
// with exit 2 and the reason.
func TestAddress(t *testing.T) {
	cfgPath := exampleIn(t, t.TempDir())
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, err := daemon.Open(ctx, cfg, fixedNow{time.Date(2012, 2, 6, 9, 2, 0, 0, cfg.Campaign.Location)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dsn := "From: MAILER-DAEMON@soenderborg.kommune.test\r\nTo: dialogmoeder@kombit.test\r\nSubject: Undelivered Mail\r\n" +
		"Message-ID: <dsn1@soenderborg.kommune.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" +
		"Undeliverable.\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.soenderborg.kommune.test\r\n\r\n" +
		"Final-Recipient: rfc822; bibliotekschef@soenderborg.kommune.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n"
	id, _, err := e.Store().AddInbound(ctx, store.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: 1, Raw: []byte(dsn), ReceivedAt: time.Now()})
	if err == nil {
		err = e.HandleInbound(ctx, id)
	}
	e.Close()
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := dispatch(ctx, args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, out, _ := run("review", "--config", cfgPath); code != 0 || !strings.Contains(out, "[rsvpd address 540 NEW-ADDRESS]") {
		t.Errorf("rsvpd review does not point to rsvpd address: %d\n%s", code, out)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		exit     int
		out, err string
	}{
		{"no address", []string{"540", "--config", cfgPath}, 2, "", "give the invitee's code and the new address"},
		{"no domain", []string{"540", "bibliotekschef", "--config", cfgPath}, 2, "", `"bibliotekschef" has no domain`},
		{"Horsens' address", []string{"540", "bibliotekschef@horsens.kommune.test", "--config", cfgPath}, 2, "", "is the address of invitee 615"},
		{"unknown code", []string{"9999", "hd@sonderborg.dk", "--config", cfgPath}, 2, "", "no invitee has that code"},
		{"changed meanwhile", []string{"540", "hd@sonderborg.dk", "--was", "someone@else.dk", "--config", cfgPath}, 2, "", "changed meanwhile"},
		{"no config", []string{"540", "hd@sonderborg.dk"}, 2, "", "--config FILE is required"},
		{"the change", []string{"540", "Bibliotek@Sonderborg.dk", "--config", cfgPath}, 0,
			"the address of 540 Sønderborg is now bibliotek@sonderborg.dk (was bibliotekschef@soenderborg.kommune.test; change 1)\n" +
				"nothing to send again\nreview 1 closed\n", ""},
		{"the same again", []string{"--config", cfgPath, "540", "bibliotek@sonderborg.dk"}, 0,
			"the address of 540 Sønderborg is bibliotek@sonderborg.dk already; nothing changed", ""},
	} {
		code, out, errOut := run(append([]string{"address"}, tc.args...)...)
		if code != tc.exit || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, %q and %q", tc.name, code, out, errOut, tc.exit, tc.out, tc.err)
		}
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var s campaign.State
	var changes []store.Event
	err = st.View(ctx, func(tx *store.Tx) error {
		if s, err = tx.State("540"); err != nil {
			return err
		}
		changes, err = tx.Events(store.EventFilter{Invitee: "540", Kind: "address"})
		return err
	})
	if err != nil || s.Email != "bibliotek@sonderborg.dk" || len(changes) != 1 || changes[0].Detail["by"] != "shell" {
		t.Errorf("after rsvpd address: state %+v, changes %+v, %v", s, changes, err)
	}
}
