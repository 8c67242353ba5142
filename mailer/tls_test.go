package mailer

import (
	"crypto/tls"
	"crypto/x509"
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

func TestClientTLSConfig(t *testing.T) {
	roots := x509.NewCertPool()
	for _, tc := range []struct {
		name       string
		base       *tls.Config
		serverName string
		min        uint16
	}{
		{"nil: system roots", nil, "mail.kombit.test", tls.VersionTLS12},
		{"roots only: the host", &tls.Config{RootCAs: roots}, "mail.kombit.test", tls.VersionTLS12},
		{"its own name", &tls.Config{ServerName: "mx.kombit.test"}, "mx.kombit.test", tls.VersionTLS12},
		{"its own floor", &tls.Config{MinVersion: tls.VersionTLS13}, "mail.kombit.test", tls.VersionTLS13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var name string
			var floor uint16
			if tc.base != nil {
				name, floor = tc.base.ServerName, tc.base.MinVersion
			}
			c := ClientTLSConfig(tc.base, "mail.kombit.test")
			if c == tc.base {
				t.Fatal("the base config itself was returned, not a copy")
			}
			if c.ServerName != tc.serverName || c.MinVersion != tc.min {
				t.Errorf("ServerName %q, MinVersion %x; want %q, %x", c.ServerName, c.MinVersion, tc.serverName, tc.min)
			}
			if tc.base == nil {
				return
			}
			if c.RootCAs != tc.base.RootCAs {
				t.Error("the base's roots were dropped")
			}
			if tc.base.ServerName != name || tc.base.MinVersion != floor {
				t.Errorf("the base was changed: ServerName %q, MinVersion %x", tc.base.ServerName, tc.base.MinVersion)
			}
		})
	}
}
