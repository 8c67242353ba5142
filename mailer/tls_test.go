package mailer

import (
	"fmt"
	"testing"
)

func TestTLSMode(t *testing.T) {
	for _, tc := range []struct {
		in         string
		ok         bool
		smtp, imap int
	}{
		{"none", true, 587, 143}, {"starttls", true, 587, 143}, {"tls", true, 465, 993},
		{"", false, 0, 0}, {"ssl", false, 0, 0}, {"TLS", false, 0, 0},
	} {
		m, err := ParseTLSMode(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseTLSMode(%q): %v, want ok %v", tc.in, err, tc.ok)
			continue
		}
		if !tc.ok {
			if want := fmt.Sprintf("%q is not a TLS mode", tc.in); err.Error()[:len(want)] != want {
				t.Errorf("ParseTLSMode(%q): %q, want it to start with %q", tc.in, err, want)
			}
			continue
		}
		if m.SMTPPort() != tc.smtp || m.IMAPPort() != tc.imap {
			t.Errorf("%s: ports %d and %d, want %d and %d", m, m.SMTPPort(), m.IMAPPort(), tc.smtp, tc.imap)
		}
	}
}
