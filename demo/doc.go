// Package demo runs a whole campaign in well under a minute for someone who has installed
// nothing but Go: the real daemon on a virtual clock, against embedded SMTP and IMAP servers
// (package sandbox), with simulated directors who read their mail and answer as real ones do,
// through SMTP into the campaign's inbox. `rsvpd demo` is its command.
package demo
