package mailer

import "testing"

func TestIsLoopback(t *testing.T) {
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.1.2.3", true}, // all of 127.0.0.0/8
		{"localhost", true},
		{"LocalHost", true}, // names are case-insensitive
		{"::1", true},
		{"[::1]", true}, // as a URL writes it
		{"::1%lo", true},
		{"0:0:0:0:0:0:0:1", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped
		{"[::ffff:127.0.0.1]", true},

		{"127.evil.example", false}, // a name that starts like an address
		{"127.0.0.1.nip.io", false},
		{"localhost.evil.example", false},
		{"evil-localhost", false},
		{"[localhost]", false},
		{"[::1", false},
		{"::2", false},
		{"::ffff:10.0.0.1", false},
		{"128.0.0.1", false},
		{"10.0.0.1", false},
		{"0.0.0.0", false}, // every interface
		{"::", false},
		{"", false},
		{"127.1", false}, // not an address Go parses: refused rather than guessed
		{"mail.example.org", false},
	} {
		if got := IsLoopback(tc.host); got != tc.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}
