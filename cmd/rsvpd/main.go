// Command rsvpd runs the correspondence of an invitation campaign: it sends the invitations,
// reads the replies, confirms, reminds and reports. See README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: it parses its own flags from args and returns the exit status
// (0 success, 1 failure, 2 usage or invalid input).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		// One line per subcommand, in the file named after it.
		"run":       {"run the campaign: send, read replies, confirm, remind, report", runRun},
		"simulate":  {"print the whole timeline on a virtual clock, sending nothing", runSimulate},
		"status":    {"show every invitee's state and the totals per meeting", runStatus},
		"review":    {"list review items, or resolve one", runReview},
		"agreement": {"confirm a returned agreement", runAgreement},
		"check":     {"validate the configuration and summarise the campaign", runCheck},
		"parse":     {"read mail files and print what rsvpd reads in them, as JSON lines", runParse},
		"preview":   {"write every invitation and a sample of every other letter as .eml files", runPreview},
		"demo":      {"run a whole campaign in a minute on embedded mail servers, with simulated invitees", runDemo},
		"replay":    {"read the stored replies again with the current rules and show what reads differently", runReplay},
		"login":     {"sign in to the mailbox with OAuth2 and keep the refresh token", runLogin},
		"doctor":    {"check the mail servers, the sign-in and plus addressing before a campaign", runDoctor},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "rsvpd: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: rsvpd <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nrsvpd <command> -h describes a command's flags.")
}
