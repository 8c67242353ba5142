package mailer

import (
	"net/netip"
	"strings"
)

// IsLoopback reports whether host, a name or an address as a URL or a host:port carries it,
// can only mean this machine: the name localhost (in any case), or an address in 127.0.0.0/8
// or ::1, also bracketed ([::1]), IPv4-mapped (::ffff:127.0.0.1) or with a zone (::1%lo).
// Every other name is not, whatever it starts with: 127.example.org is a name like any other
// and resolves wherever its owner says. Nor is the empty host, which means every interface.
//
// It is the one rule for what may go in the clear (tls: none, http token and desk URLs, a
// bearer token over SMTP without TLS) and for who counts as this machine (ops without a
// token, the desk's reusable sign-in link).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
