package daemon

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// Open builds an Engine from a configuration: it opens the store, reads the campaign secret
// and parses the letters. Close releases the store.
func Open(ctx context.Context, cfg *config.Config, clock Clock, log *slog.Logger) (*Engine, error) {
	signer, err := cfg.Signer()
	if err != nil {
		return nil, err
	}
	l, err := letters.New(cfg.Campaign, cfg.Path(cfg.Templates))
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	e, err := New(Options{Config: cfg, Store: st, Signer: signer, Letters: l, Clock: clock, Log: log})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("start engine: %w", err)
	}
	return e, nil
}

// Close closes the store.
func (e *Engine) Close() error { return e.st.Close() }
