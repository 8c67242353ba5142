package config

import (
	"fmt"
	"strings"
	"testing"
)

// inviteeList writes a configuration naming an invitee list with the given body (after the
// header line) into a temporary folder and parses it.
func inviteeList(t *testing.T, body string) error {
	t.Helper()
	return parseWithList(t, "code,name,formal_name,region,population_2012q1,email\n"+body)
}

// TestInputBounds checks that what is far beyond a real campaign is refused with the bound
// named, before it fills the memory: a configuration of more than 1 MiB, more invitees than
// MaxInvitees, a line of the list longer than 64 KiB, names and values longer than a header
// or a page, and that a list full of mistakes reports the first thousand and counts the rest.
func TestInputBounds(t *testing.T) {
	t.Run("configuration file", func(t *testing.T) {
		_, err := Load("/dev/zero")
		if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
			t.Errorf("Load(/dev/zero): %v", err)
		}
	})
	t.Run("rows", func(t *testing.T) {
		var b strings.Builder
		for i := range MaxInvitees + 1 {
			fmt.Fprintf(&b, "m%d,K%d,K%d,R,1000,a%d@k.test\n", i, i, i, i)
		}
		err := inviteeList(t, b.String())
		if err == nil || !strings.Contains(err.Error(), "inv.csv:200002: more than 200000 invitees") {
			t.Errorf("a list of %d invitees: %v", MaxInvitees+1, err)
		}
	})
	t.Run("a long line", func(t *testing.T) {
		err := inviteeList(t, "101,"+strings.Repeat("A", 1<<20)+",K,R,1000,a@k.test\n")
		if err == nil || !strings.Contains(err.Error(), "a line is longer than 64 KiB") {
			t.Errorf("a name of a megabyte: %v", err)
		}
	})
	t.Run("a long name", func(t *testing.T) {
		err := inviteeList(t, "101,"+strings.Repeat("A", 600)+",K,R,1000,a@k.test\n")
		if err == nil || !strings.Contains(err.Error(), "inv.csv:2: invitees[0].name: 600 bytes long") {
			t.Errorf("a name of 600 bytes: %v", err)
		}
	})
	t.Run("a long address", func(t *testing.T) {
		err := inviteeList(t, "101,K,K,R,1000,"+strings.Repeat("a", 300)+"@k.test\n")
		if err == nil || !strings.Contains(err.Error(), "an e-mail address has at most 254") {
			t.Errorf("an address of 307 bytes: %v", err)
		}
	})
	t.Run("many mistakes", func(t *testing.T) {
		err := inviteeList(t, strings.Repeat("X!,K,K,R,1000,a@k.test\n", 3000))
		errs, _ := err.(Errors)
		if len(errs) != maxErrors+1 || !strings.Contains(errs[len(errs)-1].Error(), "more problems not shown") {
			t.Errorf("%d problems reported, the last %v", len(errs), errs[len(errs)-1])
		}
	})
	t.Run("a long title", func(t *testing.T) {
		errs := mistakes(t, [2]string{"  title: Dialogmøde om det nye fælles bibliotekssystem",
			"  title: " + strings.Repeat("x", 600)})
		if !strings.Contains(errs.Error(), "campaign.title: 600 bytes long; a value used in mail headers has at most 500") {
			t.Errorf("a title of 600 bytes:\n%v", errs)
		}
	})
	t.Run("authserv_id", func(t *testing.T) {
		errs := mistakes(t, [2]string{`authserv_id: ""`, `authserv_id: "mx kombit"`})
		if !strings.Contains(errs.Error(), `mail.imap.authserv_id: "mx kombit" is not an authserv-id`) {
			t.Errorf("a bad authserv_id:\n%v", errs)
		}
	})
}
