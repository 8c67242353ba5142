// Package e2e holds rsvpd's end-to-end tests: the daemon against a real Postfix and Dovecot
// on loopback (started by mailtest), in-process and as a subprocess that is killed with
// SIGKILL at random points, and the benchmarks that measure it whole. It has no code of its own.
package e2e
