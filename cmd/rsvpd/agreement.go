package main

import (
	"context"
	"fmt"
	"io"
)

func runAgreement(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "confirm" {
		fmt.Fprintln(stderr, "usage: rsvpd agreement confirm CODE --config FILE\n\nRecord that a returned agreement has been checked.")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return 0 // help asked for is not a usage error
		}
		return 2
	}
	fs := newFlags("agreement confirm", "CODE --config FILE", "Record that a returned agreement has been checked.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	args = args[1:]
	code := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		code, args = args[0], args[1:]
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if code == "" && fs.NArg() > 0 {
		code = fs.Arg(0)
	}
	if code == "" {
		fmt.Fprintln(stderr, "rsvpd agreement confirm: give the invitee's code")
		return 2
	}
	e, cfg, exit := openEngine(ctx, *cfgPath, stderr)
	if e == nil {
		return exit
	}
	defer e.Close()
	if err := e.ConfirmAgreement(ctx, code, "shell"); err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	inv, _ := cfg.Campaign.Invitee(code)
	fmt.Fprintf(stdout, "agreement of %s %s confirmed\n", code, inv.Name)
	return 0
}
