package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rsvpd/rsvpd/mailer/auth"
)

func runLogin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("login", "--config FILE",
		"Sign in to the mailbox with OAuth2 (the device-code flow) and store the refresh token in the\n"+
			"token file the configuration names (mode 0600), for mail.imap.auth and mail.smtp.auth with\n"+
			"grant refresh_token. Open the address it prints on any device and enter the code.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	sis, err := auth.SignIns(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd login: %v\n", err)
		return 2
	}
	if len(sis) == 0 {
		fmt.Fprintln(stderr, "rsvpd login: neither mail.imap.auth nor mail.smtp.auth signs in with a refresh token "+
			"(method oauth2, grant refresh_token): there is nothing to sign in to")
		return 2
	}
	for _, si := range sis {
		if err := auth.Login(ctx, si, stdout, auth.Options{}); err != nil {
			fmt.Fprintf(stderr, "rsvpd login: %v: %v\n", si.Servers, err)
			return 1
		}
	}
	return 0
}
