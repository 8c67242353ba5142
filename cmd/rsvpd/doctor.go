package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rsvpd/rsvpd/doctor"
)

func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("doctor", "--config FILE [--probe-timeout 60s]",
		"Check, before a campaign, that rsvpd can use the configured mail servers: reach, TLS and\n"+
			"certificate, sign-in to SMTP and IMAP, IDLE and MOVE, the inbox and the processed mailbox,\n"+
			"and a probe through the organiser's tokened reply address (plus addressing). One line per\n"+
			"check, with what to do about a failure; exit 0 when nothing failed, 1 otherwise.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	probe := fs.Duration("probe-timeout", 60*time.Second, "how long to wait for the probe in the inbox")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	signer, err := cfg.ReadSigner()
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd doctor: %v\n", err)
		return 2
	}
	rs := doctor.Run(ctx, stdout, doctor.Options{Config: cfg, Signer: signer, ProbeTimeout: *probe})
	if doctor.Failed(rs) {
		fmt.Fprintln(stdout, "\nrsvpd doctor: some checks failed; fix them before the campaign starts.")
		return 1
	}
	fmt.Fprintln(stdout, "\nrsvpd doctor: all checks passed.")
	return 0
}
