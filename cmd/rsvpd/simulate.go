package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/rsvpd/rsvpd/simulate"
)

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("simulate", "--config FILE [--replies FILE]",
		"Run the campaign on a virtual clock from before the first job to after the deadline, sending nothing,\n"+
			"and print every message that would go out: when (local time), to whom, which template.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	repliesPath := fs.String("replies", "", "a YAML `file` of scripted replies (see simulate.LoadScript)")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	var script []simulate.Step
	if *repliesPath != "" {
		var err error
		if script, err = simulate.LoadScript(*repliesPath, cfg.Campaign); err != nil {
			fmt.Fprintf(stderr, "rsvpd: %v\n", err)
			return 2
		}
	}
	dir, err := os.MkdirTemp("", "rsvpd-simulate-")
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	res, err := simulate.Run(ctx, simulate.Options{Config: cfg, Script: script, Dir: dir})
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: simulate: %v\n", err)
		return 1
	}
	if err := simulate.WriteTimeline(stdout, cfg.Campaign, res); err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	return 0
}
