// Package testenv says what a test needs of the machine besides Go: a program such as
// pdftotext, Chromium, python3-icalendar or systemd-analyze (the real mail servers are
// package mailtest's). `go test -short` runs on a laptop without them: a test whose need is
// missing skips there, naming scripts/test. Without -short a missing need fails the test, so
// that scripts/test (which installs everything and fails on any skip) never passes without
// having run it. It also holds what the packages' tests share: Golden, the golden-file
// comparison; Store, a temporary store, and Inbound and Deliver, a message put in its ledger
// as the watcher would; Rsvpd, the command built once, and Main, which a package using it
// runs its tests with, to remove it at the end; OutboxOf, the outbox of a store a running
// rsvpd writes; SpoofCases, the expectations of the forged-reply corpus; ChromiumDir, the
// folder of a test's Chromium. It imports store, so store's and campaign's own tests cannot
// use it.
package testenv

import (
	"os/exec"
	"testing"
)

// Tool returns the path of the program name. Missing, it skips the test under -short and
// fails it otherwise, saying how to install it.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	Missing(t, name+" is not installed", install)
	return ""
}

// Missing reports an unmet need: a skip under -short, a failure otherwise.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("%s: this test runs in scripts/test, which installs it (%s)", what, install)
	}
	t.Fatalf("%s: %s, or run scripts/setup as root", what, install)
}
