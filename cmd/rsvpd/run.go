package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/mailer/dkim"
	"github.com/rsvpd/rsvpd/mailer/outbox"
)

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", "--config FILE [--no-watch] [--no-send]",
		"Run the campaign: send what is due, read the replies, confirm, remind and report, until stopped.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	noWatch := fs.Bool("no-watch", false, "do not read the IMAP inbox (send only)")
	noSend := fs.Bool("no-send", false, "do not send (messages wait in the outbox)")
	grace := fs.Duration("shutdown-timeout", 10*time.Second,
		"on SIGTERM or SIGINT, how long to finish the messages in flight before exiting anyway")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	// SIGHUP reloads (run_ops.go); caught from the start, so an early one does not kill us.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	level := new(slog.LevelVar)
	level.Set(parseLevel(cfg.Log.Level))
	log := newLogger(cfg, stderr, level)
	o := daemon.RunOptions{Clock: clock.Real(), Send: !*noSend, Watch: !*noWatch}
	if err := signIns(cfg, &o, log); err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 2
	}
	if o.Send {
		o.Progress = progressPrinter(stderr)
	}
	e, err := daemon.Open(ctx, cfg, o.Clock, log)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	srv, code := setupOps(ctx, cfg, e, &o, log, stderr)
	if code != 0 {
		e.Close()
		return code
	}
	if srv != nil {
		go func() {
			if err := srv.Serve(ctx); err != nil {
				log.Error("health and metrics endpoint stopped", "err", err)
			}
		}()
	}
	go reloadOnHUP(ctx, hup, *cfgPath, cfg, e, level, log)
	log.Info("rsvpd running", "campaign", cfg.Campaign.Name, "invitees", len(cfg.Campaign.Invitees),
		"store", cfg.Store.Path, "send", o.Send, "watch", o.Watch)
	if err := sdNotify("READY=1"); err != nil {
		log.Warn("cannot tell the service manager that rsvpd is ready", "err", err)
	}
	stopped, err := runUntilStopped(ctx, e, o, *grace, log)
	if !stopped {
		return 1 // the loops still hold the store: leave it to the exit
	}
	e.Close()
	if err != nil {
		log.Error("rsvpd stopped", "err", err)
		return 1
	}
	return 0
}

// signIns sets how the loops sign in: a server signed in to with OAuth2 gets its credentials
// (a fresh token for every connection; IMAP and SMTP share a token file), any other its
// password, read now. It also reads the DKIM key when mail.dkim is set.
func signIns(cfg *config.Config, o *daemon.RunOptions, log *slog.Logger) error {
	imapCreds, smtpCreds := auth.ForServers(cfg, auth.Options{Log: log})
	var err error
	switch {
	case !o.Send:
	case cfg.Mail.SMTP.Auth.OAuth2():
		o.SMTPSignIn = smtpCreds
	default:
		if o.SMTPPassword, err = cfg.Mail.SMTP.Password(); err != nil {
			return fmt.Errorf("SMTP password: %w", err)
		}
	}
	switch {
	case !o.Watch:
	case cfg.Mail.IMAP.Auth.OAuth2():
		o.IMAPSignIn = imapCreds
	default:
		if o.IMAPPassword, err = cfg.Mail.IMAP.Password(); err != nil {
			return fmt.Errorf("IMAP password: %w", err)
		}
	}
	if o.Send && cfg.Mail.DKIM.Domain != "" {
		if o.DKIM, err = dkim.New(cfg.Mail.DKIM); err != nil {
			return err
		}
	}
	return nil
}

// newLogger makes the daemon's logger as the config asks, at a level SIGHUP can change.
func newLogger(cfg *config.Config, w io.Writer, level *slog.LevelVar) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseLevel reads a configured log level ("debug" ...); info when it cannot.
func parseLevel(s string) slog.Level {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(s)))
	return level
}

// progressPrinter shows a sending batch as one line: n/N, rate, time left. On a terminal the
// line is rewritten in place; otherwise a line is printed every 10 seconds and at the end.
func progressPrinter(w io.Writer) func(outbox.Progress) {
	tty := isTerminal(w)
	var mu sync.Mutex
	var last time.Time
	return func(p outbox.Progress) {
		mu.Lock()
		defer mu.Unlock()
		done := p.Sent + p.Failed
		final := done >= p.Total
		if !tty && !final && time.Since(last) < 10*time.Second {
			return
		}
		last = time.Now()
		left := "-"
		if p.Left > 0 && !final {
			left = p.Left.Round(time.Second).String()
		}
		line := fmt.Sprintf("sending %d/%d  %.1f msg/s  %s left", done, p.Total, p.Rate, left)
		if p.Failed > 0 || p.Deferred > 0 {
			line += fmt.Sprintf("  (%d failed, %d to retry)", p.Failed, p.Deferred)
		}
		if tty {
			fmt.Fprintf(w, "\r\033[K%s", line)
			if final {
				fmt.Fprintln(w)
			}
			return
		}
		fmt.Fprintln(w, line)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
