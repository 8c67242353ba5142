package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestAgreementConfirm runs `rsvpd agreement confirm` on the example campaign's store: a code
// is confirmed once, with its name; a second time, an unknown code or none is refused with a
// reason and a non-zero exit.
func TestAgreementConfirm(t *testing.T) {
	cfgPath := exampleIn(t, t.TempDir())
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := dispatch(context.Background(), append([]string{"agreement"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	for _, tc := range []struct {
		name     string
		args     []string
		exit     int
		out, err string
	}{
		{"no code", []string{"confirm", "--config", cfgPath}, 2, "", "give the invitee's code"},
		{"unknown code", []string{"confirm", "9999", "--config", cfgPath}, 1, "", `no invitee has code "9999"`},
		{"first time", []string{"confirm", "101", "--config", cfgPath}, 0, "agreement of 101 København confirmed", ""},
		{"code after the flags", []string{"confirm", "--config", cfgPath, "147"}, 0, "agreement of 147 Frederiksberg confirmed", ""},
		{"second time", []string{"confirm", "101", "--config", cfgPath}, 1, "", "101 is already confirmed"},
		{"no config", []string{"confirm", "101"}, 2, "", "--config FILE is required"},
	} {
		code, out, errOut := run(tc.args...)
		if code != tc.exit || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, %q and %q", tc.name, code, out, errOut, tc.exit, tc.out, tc.err)
		}
	}
}
