package replies

import (
	"net/textproto"
	"slices"
	"testing"
)

// TestReadFrom checks that the sender is the one address of the From header as RFC 5322
// parses it from the raw header: never an address written in a display name (encoded or
// not) or a comment, and none at all when From is broken, a group or a list.
func TestReadFrom(t *testing.T) {
	for _, c := range []struct {
		name, from, addr, dispName string
		problem                    bool
	}{
		{"plain", `Birgitte Holm <Bibliotekschef@Horsens.Kommune.test>`, "bibliotekschef@horsens.kommune.test", "Birgitte Holm", false},
		{"bare", `bibliotekschef@horsens.kommune.test`, "bibliotekschef@horsens.kommune.test", "", false},
		{"encoded name", `=?iso-8859-1?q?S=F8ren_=C6r=F8?= <s@vejle.test>`, "s@vejle.test", "Søren Ærø", false},
		{"windows-1252 name", `=?windows-1252?q?S=F8ren?= <s@vejle.test>`, "s@vejle.test", "Søren", false},
		{"8-bit name", "S\xf8ren <s@vejle.test>", "s@vejle.test", "Søren", false},
		{"encoded address in the name", `=?UTF-8?B?YmlibGlvdGVrc2NoZWZAaG9yc2Vucy5rb21tdW5lLnRlc3Q=?= <attacker@example.test>`, "attacker@example.test", "bibliotekschef@horsens.kommune.test", false},
		{"q-encoded address in the name", `=?utf-8?q?bibliotekschef=40horsens=2Ekommune=2Etest?= <attacker@example.test>`, "attacker@example.test", "bibliotekschef@horsens.kommune.test", false},
		{"quoted address in the name", `"bibliotekschef@horsens.kommune.test" <attacker@example.test>`, "attacker@example.test", "bibliotekschef@horsens.kommune.test", false},
		{"address in a comment", `attacker@example.test (bibliotekschef@horsens.kommune.test)`, "attacker@example.test", "bibliotekschef@horsens.kommune.test", false},
		{"unquoted comma in the name", `Holm, Birgitte <bibliotekschef@horsens.kommune.test>`, "bibliotekschef@horsens.kommune.test", "Holm, Birgitte", false},
		{"unquoted address as the name", `bibliotekschef@horsens.kommune.test <attacker@example.test>`, "", "", true},
		{"two mailboxes", `Holm <bibliotekschef@horsens.kommune.test>, Eve <attacker@example.test>`, "", "", true},
		{"two bare addresses", `bibliotekschef@horsens.kommune.test, attacker@example.test`, "", "", true},
		{"group of one", `friends: bibliotekschef@horsens.kommune.test;`, "", "", true},
		{"empty group", `undisclosed-recipients:;`, "", "", true},
		{"no at sign", `MAILER-DAEMON (Mail Delivery System)`, "", "", true},
		{"only a name", `Birgitte Holm`, "", "", true},
		{"unclosed", `Birgitte Holm <bibliotekschef@horsens.kommune.test`, "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := readFrom(textproto.MIMEHeader{"From": {c.from}})
			if s.addr != c.addr || (c.dispName != "" && s.name != c.dispName) || !s.problem.IsZero() != c.problem {
				t.Errorf("From: %s\nread %q name %q problem %+v; want %q name %q problem %v", c.from, s.addr, s.name, s.problem, c.addr, c.dispName, c.problem)
			}
		})
	}
	t.Run("two From headers", func(t *testing.T) {
		s := readFrom(textproto.MIMEHeader{"From": {"a@vejle.test", "b@vejle.test"}})
		if s.addr != "" || s.problem.IsZero() {
			t.Errorf("read %+v", s)
		}
	})
	t.Run("no From, only Sender", func(t *testing.T) {
		s := readFrom(textproto.MIMEHeader{"Sender": {"bibliotekschef@horsens.kommune.test"}})
		if s.addr != "" || s.problem.IsZero() {
			t.Errorf("read %+v", s)
		}
	})
}

// TestReadRecipients checks that the addresses a reply was sent to come from the address
// lists of the recipient headers, never from their names or comments.
func TestReadRecipients(t *testing.T) {
	h := textproto.MIMEHeader{
		"To":                 {`"KOMBIT <rsvp+name@kombit.test>" <dialogmoeder@kombit.test>, Holm, Birgitte <b@horsens.test>`},
		"Cc":                 {`=?utf-8?q?rsvp+encoded=40kombit.test?= <c@kombit.test> (rsvp+comment@kombit.test)`},
		"Delivered-To":       {`rsvp+615-abc@kombit.test`},
		"Original-Recipient": {`rfc822; rsvp+orig@kombit.test`},
	}
	got := readRecipients(h)
	want := []string{"dialogmoeder@kombit.test", "b@horsens.test", "c@kombit.test", "rsvp+615-abc@kombit.test", "rsvp+orig@kombit.test"}
	if !slices.Equal(got, want) {
		t.Errorf("recipients %q, want %q", got, want)
	}
}
