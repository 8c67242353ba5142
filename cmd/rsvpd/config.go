package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
)

// newFlags makes a command's flag set that prints its usage to stderr.
func newFlags(name, args, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: rsvpd %s %s\n\n%s\n\nflags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; it returns the exit status to use when the command must stop
// (0 after -h, 2 after a usage error) and ok false.
func parseFlags(fs *flag.FlagSet, args []string) (status int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// loadConfig loads the configuration named by --config, printing every problem to stderr.
func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
	if path == "" {
		fmt.Fprintln(stderr, "rsvpd: --config FILE is required (see config.example.yaml)")
		return nil, false
	}
	cfg, err := config.Load(path)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(stderr, e)
			}
			fmt.Fprintf(stderr, "rsvpd: %s: %d problem(s)\n", path, len(errs))
		} else {
			fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		}
		return nil, false
	}
	return cfg, true
}

// openEngine loads the configuration and opens the daemon's engine on its store, on the real
// clock, for a staff command that changes one thing. On failure it has said why on stderr
// and returns the exit code (2 for the configuration, 1 for the store).
func openEngine(ctx context.Context, path string, stderr io.Writer) (*daemon.Engine, *config.Config, int) {
	cfg, ok := loadConfig(path, stderr)
	if !ok {
		return nil, nil, 2
	}
	e, err := daemon.Open(ctx, cfg, clock.Real(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return nil, nil, 1
	}
	return e, cfg, 0
}
