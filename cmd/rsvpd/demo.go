package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/demo"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", "[--config FILE] [--speed max|FACTOR|1d] [--keep-running] [--out DIR] [--seed N]",
		"Run a whole campaign in well under a minute, with nothing to install: embedded SMTP and IMAP servers\n"+
			"on 127.0.0.1, the real daemon on a virtual clock from just before the invitations to the last digest,\n"+
			"and simulated invitees who answer through SMTP. Prints a line per campaign day, then the last digest\n"+
			"and the status table; leaves the store, a config for `rsvpd status` and every message as .eml files.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file` (default: the embedded 2012 example)")
	speedFlag := fs.String("speed", "max", "virtual time per real second: max, a factor such as 3600, or a duration such as 1d or 6h")
	keep := fs.Bool("keep-running", false, "keep the mail servers and the daemon up after the campaign, until Ctrl-C")
	out := fs.String("out", "", "the `folder` for the store, the config, the log and the mail (default: a new temporary folder)")
	seed := fs.String("seed", "1", "the `number` that draws who answers what and when")
	smtpAddr := fs.String("smtp", "", "where the SMTP server listens, host:port (default 127.0.0.1 on a free port)")
	imapAddr := fs.String("imap", "", "where the IMAP server listens, host:port (default 127.0.0.1 on a free port)")
	httpAddr := fs.String("http", "", "with --keep-running: where the staff desk listens, host:port (default 127.0.0.1 on a free port)")
	until := fs.String("until", "", "end the campaign at this `date` (YYYY-MM-DD, the campaign's time zone) instead of after the last digest;\n"+
		"with --keep-running, everything stays up at that moment, and before the deadline the one-click links work")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rsvpd demo: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	speed, err := demo.ParseSpeed(*speedFlag)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd demo: --%v\n", err)
		return 2
	}
	n, err := strconv.ParseUint(*seed, 10, 64)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd demo: --seed %q: want a whole number\n", *seed)
		return 2
	}
	var cfg *config.Config
	if *cfgPath != "" {
		// The same checks and messages as every other command.
		var ok bool
		if cfg, ok = loadConfig(*cfgPath, stderr); !ok {
			return 2
		}
	} else if cfg, err = config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, ""); err != nil {
		fmt.Fprintf(stderr, "rsvpd demo: %v\n", err)
		return 1
	}
	var untilAt time.Time
	if *until != "" {
		if untilAt, err = time.ParseInLocation("2006-01-02", *until, cfg.Campaign.Location); err != nil {
			fmt.Fprintf(stderr, "rsvpd demo: --until %q: want a date such as 2012-02-20\n", *until)
			return 2
		}
	}
	_, err = demo.Run(ctx, demo.Options{ConfigFile: *cfgPath, Dir: *out, Seed: n, Speed: speed, KeepRunning: *keep,
		SMTPAddr: *smtpAddr, IMAPAddr: *imapAddr, HTTPAddr: *httpAddr, Until: untilAt, Out: stdout})
	if errors.Is(err, demo.ErrInterrupted) {
		fmt.Fprintln(stderr, "rsvpd demo: interrupted")
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd demo: %v\n", err)
		return 1
	}
	return 0
}
