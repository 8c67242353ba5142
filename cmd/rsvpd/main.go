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
	"time"
)

// command is one subcommand: it parses its own flags from args and returns the exit status
// (0 success, 1 failure, 2 usage or invalid input, exitInterrupted when SIGINT or SIGTERM
// stopped it).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
	// ownStop marks the commands that end on SIGINT or SIGTERM as their way to stop, in
	// their own time (run finishes the messages in flight), with status 0.
	ownStop bool
}

// exitInterrupted is the status of a command that SIGINT or SIGTERM stopped before it was
// done (128 + SIGINT, as shells report it).
const exitInterrupted = 130

// stopGrace is how long a command has to end after SIGINT or SIGTERM before rsvpd gives it
// up: it sees the signal through its context, and every loop checks it; the grace covers a
// store transaction in flight or a read that cannot be interrupted.
const stopGrace = 2 * time.Second

func commands() map[string]command {
	return map[string]command{
		// One line per subcommand, in the file named after it.
		"run":       {"run the campaign: send, read replies, confirm, remind, report", runRun, true},
		"simulate":  {"print the whole timeline on a virtual clock, sending nothing", runSimulate, false},
		"status":    {"show every invitee's state and the totals per meeting", runStatus, false},
		"review":    {"list review items, or resolve one", runReview, false},
		"agreement": {"confirm a returned agreement", runAgreement, false},
		"address":   {"change an invitee's address and send again what bounced", runAddress, false},
		"check":     {"validate the configuration and summarise the campaign", runCheck, false},
		"parse":     {"read mail files and print what rsvpd reads in them, as JSON lines", runParse, false},
		"preview":   {"write every invitation and a sample of every other letter as .eml files", runPreview, false},
		"demo":      {"run a whole campaign in a minute on embedded mail servers, with simulated invitees", runDemo, true},
		"replay":    {"read the stored replies again with the current rules and show what reads differently", runReplay, false},
		"login":     {"sign in to the mailbox with OAuth2 and keep the refresh token", runLogin, false},
		"doctor":    {"check the mail servers, the sign-in and plus addressing before a campaign", runDoctor, false},
		"version":   {"print the module version and the VCS revision rsvpd was built from", runVersion, false},
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
	if args[0] == "--version" || args[0] == "-version" {
		args = []string{"version"}
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "rsvpd: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if c.ownStop {
		return c.run(ctx, args[1:], stdout, stderr)
	}
	code := runStoppable(ctx, c.run, args[1:], stdout, stderr, stopGrace)
	if code == exitInterrupted {
		fmt.Fprintf(stderr, "rsvpd %s: stopped: %v\n", args[0], context.Cause(ctx))
	}
	return code
}

// runStoppable runs a command and returns its status; once ctx ends (SIGINT or SIGTERM) the
// command has grace to return, and is then given up. Either way the status is
// exitInterrupted unless the command had succeeded.
func runStoppable(ctx context.Context, run func(context.Context, []string, io.Writer, io.Writer) int,
	args []string, stdout, stderr io.Writer, grace time.Duration) int {
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, stdout, stderr) }()
	select {
	case code := <-done:
		return interruptedOr(ctx, code)
	case <-ctx.Done():
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case code := <-done:
		return interruptedOr(ctx, code)
	case <-t.C:
		return exitInterrupted
	}
}

// interruptedOr is code, or exitInterrupted for a failure after ctx ended.
func interruptedOr(ctx context.Context, code int) int {
	if code != 0 && ctx.Err() != nil {
		return exitInterrupted
	}
	return code
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
