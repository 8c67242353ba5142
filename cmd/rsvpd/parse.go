package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/rsvpd/rsvpd/replies"
)

// parseLine is one line of `rsvpd parse` output: the file as named, then the reading.
type parseLine struct {
	File string `json:"file"`
	replies.Reading
}

func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("parse", "[--config FILE] FILE...",
		"Read each file as one mail message and print what rsvpd reads in it, one JSON object a line\n"+
			"(FILE - reads standard input). With --config the campaign's reading is added: invitee,\n"+
			"intent, meeting, headcount.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file` (optional)")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	files := fs.Args()
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	var opts replies.Options
	if *cfgPath != "" {
		cfg, ok := loadConfig(*cfgPath, stderr)
		if !ok {
			return interruptedOr(ctx, 2)
		}
		signer, err := cfg.ReadSigner()
		if err != nil {
			fmt.Fprintf(stderr, "rsvpd parse: %v\n", err)
			return 2
		}
		opts = replies.Options{Campaign: cfg.Campaign, Signer: signer, AuthServID: cfg.Mail.IMAP.AuthServID}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	status := 0
	for _, name := range files {
		if ctx.Err() != nil {
			return exitInterrupted
		}
		r, err := parseFile(ctx, name, opts)
		if ctx.Err() != nil {
			return exitInterrupted
		}
		if err != nil {
			fmt.Fprintf(stderr, "rsvpd parse: %v\n", err)
			status = 2
			continue
		}
		if err := enc.Encode(parseLine{File: name, Reading: r}); err != nil {
			fmt.Fprintf(stderr, "rsvpd parse: write: %v\n", err)
			return 1
		}
	}
	return status
}

// parseFile reads and reads a message, or returns as soon as ctx ends: a pipe may never
// deliver its end, and the reading of a message cannot be interrupted (it is linear in a
// bounded input, about a second at most).
func parseFile(ctx context.Context, name string, opts replies.Options) (replies.Reading, error) {
	type result struct {
		r   replies.Reading
		err error
	}
	done := make(chan result, 1)
	go func() {
		raw, err := readInput(name)
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{r: replies.Read(raw, opts)}
	}()
	select {
	case res := <-done:
		return res.r, res.err
	case <-ctx.Done():
		return replies.Reading{}, context.Cause(ctx)
	}
}

// readInput reads a named file, or standard input for "-", as far as a message is read
// (replies.MaxMessage): /dev/zero or an endless pipe does not fill the memory.
func readInput(name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(io.LimitReader(os.Stdin, replies.MaxMessage))
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return data, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, replies.MaxMessage))
	if err != nil {
		return nil, fmt.Errorf("read message %s: %w", name, err)
	}
	return data, nil
}
