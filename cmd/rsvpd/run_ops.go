package main

// The operations side of `rsvpd run`: the health and metrics endpoint, reloading on SIGHUP,
// and a stop that finishes the work in flight within a deadline.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/desk"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/ops"
	"github.com/rsvpd/rsvpd/schedules"
)

// setupOps builds the HTTP endpoint when the configuration names an address, binds it, and
// wires its hooks into the run options and the engine. It returns nil when HTTP is off, and a
// non-zero exit status when it cannot start (2: the configuration, 1: the address).
func setupOps(ctx context.Context, cfg *config.Config, e *daemon.Engine, o *daemon.RunOptions, log *slog.Logger, stderr io.Writer) (*ops.Server, int) {
	if cfg.HTTP.Address == "" {
		return nil, 0
	}
	token, err := cfg.HTTP.Token()
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: http token: %v\n", err)
		return nil, 2
	}
	dk, err := setupDesk(cfg, e, log)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return nil, 2
	}
	srv, err := ops.New(ctx, ops.Options{Address: cfg.HTTP.Address, Token: token, Store: e.Store(),
		Send: o.Send, Watch: o.Watch, SMTPAddr: cfg.Mail.SMTP.Addr(), SMTPTLS: cfg.Mail.SMTP.TLS, Log: log,
		Desk: dk, TLSCertFile: cfg.Web.TLSCertFile, TLSKeyFile: cfg.Web.TLSKeyFile})
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return nil, 2
	}
	if err := srv.Listen(); err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return nil, 1
	}
	o.SenderTweak = chain(o.SenderTweak, srv.TweakSender)
	o.WatcherTweak = chain(o.WatcherTweak, srv.TweakWatcher)
	o.OnWatcher = srv.SetWatcher
	onJobs := o.OnJobs
	o.OnJobs = func(r schedules.Report) {
		srv.Jobs(r)
		if onJobs != nil {
			onJobs(r)
		}
	}
	e.OnRead(srv.Read)
	return srv, 0
}

// setupDesk builds the staff desk and the one-click pages for the HTTP listener (nil when
// web.desk is off). The desk signs people in, so bound to anything but loopback it must be
// reached over TLS: served here (web.tls_cert_file) or by a proxy (web.behind_tls_proxy).
func setupDesk(cfg *config.Config, e *daemon.Engine, log *slog.Logger) (http.Handler, error) {
	w := cfg.Web
	if !w.Desk {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(cfg.HTTP.Address)
	if err != nil {
		return nil, fmt.Errorf("http address %q: %w", cfg.HTTP.Address, err)
	}
	if !mailer.IsLoopback(host) && !w.TLS() {
		return nil, fmt.Errorf("http address %s is reachable from other machines and serves the staff desk, which signs people in: "+
			"serve TLS (web.tls_cert_file and web.tls_key_file), or set web.behind_tls_proxy: true behind a reverse proxy that terminates TLS, "+
			"or listen on 127.0.0.1 (or set web.desk: false)", cfg.HTTP.Address)
	}
	d, err := desk.New(desk.Options{Engine: e, Signer: e.Signer(), BaseURL: e.DeskURL(), OneClick: e.AnswerURL() != "",
		Secure: w.TLS() || strings.HasPrefix(w.PublicURL, "https://"), TrustProxy: w.BehindTLSProxy, Mailer: e, Log: log})
	if err != nil {
		return nil, err
	}
	return d.Handler(), nil
}

// chain calls first (when set), then then.
func chain[T any](first, then func(T)) func(T) {
	if first == nil {
		return then
	}
	return func(v T) { first(v); then(v) }
}

// reloadOnHUP reloads the configuration on every SIGHUP until ctx ends: the engine takes what
// it can (the letters, the review batch, the cap of automatic answers), the log level is set
// here, and everything else that changed is named as needing a restart. A configuration or a
// template with errors changes nothing.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, path string, cfg *config.Config, e *daemon.Engine, level *slog.LevelVar, log *slog.Logger) {
	format := cfg.Log.Format
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		next, err := config.Load(path)
		if err != nil {
			log.Error("reload: the configuration has problems; nothing changed", "config", path, "err", err)
			continue
		}
		reloaded, restart, err := e.Reload(next)
		if err != nil {
			log.Error("reload failed; nothing changed", "config", path, "err", err)
			continue
		}
		lv := parseLevel(next.Log.Level)
		if lv != level.Level() {
			reloaded = append(reloaded, fmt.Sprintf("log.level %s -> %s", strings.ToLower(level.Level().String()), next.Log.Level))
		}
		if next.Log.Format != format {
			restart = append(restart, "log.format")
		}
		// The line saying what was reloaded is written at the more talkative of the two
		// levels, so that it is seen also when the level was raised to warn.
		if lv < level.Level() {
			level.Set(lv)
		}
		log.Info("reloaded the configuration", "config", path, "reloaded", strings.Join(reloaded, "; "))
		level.Set(lv)
		if len(restart) > 0 {
			log.Warn("reload: these settings changed but take effect only after a restart", "settings", strings.Join(restart, ", "))
		}
	}
}

// runUntilStopped runs the engine until ctx ends (SIGTERM, SIGINT), then gives it grace to
// finish the messages in flight. stopped is false when it was still busy at the deadline:
// the caller exits anyway, and what was in flight is done again at the next start (the
// outbox and the inbound ledger are built for that).
func runUntilStopped(ctx context.Context, e *daemon.Engine, o daemon.RunOptions, grace time.Duration, log *slog.Logger) (stopped bool, err error) {
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, o) }()
	select {
	case err := <-done:
		return true, err
	case <-ctx.Done():
	}
	sdNotify("STOPPING=1")
	begun := time.Now()
	log.Info("stopping: no new work; finishing what is in flight", "deadline", grace)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-done:
		log.Info("rsvpd stopped", "took", time.Since(begun).Round(time.Millisecond))
		return true, err
	case <-t.C:
		log.Error("rsvpd did not stop within the deadline; exiting with work in flight, which the next start does again",
			"deadline", grace)
		return false, nil
	}
}
