package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Every command answers -h with its usage on stderr and status 0, as operators expect; a help
// asked for is not a usage error.
func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands() {
		var out, errb bytes.Buffer
		code := dispatch(context.Background(), []string{name, "-h"}, &out, &errb)
		if code != 0 || !strings.Contains(errb.String(), "usage: rsvpd "+name) {
			t.Errorf("rsvpd %s -h: status %d, stderr %q", name, code, errb.String())
		}
	}
}
