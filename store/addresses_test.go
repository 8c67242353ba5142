package store

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// A changed address is kept with the state, written and read back with it, and found by
// ChangedAddresses and InviteeWithAddress; an invitee whose list address holds is in neither.
// AddressVersion grows with each "address" event, whoever logged it.
func TestChangedAddresses(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	at := time.Date(2012, 2, 20, 9, 0, 0, 0, time.UTC)
	version := func() int64 {
		t.Helper()
		var v int64
		if err := s.View(ctx, func(tx *Tx) (err error) { v, err = tx.AddressVersion(); return err }); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := version(); v != 0 {
		t.Fatalf("an empty store's address version = %d, want 0", v)
	}
	err := s.Tx(ctx, func(tx *Tx) error {
		for _, code := range []string{"540", "615"} {
			st := campaign.NewState(code)
			st.Status = campaign.StatusInvited
			if code == "540" {
				st.Email = "bibliotek@sonderborg.dk"
			}
			if err := tx.PutState(st); err != nil {
				return err
			}
		}
		if err := tx.Log(Event{At: at, Invitee: "615", Kind: "answer", Cause: "inbound:1"}); err != nil {
			return err
		}
		return tx.Log(Event{At: at, Invitee: "540", Kind: "address", Cause: "staff:address",
			Detail: map[string]any{"from": "chef@soenderborg.test", "to": "bibliotek@sonderborg.dk"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	first := version()
	if first != 2 {
		t.Errorf("address version = %d, want 2 (the address event's id)", first)
	}
	err = s.View(ctx, func(tx *Tx) error {
		st, err := tx.State("540")
		if err != nil || st.Email != "bibliotek@sonderborg.dk" {
			t.Errorf("State(540) = %+v, %v; want the new address kept", st, err)
		}
		got, err := tx.ChangedAddresses()
		if want := map[string]string{"540": "bibliotek@sonderborg.dk"}; err != nil || !maps.Equal(got, want) {
			t.Errorf("ChangedAddresses = %v, %v; want %v", got, err, want)
		}
		if code, err := tx.InviteeWithAddress("bibliotek@sonderborg.dk"); err != nil || code != "540" {
			t.Errorf("InviteeWithAddress = %q, %v; want 540", code, err)
		}
		if code, err := tx.InviteeWithAddress(""); !errors.Is(err, ErrNotFound) {
			t.Errorf("InviteeWithAddress(\"\") = %q, %v; want not found (no address is empty)", code, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(ctx, func(tx *Tx) error {
		return tx.Log(Event{At: at, Invitee: "540", Kind: "address", Cause: "staff:address"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := version(); v <= first {
		t.Errorf("address version after a second change = %d, want more than %d", v, first)
	}
	// Both reads use indexes: the daemon asks for the version before every batch of replies.
	if p := queryPlan(t, s, `SELECT MAX(id) FROM events WHERE kind = 'address'`); !strings.Contains(p, "events_kind") {
		t.Errorf("the address version reads %q, want the index events_kind", p)
	}
	if p := queryPlan(t, s, `SELECT code, email FROM invitees WHERE email <> ''`); !strings.Contains(p, "invitees_email") {
		t.Errorf("the changed addresses read %q, want the index invitees_email", p)
	}
}
