package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", "--config FILE [--json] [--limit N] [--after CODE]",
		"Show the invitees' states, a page at a time in code order, and the totals per meeting.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	limit := fs.Int("limit", 500, "show at most `N` invitees (0: all of them)")
	after := fs.String("after", "", "show the invitees after this `code` (the next page, as the last page says)")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	rep, err := loadReport(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	rep = rep.Paged(*after, *limit)
	if *asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout, cfg.Campaign.Location)
	}
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	return 0
}

// loadReport reads the invitees' states from the store; a store that does not exist yet means
// nothing has happened, and is not created by looking.
func loadReport(ctx context.Context, cfg *config.Config) (status.Report, error) {
	if _, err := os.Stat(cfg.Store.Path); errors.Is(err, fs.ErrNotExist) {
		return status.Build(cfg.Campaign, nil), nil
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return status.Report{}, err
	}
	defer st.Close()
	b := status.NewBuilder(cfg.Campaign)
	err = st.View(ctx, func(tx *store.Tx) error { return tx.EachState(b.Add) })
	if err != nil {
		return status.Report{}, fmt.Errorf("read state from %s: %w", cfg.Store.Path, err)
	}
	return b.Report(), nil
}
