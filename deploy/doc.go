// Package deploy holds what runs rsvpd in production besides the binary: the systemd unit
// (rsvpd.service) here and the Dockerfile at the root of the repository. Its tests build the
// binary as the Dockerfile does and check the files an operator installs.
package deploy
