package campaign

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		problem  AddressProblem
	}{
		{"bibliotek@sonderborg.dk", "bibliotek@sonderborg.dk", ""},
		{"  Bibliotek@Sonderborg.DK \n", "bibliotek@sonderborg.dk", ""},
		{"Hanne Due <HD@sonderborg.dk>", "hd@sonderborg.dk", ""},
		{`"Due, Hanne" <hd@sonderborg.dk>`, "hd@sonderborg.dk", ""},
		{"hd@bibliotek.sønderborg.dk", "hd@bibliotek.sønderborg.dk", ""},
		{"", "", AddressEmpty},
		{"   ", "", AddressEmpty},
		{"a@sonderborg.dk, b@sonderborg.dk", "", AddressSeveral},
		{"a@sonderborg.dk; b@sonderborg.dk", "", AddressSeveral},
		{"a@sonderborg.dk b@sonderborg.dk", "", AddressSeveral},
		{"bibliotekschef", "", AddressNoDomain},
		{"bibliotekschef@", "", AddressInvalid},
		{"bibliotekschef@localhost", "", AddressNoDomain},
		{"bibliotekschef@sonderborg.", "", AddressInvalid},
		{"bibliotekschef@-sonderborg.dk", "", AddressNoDomain},
		{"bibliotekschef@sonder_borg.dk", "", AddressNoDomain},
		{"@sonderborg.dk", "", AddressInvalid},
		{"biblio tekschef@sonderborg.dk", "", AddressInvalid},
		{"hd@sonderborg.dk\r\nBcc: x@evil.test", "", AddressInvalid},
		{strings.Repeat("a", 250) + "@x.dk", "", AddressTooLong},
	} {
		got, err := ParseAddress(tc.in)
		var ae *AddressError
		switch {
		case tc.problem == "" && (err != nil || got != tc.want):
			t.Errorf("ParseAddress(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.problem != "" && (!errors.As(err, &ae) || ae.Problem != tc.problem):
			t.Errorf("ParseAddress(%q) = %q, %v; want the problem %s", tc.in, got, err, tc.problem)
		case tc.problem != "" && got != "":
			t.Errorf("ParseAddress(%q) returned %q beside its error", tc.in, got)
		}
	}
}

func TestMovedAddressMatchesTheNewOnly(t *testing.T) {
	c := testCampaign()
	c.Invitees = append(c.Invitees, Invitee{Code: "540", Name: "Sønderborg", Email: "chef@soenderborg.test"})
	c.Index()
	c.MoveAddress("540", "bibliotek@sonderborg.dk")
	c.MoveAddress("999", "nobody@else.test") // not listed: left out
	if inv, ok := c.Invitee("540"); !ok || inv.Email != "bibliotek@sonderborg.dk" {
		t.Errorf("Invitee(540) = %+v, want the new address", inv)
	}
	if inv, ok := c.InviteeByEmail("bibliotek@sonderborg.dk"); !ok || inv.Code != "540" || inv.Email != "bibliotek@sonderborg.dk" {
		t.Errorf("the new address finds %+v, %v; want 540", inv, ok)
	}
	if inv, ok := c.InviteeByEmail("chef@soenderborg.test"); ok {
		t.Errorf("the address that was changed still finds %s", inv.Code)
	}
	if _, ok := c.InviteeByEmail("nobody@else.test"); ok {
		t.Error("an address set for a code the campaign does not list finds an invitee")
	}
	if inv, ok := c.InviteeByEmail("b@horsens.test"); !ok || inv.Code != "615" {
		t.Errorf("another invitee's listed address finds %+v, %v", inv, ok)
	}
	if got := c.EmailAt(1); got != "bibliotek@sonderborg.dk" {
		t.Errorf("EmailAt = %q", got)
	}
	if c.Invitees[1].Email != "chef@soenderborg.test" {
		t.Errorf("the list itself changed: %q", c.Invitees[1].Email)
	}
	// Changed back to the listed address: it holds again.
	c.SetAddresses(map[string]string{"540": "chef@soenderborg.test"})
	if inv, ok := c.InviteeByEmail("chef@soenderborg.test"); !ok || inv.Code != "540" {
		t.Errorf("the listed address, set again, finds %+v, %v", inv, ok)
	}
}

func TestReaddress(t *testing.T) {
	c := testCampaign()
	cph := c.Location
	c.Schedule.Invitations = time.Date(2012, 2, 6, 9, 0, 0, 0, cph)
	c.Schedule.Agreement = time.Date(2012, 2, 14, 9, 0, 0, 0, cph)
	c.Deadline = time.Date(2012, 3, 16, 0, 0, 0, 0, cph)
	feb10 := time.Date(2012, 2, 10, 9, 0, 0, 0, cph)
	feb20 := time.Date(2012, 2, 20, 9, 0, 0, 0, cph)
	mar3 := time.Date(2012, 3, 3, 9, 0, 0, 0, cph)
	mar20 := time.Date(2012, 3, 20, 9, 0, 0, 0, cph)
	bounced := func(st State) State { st.Delivery = DeliveryUndeliverable; return st }
	withAgreement := func(st State, a AgreementStatus) State { st.Agreement = a; return st }
	declined := invited()
	declined.Status = StatusDeclined
	unclear := invited()
	unclear.Status = StatusUnclear
	for _, tc := range []struct {
		name      string
		st        State
		now       time.Time
		want      string
		agreement AgreementStatus
	}{
		{"mail arrived: nothing again", invited(), feb10, "", AgreementNone},
		{"invitation bounced", bounced(invited()), feb10, "invitation", AgreementNone},
		{"unclear answer, then a bounce", bounced(unclear), feb10, "invitation", AgreementNone},
		{"not invited yet: the job will do it", bounced(NewState("615")), feb10, "", AgreementNone},
		{"agreement letter skipped while bouncing", bounced(invited()), feb20, "invitation,agreement", AgreementSent},
		{"agreement letter bounced", bounced(withAgreement(invited(), AgreementSent)), feb20, "invitation,agreement", AgreementSent},
		{"agreement back already", bounced(withAgreement(invited(), AgreementReturned)), feb20, "invitation", AgreementReturned},
		{"registered (by the staff): the confirmation", bounced(attending("vejle", 2, 1)), feb10, "confirmation:vejle", AgreementNone},
		{"registered, meeting held", bounced(withAgreement(attending("aalborg", 2, 1), AgreementSent)), mar3, "agreement", AgreementSent},
		{"declined", bounced(declined), feb20, "agreement", AgreementSent},
		{"after the deadline", bounced(invited()), mar20, "", AgreementNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, eff := Readdress(c, tc.st, "ny@horsens.test", tc.now)
			if got := kinds(eff); got != tc.want {
				t.Errorf("letters = %q, want %q", got, tc.want)
			}
			if next.Email != "ny@horsens.test" || next.Delivery != DeliveryOK {
				t.Errorf("state: address %q, delivery %s; want the new address, ok", next.Email, next.Delivery)
			}
			if next.Agreement != tc.agreement {
				t.Errorf("agreement = %s, want %s", next.Agreement, tc.agreement)
			}
			if next.Status != tc.st.Status || next.Meeting != tc.st.Meeting || next.Sequence != tc.st.Sequence {
				t.Errorf("the answer changed: %+v", next)
			}
			for _, e := range eff {
				if e.Kind == EffectConfirm && (e.Headcount != 2 || e.Sequence != 1) {
					t.Errorf("confirmation %+v, want 2 people, SEQUENCE 1 (the registration's)", e)
				}
			}
		})
	}
}
